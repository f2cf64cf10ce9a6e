import { randomUUID } from 'node:crypto';

/** One security event as kept in the audit table. Never a token, password or hash. */
export interface AuditRecord {
  readonly userId: string;
  /** ISO time, then a random suffix: sorts by time, unique. */
  readonly eventId: string;
  readonly event: string;
  readonly at: number;
  readonly outcome: 'success' | 'failure';
  readonly sid?: string | undefined;
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly requestId?: string | undefined;
  readonly reason?: string | undefined;
  readonly ttl: number;
}

/** A page of a user's events, newest first, and where the next page starts. */
export interface AuditPage {
  readonly events: readonly Omit<AuditRecord, 'ttl'>[];
  readonly next?: string;
}

/** A new audit event id for time `atMs`: sorts by time (to the millisecond), unique. */
export const auditEventId = (atMs: number): string => `${new Date(atMs).toISOString()}#${randomUUID().slice(0, 8)}`;
