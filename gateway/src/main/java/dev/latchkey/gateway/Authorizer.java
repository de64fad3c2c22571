package dev.latchkey.gateway;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.Admission;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.GatewayGrant;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.gateway.kube.KubeRequest;
import dev.latchkey.k8s.GatewayTokens;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a request may pass: the token is reviewed on the cluster the URL names, for the
 * gateway's audience (reviews reused for a few seconds), then the records are asked about its
 * grant, every time, and last the request must not address a namespace the grant's cluster
 * protects. Everything blocking runs on the worker executor; what memory answers, on the caller's
 * thread.
 */
final class Authorizer {
  private static final Logger log = LoggerFactory.getLogger(Authorizer.class);

  /** The outcome for one request. */
  sealed interface Decision {
    record Allowed(GatewayGrant grant, Instant tokenExpiresAt) implements Decision {}

    /**
     * @param grant the grant the token named, when it named one (the refusal is then logged)
     */
    record Denied(HttpResponseStatus status, String message, Optional<RequestId> grant)
        implements Decision {}
  }

  private record ReviewKey(GatewayCluster cluster, String token) {
    @Override
    public String toString() {
      return "ReviewKey[" + cluster.ref() + ", token redacted]";
    }
  }

  private static final class ReviewUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ReviewUnavailable(String message) {
      super(message, null, false, false);
    }
  }

  private final String audience;
  private final AdmitConnection admit;
  private final EndCauses causes;
  private final ConnectionRegistry registry;
  private final Clock clock;
  private final Executor workers;
  private final AsyncLoadingCache<ReviewKey, GatewayTokens.Review> reviews;

  Authorizer(
      String audience,
      Duration reviewTtl,
      AdmitConnection admit,
      EndCauses causes,
      ConnectionRegistry registry,
      Clock clock,
      LongSupplier nanoTicker,
      Executor workers) {
    this.audience = audience;
    this.admit = admit;
    this.causes = causes;
    this.registry = registry;
    this.clock = clock;
    this.workers = workers;
    this.reviews =
        Caffeine.newBuilder()
            .expireAfterWrite(reviewTtl)
            .maximumSize(10_000)
            .ticker(nanoTicker::getAsLong)
            .executor(workers)
            .buildAsync(this::review);
  }

  private GatewayTokens.Review review(ReviewKey key) {
    GatewayTokens.Review review = key.cluster().reviewer().review(key.token(), audience);
    if (review instanceof GatewayTokens.Review.Unavailable unavailable) {
      throw new ReviewUnavailable(unavailable.message());
    }
    return Objects.requireNonNull(review, "review");
  }

  /**
   * Decides; the future never fails. When the review is at hand and the store knows the grant's
   * standing in memory, the decision is made on the calling thread and the future is already
   * complete: the records are still asked, without a trip to a worker. Otherwise (a review to make,
   * a standing to read, a refusal whose cause must be read) a worker decides.
   */
  CompletableFuture<Decision> authorize(GatewayCluster cluster, String token, KubeRequest request) {
    CompletableFuture<GatewayTokens.Review> review;
    try {
      review = reviews.get(new ReviewKey(cluster, token));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(busy());
    }
    if (review.isDone() && !review.isCompletedExceptionally()) {
      try {
        Optional<Decision> decided = decide(cluster.ref(), review.join(), request, false);
        if (decided.isPresent()) {
          return CompletableFuture.completedFuture(decided.get());
        }
      } catch (RuntimeException e) {
        // The worker decides again and answers what went wrong, as for any failure there.
        log.debug("deciding from memory failed: {}", e.toString());
      }
    }
    return review
        .thenApplyAsync(r -> decide(cluster.ref(), r, request, true).orElseThrow(), workers)
        .exceptionally(Authorizer::failed);
  }

  /**
   * The decision; with {@code mayBlock} false, only what needs no wait (empty when the records must
   * be read).
   */
  private Optional<Decision> decide(
      ClusterRef cluster, GatewayTokens.Review review, KubeRequest request, boolean mayBlock) {
    if (!(review instanceof GatewayTokens.Review.Authenticated authenticated)) {
      return Optional.of(
          new Decision.Denied(
              HttpResponseStatus.UNAUTHORIZED,
              "the token is not valid for this Latchkey gateway (expired, revoked, or not a gateway"
                  + " token): fetch a new kubeconfig with /access kubeconfig",
              Optional.empty()));
    }
    RequestId id = authenticated.id();
    if (!authenticated.expiresAt().isAfter(clock.instant())) {
      return Optional.of(
          new Decision.Denied(
              HttpResponseStatus.UNAUTHORIZED,
              "the token of access " + id + " has expired",
              Optional.of(id)));
    }
    Optional<ConnectionRegistry.Ended> ended = registry.ended(id);
    if (ended.isPresent()) {
      return Optional.of(
          new Decision.Denied(
              HttpResponseStatus.FORBIDDEN,
              EndCauses.line(id, ended.get().cause()),
              Optional.of(id)));
    }
    Optional<Admission> admission =
        mayBlock ? Optional.of(admit.admit(id, cluster)) : admit.admitInMemory(id, cluster);
    return admission.flatMap(
        a ->
            switch (a) {
              case Admission.Admitted admitted ->
                  Optional.of(allowedUnlessProtected(id, admitted, authenticated, request));
              case Admission.Refused refused ->
                  mayBlock ? Optional.of(refusal(id, refused)) : Optional.empty();
            });
  }

  private static Decision allowedUnlessProtected(
      RequestId id,
      Admission.Admitted admitted,
      GatewayTokens.Review.Authenticated authenticated,
      KubeRequest request) {
    Optional<String> namespace = request.namespace();
    if (namespace.isPresent() && admitted.grant().protects(namespace.get())) {
      return new Decision.Denied(
          HttpResponseStatus.FORBIDDEN,
          "namespace "
              + namespace.get()
              + " is protected: no access through Latchkey reaches it, whatever the role"
              + " allows",
          Optional.of(id));
    }
    return new Decision.Allowed(admitted.grant(), authenticated.expiresAt());
  }

  /** Reads how the grant ended (blocking), to say expired or revoked. */
  private Decision refusal(RequestId id, Admission.Refused refused) {
    SessionEnd.Cause cause = causes.of(id, refused.reason());
    return new Decision.Denied(
        HttpResponseStatus.FORBIDDEN,
        EndCauses.refusal(id, refused.reason(), cause),
        Optional.of(id));
  }

  private static Decision failed(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof java.util.concurrent.RejectedExecutionException) {
      return busy();
    }
    if (cause instanceof ReviewUnavailable) {
      log.warn("token review unavailable: {}", cause.getMessage());
      return new Decision.Denied(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "the token cannot be checked now: the cluster's API server does not answer Latchkey",
          Optional.empty());
    }
    log.warn("a gateway request could not be authorized: {}", cause.toString());
    return new Decision.Denied(
        HttpResponseStatus.SERVICE_UNAVAILABLE,
        "Latchkey's records do not answer now; try again shortly",
        Optional.empty());
  }

  private static Decision busy() {
    return new Decision.Denied(
        HttpResponseStatus.SERVICE_UNAVAILABLE,
        "the gateway is busy; try again shortly",
        Optional.empty());
  }
}
