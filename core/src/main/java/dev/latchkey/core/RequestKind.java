package dev.latchkey.core;

/** An access request grants; an extension request asks for more time on an active one. */
public enum RequestKind {
  ACCESS,
  EXTENSION
}
