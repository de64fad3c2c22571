package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** One direction of a WebSocket, encoded by Netty (client frames masked, server frames not). */
final class WebSocketFrames {
  private final EmbeddedChannel encoder;

  private WebSocketFrames(boolean masked) {
    encoder = new EmbeddedChannel(new WebSocket08FrameEncoder(masked));
  }

  static WebSocketFrames client() {
    return new WebSocketFrames(true);
  }

  static WebSocketFrames server() {
    return new WebSocketFrames(false);
  }

  /** A binary message: the channel byte, then the data. */
  byte[] binary(int channel, String text) {
    return binary(channel, text.getBytes(StandardCharsets.UTF_8));
  }

  byte[] binary(int channel, byte[] data) {
    return write(
        new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) channel}, data)));
  }

  /** A base64 message: the channel digit, then the data in base64. */
  byte[] base64(int channel, String text) {
    return write(new TextWebSocketFrame(base64Payload(channel, text)));
  }

  static String base64Payload(int channel, String text) {
    return channel + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  byte[] binaryFragment(boolean fin, byte[] payload) {
    return write(new BinaryWebSocketFrame(fin, 0, Unpooled.wrappedBuffer(payload)));
  }

  byte[] textFragment(boolean fin, String payload) {
    return write(new TextWebSocketFrame(fin, 0, payload));
  }

  byte[] continuation(boolean fin, byte[] payload) {
    return write(new ContinuationWebSocketFrame(fin, 0, Unpooled.wrappedBuffer(payload)));
  }

  byte[] continuation(boolean fin, String payload) {
    return continuation(fin, payload.getBytes(StandardCharsets.US_ASCII));
  }

  byte[] ping() {
    return write(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
  }

  byte[] pong() {
    return write(new PongWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
  }

  byte[] close() {
    return write(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
  }

  private byte[] write(WebSocketFrame frame) {
    encoder.writeOutbound(frame);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ByteBuf out = encoder.readOutbound(); out != null; out = encoder.readOutbound()) {
      byte[] chunk = new byte[out.readableBytes()];
      out.readBytes(chunk);
      out.release();
      bytes.writeBytes(chunk);
    }
    return bytes.toByteArray();
  }
}
