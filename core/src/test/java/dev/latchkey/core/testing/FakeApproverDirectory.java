package dev.latchkey.core.testing;

import dev.latchkey.core.Actor;
import dev.latchkey.core.port.ApproverDirectory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** User groups in a map; can be made unreachable. */
public final class FakeApproverDirectory implements ApproverDirectory {
  private final Map<String, Set<String>> groups = new HashMap<>();
  private volatile boolean reachable = true;

  public synchronized FakeApproverDirectory member(String groupId, String userId) {
    groups.computeIfAbsent(groupId, g -> new HashSet<>()).add(userId);
    return this;
  }

  public void setReachable(boolean value) {
    reachable = value;
  }

  @Override
  public synchronized Membership membership(String userGroupId, Actor.SlackUser user) {
    if (!reachable) {
      return Membership.UNKNOWN;
    }
    return groups.getOrDefault(userGroupId, Set.of()).contains(user.userId())
        ? Membership.MEMBER
        : Membership.NOT_MEMBER;
  }
}
