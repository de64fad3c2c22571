package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import java.util.Optional;

/** Port-forward streams carry a service's own traffic, not a terminal: they are counted only. */
final class PortForwardTap implements CountingTap {
  private long fromClient;
  private long fromServer;

  @Override
  public synchronized void fromClient(ByteBuf bytes) {
    fromClient += bytes.readableBytes();
  }

  @Override
  public synchronized void fromServer(ByteBuf bytes) {
    fromServer += bytes.readableBytes();
  }

  @Override
  public RecordingSummary finish() {
    return new RecordingSummary(0, Optional.empty());
  }

  @Override
  public synchronized long bytesFromClient() {
    return fromClient;
  }

  @Override
  public synchronized long bytesFromServer() {
    return fromServer;
  }
}
