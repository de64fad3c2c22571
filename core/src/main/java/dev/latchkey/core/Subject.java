package dev.latchkey.core;

import java.util.Locale;

/**
 * The Kubernetes subject that receives a grant. Always derived from the request by {@link #of},
 * never named by the requester, so no identity can be borrowed.
 */
public sealed interface Subject {
  String GRANTS_NAMESPACE = "latchkey-grants";

  /** Gateway and token mode: a ServiceAccount made for this one request. */
  record ServiceAccount(String namespace, String name) implements Subject {}

  /** External mode: a User name the cluster's authenticator produces for the engineer. */
  record User(String name) implements Subject {}

  /**
   * {@code template} may use {@code {email}}, {@code {team}} and {@code {user}}; when it needs an
   * email Slack does not show, {@code support:{team}:{user}} under the same prefix is used instead.
   */
  static Subject of(RequestId id, CredentialMode mode, Requester requester, String template) {
    return switch (mode) {
      case GATEWAY, TOKEN -> new ServiceAccount(GRANTS_NAMESPACE, id.value());
      case EXTERNAL -> new User(userName(requester, template));
    };
  }

  private static String userName(Requester requester, String template) {
    String team = requester.user().teamId();
    String user = requester.user().userId();
    if (template.contains("{email}") && requester.email().isEmpty()) {
      int brace = template.indexOf('{');
      String prefix = template.substring(0, brace);
      return prefix + team + ":" + user;
    }
    return template
        .replace("{email}", requester.email().map(e -> e.toLowerCase(Locale.ROOT)).orElse(""))
        .replace("{team}", team)
        .replace("{user}", user);
  }
}
