package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySettingsFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One direction of a SPDY/3.1 connection, encoded by Netty's SPDY codec (header blocks compressed
 * in one zlib context, as a real peer does).
 */
final class SpdyFrames {
  private final EmbeddedChannel codec =
      new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));

  byte[] open(int streamId, String streamType) {
    DefaultSpdySynStreamFrame open = new DefaultSpdySynStreamFrame(streamId, 0, (byte) 0);
    open.headers().set("streamtype", streamType);
    return write(open);
  }

  byte[] reply(int streamId) {
    return write(new DefaultSpdySynReplyFrame(streamId));
  }

  byte[] data(int streamId, String text) {
    return data(streamId, text.getBytes(StandardCharsets.UTF_8), false);
  }

  byte[] data(int streamId, byte[] bytes, boolean last) {
    DefaultSpdyDataFrame data = new DefaultSpdyDataFrame(streamId, Unpooled.wrappedBuffer(bytes));
    data.setLast(last);
    return write(data);
  }

  byte[] ping(int id) {
    return write(new DefaultSpdyPingFrame(id));
  }

  byte[] windowUpdate(int streamId, int delta) {
    return write(new DefaultSpdyWindowUpdateFrame(streamId, delta));
  }

  byte[] settings() {
    DefaultSpdySettingsFrame settings = new DefaultSpdySettingsFrame();
    settings.setValue(7, 65536);
    return write(settings);
  }

  byte[] reset(int streamId) {
    return write(new DefaultSpdyRstStreamFrame(streamId, SpdyStreamStatus.CANCEL));
  }

  byte[] goAway(int lastGoodStreamId) {
    return write(new DefaultSpdyGoAwayFrame(lastGoodStreamId));
  }

  private byte[] write(Object frame) {
    codec.writeOutbound(frame);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ByteBuf out = codec.readOutbound(); out != null; out = codec.readOutbound()) {
      byte[] chunk = new byte[out.readableBytes()];
      out.readBytes(chunk);
      out.release();
      bytes.writeBytes(chunk);
    }
    return bytes.toByteArray();
  }
}
