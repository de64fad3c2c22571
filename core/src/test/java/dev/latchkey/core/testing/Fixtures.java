package dev.latchkey.core.testing;

import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Requester;
import dev.latchkey.core.RoleDefinition;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One customer, {@code acme}, in workspace T0CUSTOMER with shared channel C0SHARED; a vendor
 * engineer of T0VENDOR asks. Cluster {@code prod} (token mode; readonly, operator, admin needing
 * two approvals) and {@code staging} (external mode; namespaces web and db only).
 */
public final class Fixtures {
  public static final String CUSTOMER_TEAM = "T0CUSTOMER";
  public static final String VENDOR_TEAM = "T0VENDOR";
  public static final String CHANNEL = "C0SHARED";
  public static final String APPROVER_GROUP = "S0APPROVERS";
  public static final CustomerId ACME = new CustomerId("acme");
  public static final ClusterRef PROD = new ClusterRef(ACME, "prod");
  public static final ClusterRef STAGING = new ClusterRef(ACME, "staging");

  public static final Actor.SlackUser ENGINEER = new Actor.SlackUser(VENDOR_TEAM, "U0ENGINEER");
  public static final Actor.SlackUser OTHER_ENGINEER =
      new Actor.SlackUser(VENDOR_TEAM, "U0ENGINEER2");
  public static final Actor.SlackUser APPROVER = new Actor.SlackUser(CUSTOMER_TEAM, "U0APPROVER1");
  public static final Actor.SlackUser APPROVER_2 =
      new Actor.SlackUser(CUSTOMER_TEAM, "U0APPROVER2");
  public static final Actor.SlackUser APPROVER_3 =
      new Actor.SlackUser(CUSTOMER_TEAM, "U0APPROVER3");

  /** Listed nowhere, but in the approver user group. */
  public static final Actor.SlackUser GROUP_APPROVER =
      new Actor.SlackUser(CUSTOMER_TEAM, "U0GROUPMEMBER");

  public static final Actor.SlackUser ADMIN = new Actor.SlackUser(CUSTOMER_TEAM, "U0ADMIN");
  public static final Actor.SlackUser BYSTANDER = new Actor.SlackUser(CUSTOMER_TEAM, "U0BYSTANDER");

  /** Same user id as an approver, but of the vendor's workspace (Slack Connect mixes both). */
  public static final Actor.SlackUser FOREIGN_APPROVER =
      new Actor.SlackUser(VENDOR_TEAM, "U0APPROVER1");

  public static final Requester REQUESTER =
      new Requester(ENGINEER, Optional.of("Alice@Vendor.example"));

  private Fixtures() {}

  public static Customers customers() {
    return Customers.of(List.of(acme()));
  }

  public static Customer acme() {
    Map<String, ClusterPolicy> clusters = new LinkedHashMap<>();
    clusters.put("prod", prod());
    clusters.put("staging", staging());
    return new Customer(
        ACME,
        CUSTOMER_TEAM,
        CHANNEL,
        Set.of("U0APPROVER1", "U0APPROVER2", "U0APPROVER3"),
        Optional.of(APPROVER_GROUP),
        Set.of("U0ADMIN"),
        clusters);
  }

  public static ClusterPolicy prod() {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>();
    roles.put("readonly", RoleDefinition.builtIn("readonly"));
    roles.put(
        "operator",
        new RoleDefinition("operator", "latchkey-operator", "operate", Duration.ofHours(4), 1));
    roles.put("admin", RoleDefinition.builtIn("admin"));
    return new ClusterPolicy(
        PROD,
        roles,
        List.of(),
        ClusterPolicy.DEFAULT_PENDING_TTL,
        CredentialMode.TOKEN,
        ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
  }

  public static ClusterPolicy staging() {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>();
    roles.put("readonly", RoleDefinition.builtIn("readonly"));
    roles.put("operator", RoleDefinition.builtIn("operator"));
    return new ClusterPolicy(
        STAGING,
        roles,
        List.of("web", "db"),
        ClusterPolicy.DEFAULT_PENDING_TTL,
        CredentialMode.EXTERNAL,
        ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
  }
}
