import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailed, rethrowDynamoError } from './dynamo';
import { SESSIONS_BY_USER_INDEX } from '../contract/tables';
import type { StoreOptions } from './users-store';

/**
 * A session: one refresh-token family (RFC 9700 §4.14.2). Only the hash of the current token
 * and of its predecessor are kept. Times are epoch seconds.
 */
export interface Session {
  readonly sid: string;
  readonly userId: string;
  readonly username: string;
  readonly status: 'active' | 'revoked';
  /** Generation of the current token; each rotation adds one. */
  readonly generation: number;
  readonly currentHash: string;
  readonly previousHash?: string;
  readonly rotatedAt?: number;
  /** The current token sealed under its predecessor, so a retry in the grace window gets it again. */
  readonly successorSealed?: string;
  readonly createdAt: number;
  /** Start of the session's validity against the user's `tokensValidAfter` (re-keyed by a password change). */
  readonly validFrom?: number;
  readonly lastUsedAt: number;
  /** Absolute end of the session: no refresh after it. */
  readonly expiresAt: number;
  /** When DynamoDB may delete the item. */
  readonly ttl: number;
  readonly userAgent?: string;
  readonly sourceIp?: string;
  readonly revokedAt?: number;
  readonly revokedReason?: string;
}

/** A rotation either happened (and returns the new state) or did not (and returns what was there). */
export type RotationResult =
  | { readonly rotated: true; readonly session: Session }
  | { readonly rotated: false; readonly session: Session | undefined };

/** What a rotation writes. */
export interface Rotation {
  readonly sid: string;
  readonly presentedHash: string;
  readonly successorHash: string;
  readonly successorSealed: string;
  readonly nextGeneration: number;
  readonly now: number;
  /** A session last used at or before this time has gone idle and no longer refreshes. */
  readonly idleCutoff: number;
}

/** Reads and writes sessions. */
export class SessionsStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Opens a session; a colliding session id (2^-128) fails rather than overwrite. */
  async createSession(session: Session): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: session, ConditionExpression: 'attribute_not_exists(sid)' }),
      );
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /** The session, read strongly consistent. */
  async getSession(sid: string): Promise<Session | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { sid }, ConsistentRead: true }));
      return Item as Session | undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /**
   * Consumes the presented token and installs its successor in one conditional write, so
   * concurrent refreshes of one token can never leave two live heads. When the condition fails
   * the item as it stood comes back in the same round trip, for the caller to classify
   * (grace-window retry, reuse, revoked, expired).
   */
  async rotate(r: Rotation): Promise<RotationResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sid: r.sid },
          ConditionExpression: 'currentHash = :presented AND #status = :active AND expiresAt > :now AND lastUsedAt > :idleCutoff',
          UpdateExpression:
            'SET currentHash = :next, previousHash = :presented, rotatedAt = :now, successorSealed = :sealed, ' +
            '#generation = :generation, lastUsedAt = :now',
          ExpressionAttributeNames: { '#status': 'status', '#generation': 'generation' },
          ExpressionAttributeValues: {
            ':presented': r.presentedHash,
            ':active': 'active',
            ':now': r.now,
            ':next': r.successorHash,
            ':sealed': r.successorSealed,
            ':generation': r.nextGeneration,
            ':idleCutoff': r.idleCutoff,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { rotated: true, session: Attributes as Session };
    } catch (err) {
      if (isConditionFailed(err)) {
        const item = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
        return { rotated: false, session: item ? (unmarshall(item) as Session) : undefined };
      }
      rethrowDynamoError(err);
    }
  }

  /**
   * Revokes a session and returns its user id, or undefined when there was no active session
   * (idempotent: a missing session stays absent).
   */
  async revokeSession(sid: string, now: number, reason: string): Promise<string | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sid },
          ConditionExpression: 'attribute_exists(sid) AND #status = :active',
          UpdateExpression: 'SET #status = :revoked, revokedAt = :now, revokedReason = :reason REMOVE successorSealed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':revoked': 'revoked', ':now': now, ':reason': reason },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return (Attributes as Session | undefined)?.userId;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      rethrowDynamoError(err);
    }
  }

  /**
   * A user's sessions, newest first, from the by-user index. The index is eventually consistent:
   * a session opened in the last moment may be missing.
   */
  async listSessionsByUser(
    userId: string,
  ): Promise<Pick<Session, 'sid' | 'status' | 'createdAt' | 'validFrom' | 'lastUsedAt' | 'expiresAt' | 'userAgent' | 'sourceIp'>[]> {
    const sessions: Awaited<ReturnType<SessionsStore['listSessionsByUser']>> = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: SESSIONS_BY_USER_INDEX,
            KeyConditionExpression: 'userId = :userId',
            ExpressionAttributeValues: { ':userId': userId },
            ScanIndexForward: false,
            ExclusiveStartKey: startKey,
          }),
        );
        sessions.push(...((page.Items ?? []) as typeof sessions));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (err) {
      rethrowDynamoError(err);
    }
    return sessions;
  }

  /** Re-keys an active session: it stays valid against a `tokensValidAfter` of `validFrom`. */
  async setValidFrom(sid: string, validFrom: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sid },
          ConditionExpression: '#status = :active',
          UpdateExpression: 'SET validFrom = :t',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':t': validFrom },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      rethrowDynamoError(err);
    }
  }
}
