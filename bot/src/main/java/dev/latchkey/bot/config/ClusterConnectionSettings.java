package dev.latchkey.bot.config;

import dev.latchkey.core.ClusterRef;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How Latchkey reaches one cluster: a kubeconfig file (and context), or the in-cluster service
 * account; and the API URL the vendor's engineers reach, written into the kubeconfigs they are
 * given (default: Latchkey's own), with the CA bundle (base64 PEM) those kubeconfigs trust when it
 * is not the one of Latchkey's own connection.
 */
public record ClusterConnectionSettings(
    ClusterRef cluster,
    Optional<Path> kubeconfig,
    Optional<String> context,
    boolean inCluster,
    Optional<String> supportServer,
    Optional<String> supportCaData) {}
