package dev.latchkey.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the gateway reaches one cluster's API server as Latchkey itself: the server's URL, the trust
 * and client keys for TLS, and Latchkey's bearer token when it has no client certificate. Read from
 * the cluster's client configuration; these credentials never reach an engineer.
 */
public final class ApiServerUpstream {
  private static final Logger log = LoggerFactory.getLogger(ApiServerUpstream.class);

  private final URI server;
  private final X509TrustManager trust;
  private final Optional<KeyManager> key;
  private final boolean verifyHostname;
  private final Config config;
  private final AtomicReference<Optional<String>> bearer;

  private ApiServerUpstream(
      URI server,
      X509TrustManager trust,
      Optional<KeyManager> key,
      boolean verifyHostname,
      Config config) {
    this.server = server;
    this.trust = trust;
    this.key = key;
    this.verifyHostname = verifyHostname;
    this.config = config;
    this.bearer = new AtomicReference<>(token(config));
  }

  /** The API server of a configured cluster, as Latchkey's own client reaches it. */
  public static ApiServerUpstream of(ClusterConnection connection) {
    return of(connection.client().getConfiguration());
  }

  /**
   * The API server a client configuration names. Refuses a configuration that is not HTTPS or
   * carries neither a client certificate nor a token, so a misconfigured cluster fails at start.
   */
  public static ApiServerUpstream of(Config config) {
    URI server = URI.create(Objects.requireNonNull(config.getMasterUrl(), "master URL"));
    if (!"https".equalsIgnoreCase(server.getScheme()) || server.getHost() == null) {
      throw new IllegalArgumentException(
          "the gateway reaches API servers over HTTPS only, not " + config.getMasterUrl());
    }
    X509TrustManager trust;
    Optional<KeyManager> key;
    try {
      trust = x509(SSLUtils.trustManagers(config));
      KeyManager[] keys = SSLUtils.keyManagers(config);
      key = keys == null || keys.length == 0 ? Optional.empty() : Optional.of(keys[0]);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "cannot read the TLS settings for " + config.getMasterUrl() + ": " + e.getMessage(), e);
    }
    if (key.isEmpty() && token(config).isEmpty()) {
      throw new IllegalArgumentException(
          "the configuration for "
              + config.getMasterUrl()
              + " holds neither a client certificate nor a token for Latchkey");
    }
    boolean verify = !config.isTrustCerts() && !config.isDisableHostnameVerification();
    return new ApiServerUpstream(server, trust, key, verify, config);
  }

  /** The API server's URL (scheme https, host, port, and a path prefix when it has one). */
  public URI server() {
    return server;
  }

  /** The port to connect to (443 when the URL names none). */
  public int port() {
    return server.getPort() < 0 ? 443 : server.getPort();
  }

  /** The URL's path without a trailing slash: empty for most API servers. */
  public String pathPrefix() {
    String path = server.getRawPath() == null ? "" : server.getRawPath();
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** Trusts what Latchkey's own client trusts for this server. */
  public X509TrustManager trustManager() {
    return trust;
  }

  /** Latchkey's client certificate and key, when it authenticates with one. */
  public Optional<KeyManager> keyManager() {
    return key;
  }

  /** Whether the server's certificate must name its host (off only where the kubeconfig says). */
  public boolean verifyHostname() {
    return verifyHostname;
  }

  /** Latchkey's bearer token for this server, when it authenticates with one. */
  public Optional<String> bearerToken() {
    return bearer.get();
  }

  /**
   * Reads the token again (a mounted ServiceAccount token rotates, an exec plugin's expires).
   * Blocking: call it off the I/O threads. A failed read keeps the previous token.
   */
  public void refreshToken() {
    try {
      Config fresh = config.refresh();
      Optional<String> token = token(fresh);
      if (token.isPresent()) {
        bearer.set(token);
      }
    } catch (RuntimeException e) {
      log.warn("could not refresh Latchkey's token for {}: {}", server, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "ApiServerUpstream[" + server + "]";
  }

  private static Optional<String> token(Config config) {
    String token;
    if (config.getOauthTokenProvider() != null) {
      token = config.getOauthTokenProvider().getToken();
    } else if (config.getOauthToken() != null && !config.getOauthToken().isBlank()) {
      token = config.getOauthToken();
    } else {
      token = config.getAutoOAuthToken();
    }
    return Optional.ofNullable(token).map(String::strip).filter(t -> !t.isEmpty());
  }

  private static X509TrustManager x509(TrustManager[] managers) {
    if (managers != null) {
      for (TrustManager m : managers) {
        if (m instanceof X509TrustManager x) {
          return x;
        }
      }
    }
    return systemTrust();
  }

  private static X509TrustManager systemTrust() {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager m : factory.getTrustManagers()) {
        if (m instanceof X509TrustManager x) {
          return x;
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no default trust manager", e);
    }
    throw new IllegalStateException("no default X.509 trust manager");
  }
}
