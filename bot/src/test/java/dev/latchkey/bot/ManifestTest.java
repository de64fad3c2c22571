package dev.latchkey.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.slack.api.methods.MethodsClient;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The Slack app manifests ask for exactly the scopes the code needs: every Web API method the code
 * calls has its scopes in manifest.yml, no scope is there that nothing uses, and the slash command
 * is the one the code handles. manifest.socket-mode.yml is the same app with Socket Mode on and no
 * request URL.
 */
class ManifestTest {
  /**
   * The scopes of each Web API method Latchkey may call (api.slack.com/methods); none for the
   * scope-free ones.
   */
  private static final Map<String, Set<String>> SCOPES =
      Map.ofEntries(
          Map.entry("chat.postMessage", Set.of("chat:write")),
          Map.entry("chat.update", Set.of("chat:write")),
          Map.entry("chat.postEphemeral", Set.of("chat:write")),
          Map.entry("chat.getPermalink", Set.of()),
          Map.entry("conversations.open", Set.of("im:write")),
          Map.entry("conversations.replies", Set.of("channels:history", "groups:history")),
          Map.entry("conversations.history", Set.of("channels:history", "groups:history")),
          Map.entry("users.info", Set.of("users:read", "users:read.email")),
          Map.entry("usergroups.users.list", Set.of("usergroups:read")),
          Map.entry("views.open", Set.of()),
          // Slack's upload flow, for a session recording sent to an approver's direct message.
          Map.entry("files.getUploadURLExternal", Set.of("files:write")),
          Map.entry("files.completeUploadExternal", Set.of("files:write")),
          // Socket Mode: called with the app-level token, whose connections:write scope is given
          // when the token is created, not in the manifest's bot scopes.
          Map.entry("apps.connections.open", Set.of()),
          Map.entry("auth.test", Set.of()));

  /**
   * Scopes that come from features rather than methods: the slash command and thread-reply events.
   */
  private static final Map<String, Set<String>> EVENT_SCOPES =
      Map.of(
          "message.channels", Set.of("channels:history"),
          "message.groups", Set.of("groups:history"));

  @Test
  void everyCalledMethodHasItsScopesAndNoScopeIsUnused() throws IOException {
    JsonNode manifest =
        new ObjectMapper(new YAMLFactory()).readTree(projectFile("manifest.yml").toFile());
    Set<String> granted = texts(manifest.at("/oauth_config/scopes/bot"));
    Set<String> events = texts(manifest.at("/settings/event_subscriptions/bot_events"));

    Set<String> called = calledMethods();
    assertThat(called).as("Web API methods called by the code").isNotEmpty();
    assertThat(SCOPES.keySet())
        .as("every called method's scopes are listed in this test")
        .containsAll(called);

    Set<String> needed = new TreeSet<>(Set.of("commands"));
    called.forEach(m -> needed.addAll(SCOPES.get(m)));
    events.forEach(e -> needed.addAll(EVENT_SCOPES.getOrDefault(e, Set.of("unknown event " + e))));

    assertThat(granted).as("manifest.yml scopes").containsExactlyInAnyOrderElementsOf(needed);
    assertThat(events)
        .as("thread replies in public and private channels")
        .contains("message.channels", "message.groups");
  }

  @Test
  void theSlashCommandAndRequestUrlsMatchTheCode() throws IOException {
    JsonNode manifest =
        new ObjectMapper(new YAMLFactory()).readTree(projectFile("manifest.yml").toFile());
    String surface = Files.readString(mainSource("dev/latchkey/bot/slack/SlackSurface.java"));
    Matcher command = Pattern.compile("app\\.command\\(\\s*\"(/[a-z-]+)\"").matcher(surface);
    assertThat(command.find()).as("the code registers a slash command").isTrue();
    JsonNode commands = manifest.at("/features/slash_commands");
    assertThat(commands).hasSize(1);
    assertThat(commands.get(0).get("command").asText()).isEqualTo(command.group(1));
    for (String url :
        List.of(
            commands.get(0).get("url").asText(),
            manifest.at("/settings/event_subscriptions/request_url").asText(),
            manifest.at("/settings/interactivity/request_url").asText())) {
      assertThat(url).endsWith(dev.latchkey.bot.http.HttpServer.SLACK_EVENTS_PATH);
    }
  }

