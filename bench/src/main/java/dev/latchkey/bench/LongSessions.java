package dev.latchkey.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Long-lived sessions opened the way kubectl opens them, each telling when its client saw its
 * connection close: an exec stream over WebSocket ({@code v4.channel.k8s.io}, a command that waits)
 * and a watch (a chunked answer that stays open). Many share one client, as many terminals would
 * share a machine.
 */
final class LongSessions {
  private LongSessions() {}

  /** One session: opened (the stream or the watch's answer started), then closed, in nanoTime. */
  static final class Open {
    final String kind;
    final CompletableFuture<Void> opened = new CompletableFuture<>();
    final CompletableFuture<Long> closedAt = new CompletableFuture<>();
    private volatile Runnable closer = () -> {};

    Open(String kind) {
      this.kind = kind;
    }

    private void closed() {
      closedAt.complete(System.nanoTime());
    }

    /** Closes it from the client's side (clean-up). */
    void close() {
      closer.run();
    }
  }

  /** An exec of {@code sleep 900} in {@code pod} through {@code server} (an https URL). */
  static Open exec(HttpClient client, String server, String namespace, String pod, String token) {
    Open open = new Open("exec");
    URI uri =
        URI.create(
            server.replaceFirst("^https:", "wss:")
                + "/api/v1/namespaces/"
                + namespace
                + "/pods/"
                + pod
                + "/exec?command=sleep&command=900&stdout=true&stderr=true");
    client
        .newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .subprotocols("v4.channel.k8s.io")
        .connectTimeout(Duration.ofSeconds(30))
        .buildAsync(
            uri,
            new WebSocket.Listener() {
              @Override
              public void onOpen(WebSocket ws) {
                ws.request(Long.MAX_VALUE);
              }

              @Override
              public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                open.closed();
                return null;
              }

              @Override
              public void onError(WebSocket ws, Throwable error) {
                open.closed();
              }
            })
        .whenComplete(
            (ws, failure) -> {
              if (failure != null) {
                open.opened.completeExceptionally(failure);
                open.closed();
              } else {
                open.closer = ws::abort;
                open.opened.complete(null);
              }
            });
    return open;
  }

  /** A watch of the pods of {@code namespace} from {@code resourceVersion} (so it stays idle). */
  static Open watch(
      HttpClient client, String server, String namespace, String resourceVersion, String token) {
    Open open = new Open("watch");
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    server
                        + "/api/v1/namespaces/"
                        + namespace
                        + "/pods?watch=true&resourceVersion="
                        + resourceVersion))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json")
            .build();
    client
        .sendAsync(request, HttpResponse.BodyHandlers.ofPublisher())
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                open.opened.completeExceptionally(failure);
                open.closed();
                return;
              }
              response
                  .body()
                  .subscribe(
                      new Flow.Subscriber<List<ByteBuffer>>() {
                        @Override
                        public void onSubscribe(Flow.Subscription subscription) {
                          open.closer = subscription::cancel;
                          subscription.request(Long.MAX_VALUE);
                        }

                        @Override
                        public void onNext(List<ByteBuffer> item) {}

                        @Override
                        public void onError(Throwable throwable) {
                          open.closed();
                        }

                        @Override
                        public void onComplete() {
                          open.closed();
                        }
                      });
              if (response.statusCode() == 200) {
                open.opened.complete(null);
              } else {
                open.opened.completeExceptionally(
                    new IllegalStateException("watch answered HTTP " + response.statusCode()));
                open.close();
              }
            });
    return open;
  }
}
