package dev.latchkey.core;

import java.util.regex.Pattern;

/** Names a customer (a tenant) of this deployment, as written in the configuration. */
public record CustomerId(String value) {
  private static final Pattern FORM = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public CustomerId {
    if (value == null || !FORM.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "customer id must be lowercase letters, digits and dashes (at most 63): " + value);
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
