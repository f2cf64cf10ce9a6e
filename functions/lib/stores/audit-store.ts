import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ACTIVITY_RETENTION_SECONDS,
  ACTIVITY_SERIES,
  ACTIVITY_SHARDS,
  type ActivitySeries,
  emptyHour,
  type HourActivity,
  hourOf,
} from '../domain/activity';
import type { AuditPage, AuditRecord } from '../domain/audit';
import type { AuditRepo } from '../domain/ports';
import { batchGetAll, rethrowDynamoError, type StoreOptions } from './dynamo';
import type { DocumentSender } from './signed-document-client';

/** The audit trail in DynamoDB. */
export class AuditStore implements AuditRepo {
  private readonly client: DocumentSender;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
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

  /** One ADD to one of the hour's counter items (`ACTIVITY_SHARDS`), which expire with the window. */
  async countActivity(series: ActivitySeries, atMs: number): Promise<void> {
    const shard = Math.floor(Math.random() * ACTIVITY_SHARDS);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: activityKey(hourOf(atMs), shard),
          UpdateExpression: 'ADD #s :one SET #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#s': series, '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':ttl': Math.floor(atMs / 1000) + ACTIVITY_RETENTION_SECONDS },
        }),
      );
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /** Every counter item of these hours, summed by hour: one BatchGetItem (100 keys) per 25 hours. */
  async activity(hours: readonly string[]): Promise<HourActivity[]> {
    const keys = hours.flatMap((hour) => Array.from({ length: ACTIVITY_SHARDS }, (_, shard) => activityKey(hour, shard)));
    const batches = Array.from({ length: Math.ceil(keys.length / 100) }, (_, i) => keys.slice(i * 100, i * 100 + 100));
    const found = await Promise.all(batches.map((Keys) => batchGetAll(this.client, { [this.tableName]: { Keys } })));
    const byHour = new Map(hours.map((hour) => [hour, emptyHour(hour)]));
    for (const item of found.flatMap((f) => f[this.tableName] ?? [])) {
      const counts = byHour.get((item.userId as string).split('#')[1] as string);
      if (!counts) continue;
      for (const series of ACTIVITY_SERIES) counts[series] += typeof item[series] === 'number' ? item[series] : 0;
    }
    return hours.map((hour) => byHour.get(hour) as HourActivity);
  }
}

/**
 * An hour's counter item: `activity#<hour>#<shard>` cannot be a user's key (users' ids are
 * UUIDs, clients' are `client:<id>`), so the counters share the audit table and its TTL.
 */
const activityKey = (hour: string, shard: number) => ({ userId: `activity#${hour}#${shard}`, eventId: 'counts' });
