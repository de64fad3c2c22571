package dev.latchkey.core;

import java.util.Objects;
import java.util.regex.Pattern;

/** A cluster of a customer: cluster names are unique within a customer, not across customers. */
public record ClusterRef(CustomerId customer, String name) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public ClusterRef {
    Objects.requireNonNull(customer, "customer");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "cluster name must be lowercase letters, digits and dashes (at most 63): " + name);
    }
  }

  @Override
  public String toString() {
    return customer + "/" + name;
  }
}
