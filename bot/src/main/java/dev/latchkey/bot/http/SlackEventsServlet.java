package dev.latchkey.bot.http;

import com.slack.api.app_backend.SlackSignature;
import com.slack.api.bolt.App;
import com.slack.api.bolt.jakarta_servlet.ServletAdapterOps;
import com.slack.api.bolt.jakarta_servlet.SlackAppServlet;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.RequestHeaders;
import com.slack.api.bolt.response.Response;
import com.slack.api.bolt.util.QueryStringParser;
import com.slack.api.bolt.util.SlackRequestParser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bolt's {@link SlackAppServlet} with the checks a public endpoint needs before Bolt sees anything:
 * bodies over {@value #MAX_BODY_BYTES} bytes are answered 413 (by Content-Length, and while reading
 * a streamed body); invalid UTF-8 is answered 400; the Slack signature and its timestamp (within 5
 * minutes of now, either way) are verified in constant time, and any failure is answered 401 before
 * the payload is parsed; a payload that is not the JSON or form Slack sends is answered 400. Every
 * answer is a short plain text; exceptions are logged, never shown.
 */
public class SlackEventsServlet extends SlackAppServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(SlackEventsServlet.class);

  public static final int MAX_BODY_BYTES = 1024 * 1024;
  private static final long DISCARD_LIMIT_BYTES = 8L * 1024 * 1024;
  static final long MAX_CLOCK_SKEW_SECONDS = 5 * 60;

  private final transient App app;
  private final transient SlackSignature.Generator signatures;
  private final transient SlackRequestParser parser;
  private final transient LongSupplier wallClockMillis;

  /** {@code wallClockMillis}: real time, to compare with Slack's request timestamps. */
  public SlackEventsServlet(App app, String signingSecret, LongSupplier wallClockMillis) {
    super(app);
    this.app = app;
    this.signatures = new SlackSignature.Generator(signingSecret);
    this.parser = new SlackRequestParser(app.config());
    this.wallClockMillis = wallClockMillis;
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    long declared = req.getContentLengthLong();
    if (declared > MAX_BODY_BYTES) {
      tooLarge(req, resp);
      return;
    }
    byte[] bytes = readAtMost(req.getInputStream(), MAX_BODY_BYTES);
    if (bytes == null) {
      tooLarge(req, resp);
      return;
    }
    String body;
    try {
      body =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      plain(resp, 400, "Request body is not valid UTF-8.");
      return;
    }
    String timestamp = req.getHeader(SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP);
    String signature = req.getHeader(SlackSignature.HeaderNames.X_SLACK_SIGNATURE);
    boolean sslCheck = isSslCheck(body);
    if (!sslCheck) {
      if (timestamp == null || signature == null) {
        plain(
            resp,
            401,
            "Missing Slack signature headers (X-Slack-Signature, X-Slack-Request-Timestamp).");
        return;
      }
      if (!freshTimestamp(timestamp)) {
        plain(resp, 401, "Stale or invalid X-Slack-Request-Timestamp.");
        return;
      }
      if (!validSignature(timestamp, body, signature)) {
        plain(resp, 401, "Invalid Slack signature.");
        return;
      }
    }
    Request<?> slackRequest;
    try {
      slackRequest =
          parser.parse(
              SlackRequestParser.HttpRequest.builder()
                  .requestUri(req.getRequestURI())
                  .queryString(QueryStringParser.toMap(req.getQueryString()))
                  .headers(new RequestHeaders(ServletAdapterOps.toHeaderMap(req)))
                  .requestBody(body)
                  .remoteAddress(req.getRemoteAddr())
                  .build());
    } catch (RuntimeException e) {
      log.info("malformed Slack payload: {}", e.getClass().getSimpleName());
      plain(resp, 400, "Malformed Slack payload: expected Slack's JSON or form fields.");
      return;
    }
    if (slackRequest == null) {
      plain(resp, 400, "Unrecognised Slack request.");
      return;
    }
    Response slackResponse;
    try {
      slackResponse = app.run(slackRequest);
    } catch (Exception e) {
      log.error("Slack request could not be handled", e);
      plain(resp, 500, "Latchkey could not handle this request; it has been logged.");
      return;
    }
    if (slackResponse == null) {
      plain(resp, 500, "Latchkey produced no answer; it has been logged.");
      return;
    }
    ServletAdapterOps.writeResponse(resp, slackResponse);
  }

  private boolean freshTimestamp(String timestamp) {
    try {
      long seconds = Long.parseLong(timestamp.strip());
      long now = wallClockMillis.getAsLong() / 1000;
      return Math.abs(now - seconds) <= MAX_CLOCK_SKEW_SECONDS;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private boolean validSignature(String timestamp, String body, String signature) {
    String expected = signatures.generate(timestamp, body);
    return expected != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8), signature.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Slack's certificate check for slash commands, the one request Slack sends unsigned: a form of
   * exactly two fields, {@code ssl_check=1} and {@code token=<verification token>}, in either order
   * and nothing else (Slack's documentation of slash commands). Bolt answers it without running any
   * listener. Anything more — a JSON body with {@code &ssl_check=1&} inside a string, a command or
   * interaction with the field tacked on, a repeated field, an encoded name — is not that check and
   * must be signed like every other request, since Bolt would act on what else it holds.
   */
  static boolean isSslCheck(String body) {
    return SSL_CHECK.matcher(body).matches();
  }

  /** The token is Slack's verification token: letters, digits, dashes, dots and underscores. */
  private static final Pattern SSL_CHECK =
      Pattern.compile(
          "ssl_check=1&token=[A-Za-z0-9._-]{0,256}|token=[A-Za-z0-9._-]{0,256}&ssl_check=1");

  /** Reads the body, or returns null as soon as it exceeds {@code limit} bytes. */
  private static byte[] readAtMost(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 16 * 1024));
    byte[] buffer = new byte[8192];
    int total = 0;
    int n;
    while ((n = in.read(buffer)) != -1) {
      total += n;
      if (total > limit) {
        return null;
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /**
   * Answers 413 and closes the connection. The rest of the body is read and thrown away, up to
   * {@link #DISCARD_LIMIT_BYTES}, so that a client still sending it reads the answer instead of a
   * reset connection; beyond that the connection is simply closed.
   */
  private static void tooLarge(HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    resp.setHeader("Connection", "close");
    plain(resp, 413, "Request body too large: the limit is 1 MB.");
    resp.flushBuffer();
    long declared = req.getContentLengthLong();
    if (declared > DISCARD_LIMIT_BYTES) {
      return;
    }
    InputStream in = req.getInputStream();
    byte[] buffer = new byte[16 * 1024];
    long discarded = 0;
    int n;
    while (discarded <= DISCARD_LIMIT_BYTES && (n = in.read(buffer)) != -1) {
      discarded += n;
    }
  }

  static void plain(HttpServletResponse resp, int status, String message) throws IOException {
    resp.setStatus(status);
    resp.setContentType("text/plain; charset=utf-8");
    resp.getWriter().write(message + "\n");
  }
}
