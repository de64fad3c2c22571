package dev.latchkey.gateway.tls;

import dev.latchkey.gateway.GatewaySettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's TLS identity: the configured certificate and key, or else a CA and a serving
 * certificate that Latchkey makes in its data directory at first start (P-256 keys, files readable
 * by Latchkey's user only). The CA lasts ten years, so handed-out kubeconfigs keep trusting it; the
 * serving certificate a year, and it is made again at start when it nears its end or no longer
 * names the public URL's host.
 */
public final class GatewayCertificates {
  private static final Logger log = LoggerFactory.getLogger(GatewayCertificates.class);
  static final Duration CA_LIFETIME = Duration.ofDays(3650);
  static final Duration SERVING_LIFETIME = Duration.ofDays(365);
  static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  private GatewayCertificates() {}

  /** The identity the settings describe, made (or renewed) in the data directory if needed. */
  public static ServerIdentity load(GatewaySettings settings, Clock clock) {
    try {
      if (settings.certFile().isPresent()) {
        return configured(
            settings.certFile().get(), settings.keyFile().orElseThrow(), settings.caFile());
      }
      return generated(
          settings.dataDir().resolve("gateway"), hostNames(settings.publicUrl().getHost()), clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the gateway's TLS files", e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot set up the gateway's TLS identity", e);
    }
  }

  /** The names a generated certificate carries: the public host, localhost and 127.0.0.1. */
  static Set<String> hostNames(String publicHost) {
    Set<String> names = new LinkedHashSet<>();
    String host =
        publicHost.startsWith("[") ? publicHost.substring(1, publicHost.length() - 1) : publicHost;
    names.add(host);
    names.add("localhost");
    names.add("127.0.0.1");
    return names;
  }

  private static ServerIdentity configured(Path certFile, Path keyFile, Optional<Path> caFile)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = certificates(Files.readString(certFile));
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(certFile + " holds no PEM certificate");
    }
    PrivateKey key = privateKey(Files.readString(keyFile), keyFile);
    Optional<String> ca = Optional.empty();
    if (caFile.isPresent()) {
      String pem = Files.readString(caFile.get());
      if (certificates(pem).isEmpty()) {
        throw new IllegalArgumentException(caFile.get() + " holds no PEM certificate");
      }
      ca = Optional.of(base64(pem));
    }
    return new ServerIdentity(key, chain, ca);
  }

  private static ServerIdentity generated(Path dir, Set<String> names, Clock clock)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    Files.createDirectories(dir);
    restrict(dir, "rwx------");
    Path caCert = dir.resolve("ca.crt");
    Path caKey = dir.resolve("ca.key");
    Path tlsCert = dir.resolve("tls.crt");
    Path tlsKey = dir.resolve("tls.key");
    Instant now = clock.instant();

    X509Certificate ca;
    PrivateKey caPrivate;
    if (Files.exists(caCert) && Files.exists(caKey)) {
      ca = certificates(Files.readString(caCert)).getFirst();
      caPrivate = privateKey(Files.readString(caKey), caKey);
    } else {
      KeyPair keys = newKeyPair();
      ca = caCertificate(keys, now);
      caPrivate = keys.getPrivate();
      write(caKey, pem("PRIVATE KEY", caPrivate.getEncoded()));
      write(caCert, pem("CERTIFICATE", ca.getEncoded()));
      log.info("made the gateway's CA in {}", dir);
    }

    if (Files.exists(tlsCert) && Files.exists(tlsKey)) {
      X509Certificate serving = certificates(Files.readString(tlsCert)).getFirst();
      if (stillGood(serving, ca, names, now)) {
        return new ServerIdentity(
            privateKey(Files.readString(tlsKey), tlsKey),
            List.of(serving, ca),
            Optional.of(base64(Files.readString(caCert))));
      }
    }
    KeyPair keys = newKeyPair();
    X509Certificate serving = servingCertificate(keys.getPublic(), names, ca, caPrivate, now);
    write(tlsKey, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
    write(tlsCert, pem("CERTIFICATE", serving.getEncoded()));
    log.info("made the gateway's serving certificate for {} in {}", names, dir);
    return new ServerIdentity(
        keys.getPrivate(), List.of(serving, ca), Optional.of(base64(Files.readString(caCert))));
  }

  private static boolean stillGood(
      X509Certificate serving, X509Certificate ca, Set<String> names, Instant now) {
    try {
      serving.verify(ca.getPublicKey());
      if (serving.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
        return false;
      }
      Set<String> has = new LinkedHashSet<>();
      Collection<List<?>> alternatives = serving.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> alternative : alternatives) {
          has.add(String.valueOf(alternative.get(1)));
        }
      }
      return has.containsAll(names);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static X509Certificate caCertificate(KeyPair keys, Instant now)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    X500Name name = new X500Name("CN=Latchkey gateway CA");
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(CA_LIFETIME)),
            name,
            keys.getPublic());
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    builder.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        extensions.createSubjectKeyIdentifier(keys.getPublic()));
    return sign(builder, keys.getPrivate());
  }

  private static X509Certificate servingCertificate(
      PublicKey key, Set<String> names, X509Certificate ca, PrivateKey caKey, Instant now)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            ca,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(SERVING_LIFETIME)),
            new X500Name("CN=" + names.iterator().next().replaceAll("[,=+<>#;\"\\\\]", "_")),
            key);
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    List<GeneralName> alternatives = new ArrayList<>();
    for (String name : names) {
      alternatives.add(
          isIpLiteral(name)
              ? new GeneralName(GeneralName.iPAddress, name)
              : new GeneralName(GeneralName.dNSName, name));
    }
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(alternatives.toArray(GeneralName[]::new)));
    builder.addExtension(
        Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key));
    builder.addExtension(
        Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca));
    return sign(builder, caKey);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException, OperatorCreationException {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM);
  }

  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).getHostAddress().equals(host);
    } catch (IOException e) {
      return false;
    }
  }

  /** Every certificate of a PEM text, in order. */
  static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (var c :
        factory.generateCertificates(
            new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  /** A PEM private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC). */
  static PrivateKey privateKey(String pem, Path from) throws IOException {
    try (Reader reader = new StringReader(pem);
        PEMParser parser = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
      }
    }
    throw new IllegalArgumentException(
        from + " holds no unencrypted PEM private key (PKCS#8, RSA or EC)");
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }

  /** Writes a file readable by its owner only, replacing it whole or not at all. */
  private static void write(Path file, String text) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    Files.createFile(temp, attributes("rw-------"));
    Files.writeString(temp, text, StandardCharsets.US_ASCII);
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static java.nio.file.attribute.FileAttribute<?>[] attributes(String permissions) {
    return supportsPosix()
        ? new java.nio.file.attribute.FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))
        }
        : new java.nio.file.attribute.FileAttribute<?>[0];
  }

  private static void restrict(Path path, String permissions) throws IOException {
    if (supportsPosix()) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }
  }

  private static boolean supportsPosix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
