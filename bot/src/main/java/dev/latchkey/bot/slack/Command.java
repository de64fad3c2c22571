package dev.latchkey.bot.slack;

import dev.latchkey.core.Durations;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a person typed after {@code /access}, parsed but not judged: the core checks clusters,
 * roles, limits and who may do what. Typing mistakes become {@link Invalid} with the problem and
 * the correct form.
 */
sealed interface Command {

  String REQUEST_USAGE =
      "/access request <cluster> <role> [<duration like 30m, 2h>] [ns=<a,b>] <reason…>";
  String LIST_USAGE = "/access list";
  String SHOW_USAGE = "/access show <id>";
  String CANCEL_USAGE = "/access cancel <id>";
  String REVOKE_USAGE = "/access revoke <id>";
  String EXTEND_USAGE = "/access extend <id> <duration like 30m, 2h>";
  String STATUS_USAGE = "/access status [<cluster>]";
  String ENABLE_USAGE = "/access enable <cluster> [<roles, e.g. readonly,operator>]";
  String DISABLE_USAGE = "/access disable <cluster> [--now]";
  String AUDIT_USAGE = "/access audit <id>";
  String KUBECONFIG_USAGE = "/access kubeconfig <id>";
  String ACTIVITY_USAGE = "/access activity <id>";
  String RECORDING_USAGE = "/access recording <session id>";
  String HELP_USAGE = "/access help";

  List<String> ALL_USAGES =
      List.of(
          REQUEST_USAGE,
          LIST_USAGE,
          SHOW_USAGE,
          CANCEL_USAGE,
          REVOKE_USAGE,
          EXTEND_USAGE,
          STATUS_USAGE,
          ENABLE_USAGE,
          DISABLE_USAGE,
          AUDIT_USAGE,
          KUBECONFIG_USAGE,
          ACTIVITY_USAGE,
          RECORDING_USAGE,
          HELP_USAGE);

  record Help() implements Command {}

  /** {@code request} without arguments: the form. */
  record OpenForm() implements Command {}

  record Request(
      String cluster,
      String role,
      Optional<Duration> duration,
      List<String> namespaces,
      String reason)
      implements Command {}

  record ListOpen() implements Command {}

  record Show(RequestId id) implements Command {}

  record Cancel(RequestId id) implements Command {}

  record Revoke(RequestId id) implements Command {}

  record Extend(RequestId id, Duration by) implements Command {}

  record Status(Optional<String> cluster) implements Command {}

  record Enable(String cluster, Set<String> roles) implements Command {}

  record Disable(String cluster, boolean now) implements Command {}

  record Audit(RequestId id) implements Command {}

  record Kubeconfig(RequestId id) implements Command {}

  /** A grant's sessions and requests through the gateway. */
  record Activity(RequestId id) implements Command {}

  /** A session's recording, sent privately to the approver who asks. */
  record Recording(SessionId id) implements Command {}

  /** A typing mistake: what is wrong (plain text, may quote the input) and the form to use. */
  record Invalid(String problem, String usage) implements Command {}

  Pattern TOKEN = Pattern.compile("\\S+");

  /**
   * Something meant as a duration: a number followed by a time unit letter ({@code 2h}, {@code
   * 1e9s}, {@code 2.5h}, {@code 1h-2m}) or a signed number. Plain numbers and words like {@code
   * 5xx} start a reason.
   */
  Pattern DURATION_LIKE =
      Pattern.compile("[+-]\\d.*|\\d+([.,]\\d+)?([eE][+-]?\\d+)?[dhmsDHMS]\\S*");

