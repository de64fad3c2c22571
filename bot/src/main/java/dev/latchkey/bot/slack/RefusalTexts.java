package dev.latchkey.bot.slack;

import dev.latchkey.core.Durations;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.port.ClusterAccess.PodReach;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The words for every refusal the core gives, in the situation it was given in (the same reason
 * reads differently to a requester and to an approver). Plain text: callers escape it for mrkdwn.
 */
public final class RefusalTexts {
  private RefusalTexts() {}

  /** What the person was doing when the core said no. */
  public enum Situation {
    SUBMIT,
    DECIDE,
    CANCEL,
    REVOKE,
    EXTEND,
    KUBECONFIG,
    SWITCH,
    ACTIVITY,
    RECORDING
  }

  public static String text(Situation situation, Refusal r) {
    return switch (situation) {
      case DECIDE -> decision(r);
      case SUBMIT, CANCEL, REVOKE, EXTEND, KUBECONFIG, SWITCH, ACTIVITY, RECORDING ->
          plain(situation, r);
    };
  }

  private static String decision(Refusal r) {
    String noLonger = "This request can no longer be approved: ";
    String askAgain = " Deny it; the requester can ask again.";
    return switch (r.reason()) {
      case CLUSTER_DISABLED, ROLE_NOT_ENABLED -> noLonger + plain(Situation.DECIDE, r);
      case UNKNOWN_ROLE ->
          noLonger
              + "role "
              + f(r, Fact.ROLE)
              + " is no longer offered on "
              + f(r, Fact.CLUSTER)
              + "."
              + askAgain;
      case DURATION_ABOVE_MAXIMUM ->
          r.fact(Fact.EXTENDS).isPresent()
              ? "This extension can no longer be approved: role "
                  + f(r, Fact.ROLE)
                  + " can now be held for at most "
                  + f(r, Fact.MAXIMUM)
                  + " from its approval, and it would end at "
                  + f(r, Fact.ENDS_AT)
                  + ". Deny it; the requester can ask for less."
              : noLonger
                  + "role "
                  + f(r, Fact.ROLE)
                  + " can now be held for at most "
                  + f(r, Fact.MAXIMUM)
                  + ", and "
                  + f(r, Fact.ASKED)
                  + " was asked."
                  + askAgain;
      case NAMESPACE_NOT_ALLOWED ->
          noLonger
              + f(r, Fact.CLUSTER)
              + " now allows only the namespaces "
              + f(r, Fact.ALLOWED_NAMESPACES)
              + "."
              + askAgain;
      case PROTECTED_NAMESPACE, NAMESPACES_REQUIRED ->
          noLonger + plain(Situation.DECIDE, r) + askAgain;
      case NOT_ACTIVE ->
          "The access this extension is for has already ended. Deny it; the requester can ask for"
              + " new access.";
      default -> plain(Situation.DECIDE, r);
    };
  }

