package dev.latchkey.bot.slack;

import com.google.gson.Gson;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.impl.MethodsClientImpl;
import com.slack.api.util.http.SlackHttpClient;
import com.slack.api.util.json.GsonFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.Headers;
import okhttp3.Response;

/**
 * The Slack SDK's Web API client, parsing every answer with one {@link Gson} built once for the
 * client's {@code SlackConfig}. The SDK's own {@code parseJsonResponseAndRunListeners} builds a new
 * Gson (every type adapter registered again) for each response it parses, which was about a third
 * of the CPU of Latchkey's notice threads when many grants expired at once.
 *
 * <p>Behaves as the SDK's {@code postFormWithTokenAndParseResponse}: a 2xx answer is parsed into
 * the response type, its headers attached (lower-cased names) and the configured response listeners
 * run; any other status throws {@link SlackApiException} with the response and body. The SDK's
 * per-team call statistics are left out: Latchkey turns them off ({@code
 * SlackConfig#setStatsEnabled(false)}), and the constructor refuses a config with them on.
 */
final class SharedGsonMethodsClient extends MethodsClientImpl {
  private final SlackHttpClient http;
  private final Gson gson;

  SharedGsonMethodsClient(SlackHttpClient http, String token) {
    super(http, token);
    if (http.getConfig().getMethodsConfig().isStatsEnabled()) {
      throw new IllegalArgumentException(
          "the shared-Gson client does not keep the SDK's call statistics; "
              + "turn them off (SlackConfig#setStatsEnabled(false))");
    }
    this.http = http;
    this.gson = GsonFactory.createSnakeCase(http.getConfig());
    setEndpointUrlPrefix(http.getConfig().getMethodsEndpointUrlPrefix());
  }

  @Override
  protected <T extends SlackApiTextResponse> T postFormWithTokenAndParseResponse(
      FormBody.Builder form, String methodName, String token, Class<T> clazz)
      throws IOException, SlackApiException {
    Response response = runPostFormWithToken(form, methodName, token);
    String body = response.body().string();
    if (!response.isSuccessful()) {
      throw new SlackApiException(http.getConfig(), response, body);
    }
    try {
      T parsed = gson.fromJson(body, clazz);
      parsed.setHttpResponseHeaders(lowerCasedNames(response.headers()));
      return parsed;
    } finally {
      http.runHttpResponseListeners(response, body, false);
    }
  }

  private static Map<String, List<String>> lowerCasedNames(Headers headers) {
    Map<String, List<String>> out = new HashMap<>();
    for (Map.Entry<String, List<String>> e : headers.toMultimap().entrySet()) {
      out.put(e.getKey().toLowerCase(Locale.ENGLISH), e.getValue());
    }
    return out;
  }
}
