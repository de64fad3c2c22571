package dev.latchkey.core;

/**
 * Whether text is fit to store, show and hash: no control characters but line breaks and tabs
 * (PostgreSQL refuses NUL outright, the others only disguise what is shown), and no half of a
 * surrogate pair (it has no UTF-8 form, so it would turn into '?' on the way to the database and
 * different texts would look and hash alike). Typed text that is not plain is refused; text from
 * outside that must be recorded anyway is {@linkplain #clean cleaned}.
 */
public final class PlainText {
  /** What replaces a character that is not plain. */
  public static final char REPLACEMENT = '\uFFFD';

  private PlainText() {}

  public static boolean isPlain(String text) {
    return firstNotPlain(text) < 0;
  }

  /** The index of the first character that is not plain, or -1. */
  public static int firstNotPlain(String text) {
    for (int i = 0; i < text.length(); ) {
      if (notPlainAt(text, i)) {
        return i;
      }
      i += Character.charCount(text.codePointAt(i));
    }
    return -1;
  }

  /** {@code text} with every character that is not plain replaced by {@link #REPLACEMENT}. */
  public static String clean(String text) {
    if (isPlain(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); ) {
      if (notPlainAt(text, i)) {
        out.append(REPLACEMENT);
        i++;
      } else {
        int cp = text.codePointAt(i);
        out.appendCodePoint(cp);
        i += Character.charCount(cp);
      }
    }
    return out.toString();
  }

  /**
   * Whether the char at {@code i} is not plain (a valid surrogate pair is one plain code point).
   */
  private static boolean notPlainAt(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return !(i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)));
    }
    if (Character.isLowSurrogate(c)) {
      return true;
    }
    return Character.isISOControl(c) && c != '\n' && c != '\t';
  }
}
