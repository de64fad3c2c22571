package dev.latchkey.core;

/**
 * How an approved engineer gets in: through Latchkey's gateway with a token only the gateway
 * accepts (sessions recorded and cut at the end), with a per-request ServiceAccount token the API
 * server expires by itself, or as a User subject for clusters that already authenticate the
 * vendor's engineers.
 */
public enum CredentialMode {
  GATEWAY,
  TOKEN,
  EXTERNAL;

  /** Whether grants in this mode are made for a ServiceAccount of their own (and a token of it). */
  public boolean usesServiceAccount() {
    return this != EXTERNAL;
  }
}
