package dev.latchkey.gateway.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's TLS identity: the key and certificate chain it serves, and the CA engineers'
 * kubeconfigs embed to trust it.
 *
 * @param caCertData the base64 of the CA's PEM (a kubeconfig's {@code certificate-authority-data});
 *     empty for a publicly trusted certificate
 */
public record ServerIdentity(
    PrivateKey key, List<X509Certificate> chain, Optional<String> caCertData) {
  public ServerIdentity {
    Objects.requireNonNull(key, "key");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain holds at least one certificate");
    }
    Objects.requireNonNull(caCertData, "caCertData");
  }

  @Override
  public String toString() {
    return "ServerIdentity[" + chain.getFirst().getSubjectX500Principal() + ", key redacted]";
  }
}
