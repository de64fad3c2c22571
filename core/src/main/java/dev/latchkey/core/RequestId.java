package dev.latchkey.core;

import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Identifies an access request: {@code ar-} and eight Crockford base32 characters, lowercase so it
 * can name Kubernetes objects, short enough to type, 40 bits so that millions of requests do not
 * collide in practice.
 */
public record RequestId(String value) {
  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
  private static final Pattern FORM = Pattern.compile("ar-[0-9abcdefghjkmnpqrstvwxyz]{8}");

  public RequestId {
    if (value == null || !FORM.matcher(value).matches()) {
      throw new IllegalArgumentException("not a request id: " + value);
    }
  }

  public static RequestId random(RandomGenerator random) {
    StringBuilder id = new StringBuilder("ar-");
    for (int i = 0; i < 8; i++) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return new RequestId(id.toString());
  }

  /**
   * Reads what a person typed: any case, Crockford's look-alikes (o→0, i/l→1), optional {@code ar-}
   * prefix.
   */
  public static Optional<RequestId> parse(String typed) {
    if (typed == null) {
      return Optional.empty();
    }
    String text = typed.strip().toLowerCase(Locale.ROOT);
    if (text.startsWith("ar-")) {
      text = text.substring(3);
    }
    if (text.length() != 8) {
      return Optional.empty();
    }
    String normalised = text.replace('o', '0').replace('i', '1').replace('l', '1');
    String candidate = "ar-" + normalised;
    return FORM.matcher(candidate).matches()
        ? Optional.of(new RequestId(candidate))
        : Optional.empty();
  }

  @Override
  public String toString() {
    return value;
  }
}
