package dev.latchkey.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {
  @Test
  void secretsInUrlsAreRedacted() {
    assertThat(JdbcUrls.redact("jdbc:postgresql://db/latchkey?user=lk&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/latchkey?user=lk&password=***&ssl=true");
  }

  @Test
  void everySpellingOfASecretIsRedactedInBothUrlStyles() {
    assertThat(JdbcUrls.redact("jdbc:h2:file:./x;PASSWORD=a;user=sa;pwd=b"))
        .isEqualTo("jdbc:h2:file:./x;PASSWORD=***;user=sa;pwd=***");
    assertThat(
            JdbcUrls.redact(
                "jdbc:postgresql://db/l?sslpassword=c&sslkey=/k.pk8&Secret=d&passwd=e&ssl=true"))
        .isEqualTo(
            "jdbc:postgresql://db/l?sslpassword=***&sslkey=***&Secret=***&passwd=***&ssl=true");
    assertThat(JdbcUrls.redact("jdbc:postgresql://db/latchkey"))
        .isEqualTo("jdbc:postgresql://db/latchkey");
  }
}
