package dev.latchkey.gateway.record;

/** A stream tap that also counts the bytes that passed each way (for the session's end). */
public interface CountingTap extends StreamTap {

  long bytesFromClient();

  long bytesFromServer();
}
