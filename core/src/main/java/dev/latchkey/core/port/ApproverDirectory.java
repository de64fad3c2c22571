package dev.latchkey.core.port;

import dev.latchkey.core.Actor;

/** Looks up membership of a customer's approver user group (e.g. in Slack). */
public interface ApproverDirectory {

  Membership membership(String userGroupId, Actor.SlackUser user);

  /** UNKNOWN when the directory could not be asked; the core then refuses, it never guesses. */
  enum Membership {
    MEMBER,
    NOT_MEMBER,
    UNKNOWN
  }
}
