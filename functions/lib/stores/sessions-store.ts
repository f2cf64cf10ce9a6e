import type { Authentication } from '../domain/factors';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../domain/errors';
import type { SessionsRepo } from '../domain/ports';
import type { Rotation, RotationResult, Session, SessionSummary } from '../domain/sessions';
import { isConditionFailed, rethrowDynamoError, type StoreOptions } from './dynamo';
import type { DocumentSender } from './signed-document-client';
import { SESSIONS_BY_USER_INDEX } from '../contract/tables';

/** Reads and writes sessions. */
export class SessionsStore implements SessionsRepo {
  private readonly client: DocumentSender;
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
      if (isConditionFailed(err)) throw new ConflictError(`session ${session.sid} exists`);
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
  async listSessionsByUser(userId: string): Promise<SessionSummary[]> {
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

  /** Records a step-up in an active session: its tokens carry this `amr` and `auth_time` from now on. */
  recordAuthentication(sid: string, auth: Authentication): Promise<boolean> {
    return this.setWhileActive(sid, 'amr = :amr, authTime = :t', { ':amr': [...auth.amr], ':t': auth.authTime });
  }

  /** Re-keys an active session: it stays valid against a `tokensValidAfter` of `validFrom`. */
  setValidFrom(sid: string, validFrom: number): Promise<boolean> {
    return this.setWhileActive(sid, 'validFrom = :t', { ':t': validFrom });
  }

  /** `SET` on a session only while it is active: false if it is not (or is gone). */
  private async setWhileActive(sid: string, assignments: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sid },
          ConditionExpression: '#status = :active',
          UpdateExpression: `SET ${assignments}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ...values },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      rethrowDynamoError(err);
    }
  }
}
