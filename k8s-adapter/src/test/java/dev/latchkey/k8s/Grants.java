package dev.latchkey.k8s;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess.Grant;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/** Fixture factory for grants as the core derives them. */
final class Grants {
  static final ClusterRef CLUSTER = new ClusterRef(new CustomerId("acme"), "prod-eu");
  static final Instant EXPIRES = Instant.parse("2030-01-02T03:04:05Z");
  static final List<String> APPROVERS =
      List.of("slack:T0CUSTOMER/U0APPROVER", "slack:T0CUSTOMER/U0SECOND");
  private static final SplittableRandom RANDOM = new SplittableRandom();

  private Grants() {}

  static RequestId newId() {
    return RequestId.random(RANDOM);
  }

  static Subject tokenSubject(RequestId id) {
    return new Subject.ServiceAccount(Subject.GRANTS_NAMESPACE, id.value());
  }

  static Subject user(String name) {
    return new Subject.User(name);
  }

  static Scope namespaces(String... names) {
    return new Scope.Namespaces(List.of(names));
  }

  static Grant grant(RequestId id, String clusterRole, Scope scope, Subject subject) {
    return grant(CLUSTER, id, clusterRole, scope, subject, EXPIRES);
  }

  static Grant grant(
      ClusterRef cluster,
      RequestId id,
      String clusterRole,
      Scope scope,
      Subject subject,
      Instant expires) {
    return new Grant(
        id,
        cluster,
        clusterRole,
        scope,
        subject,
        expires,
        APPROVERS,
        "INC-4711: pods crash-looping");
  }

  static Grant token(RequestId id, String clusterRole, Scope scope) {
    return grant(id, clusterRole, scope, tokenSubject(id));
  }

  static Grant external(RequestId id, String clusterRole, Scope scope, String user) {
    return grant(id, clusterRole, scope, user(user));
  }
}
