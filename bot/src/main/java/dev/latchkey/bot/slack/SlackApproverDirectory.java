package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.latchkey.core.Actor;
import dev.latchkey.core.port.ApproverDirectory;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approver user-group membership from Slack ({@code usergroups.users.list}, scope {@code
 * usergroups:read}).
 *
 * <p><b>Staleness bound:</b> a group's members are cached for at most {@link #MAX_STALENESS} (60
 * seconds) after they were read, so someone removed from the approver group can still decide for up
 * to 60 seconds, and someone added may wait as long. When Slack cannot be asked the answer is
 * {@code UNKNOWN} and the core refuses the decision; failures are never cached. Whether the user
 * belongs to the customer's own workspace is checked by the core, not here.
 */
public final class SlackApproverDirectory implements ApproverDirectory {
  private static final Logger log = LoggerFactory.getLogger(SlackApproverDirectory.class);

  /** The longest a cached membership list is used (documented bound on staleness). */
  public static final Duration MAX_STALENESS = Duration.ofSeconds(60);

  private final SlackApi api;
  private final Cache<String, Set<String>> members;

  /** Membership cached by real elapsed time ({@link Ticker#systemTicker()}). */
  public SlackApproverDirectory(SlackApi api) {
    this(api, Ticker.systemTicker());
  }

  /**
   * {@code ticker} measures the cache's age; tests pass a fake one. Not the wall clock: a clock
   * stepped backwards (NTP, a VM resumed) would stretch the 60-second bound, and the domain clock
   * is not elapsed time either.
   */
  public SlackApproverDirectory(SlackApi api, Ticker ticker) {
    this.api = api;
    this.members =
        Caffeine.newBuilder()
            .expireAfterWrite(MAX_STALENESS)
            .maximumSize(1_000)
            .ticker(ticker)
            .build();
  }

  @Override
  public Membership membership(String userGroupId, Actor.SlackUser user) {
    Set<String> group;
    try {
      group = members.get(userGroupId, this::load);
    } catch (RuntimeException e) {
      log.warn("approver group {} could not be read: {}", userGroupId, e.toString());
      return Membership.UNKNOWN;
    }
    if (group == null) {
      return Membership.UNKNOWN;
    }
    return group.contains(user.userId()) ? Membership.MEMBER : Membership.NOT_MEMBER;
  }

  private Set<String> load(String userGroupId) {
    try {
      return Set.copyOf(api.userGroupMembers(userGroupId));
    } catch (SlackCallException e) {
      log.warn("usergroups.users.list for {} failed: {}", userGroupId, e.error());
      return null;
    }
  }
}
