package dev.latchkey.bot.slack;

import com.slack.api.methods.request.files.FilesCompleteUploadExternalRequest.FileDetails;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Shares a file into one conversation with Slack's upload flow: {@code files.getUploadURLExternal}
 * (a one-time upload address and a file id), the bytes sent to that address, then {@code
 * files.completeUploadExternal} into the conversation with a comment. ({@code files.upload} is
 * retired.) The file is shared only where it is completed, nowhere else.
 */
final class SlackFileUpload {
  /** The name of the middle step in errors and metrics; it is not a Web API method. */
  static final String UPLOAD_STEP = "file upload";

  /**
   * How long sending the bytes may take in all: a recording may be tens of megabytes, beyond the
   * client's usual call timeout.
   */
  static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(5);

  private final SlackApi api;

  SlackFileUpload(SlackApi api) {
    this.api = api;
  }

  /** Uploads {@code content} as {@code fileName} into {@code channel}; returns the file id. */
  String share(String channel, String fileName, byte[] content, String comment)
      throws SlackCallException {
    var address =
        api.call(
            "files.getUploadURLExternal",
            () ->
                api.methods()
                    .filesGetUploadURLExternal(r -> r.filename(fileName).length(content.length)));
    if (address.getUploadUrl() == null || address.getFileId() == null) {
      throw new SlackCallException(
          "files.getUploadURLExternal", "no upload address", false, Optional.empty());
    }
    send(address.getUploadUrl(), content);
    api.call(
        "files.completeUploadExternal",
        () ->
            api.methods()
                .filesCompleteUploadExternal(
                    r ->
                        r.files(
                                List.of(
                                    FileDetails.builder()
                                        .id(address.getFileId())
                                        .title(fileName)
                                        .build()))
                            .channelId(channel)
                            .initialComment(comment)));
    return address.getFileId();
  }

  /** Sends the bytes to the upload address (which needs no token: it is good for this one file). */
  private void send(String uploadUrl, byte[] content) throws SlackCallException {
    Request request =
        new Request.Builder().url(uploadUrl).post(RequestBody.create(content)).build();
    // The same connections and threads as every Slack call, with room for a large file.
    OkHttpClient client =
        api.slack()
            .getHttpClient()
            .getOkHttpClient()
            .newBuilder()
            .callTimeout(UPLOAD_TIMEOUT)
            .build();
    try (Response response = client.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        throw new SlackCallException(
            UPLOAD_STEP,
            "http_" + response.code(),
            response.code() == 429 || response.code() >= 500,
            Optional.empty());
      }
    } catch (InterruptedIOException e) {
      throw new SlackCallException(UPLOAD_STEP, "timeout", true, Optional.empty());
    } catch (IOException e) {
      throw new SlackCallException(
          UPLOAD_STEP, "io: " + e.getClass().getSimpleName(), true, Optional.empty());
    }
  }
}
