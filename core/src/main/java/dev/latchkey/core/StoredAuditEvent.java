package dev.latchkey.core;

/** An audit event as the chain holds it: its position and the hash that links it to the one before. */
public record StoredAuditEvent(long sequence, AuditEvent event, String previousHash, String hash) {}
