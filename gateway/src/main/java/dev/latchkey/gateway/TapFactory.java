package dev.latchkey.gateway;

import dev.latchkey.core.session.StreamSession;
import dev.latchkey.gateway.record.StreamTap;

/**
 * Opens the recorder of one upgraded stream once its session is recorded as started. Called off the
 * I/O threads; a factory that throws refuses the stream, so nothing passes unrecorded.
 */
@FunctionalInterface
public interface TapFactory {

  /**
   * @param transport {@code SPDY/3.1} or {@code websocket}
   * @param subprotocol the channel protocol the API server chose, e.g. {@code v4.channel.k8s.io},
   *     {@code v5.channel.k8s.io}, {@code portforward.k8s.io}; empty when it named none
   */
  StreamTap open(StreamSession session, String transport, String subprotocol);
}
