package dev.latchkey.core;

/**
 * How an approved engineer gets in: a per-request ServiceAccount token the API server expires by
 * itself, or a User subject for clusters that already authenticate the vendor's engineers.
 */
public enum CredentialMode {
  TOKEN,
  EXTERNAL
}