  @Test
  void theSocketModeManifestIsTheSameAppWithSocketModeOnAndNoUrl() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode http = yaml.readTree(projectFile("manifest.yml").toFile());
    JsonNode socket = yaml.readTree(projectFile("manifest.socket-mode.yml").toFile());
    assertThat(http.at("/settings/socket_mode_enabled").asBoolean()).isFalse();
    assertThat(socket.at("/settings/socket_mode_enabled").asBoolean()).isTrue();
    assertThat(socket.toString())
        .as("Slack sends nothing to a URL in Socket Mode")
        .doesNotContain("url")
        .doesNotContain("latchkey.example.com");

    com.fasterxml.jackson.databind.node.ObjectNode withoutUrls =
        (com.fasterxml.jackson.databind.node.ObjectNode) http.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) withoutUrls.at("/features/slash_commands/0"))
        .remove("url");
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            withoutUrls.at("/settings/event_subscriptions"))
        .remove("request_url");
    ((com.fasterxml.jackson.databind.node.ObjectNode) withoutUrls.at("/settings/interactivity"))
        .remove("request_url");
    ((com.fasterxml.jackson.databind.node.ObjectNode) withoutUrls.at("/settings"))
        .put("socket_mode_enabled", true);
    assertThat(socket)
        .as("everything else (command, scopes, events) as in manifest.yml")
        .isEqualTo(withoutUrls);
  }

  /**
   * Web API method names ({@code chat.postMessage}) of every MethodsClient call in the main
   * sources.
   */
  private static Set<String> calledMethods() throws IOException {
    Set<String> clientMethods =
        Arrays.stream(MethodsClient.class.getMethods())
            .map(Method::getName)
            .collect(Collectors.toSet());
    Pattern call = Pattern.compile("\\.([a-z]+[A-Z][A-Za-z]*)\\(");
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.walk(mainSource(""))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher m = call.matcher(Files.readString(file));
        while (m.find()) {
          if (clientMethods.contains(m.group(1)) && !m.group(1).startsWith("get")) {
            found.add(apiName(m.group(1)));
          }
        }
      }
    }
    found.add("auth.test"); // Bolt calls it on start
    return found;
  }

  /**
   * {@code chatPostMessage} → {@code chat.postMessage}, {@code usergroupsUsersList} → {@code
   * usergroups.users.list}.
   */
  static String apiName(String javaName) {
    if (javaName.startsWith("files")) {
      // files.getUploadURLExternal, files.completeUploadExternal: one word after the namespace.
      return "files." + Character.toLowerCase(javaName.charAt(5)) + javaName.substring(6);
    }
    String[] words = javaName.split("(?=[A-Z])");
    StringBuilder out = new StringBuilder(words[0]);
    for (int i = 1; i < words.length; i++) {
      boolean last = i == words.length - 1;
      String w = words[i];
      out.append('.')
          .append(last ? Character.toLowerCase(w.charAt(0)) + w.substring(1) : w.toLowerCase());
    }
    String name = out.toString();
    // Slack's names join the last two words in camelCase (chat.postMessage, conversations.open,
    // users.info).
    int lastDot = name.lastIndexOf('.');
    int prevDot = name.lastIndexOf('.', lastDot - 1);
    if (prevDot > 0
        && !name.startsWith("usergroups.users")
        && !name.startsWith("apps.connections")) {
      String verb = name.substring(prevDot + 1, lastDot);
      String rest = name.substring(lastDot + 1);
      name =
          name.substring(0, prevDot + 1)
              + verb
              + Character.toUpperCase(rest.charAt(0))
              + rest.substring(1);
    }
    return name;
  }

  private static Set<String> texts(JsonNode list) {
    return StreamSupport.stream(list.spliterator(), false)
        .map(JsonNode::asText)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Path mainSource(String relative) {
    return projectFile("bot/src/main/java").resolve(relative);
  }

  private static Path projectFile(String name) {
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
