package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.slack.api.model.User;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who acted, as Slack's directory says: the one place every Slack path (slash command, button,
 * request form, thread reply) turns a user id into an {@link Actor.SlackUser}. Payloads are not
 * used for this because they disagree: a slash command carries only the workspace the command was
 * typed in ({@code team_id}, in a Slack Connect channel the installing workspace, the same for
 * everyone), a button its clicker's {@code user.team_id}, a thread reply the event's {@code team}.
 * {@code users.info} gives the user's own workspace ({@code team_id}) and Enterprise Grid org
 * ({@code enterprise_user.enterprise_id}), whatever the path.
 *
 * <p>For a customer configured by its org id ({@code E…}) the actor's workspace is their org, so
 * any workspace of that org can approve; otherwise it is their own workspace. Profiles are cached
 * for {@link #TTL} (at most {@link #MAX_PROFILES}); a user's own workspace does not change, so the
 * bound only limits how long a changed email or a move into an Enterprise org takes to show. A
 * failed lookup is not cached, and gives {@link Identity.Unknown}: callers change nothing on an
 * unknown identity.
 */
final class SlackIdentities {
  private static final Logger log = LoggerFactory.getLogger(SlackIdentities.class);
  static final Duration TTL = Duration.ofMinutes(10);
  static final int MAX_PROFILES = 20_000;

  /** What users.info says about a person. */
  record Profile(String teamId, Optional<String> enterpriseId, Optional<String> email) {}

  /** The outcome of looking a user up. */
  sealed interface Identity {
    /** The user as the customer's rules see them, and the email Slack shows (empty when hidden). */
    record Known(Actor.SlackUser actor, Optional<String> email) implements Identity {}

    /**
     * Slack could not be asked or did not say; a transient state, never a reason to allow anything.
     */
    record Unknown(String userId, String why) implements Identity {}
  }

  private final SlackApi api;
  private final Cache<String, Profile> profiles =
      Caffeine.newBuilder().expireAfterWrite(TTL).maximumSize(MAX_PROFILES).build();

  SlackIdentities(SlackApi api) {
    this.api = api;
  }

  /** The user's identity for {@code customer}'s rules (their org for an {@code E…} customer). */
  Identity resolve(String userId, Optional<Customer> customer) {
    Profile profile;
    try {
      profile = profiles.get(userId, this::load);
    } catch (RuntimeException e) {
      log.warn("users.info for {} failed: {}", userId, e.toString());
      return new Identity.Unknown(userId, "users.info failed");
    }
    if (profile == null) {
      return new Identity.Unknown(userId, "users.info did not answer");
    }
    boolean byOrg = customer.map(c -> c.teamId().startsWith("E")).orElse(false);
    String team = byOrg ? profile.enterpriseId().orElse(profile.teamId()) : profile.teamId();
    try {
      return new Identity.Known(
          new Actor.SlackUser(team, userId, profile.email()), profile.email());
    } catch (IllegalArgumentException e) {
      log.warn("users.info for {} gave an unusable workspace id: {}", userId, e.getMessage());
      return new Identity.Unknown(userId, "unusable workspace id");
    }
  }

  private Profile load(String userId) {
    try {
      User user = api.userInfo(userId);
      Optional<String> team =
          Optional.ofNullable(user).map(User::getTeamId).filter(t -> !t.isBlank());
      if (team.isEmpty()) {
        log.warn("users.info for {} named no workspace", userId);
        return null;
      }
      Optional<String> email =
          Optional.ofNullable(user.getProfile())
              .map(User.Profile::getEmail)
              .filter(e -> !e.isBlank());
      Optional<String> enterprise =
          Optional.ofNullable(user.getEnterpriseUser())
              .map(User.EnterpriseUser::getEnterpriseId)
              .filter(e -> !e.isBlank());
      return new Profile(team.get(), enterprise, email);
    } catch (SlackCallException e) {
      log.warn("users.info for {} failed: {}", userId, e.error());
      return null;
    }
  }
}