  static Command parse(String text) {
    String input = text == null ? "" : text.strip();
    List<Token> tokens = tokens(input);
    if (tokens.isEmpty()) {
      return new Help();
    }
    String verb = tokens.getFirst().text().toLowerCase(Locale.ROOT);
    List<String> args = tokens.stream().skip(1).map(Token::text).toList();
    return switch (verb) {
      case "help", "?" -> new Help();
      case "request", "req" -> args.isEmpty() ? new OpenForm() : request(input, tokens);
      case "list", "ls" ->
          args.isEmpty() ? new ListOpen() : new Invalid("`list` takes no arguments.", LIST_USAGE);
      case "show" ->
          withId(args)
              .map(id -> (Command) new Show(id))
              .orElseGet(() -> invalidId(args, SHOW_USAGE));
      case "cancel" ->
          withId(args)
              .map(id -> (Command) new Cancel(id))
              .orElseGet(() -> invalidId(args, CANCEL_USAGE));
      case "revoke" ->
          withId(args)
              .map(id -> (Command) new Revoke(id))
              .orElseGet(() -> invalidId(args, REVOKE_USAGE));
      case "audit" ->
          withId(args)
              .map(id -> (Command) new Audit(id))
              .orElseGet(() -> invalidId(args, AUDIT_USAGE));
      case "kubeconfig", "credentials" ->
          withId(args)
              .map(id -> (Command) new Kubeconfig(id))
              .orElseGet(() -> invalidId(args, KUBECONFIG_USAGE));
      case "activity" ->
          withId(args)
              .map(id -> (Command) new Activity(id))
              .orElseGet(() -> invalidId(args, ACTIVITY_USAGE));
      case "recording" -> recording(args);
      case "extend" -> extend(args);
      case "status" ->
          switch (args.size()) {
            case 0 -> new Status(Optional.empty());
            case 1 -> new Status(Optional.of(args.getFirst().toLowerCase(Locale.ROOT)));
            default -> new Invalid("`status` takes at most one cluster name.", STATUS_USAGE);
          };
      case "enable" -> enable(args);
      case "disable" -> disable(args);
      default -> unknownVerb(verb);
    };
  }

  /** An unknown verb, with the one it most likely meant and that verb's form when there is one. */
  private static Command unknownVerb(String verb) {
    String unknown = "Unknown command `" + clip(verb) + "`.";
    List<String> verbs = ALL_USAGES.stream().map(Command::verbOf).toList();
    return DidYouMean.closest(verb, verbs)
        .<Command>map(
            meant ->
                new Invalid(
                    unknown + " Did you mean `" + meant + "`?",
                    ALL_USAGES.get(verbs.indexOf(meant))))
        .orElseGet(() -> new Invalid(unknown, HELP_USAGE));
  }

  /** The verb of a usage form: {@code list} of {@code /access list}. */
  private static String verbOf(String usage) {
    return usage.split(" ")[1];
  }

  /** A word of the input and where it starts (the reason is taken verbatim from there). */
  record Token(String text, int start) {}

  private static List<Token> tokens(String input) {
    List<Token> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(input);
    while (m.find()) {
      out.add(new Token(m.group(), m.start()));
    }
    return out;
  }

  private static Command request(String input, List<Token> tokens) {
    if (tokens.size() < 2) {
      return new Invalid("Name the cluster.", REQUEST_USAGE);
    }
    String cluster = tokens.get(1).text().toLowerCase(Locale.ROOT);
    if (tokens.size() < 3) {
      return new Invalid("Name the role you need on " + clip(cluster) + ".", REQUEST_USAGE);
    }
    String role = tokens.get(2).text().toLowerCase(Locale.ROOT);
    Optional<Duration> duration = Optional.empty();
    List<String> namespaces = List.of();
    int next = 3;
    boolean sawDuration = false;
    boolean sawNamespaces = false;
    while (next < tokens.size()) {
      String token = tokens.get(next).text();
      String lower = token.toLowerCase(Locale.ROOT);
      if (!sawNamespaces && (lower.startsWith("ns=") || lower.startsWith("namespaces="))) {
        String list = token.substring(token.indexOf('=') + 1);
        namespaces = splitList(list);
        if (namespaces.isEmpty()) {
          return new Invalid("`ns=` needs at least one namespace, e.g. ns=web,db.", REQUEST_USAGE);
        }
        sawNamespaces = true;
        next++;
      } else if (!sawDuration && DURATION_LIKE.matcher(token).matches()) {
        Optional<Duration> parsed = Durations.parse(token);
        if (parsed.isEmpty()) {
          return new Invalid(badDuration(token), REQUEST_USAGE);
        }
        duration = parsed;
        sawDuration = true;
        next++;
      } else {
        break;
      }
    }
    if (next >= tokens.size()) {
      return new Invalid(
          "A reason is required: say why you need access (e.g. a ticket and what you will do).",
          REQUEST_USAGE);
    }
    String reason = input.substring(tokens.get(next).start()).strip();
    return new Request(cluster, role, duration, namespaces, reason);
  }