  private static String plain(Situation situation, Refusal r) {
    return switch (r.reason()) {
      case UNKNOWN_CUSTOMER ->
          "This channel belongs to no customer. Use /access in your customer's shared support"
              + " channel.";
      case UNKNOWN_CLUSTER ->
          "Unknown cluster `"
              + f(r, Fact.CLUSTER)
              + "`."
              + didYouMean(r, Fact.CLUSTER, Fact.CLUSTERS)
              + r.fact(Fact.CLUSTERS)
                  .map(all -> " Clusters: " + all + ".")
                  .orElse(" `/access status` lists this channel's clusters.");
      case UNKNOWN_ROLE ->
          switch (situation) {
            case EXTEND ->
                "Role "
                    + f(r, Fact.ROLE)
                    + " is no longer offered, so this access cannot be extended. Ask for new"
                    + " access with a role the cluster offers (`/access status` lists them).";
            case SWITCH ->
                "Role `"
                    + f(r, Fact.ROLE)
                    + "` is not offered on "
                    + f(r, Fact.CLUSTER)
                    + "."
                    + didYouMean(r, Fact.ROLE, Fact.ROLES)
                    + " Roles: "
                    + f(r, Fact.ROLES)
                    + ".";
            default ->
                "Unknown role `"
                    + f(r, Fact.ROLE)
                    + "` on "
                    + f(r, Fact.CLUSTER)
                    + "."
                    + didYouMean(r, Fact.ROLE, Fact.ROLES)
                    + " Roles: "
                    + f(r, Fact.ROLES)
                    + ".";
          };
      case CLUSTER_DISABLED ->
          "Support access to "
              + f(r, Fact.CLUSTER)
              + " is disabled. A customer admin or approver can turn it on with `/access enable "
              + f(r, Fact.CLUSTER)
              + "`.";
      case ROLE_NOT_ENABLED ->
          "Role "
              + f(r, Fact.ROLE)
              + " is not enabled on "
              + f(r, Fact.CLUSTER)
              + ". Enabled: "
              + f(r, Fact.ENABLED_ROLES)
              + ". A customer admin or approver can enable it with `/access enable "
              + f(r, Fact.CLUSTER)
              + " "
              + withRole(f(r, Fact.ENABLED_ROLES), f(r, Fact.ROLE))
              + "`.";
      case MISSING_REASON -> "A reason is required: say why you need access.";
      case REASON_TOO_LONG ->
          "The reason is longer than " + f(r, Fact.LIMIT) + " characters; link a ticket instead.";
      case INVALID_REASON ->
          "The reason holds control characters or broken Unicode; write it as plain text.";
      case INVISIBLE_CHARACTER ->
          "The reason holds an invisible or direction-changing character ("
              + f(r, Fact.CHARACTER)
              + "); write it as plain text.";
      case INVALID_DURATION ->
          (situation == Situation.EXTEND
                  ? "The extension must be above zero"
                  : "The duration must be above zero")
              + ": give one like 30m, 2h or 1h30m.";
      case DURATION_ABOVE_MAXIMUM ->
          situation == Situation.EXTEND
              ? "Role "
                  + f(r, Fact.ROLE)
                  + " can be held for at most "
                  + f(r, Fact.MAXIMUM)
                  + " from now; "
                  + (f(r, Fact.ALLOWED_MORE).equals(NOTHING)
                      ? "this access already ends as late as it can. Ask for new access when it"
                          + " ends."
                      : "you can extend by at most "
                          + f(r, Fact.ALLOWED_MORE)
                          + ". Ask for "
                          + f(r, Fact.ALLOWED_MORE)
                          + " or less.")
              : "Role "
                  + f(r, Fact.ROLE)
                  + " can be held for at most "
                  + f(r, Fact.MAXIMUM)
                  + "; you asked for "
                  + f(r, Fact.ASKED)
                  + ". Ask for "
                  + f(r, Fact.MAXIMUM)
                  + " or less.";
      case DURATION_TOO_SHORT ->
          "Access on "
              + f(r, Fact.CLUSTER)
              + " lasts at least "
              + f(r, Fact.MINIMUM)
              + ": Kubernetes issues no token shorter than "
              + f(r, Fact.TOKEN_MINIMUM)
              + ", and none is handed out that could outlive the access. Ask for "
              + f(r, Fact.MINIMUM)
              + " or more.";
      case INVALID_NAMESPACE ->
          r.fact(Fact.NAMESPACE)
              .map(
                  ns ->
                      "`"
                          + ns
                          + "` is not a namespace name: namespaces are lowercase letters, digits"
                          + " and -. Write them like ns=web,db.")
              .orElseGet(
                  () ->
                      "At most "
                          + f(r, Fact.LIMIT)
                          + " namespaces per request: ask for fewer, or make two requests.");
      case NAMESPACE_NOT_ALLOWED ->
          "Namespace `"
              + f(r, Fact.NAMESPACE)
              + "` cannot be requested on "
              + f(r, Fact.CLUSTER)
              + "."
              + didYouMean(r, Fact.NAMESPACE, Fact.ALLOWED_NAMESPACES)
              + " Allowed: "
              + f(r, Fact.ALLOWED_NAMESPACES)
              + ".";
      case PROTECTED_NAMESPACE ->
          "Namespace `"
              + f(r, Fact.NAMESPACE)
              + "` is protected on "
              + f(r, Fact.CLUSTER)
              + ": no access to it is ever granted (it holds Latchkey itself or its grants)."
              + " Protected: "
              + f(r, Fact.PROTECTED_NAMESPACES)
              + ". Ask for another namespace.";
      case NAMESPACES_REQUIRED ->
          "Role "
              + f(r, Fact.ROLE)
              + " is granted only in named namespaces on "
              + f(r, Fact.CLUSTER)
              + ": add ns=<namespace,…> to the request.";
      case NOT_APPROVER ->
          situation == Situation.RECORDING
              ? "Only the customer's approvers receive session recordings. Ask one of them to"
                  + " review it."
              : "You are not an approver for this request. One of the customer's approvers decides"
                  + " it on its card.";
      case SELF_APPROVAL ->
          "You cannot decide your own request. Another of the customer's approvers decides it.";
      case FOREIGN_WORKSPACE ->
          situation == Situation.RECORDING
              ? "Only the customer's approvers receive session recordings: your workspace is not"
                  + " the customer's. Ask one of the customer's approvers."
              : "You are not an approver for this request: only the customer's own workspace can"
                  + " decide. Ask one of the customer's approvers.";
      case APPROVER_UNVERIFIED ->
          "Your approver role could not be checked just now (Slack did not answer). Try again in"
              + " a minute.";
      case NOT_REQUESTER ->
          switch (situation) {
            case CANCEL ->
                "Only the requester can cancel a request. An approver can deny it on its card.";
            case EXTEND ->
                "Only the requester can ask for an extension. Ask for access of your own with"
                    + " `/access request`.";
            default ->
                "Only the requester can fetch a kubeconfig for this access. Ask for access of your"
                    + " own with `/access request`.";
          };
      case NOT_ALLOWED ->
          switch (situation) {
            case SWITCH ->
                "Only the customer's admins and approvers can enable or disable support access."
                    + " Ask one of them.";
            case ACTIVITY ->
                "Only the requester or an approver of this customer can see the activity of "
                    + f(r, Fact.REQUEST)
                    + ". Ask one of the customer's approvers.";
            default ->
                "Only the requester or an approver of this customer can revoke access. Ask one of"
                    + " them.";
          };
      case NOT_ACTIVE -> NotActiveTexts.text(situation, r);
      case EXTENSION_PENDING ->
          "An extension of "
              + f(r, Fact.REQUEST)
              + " is already waiting for approval. An approver decides it on its card (`/access"
              + " list` shows it).";
      case ROLE_MISSING_IN_CLUSTER ->
          "ClusterRole `"
              + f(r, Fact.CLUSTER_ROLE)
              + "` (role "
              + f(r, Fact.ROLE)
              + ") does not exist on "
              + f(r, Fact.CLUSTER)
              + ". Apply deploy/catalogue.yaml (or create the custom role) first.";
      case ROLE_GRANTS_SECRETS ->
          "ClusterRole `"
              + f(r, Fact.CLUSTER_ROLE)
              + "` on "
              + f(r, Fact.CLUSTER)
              + " lets its holder read Secrets; readonly must not. Re-apply"
              + " deploy/catalogue.yaml.";
      case CLUSTER_UNREACHABLE ->
          situation == Situation.KUBECONFIG
              ? "The cluster could not mint a token just now: "
                  + f(r, Fact.ERROR)
                  + ". Try again in a minute; `/access show` says whether the access still stands."
              : f(r, Fact.CLUSTER)
                  + " could not be reached to check its roles: "
                  + f(r, Fact.ERROR)
                  + ". Nothing was enabled; try again in a minute.";
      case NOT_TOKEN_MODE ->
          f(r, Fact.CLUSTER)
              + " uses your own identity (external credentials); use your usual kubeconfig.";
      case TOO_CLOSE_TO_EXPIRY ->
          "Access ends at "
              + f(r, Fact.ENDS_AT)
              + ", in less than "
              + f(r, Fact.TOKEN_MINIMUM)
              + " and "
              + f(r, Fact.LEEWAY)
              + "; no token is issued that could outlive it. Ask for an extension: `/access extend "
              + f(r, Fact.REQUEST)
              + " <duration>`.";
      case CHANGED_MEANWHILE ->
          "Support access on "
              + f(r, Fact.CLUSTER)
              + " was changed by someone else while its roles were checked; nothing was enabled."
              + " See `/access status "
              + f(r, Fact.CLUSTER)
              + "` and enable again if that is still wanted.";
      case ROLE_REACHES_LATCHKEY ->
          "Role "
              + f(r, Fact.ROLE)
              + " cannot be offered cluster-wide on "
              + f(r, Fact.CLUSTER)
              + ": Latchkey runs in that cluster, and the role ("
              + reaches(f(r, Fact.REACHES))
              + ") would reach Latchkey's own pod, its identity and its Slack secrets, which grant"
              + " everything. Run Latchkey outside the cluster, offer the role only in named"
              + " namespaces (`scope: namespaced`), or use `credentials: gateway`, which keeps"
              + " every request out of the protected namespaces.";
      case OWN_SESSION ->
          "Recordings go to the customer's approvers, never to the requester of the access. Ask"
              + " one of the customer's approvers to review it; `/access activity` shows you what"
              + " your sessions did.";
      case NOT_RECORDED ->
          "Session "
              + f(r, Fact.SESSION)
              + " has no recording: port-forward sessions are counted, not recorded. `/access"
              + " activity` lists what it carried.";
      case SESSION_OPEN ->
          "Session "
              + f(r, Fact.SESSION)
              + " is still open; its recording can be sent once it has ended (its hash enters the"
              + " audit then). Ask again with `/access recording "
              + f(r, Fact.SESSION)
              + "` after it ends.";
      case RECORDING_ALTERED ->
          "The recording of "
              + f(r, Fact.SESSION)
              + " no longer matches the SHA-256 recorded when its session ended, so it was not"
              + " sent. Ask whoever runs Latchkey to run ./latchkey verify-audit and investigate.";
    };
  }

