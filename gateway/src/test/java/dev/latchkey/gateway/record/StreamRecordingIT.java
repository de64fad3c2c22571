package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.client.Config;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kubectl exec through a relay that taps the stream as the gateway does, on the real API server
 * (its kubelet-lite runs the command): a typed command and its output are in the recording, over
 * WebSocket (kubectl's first choice) and SPDY, with and without a terminal.
 */
@EnabledIfEnvironmentVariable(
    named = "LATCHKEY_IT_KUBECONFIG",
    matches = ".*\\S.*",
    disabledReason = "LATCHKEY_IT_KUBECONFIG is not set: real-API-server tests skipped")
class StreamRecordingIT {
  private static final String KUBECONFIG_ENV = "LATCHKEY_IT_KUBECONFIG";
  private static final String TYPED = "echo hello-from-recording";
  private static final String OUTPUT = "hello-from-recording";

  private static Path adminKubeconfig;
  private static Path relayFiles;
  private static Path relayKubeconfig;
  private static String namespace;
  private static TappingRelay relay;

  @BeforeAll
  static void startRelayAndPod() throws Exception {
    String value = System.getenv(KUBECONFIG_ENV);
    assumeTrue(
        value != null && !value.isBlank(),
        KUBECONFIG_ENV + " is not set: real-API-server tests skipped");
    assumeTrue(
        run(List.of("kubectl", "version", "--client"), Map.of(), "").exit() == 0,
        "kubectl is not installed: skipped");
    adminKubeconfig = Path.of(value);
    Config admin = Config.fromKubeconfig(Files.readString(adminKubeconfig));
    // fabric8 keeps a kubeconfig's token as the "auto" one
    String token =
        admin.getOauthToken() != null ? admin.getOauthToken() : admin.getAutoOAuthToken();
    assumeTrue(token != null, "the admin kubeconfig has no token: skipped");

    namespace = "recording-it-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    kubectl(adminKubeconfig, "create", "namespace", namespace);
    String pod =
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: shell, namespace: %s}
        spec:
          nodeName: kit-node
          containers: [{name: main, image: busybox}]
        """
            .formatted(namespace);
    check(run(kubectlCommand(adminKubeconfig, "apply", "-f", "-"), Map.of(), pod));
    kubectl(
        adminKubeconfig,
        "wait",
        "--for=condition=Ready",
        "pod/shell",
        "-n",
        namespace,
        "--timeout=60s");

    relayFiles = Files.createTempDirectory("relay");
    String relayCertificate = selfSignedCertificate(relayFiles);
    relay =
        new TappingRelay(
            URI.create(admin.getMasterUrl()),
            trusting(admin.getCaCertData()),
            serving(relayFiles.resolve("relay.p12")));
    relayKubeconfig = relayFiles.resolve("kubeconfig");
    Files.writeString(
        relayKubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: relay, cluster: {server: "https://127.0.0.1:%d", certificate-authority-data: %s}}]
        users: [{name: admin, user: {token: "%s"}}]
        contexts: [{name: relay, context: {cluster: relay, user: admin, namespace: %s}}]
        current-context: relay
        """
            .formatted(relay.port(), relayCertificate, token, namespace));
  }

  @AfterAll
  static void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    if (relayFiles != null) {
      try (var files = Files.list(relayFiles)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(relayFiles);
    }
    if (namespace != null) {
      run(
          kubectlCommand(adminKubeconfig, "delete", "namespace", namespace, "--wait=false"),
          Map.of(),
          "");
    }
  }

  @ParameterizedTest(name = "websocket={0}")
  @ValueSource(booleans = {true, false})
  void pipedInput(boolean websocket) throws Exception {
    int before = relay.streams.size();
    Result result =
        run(
            kubectlCommand(relayKubeconfig, "exec", "-i", "shell", "-c", "main", "--", "sh"),
            transport(websocket),
            TYPED + "\nexit\n");
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).contains(OUTPUT);

    TappingRelay.Stream stream = onlyStreamSince(before);
    assertTransport(stream, websocket);
    Cast cast = recording(stream);
    assertThat(cast.text("i")).contains(TYPED + "\n");
    assertThat(cast.text("o")).contains(OUTPUT + "\n").doesNotContain(TYPED);
    assertThat(cast.header().get("title").asText())
        .isEqualTo("exec " + namespace + "/shell (main): sh");
    assertThat(Recordings.summary(stream.sink().bytes()).commands()).containsExactly(TYPED, "exit");
  }

  @ParameterizedTest(name = "websocket={0}")
  @ValueSource(booleans = {true, false})
  void terminal(boolean websocket) throws Exception {
    int before = relay.streams.size();
    try (Terminal terminal = Terminal.start(websocket)) {
      terminal.awaitPrompt();
      terminal.type(TYPED + "\r");
      terminal.await(screen -> screen.split(OUTPUT, -1).length > 2);
      terminal.type("exit\r");
      assertThat(terminal.process.waitFor(30, TimeUnit.SECONDS)).as(terminal.screen()).isTrue();
    }

    TappingRelay.Stream stream = onlyStreamSince(before);
    assertTransport(stream, websocket);
    assertThat(stream.session().tty()).isTrue();
    Cast cast = recording(stream);
    // The size kubectl sent: in the header, or (when it came after the wait) the first "r" event.
    String size =
        cast.events().stream()
            .filter(e -> e.code().equals("r"))
            .map(Cast.Event::data)
            .findFirst()
            .orElse(cast.header().get("width") + "x" + cast.header().get("height"));
    assertThat(size).isEqualTo("100x30");
    assertThat(cast.header().get("env").get("TERM").asText()).isEqualTo("xterm");
    assertThat(cast.text("i")).isEqualTo(TYPED + "\rexit\r");
    assertThat(cast.text("o")).contains(TYPED + "\r\n" + OUTPUT + "\r\n");
    assertThat(Recordings.summary(stream.sink().bytes()).commands()).containsExactly(TYPED, "exit");
  }

  @ParameterizedTest(name = "websocket={0}")
  @ValueSource(booleans = {true, false})
  void cutWithAFarewellLine(boolean websocket) throws Exception {
    int before = relay.streams.size();
    String line = "access ar-7k2q9xbd ended: revoked";
    try (Terminal terminal = Terminal.start(websocket)) {
      terminal.awaitPrompt();
      TappingRelay.Stream stream = onlyStreamSince(before);

      assertThat(stream.cut(line)).as("a farewell offered between frames").isTrue();

      assertThat(terminal.process.waitFor(30, TimeUnit.SECONDS)).as(terminal.screen()).isTrue();
      assertThat(terminal.screen()).as("kubectl showed the line").contains(line);
      Cast cast = recording(stream);
      assertThat(cast.events().getLast().code()).isEqualTo("o");
      assertThat(cast.events().getLast().data()).isEqualTo("\r\n" + line + "\r\n");
    }
  }

  /** kubectl exec -it … sh in a terminal of 100×30 that script(1) gives it. */
  private record Terminal(Process process, ByteArrayOutputStream output, Thread reader)
      implements AutoCloseable {
    static Terminal start(boolean websocket) throws Exception {
      assumeTrue(
          run(List.of("script", "--version"), Map.of(), "").exit() == 0,
          "script(1) is not installed: terminal tests skipped");
      String command =
          "stty cols 100 rows 30; exec kubectl --kubeconfig "
              + relayKubeconfig
              + " exec -it shell -c main -- sh";
      ProcessBuilder builder =
          new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true);
      builder.environment().putAll(transport(websocket));
      Process process = builder.start();
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      Thread reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), output));
      return new Terminal(process, output, reader);
    }

    String screen() {
      return text(output);
    }

    void awaitPrompt() {
      await(screen -> screen.matches("(?s).*[$#] $"));
    }

    void await(java.util.function.Predicate<String> shown) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> shown.test(screen()));
    }

    /** Key by key, as a person types. */
    void type(String keys) throws IOException {
      OutputStream keyboard = process.getOutputStream();
      for (byte key : keys.getBytes(StandardCharsets.UTF_8)) {
        keyboard.write(key);
        keyboard.flush();
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      reader.join(5000);
    }
  }

  private static Map<String, String> transport(boolean websocket) {
    return Map.of("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", websocket ? "true" : "false");
  }

  private static TappingRelay.Stream onlyStreamSince(int before) {
    await().atMost(Duration.ofSeconds(10)).until(() -> relay.streams.size() > before);
    List<TappingRelay.Stream> opened = relay.streams.subList(before, relay.streams.size());
    assertThat(opened).hasSize(1);
    return opened.getFirst();
  }

  private static void assertTransport(TappingRelay.Stream stream, boolean websocket) {
    if (websocket) {
      assertThat(stream.transport()).isEqualToIgnoringCase("websocket");
      assertThat(stream.subprotocol()).isEqualTo("v5.channel.k8s.io");
    } else {
      assertThat(stream.transport()).isEqualTo("SPDY/3.1");
      assertThat(stream.subprotocol()).isEqualTo("v4.channel.k8s.io");
    }
  }

  private static Cast recording(TappingRelay.Stream stream) throws Exception {
    StreamTap.RecordingSummary summary = stream.finished().get(30, TimeUnit.SECONDS);
    assertThat(stream.failure().get()).as("the tap never failed").isNull();
    assertThat(summary.bytes()).isEqualTo(stream.sink().bytes().length);
    assertThat(summary.sha256()).contains(stream.sink().sha256());
    return stream.sink().cast();
  }

  private static String text(ByteArrayOutputStream screen) {
    synchronized (screen) {
      return screen.toString(StandardCharsets.UTF_8);
    }
  }

  private static void drain(InputStream in, ByteArrayOutputStream into) {
    byte[] buffer = new byte[4096];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        synchronized (into) {
          into.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /**
   * The relay's own certificate (for 127.0.0.1, a day), made by the JDK's keytool; returns it in
   * PEM, base64, for the kubeconfig, which trusts it as its own authority.
   */
  private static String selfSignedCertificate(Path directory) throws Exception {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    String keystore = directory.resolve("relay.p12").toString();
    check(
        run(
            List.of(
                keytool,
                "-genkeypair",
                "-alias",
                "relay",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=relay",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "1",
                "-keystore",
                keystore,
                "-storetype",
                "PKCS12",
                "-storepass",
                "relay-pass"),
            Map.of(),
            ""));
    Result pem =
        run(
            List.of(
                keytool,
                "-exportcert",
                "-rfc",
                "-alias",
                "relay",
                "-keystore",
                keystore,
                "-storepass",
                "relay-pass"),
            Map.of(),
            "");
    check(pem);
    String certificate = pem.output().substring(pem.output().indexOf("-----BEGIN"));
    return Base64.getEncoder().encodeToString(certificate.getBytes(StandardCharsets.US_ASCII));
  }

  private static SSLContext serving(Path keystore) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, "relay-pass".toCharArray());
    }
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, "relay-pass".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keyManagers.getKeyManagers(), null, null);
    return tls;
  }

  private static SSLContext trusting(String caData) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    for (Certificate ca :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(Base64.getDecoder().decode(caData)))) {
      trust.setCertificateEntry("ca-" + i++, ca);
    }
    TrustManagerFactory trustManagers =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trustManagers.getTrustManagers(), null);
    return tls;
  }

  private record Result(int exit, String output) {}

  private static List<String> kubectlCommand(Path kubeconfig, String... arguments) {
    List<String> command =
        new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(arguments));
    return command;
  }

  private static void kubectl(Path kubeconfig, String... arguments) throws Exception {
    check(run(kubectlCommand(kubeconfig, arguments), Map.of(), ""));
  }

  private static void check(Result result) {
    if (result.exit() != 0) {
      throw new IllegalStateException("kubectl failed: " + result.output());
    }
  }

  private static Result run(List<String> command, Map<String, String> environment, String input)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), output));
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    reader.join(5000);
    return new Result(process.exitValue(), text(output));
  }
}
