package dev.latchkey.k8s;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * What a failed call to the API server means for Latchkey, and the one line a person is shown about
 * it: the API server's own message when it answered, a short description of the network failure
 * when it did not. Never a stack trace.
 */
record ApiError(Kind kind, int code, String message) {

  enum Kind {
    /** 409: the object exists already. */
    EXISTS,
    /** 404: the object (or its namespace) does not exist. */
    NOT_FOUND,
    /**
     * The API server decided no (400, 403, 422, other 4xx): the same call would be refused again.
     */
    REFUSED,
    /**
     * No decision: unreachable, timed out, 401 (credentials being rotated), 408, 429, 5xx. Try
     * again later.
     */
    UNAVAILABLE
  }

  static ApiError of(RuntimeException failure) {
    KubernetesClientException answered = answered(failure);
    if (answered != null) {
      int code = answered.getCode();
      return new ApiError(kind(code), code, serverMessage(answered));
    }
    return new ApiError(Kind.UNAVAILABLE, 0, networkMessage(failure));
  }

  boolean is(Kind k) {
    return kind == k;
  }

  private static Kind kind(int code) {
    return switch (code) {
      case 409 -> Kind.EXISTS;
      case 404 -> Kind.NOT_FOUND;
      case 401, 408, 429 -> Kind.UNAVAILABLE;
      default -> code >= 400 && code < 500 ? Kind.REFUSED : Kind.UNAVAILABLE;
    };
  }

  /** The first exception in the chain that carries an HTTP status from the server. */
  private static KubernetesClientException answered(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() > 0) {
        return k;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static String serverMessage(KubernetesClientException e) {
    Status status = e.getStatus();
    if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) {
      return oneLine(status.getMessage());
    }
    return "the API server answered HTTP " + e.getCode();
  }

  private static String networkMessage(Throwable failure) {
    Throwable root = failure;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      root = t;
      if (t instanceof HttpConnectTimeoutException) {
        return "the API server could not be reached: connection timed out after "
            + ClusterConnections.CONNECT_TIMEOUT.toSeconds()
            + " s";
      }
      if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
        return "the API server did not answer within "
            + ClusterConnections.REQUEST_TIMEOUT.toSeconds()
            + " s";
      }
      if (t instanceof ConnectException) {
        return "the API server could not be reached: connection refused";
      }
      if (t instanceof UnknownHostException) {
        return "the API server could not be reached: unknown host " + t.getMessage();
      }
      if (t instanceof SSLException) {
        return "TLS with the API server failed: " + oneLine(String.valueOf(t.getMessage()));
      }
    }
    String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return "the API server could not be reached: " + oneLine(detail);
  }

  private static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s+", " ");
    return line.length() > 500 ? line.substring(0, 499) + "…" : line;
  }
}