  private static Command extend(List<String> args) {
    if (args.isEmpty()) {
      return new Invalid("Name the request to extend and by how much.", EXTEND_USAGE);
    }
    Optional<RequestId> id = RequestId.parse(args.getFirst());
    if (id.isEmpty()) {
      return invalidId(args, EXTEND_USAGE);
    }
    if (args.size() < 2) {
      return new Invalid("Say by how much to extend, e.g. 1h.", EXTEND_USAGE);
    }
    if (args.size() > 2) {
      return new Invalid("`extend` takes an id and one duration.", EXTEND_USAGE);
    }
    Optional<Duration> by = Durations.parse(args.get(1));
    return by.<Command>map(d -> new Extend(id.get(), d))
        .orElseGet(() -> new Invalid(badDuration(args.get(1)), EXTEND_USAGE));
  }

  private static Command recording(List<String> args) {
    if (args.size() == 1) {
      Optional<SessionId> id = SessionId.parse(args.getFirst());
      if (id.isPresent()) {
        return new Recording(id.get());
      }
    }
    if (args.isEmpty()) {
      return new Invalid(
          "Name the session: its id looks like gs-7k2m9q4x0abc (see /access activity <id>).",
          RECORDING_USAGE);
    }
    if (args.size() > 1 && SessionId.parse(args.getFirst()).isPresent()) {
      return new Invalid("Too many arguments.", RECORDING_USAGE);
    }
    return new Invalid(
        "`"
            + clip(args.getFirst())
            + "` is not a session id; session ids look like gs-7k2m9q4x0abc (see /access activity"
            + " <id>).",
        RECORDING_USAGE);
  }

  private static Command enable(List<String> args) {
    if (args.isEmpty()) {
      return new Invalid("Name the cluster to enable.", ENABLE_USAGE);
    }
    Set<String> roles = new LinkedHashSet<>();
    for (String arg : args.subList(1, args.size())) {
      roles.addAll(splitList(arg.toLowerCase(Locale.ROOT)));
    }
    return new Enable(args.getFirst().toLowerCase(Locale.ROOT), roles);
  }

  private static Command disable(List<String> args) {
    if (args.isEmpty()) {
      return new Invalid("Name the cluster to disable.", DISABLE_USAGE);
    }
    boolean now = false;
    for (String arg : args.subList(1, args.size())) {
      if (arg.equalsIgnoreCase("--now")) {
        now = true;
      } else {
        return new Invalid(
            "Unexpected `" + clip(arg) + "`: the only option is --now.", DISABLE_USAGE);
      }
    }
    return new Disable(args.getFirst().toLowerCase(Locale.ROOT), now);
  }

  private static Optional<RequestId> withId(List<String> args) {
    return args.size() == 1 ? RequestId.parse(args.getFirst()) : Optional.empty();
  }

  private static Command invalidId(List<String> args, String usage) {
    if (args.isEmpty()) {
      return new Invalid(
          "Name the request: its id looks like ar-7k2m9q4x (see /access list).", usage);
    }
    if (args.size() > 1 && RequestId.parse(args.getFirst()).isPresent()) {
      return new Invalid("Too many arguments.", usage);
    }
    return new Invalid(
        "`"
            + clip(args.getFirst())
            + "` is not a request id; ids look like ar-7k2m9q4x "
            + "(see /access list).",
        usage);
  }

  static String badDuration(String token) {
    String shown = "`" + clip(token) + "`";
    if (token.startsWith("-") || token.matches("[+]?0+[a-zA-Z]*")) {
      return shown + " is not a valid duration: it must be above zero, e.g. 30m, 2h or 1h30m.";
    }
    return shown
        + " is not a duration: use whole minutes, hours or days, e.g. 30m, 2h, 1h30m or 1d.";
  }

  private static List<String> splitList(String list) {
    List<String> out = new ArrayList<>();
    for (String part : list.split(",")) {
      String name = part.strip();
      if (!name.isEmpty()) {
        out.add(name);
      }
    }
    return out;
  }

  /** Quotes typed text briefly in a message. */
  static String clip(String typed) {
    return typed.length() <= 60 ? typed : typed.substring(0, 60) + "…";
  }
}
