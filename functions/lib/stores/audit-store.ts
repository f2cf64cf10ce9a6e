import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rethrowDynamoError } from './dynamo';
import type { StoreOptions } from './users-store';

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

/** The audit trail in DynamoDB. */
export class AuditStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  /** A new event id for time `atMs`: sorts by time (to the millisecond), unique. */
  static eventId(atMs: number): string {
    return `${new Date(atMs).toISOString()}#${randomUUID().slice(0, 8)}`;
  }

  async append(record: AuditRecord): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: record }));
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /** A user's events, newest first. `cursor` is the `next` of the previous page. */
  async listByUser(userId: string, limit: number, cursor?: string): Promise<AuditPage> {
    try {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'userId = :u',
          ExpressionAttributeValues: { ':u': userId },
          ScanIndexForward: false,
          Limit: limit,
          ...(cursor && { ExclusiveStartKey: { userId, eventId: cursor } }),
        }),
      );
      const events = (Items ?? []).map(({ ttl: _ttl, ...rest }) => rest as AuditPage['events'][number]);
      return { events, ...(LastEvaluatedKey && { next: LastEvaluatedKey.eventId as string }) };
    } catch (err) {
      rethrowDynamoError(err);
    }
  }
}
