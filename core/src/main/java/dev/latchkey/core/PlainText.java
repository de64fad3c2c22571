package dev.latchkey.core;

/**
 * Whether typed text is fit to store, show and hash: no control characters but line breaks and tabs (PostgreSQL
 * refuses NUL outright, the others only disguise what is shown), and no half of a surrogate pair (it would turn
 * into '?' on the way to UTF-8, so different texts would look and hash alike).
 */
public final class PlainText {
  private PlainText() {}

  public static boolean isPlain(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      } else if (Character.isISOControl(c) && c != '\n' && c != '\t') {
        return false;
      }
    }
    return true;
  }

  /** {@code text} with every character {@link #isPlain} refuses replaced by U+FFFD, for recording what was typed. */
  public static String clean(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c) || (Character.isISOControl(c) && c != '\n' && c != '\t')) {
        out.append('\uFFFD');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
