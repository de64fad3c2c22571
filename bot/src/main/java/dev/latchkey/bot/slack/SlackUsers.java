package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.slack.api.model.User;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What users.info tells about a person (their email, needs {@code users:read.email}; their workspace and
 * Enterprise org), cached for {@link #TTL}. A failed lookup is not cached: the next use asks again.
 */
final class SlackUsers {
  private static final Logger log = LoggerFactory.getLogger(SlackUsers.class);
  static final Duration TTL = Duration.ofMinutes(10);

  record Profile(Optional<String> email, Optional<String> teamId, Optional<String> enterpriseId) {}

  private final SlackApi api;
  private final Cache<String, Profile> profiles =
      Caffeine.newBuilder().expireAfterWrite(TTL).maximumSize(20_000).build();

  SlackUsers(SlackApi api) {
    this.api = api;
  }

  Optional<Profile> profile(String userId) {
    return Optional.ofNullable(profiles.get(userId, this::load));
  }

  /** The email Slack shows for the user; empty when hidden or when Slack could not be asked. */
  Optional<String> email(String userId) {
    return profile(userId).flatMap(Profile::email);
  }

  private Profile load(String userId) {
    try {
      User user = api.userInfo(userId);
      if (user == null) {
        return null;
      }
      Optional<String> email = Optional.ofNullable(user.getProfile()).map(User.Profile::getEmail)
          .filter(e -> !e.isBlank());
      Optional<String> enterprise = Optional.ofNullable(user.getEnterpriseUser())
          .map(User.EnterpriseUser::getEnterpriseId).filter(e -> !e.isBlank());
      return new Profile(email, Optional.ofNullable(user.getTeamId()).filter(t -> !t.isBlank()), enterprise);
    } catch (SlackCallException e) {
      log.warn("users.info for {} failed: {}", userId, e.error());
      return null;
    }
  }
}
