package dev.latchkey.bench;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Uses a bearer token the way an engineer's kubectl would: lists pods, trusting only the cluster's
 * CA.
 */
final class TokenProbe implements AutoCloseable {
  private static final Pattern TOKEN =
      Pattern.compile("(?m)^\\s*token:\\s*\"?([A-Za-z0-9._\\-]+)\"?\\s*$");

  private final HttpClient http;
  private final URI pods;

  TokenProbe(String server, String caData) throws Exception {
    this.http =
        HttpClient.newBuilder()
            .sslContext(trusting(caData))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.pods = URI.create(server + "/api/v1/pods?limit=1");
  }

  /** TLS that trusts only the given CAs (base64 PEM bundles, as kubeconfigs embed them). */
  static SSLContext trusting(String... caData) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    for (String bundle : caData) {
      for (Certificate cert :
          factory.generateCertificates(
              new ByteArrayInputStream(Base64.getDecoder().decode(bundle.strip())))) {
        trust.setCertificateEntry("ca" + i++, cert);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  static String tokenOf(String kubeconfig) {
    Matcher m = TOKEN.matcher(kubeconfig);
    if (!m.find()) {
      throw new IllegalStateException("no token in the kubeconfig");
    }
    return m.group(1);
  }

  /** Lists pods with the token until the API server says 200; returns the number of tries. */
  int awaitAccepted(String token, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    int tries = 0;
    int last = 0;
    while (System.nanoTime() < deadline) {
      tries++;
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(pods)
                  .header("Authorization", "Bearer " + token)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      last = r.statusCode();
      if (last == 200) {
        return tries;
      }
      Thread.sleep(2);
    }
    throw new IllegalStateException(
        "token not accepted within " + timeout + " (last answer " + last + ")");
  }

  @Override
  public void close() {
    http.close();
  }
}
