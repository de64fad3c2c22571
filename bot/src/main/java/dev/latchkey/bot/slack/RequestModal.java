package dev.latchkey.bot.slack;

import com.slack.api.model.block.InputBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.composition.OptionObject;
import com.slack.api.model.block.element.PlainTextInputElement;
import com.slack.api.model.block.element.StaticSelectElement;
import com.slack.api.model.view.View;
import com.slack.api.model.view.ViewClose;
import com.slack.api.model.view.ViewState;
import com.slack.api.model.view.ViewSubmit;
import com.slack.api.model.view.ViewTitle;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Durations;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.rules.SubmissionRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The request form opened by {@code /access request} without arguments, and reading it back. */
final class RequestModal {
  static final String CALLBACK_ID = "latchkey.request";
  static final String CLUSTER = "cluster";
  static final String ROLE = "role";
  static final String DURATION = "duration";
  static final String NAMESPACES = "namespaces";
  static final String REASON = "reason";
  static final String VALUE = "value";
  private static final int MAX_OPTIONS = 100;
  private static final int MAX_OPTION_TEXT = 75;

  private RequestModal() {}

  /**
   * The form; {@code private_metadata} carries the channel, which names the customer on submission.
   */
  static View view(Customer customer, String channelId) {
    List<OptionObject> clusters = new ArrayList<>();
    Map<String, String> roles = new LinkedHashMap<>();
    for (ClusterPolicy policy : customer.clusters().values()) {
      if (clusters.size() < MAX_OPTIONS) {
        clusters.add(option(policy.cluster().name(), policy.cluster().name()));
      }
      for (RoleDefinition role : policy.roles().values()) {
        roles.putIfAbsent(role.name(), role.name() + " — " + role.description());
      }
    }
    List<OptionObject> roleOptions =
        roles.entrySet().stream()
            .limit(MAX_OPTIONS)
            .map(e -> option(e.getValue(), e.getKey()))
            .toList();
    List<LayoutBlock> blocks =
        List.of(
            InputBlock.builder()
                .blockId(CLUSTER)
                .label(RequestCard.plain("Cluster"))
                .element(
                    StaticSelectElement.builder()
                        .actionId(VALUE)
                        .options(clusters)
                        .placeholder(RequestCard.plain("Choose a cluster"))
                        .build())
                .build(),
            InputBlock.builder()
                .blockId(ROLE)
                .label(RequestCard.plain("Role"))
                .element(
                    StaticSelectElement.builder()
                        .actionId(VALUE)
                        .options(roleOptions)
                        .placeholder(RequestCard.plain("Choose a role"))
                        .build())
                .build(),
            InputBlock.builder()
                .blockId(DURATION)
                .label(RequestCard.plain("Duration"))
                .optional(true)
                .hint(
                    RequestCard.plain(
                        "Whole minutes, hours or days: 30m, 2h, 1h30m. Default 8h or the role's"
                            + " maximum."))
                .element(
                    PlainTextInputElement.builder()
                        .actionId(VALUE)
                        .maxLength(12)
                        .placeholder(RequestCard.plain("2h"))
                        .build())
                .build(),
            InputBlock.builder()
                .blockId(NAMESPACES)
                .label(RequestCard.plain("Namespaces"))
                .optional(true)
                .hint(RequestCard.plain("Comma-separated; empty means the whole cluster."))
                .element(
                    PlainTextInputElement.builder()
                        .actionId(VALUE)
                        .maxLength(1000)
                        .placeholder(RequestCard.plain("web, db"))
                        .build())
                .build(),
            InputBlock.builder()
                .blockId(REASON)
                .label(RequestCard.plain("Reason"))
                .element(
                    PlainTextInputElement.builder()
                        .actionId(VALUE)
                        .multiline(true)
                        .maxLength(SubmissionRules.MAX_REASON_LENGTH)
                        .placeholder(RequestCard.plain("Ticket and what you will do"))
                        .build())
                .build());
    return View.builder()
        .type("modal")
        .callbackId(CALLBACK_ID)
        .privateMetadata(channelId)
        .title(ViewTitle.builder().type("plain_text").text("Request access").build())
        .submit(ViewSubmit.builder().type("plain_text").text("Request").build())
        .close(ViewClose.builder().type("plain_text").text("Cancel").build())
        .blocks(blocks)
        .build();
  }

  /** What the form held. */
  sealed interface Read {
    record Form(
        String cluster,
        String role,
        Optional<Duration> duration,
        List<String> namespaces,
        String reason)
        implements Read {}

    /** Errors by block id, shown under the fields. */
    record Errors(Map<String, String> byBlock) implements Read {}
  }

  static Read read(ViewState state) {
    Map<String, Map<String, ViewState.Value>> values =
        state == null || state.getValues() == null ? Map.of() : state.getValues();
    Map<String, String> errors = new HashMap<>();
    String cluster = selected(values, CLUSTER).orElse("");
    String role = selected(values, ROLE).orElse("");
    if (cluster.isEmpty()) {
      errors.put(CLUSTER, "Choose a cluster.");
    }
    if (role.isEmpty()) {
      errors.put(ROLE, "Choose a role.");
    }
    Optional<Duration> duration = Optional.empty();
    Optional<String> typedDuration = typed(values, DURATION);
    if (typedDuration.isPresent()) {
      duration = Durations.parse(typedDuration.get());
      if (duration.isEmpty()) {
        errors.put(DURATION, Command.badDuration(typedDuration.get()).replace("`", ""));
      }
    }
    List<String> namespaces = new ArrayList<>();
    typed(values, NAMESPACES)
        .ifPresent(
            text -> {
              for (String part : text.split("[,\\s]+")) {
                if (!part.isBlank()) {
                  namespaces.add(part.strip().toLowerCase(Locale.ROOT));
                }
              }
            });
    String reason = typed(values, REASON).orElse("");
    if (reason.isBlank()) {
      errors.put(REASON, "A reason is required: say why you need access.");
    }
    if (!errors.isEmpty()) {
      return new Read.Errors(errors);
    }
    return new Read.Form(cluster, role, duration, namespaces, reason);
  }

  private static Optional<String> selected(
      Map<String, Map<String, ViewState.Value>> values, String block) {
    return Optional.ofNullable(values.get(block))
        .map(m -> m.get(VALUE))
        .map(ViewState.Value::getSelectedOption)
        .map(ViewState.SelectedOption::getValue)
        .filter(v -> !v.isBlank());
  }

  private static Optional<String> typed(
      Map<String, Map<String, ViewState.Value>> values, String block) {
    return Optional.ofNullable(values.get(block))
        .map(m -> m.get(VALUE))
        .map(ViewState.Value::getValue)
        .filter(v -> !v.isBlank());
  }

  private static OptionObject option(String text, String value) {
    String shown =
        text.length() > MAX_OPTION_TEXT ? text.substring(0, MAX_OPTION_TEXT - 1) + "…" : text;
    return OptionObject.builder().text(RequestCard.plain(shown)).value(value).build();
  }
}
