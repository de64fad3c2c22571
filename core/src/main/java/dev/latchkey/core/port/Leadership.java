package dev.latchkey.core.port;

/**
 * Whether this process is, at this moment, the one replica that runs the work only one may run at a
 * time: the timers, reconciliation and card repair. Every replica serves Slack and the gateway.
 */
public interface Leadership {

  /**
   * True only while this process surely leads: asked before every pass and every batch, so it never
   * blocks. A leader that stops hearing from the engine that chose it stops answering true before
   * another replica can be chosen, so two replicas never both act as leader.
   */
  boolean leads();

  /**
   * The only process there can be (an embedded database no other process can open): it always
   * leads.
   */
  static Leadership sole() {
    return () -> true;
  }
}
