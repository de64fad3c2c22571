package dev.latchkey.core.session;

import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Identifies one gateway session (an exec, attach or port-forward stream): {@code gs-} and twelve
 * Crockford base32 characters, 60 bits, since a busy grant opens many.
 */
public record SessionId(String value) {
  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
  private static final Pattern FORM = Pattern.compile("gs-[0-9abcdefghjkmnpqrstvwxyz]{12}");

  public SessionId {
    if (value == null || !FORM.matcher(value).matches()) {
      throw new IllegalArgumentException("not a session id: " + value);
    }
  }

  public static SessionId random(RandomGenerator random) {
    StringBuilder id = new StringBuilder("gs-");
    for (int i = 0; i < 12; i++) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return new SessionId(id.toString());
  }

  /**
   * Reads what a person typed: any case, Crockford's look-alikes (o→0, i/l→1), optional {@code gs-}
   * prefix.
   */
  public static Optional<SessionId> parse(String typed) {
    if (typed == null) {
      return Optional.empty();
    }
    String text = typed.strip().toLowerCase(Locale.ROOT);
    if (text.startsWith("gs-")) {
      text = text.substring(3);
    }
    if (text.length() != 12) {
      return Optional.empty();
    }
    String candidate = "gs-" + text.replace('o', '0').replace('i', '1').replace('l', '1');
    return FORM.matcher(candidate).matches()
        ? Optional.of(new SessionId(candidate))
        : Optional.empty();
  }

  @Override
  public String toString() {
    return value;
  }
}
