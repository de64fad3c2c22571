package dev.latchkey.bot.slack;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known word a mistyped one was most likely meant to be: one or two letters off (swapped,
 * missing, extra or wrong, fewer for short words), or the start of exactly one word. Nothing when
 * no word is that close, or two are equally close: a wrong guess is worse than none.
 */
final class DidYouMean {
  /** Typed text longer than this is not a mistyped word: no guess, and no quadratic work. */
  private static final int MAX_TYPED = 40;

  private DidYouMean() {}

  static Optional<String> closest(String typed, Collection<String> known) {
    String t = typed.strip().toLowerCase(Locale.ROOT);
    if (t.isEmpty() || t.length() > MAX_TYPED) {
      return Optional.empty();
    }
    int allowed = t.length() <= 3 ? 1 : 2;
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    boolean tie = false;
    for (String word : known) {
      String w = word.toLowerCase(Locale.ROOT);
      if (w.equals(t)) {
        return Optional.empty();
      }
      int d = distance(t, w);
      if (d < bestDistance) {
        best = word;
        bestDistance = d;
        tie = false;
      } else if (d == bestDistance && !word.equals(best)) {
        tie = true;
      }
    }
    if (best != null && bestDistance <= allowed && !tie) {
      return Optional.of(best);
    }
    return onlyPrefixOf(t, known);
  }

  /** The one known word that starts with at least three typed letters. */
  private static Optional<String> onlyPrefixOf(String t, Collection<String> known) {
    if (t.length() < 3) {
      return Optional.empty();
    }
    var starting =
        known.stream().filter(w -> w.toLowerCase(Locale.ROOT).startsWith(t)).distinct().toList();
    return starting.size() == 1 ? Optional.of(starting.getFirst()) : Optional.empty();
  }

  /** Edits between two words, a swap of neighbours counting as one (optimal string alignment). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
