package dev.latchkey.core;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * Whether text is fit to store, show and hash: no control characters but line breaks and tabs
 * (PostgreSQL refuses NUL outright, the others only disguise what is shown), and no half of a
 * surrogate pair (it has no UTF-8 form, so it would turn into '?' on the way to the database and
 * different texts would look and hash alike). Typed text that is not plain is refused; text from
 * outside that must be recorded anyway is {@linkplain #clean cleaned}.
 *
 * <p>Plain text can still hold characters that are invisible or change the direction of the text
 * around them (see {@link #isInvisible}): {@code U+202E} makes {@code readonly 1h}'s neighbour read
 * backwards, {@code U+200B} splits a word without showing. Typed reasons holding one are refused
 * ({@link #firstInvisible}); wherever other text is shown or recorded they are {@linkplain
 * #escapeInvisible escaped} as {@code <U+202E>}, never passed on raw.
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

  /**
   * {@code text} with every character that is not plain replaced by {@link #REPLACEMENT}, and every
   * invisible or direction-changing one {@linkplain #escapeInvisible escaped}.
   */
  public static String clean(String text) {
    if (isPlain(text) && firstInvisible(text).isEmpty()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); ) {
      if (notPlainAt(text, i)) {
        out.append(REPLACEMENT);
        i++;
      } else {
        int cp = text.codePointAt(i);
        appendShown(out, cp);
        i += Character.charCount(cp);
      }
    }
    return out.toString();
  }

  /**
   * Whether a code point is invisible or changes the direction of the text around it: the
   * directional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the zero-width
   * characters (U+200B–U+200D, U+2060, U+FEFF), the line and paragraph separators U+2028 and
   * U+2029, every other format character (Unicode category Cf: soft hyphen, invisible operators,
   * tags …) and the Hangul fillers, which show as nothing.
   */
  public static boolean isInvisible(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
      default ->
          codePoint == 0x115F || codePoint == 0x1160 || codePoint == 0x3164 || codePoint == 0xFFA0;
    };
  }

  /** The first invisible or direction-changing code point of {@code text}, if any. */
  public static OptionalInt firstInvisible(String text) {
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (isInvisible(cp)) {
        return OptionalInt.of(cp);
      }
      i += Character.charCount(cp);
    }
    return OptionalInt.empty();
  }

  /** A code point as people look it up: {@code U+202E}, {@code U+E0041}. */
  public static String name(int codePoint) {
    return String.format(Locale.ROOT, "U+%04X", codePoint);
  }

  /**
   * {@code text} with each invisible or direction-changing character written as its name in angle
   * brackets ({@code <U+202E>}), so it shows instead of acting.
   */
  public static String escapeInvisible(String text) {
    if (firstInvisible(text).isEmpty()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    text.codePoints().forEach(cp -> appendShown(out, cp));
    return out.toString();
  }

  private static void appendShown(StringBuilder out, int codePoint) {
    if (isInvisible(codePoint)) {
      out.append('<').append(name(codePoint)).append('>');
    } else {
      out.appendCodePoint(codePoint);
    }
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
