package dev.latchkey.core;

import dev.latchkey.core.port.ClusterAccess.Kubeconfig;

/** What asking for a kubeconfig gave. */
public sealed interface CredentialOutcome {

  record Issued(AccessRequest request, Kubeconfig kubeconfig) implements CredentialOutcome {}

  record Refused(Refusal refusal) implements CredentialOutcome {}

  record NotFound(String typedId) implements CredentialOutcome {}
}
