package dev.latchkey.core;

/** Whether what an event records happened, was refused by a rule, or failed on the way. */
public enum AuditResult {
  OK,
  REFUSED,
  FAILED
}
