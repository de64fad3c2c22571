package dev.latchkey.bot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.CustomerId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String MINIMAL =
      """
      customers:
        - id: acme
          slack:
            teamId: T0CUSTOMER
            channel: C0SHARED
            approvers: { users: [U0APPROVER1] }
          clusters:
            - name: prod
              kubeconfig: /tmp/kubeconfig
      """;

  @Test
  void theShippedExampleNamesEachPlaceholderAndIsValidOnceTheyAreEdited() throws Exception {
    Path example = projectFile("latchkey.example.yml");
    assertThatThrownBy(() -> ConfigLoader.load(example))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .as("one pass, every placeholder")
                    .containsExactly(
                        example
                            + ": customers[0].slack.teamId is `T0123ABCD`, the placeholder of"
                            + " latchkey.example.yml: replace it with your own value (see"
                            + " README.md, \"Configuration\")",
                        example
                            + ": customers[0].slack.channel is `C0456EFGH`, the placeholder"
                            + " of latchkey.example.yml: replace it with your own value (see"
                            + " README.md, \"Configuration\")",
                        example
                            + ": customers[0].slack.approvers.userGroup is `S0789IJKL`, the"
                            + " placeholder of latchkey.example.yml: replace it with your own"
                            + " value (see README.md, \"Configuration\")",
                        example
                            + ": customers[0].clusters[0].kubeconfig is"
                            + " `/etc/latchkey/kubeconfig`, the placeholder of"
                            + " latchkey.example.yml: replace it with your own value (see"
                            + " README.md, \"Configuration\")"));

    LatchkeyConfig config =
        ConfigLoader.parse(
            Files.readString(example)
                .replace("T0123ABCD", "T0CUSTOMER")
                .replace("C0456EFGH", "C0SHARED")
                .replace("S0789IJKL", "S0APPROVERS")
                .replace("/etc/latchkey/kubeconfig", "/srv/kubeconfig"),
            "latchkey.yml");
    ClusterRef prod = new ClusterRef(new CustomerId("acme"), "prod");
    var policy = config.customers().policy(prod).orElseThrow();
    assertThat(policy.credentials()).isEqualTo(CredentialMode.GATEWAY);
    assertThat(policy.role("admin").orElseThrow().approvalsRequired()).isEqualTo(2);
    assertThat(policy.role("operator").orElseThrow().maxDuration()).isEqualTo(Duration.ofHours(4));
    assertThat(config.connections())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.supportServer()).isEmpty();
              assertThat(c.context()).contains("acme-prod");
            });
    assertThat(config.reconcileInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void everyProblemOfTheFileIsListedInOnePass() {
    String yaml =
        """
        database: { url: "mysql://db" }
        timers: { reconcileInterval: soon }
        colour: blue
        customers:
          - id: acme
            slack:
              teamId: T0CUSTOMER
              channel: general
              approvers: { users: [alice] }
            clusters:
              - name: prod
                kubeconfig: /tmp/k
                credentials: magic
                roles:
                  debug: { maxDuration: 1h }
          - id: Beta
            slack: { teamId: T0BETA, channel: C0BETA, approvers: { userGroup: S0000000000 } }
            clusters:
              - name: stage
                inCluster: true
        """;
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "latchkey.yml"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(10)
                    .anySatisfy(p -> assertThat(p).contains("colour is not a known key"))
                    .anySatisfy(p -> assertThat(p).contains("database.url must be a jdbc:h2:"))
                    .anySatisfy(
                        p -> assertThat(p).contains("timers.reconcileInterval `soon` is not"))
                    .anySatisfy(p -> assertThat(p).contains("customers[0].slack.channel `general`"))
                    .anySatisfy(
                        p -> assertThat(p).contains("customers[0].slack.approvers.users `alice`"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains("customers[0].clusters[0].credentials must be `gateway`"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains(
                                    "customers[0].clusters[0].roles.debug.clusterRole is"
                                        + " required"))
                    .anySatisfy(p -> assertThat(p).contains("customers[1].id"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains(
                                    "customers[1].slack.approvers.userGroup is `S0000000000`,"
                                        + " the placeholder of deploy/config.yaml"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains(
                                    "customers[1].clusters[0].supportServer is required with"
                                        + " `inCluster: true`")));
  }

  @Test
  void defaultsAreSafe() {
    LatchkeyConfig config = ConfigLoader.parse(MINIMAL, "latchkey.yml");
    var policy = config.customers().allClusters().getFirst();
    assertThat(policy.roles()).containsOnlyKeys("readonly", "operator");
    assertThat(policy.pendingTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(policy.credentials()).isEqualTo(CredentialMode.TOKEN);
    assertThat(config.databaseUrl()).isEqualTo("jdbc:h2:file:./data/latchkey");
  }

  @Test
  void errorsNameTheKey() {
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig", "kubeconfig: /tmp/k\n        credentials: magic"),
        "customers[0].clusters[0].credentials must be `gateway`, `token` or `external`");
    assertError(MINIMAL.replace("[U0APPROVER1]", "[alice]"), "customers[0].slack.approvers.users");
    assertError(
        MINIMAL.replace("approvers: { users: [U0APPROVER1] }", "approvers: {}"),
        "customers[0].slack.approvers needs");
    assertError(MINIMAL.replace("teamId:", "team:"), "customers[0].slack.team is not a known key");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/k\n        roles:\n" + "          admin: { approvals: 9 }"),
        "customers[0].clusters[0].roles.admin approvals required must be");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/k\n        roles:\n" + "          debug: { maxDuration: 1h }"),
        "customers[0].clusters[0].roles.debug.clusterRole is required");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig", "kubeconfig: /tmp/k\n        pendingTtl: soon"),
        "customers[0].clusters[0].pendingTtl `soon` is not a duration");
    assertError(
        MINIMAL.replace("kubeconfig: /tmp/kubeconfig", "inCluster: false"),
        "customers[0].clusters[0] set exactly one of");
    assertError(MINIMAL.replace("- name: prod", "- name: Prod_1"), "customers[0].clusters[0].name");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/k\n        roles:\n"
                + "          debug: { clusterRole: cluster-admin }"),
        "customers[0].clusters[0].roles.debug.clusterRole custom role debug grants cluster-admin");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/k\n        supportServer: http://k8s.acme.example:6443"),
        "customers[0].clusters[0].supportServer must be the https:// URL");
    assertError(
        MINIMAL.replace("kubeconfig: /tmp/kubeconfig", "inCluster: true"),
        "customers[0].clusters[0].supportServer is required with `inCluster: true`");
    assertError("customers: []", "customers is required");
    assertError("customers: [ {", "is not valid YAML");
  }

  @Test
  void aClusterHostingLatchkeyCannotOfferACluserWideRoleThatReachesItsPod() {
    String hosting =
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "inCluster: true\n        supportServer: https://k8s.vendor-reach.test:6443");
    assertError(
        hosting,
        "customers[0].clusters[0].roles.operator Role operator cannot be offered cluster-wide on"
            + " prod: Latchkey runs in that cluster");
    assertError(hosting, "offer the role only in named namespaces (`scope: namespaced`)");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/kubeconfig\n        hostsLatchkey: true"),
        "customers[0].clusters[0].roles.operator Role operator cannot be offered");
    assertError(
        hosting.replace("inCluster: true", "inCluster: true\n        hostsLatchkey: false"),
        "customers[0].clusters[0].hostsLatchkey cannot be false with `inCluster: true`");

    LatchkeyConfig namespaced =
        ConfigLoader.parse(
            hosting.replace(
                "supportServer: https://k8s.vendor-reach.test:6443",
                "supportServer: https://k8s.vendor-reach.test:6443\n        roles:\n"
                    + "          readonly: {}\n          operator: { scope: namespaced }"),
            "latchkey.yml");
    var policy = namespaced.customers().allClusters().getFirst();
    assertThat(policy.hostsLatchkey()).isTrue();
    assertThat(policy.role("operator").orElseThrow().namespacedOnly()).isTrue();
    LatchkeyConfig gateway =
        ConfigLoader.parse(
            hosting.replace(
                "supportServer: https://k8s.vendor-reach.test:6443", "credentials: gateway"),
            "latchkey.yml");
    assertThat(gateway.customers().allClusters().getFirst().credentials())
        .isEqualTo(CredentialMode.GATEWAY);
  }

  @Test
  void protectedNamespacesAddToLatchkeysOwn() {
    LatchkeyConfig config =
        ConfigLoader.parse(
            MINIMAL.replace(
                "kubeconfig: /tmp/kubeconfig",
                "kubeconfig: /tmp/kubeconfig\n        protectedNamespaces: [kube-system, vault]"),
            "latchkey.yml");
    assertThat(config.customers().allClusters().getFirst().protectedNamespaces())
        .containsExactlyInAnyOrder("latchkey", "latchkey-grants", "kube-system", "vault");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/k\n        protectedNamespaces: [Bad_NS]"),
        "customers[0].clusters[0].protectedNamespaces");
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig",
            "kubeconfig: /tmp/k\n        roles:\n          operator: { scope: somewhere }"),
        "customers[0].clusters[0].roles.operator.scope must be `namespaced`");
  }

  @Test
  void engineersKubeconfigsTrustTheSupportServersOwnCaWhenOneIsGiven(@TempDir Path dir)
      throws Exception {
    String pem = "-----BEGIN CERTIFICATE-----\nMIIBproxy\n-----END CERTIFICATE-----\n";
    Path ca = Files.writeString(dir.resolve("proxy-ca.pem"), pem);
    String cluster =
        "kubeconfig: /tmp/k\n"
            + "        supportServer: https://proxy.acme.example\n"
            + "        supportCaFile: ";

    LatchkeyConfig config =
        ConfigLoader.parse(
            MINIMAL.replace("kubeconfig: /tmp/kubeconfig", cluster + ca), "latchkey.yml");

    String caData =
        java.util.Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    assertThat(config.connections())
        .singleElement()
        .satisfies(c -> assertThat(c.supportCaData()).contains(caData));
    assertThat(ConfigLoader.parse(MINIMAL, "latchkey.yml").connections().getFirst().supportCaData())
        .isEmpty();
    assertError(
        MINIMAL.replace(
            "kubeconfig: /tmp/kubeconfig", "kubeconfig: /tmp/k\n        supportCaFile: " + ca),
        "customers[0].clusters[0].supportCaFile is the CA of supportServer");
    Path notPem = Files.writeString(dir.resolve("key.txt"), "not a certificate");
    assertError(
        MINIMAL.replace("kubeconfig: /tmp/kubeconfig", cluster + notPem),
        "customers[0].clusters[0].supportCaFile " + notPem + " holds no PEM certificate");
    assertError(
        MINIMAL.replace("kubeconfig: /tmp/kubeconfig", cluster + dir.resolve("missing.pem")),
        "customers[0].clusters[0].supportCaFile cannot read");
  }

  @Test
  void aKeyGivenTwiceStopsStartUpNamingIt() {
    String roles =
        "kubeconfig: /tmp/k\n"
            + "        roles:\n"
            + "          operator:\n"
            + "            approvals: 2\n"
            + "            approvals: 1\n";
    assertError(
        MINIMAL.replace("kubeconfig: /tmp/kubeconfig", roles),
        "customers[0].clusters[0].roles.operator.approvals is given twice (line 13)");
    assertError(
        MINIMAL.replace(
            "approvers: { users: [U0APPROVER1] }",
            "approvers:\n        users: [U0APPROVER1]\n        users: [U0INTRUDER]"),
        "customers[0].slack.approvers.users is given twice");
    assertError(
        "timers: { reconcileInterval: 60s }\n" + MINIMAL + "timers: { reconcileInterval: 5m }\n",
        "latchkey.yml: timers is given twice");
  }

  @Test
  void aMissingFileSaysWhatToDo(@TempDir Path dir) {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("latchkey.yml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist")
        .hasMessageContaining("latchkey.example.yml");
  }

  @Test
  void settingsListEveryMissingSecretAndNeverShowThem() {
    assertThatThrownBy(() -> Settings.from(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("SLACK_BOT_TOKEN is not set")
        .hasMessageContaining("SLACK_SIGNING_SECRET is not set");
    assertThatThrownBy(
            () ->
                Settings.from(
                    Map.of(
                        "SLACK_BOT_TOKEN",
                        "xoxb-1",
                        "SLACK_SIGNING_SECRET",
                        "s",
                        "PORT",
                        "http",
                        "SLACK_API_URL",
                        "http://localhost:1/")))
        .hasMessageContaining("PORT must be a number")
        .hasMessageContaining("SLACK_API_URL must be");
    Settings settings =
        Settings.from(
            Map.of("SLACK_BOT_TOKEN", "xoxb-secret-token", "SLACK_SIGNING_SECRET", "very-secret"));
    assertThat(settings.port()).isEqualTo(3000);
    assertThat(settings.slackApiUrl()).isEqualTo("https://slack.com/api/");
    assertThat(settings.toString())
        .doesNotContain("xoxb-secret-token")
        .doesNotContain("very-secret");
  }

  @Test
  void wholeNumbersFromTheEnvironmentAreCheckedAndNamed() {
    Map<String, String> base =
        Map.of("SLACK_BOT_TOKEN", "xoxb-secret-token", "SLACK_SIGNING_SECRET", "very-secret");
    assertThat(Settings.from(base).leaderLease()).isEqualTo(java.time.Duration.ofSeconds(10));
    Map<String, String> five = new java.util.HashMap<>(base);
    five.put("LATCHKEY_LEADER_LEASE_SECONDS", "5");
    assertThat(Settings.from(five).leaderLease()).isEqualTo(java.time.Duration.ofSeconds(5));
    for (String bad : java.util.List.of("0", "301", "10s", "-1")) {
      Map<String, String> env = new java.util.HashMap<>(base);
      env.put("LATCHKEY_LEADER_LEASE_SECONDS", bad);
      assertThatThrownBy(() -> Settings.from(env))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(
              "LATCHKEY_LEADER_LEASE_SECONDS must be a whole number of seconds from 1 to 300 (got "
                  + bad
                  + ")");
    }
    Map<String, String> port = new java.util.HashMap<>(base);
    port.put("LATCHKEY_GATEWAY_PORT", "70000");
    assertThatThrownBy(() -> Settings.from(port))
        .hasMessageContaining(
            "LATCHKEY_GATEWAY_PORT must be a port number from 1 to 65535 (got 70000)");
  }

  private static void assertError(String yaml, String expected) {
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "latchkey.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(expected);
  }

  static Path projectFile(String name) {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve(name))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(name + " not found above " + Path.of("").toAbsolutePath());
    }
    return dir.resolve(name);
  }
}