  /** The enable command's role list: the roles enabled now and the one wanted. */
  private static String withRole(String enabled, String role) {
    List<String> roles = new ArrayList<>();
    Arrays.stream(enabled.split(", ")).filter(n -> !n.isBlank()).forEach(roles::add);
    if (!roles.contains(role)) {
      roles.add(role);
    }
    return String.join(",", roles);
  }

  /** " Did you mean `x`?" when the typed name is close to one of those listed, else nothing. */
  private static String didYouMean(Refusal r, Fact typed, Fact listed) {
    return r.fact(typed)
        .flatMap(t -> DidYouMean.closest(t, List.of(f(r, listed).split(", "))))
        .map(name -> " Did you mean `" + name + "`?")
        .orElse("");
  }

  private static String reaches(String names) {
    return Arrays.stream(names.split(", "))
        .filter(n -> !n.isEmpty())
        .map(
            n ->
                switch (PodReach.valueOf(n)) {
                  case EXEC -> "exec into pods";
                  case DELETE_PODS -> "delete pods";
                  case CHANGE_WORKLOADS -> "create pods or change workloads";
                  case READ_SECRETS -> "read Secrets";
                })
        .collect(Collectors.joining(", "));
  }

  /** How a duration of nothing is written ({@link Durations#format}). */
  private static final String NOTHING = Durations.format(Duration.ZERO);

  private static String f(Refusal r, Fact fact) {
    return r.fact(fact).orElse("");
  }
}
