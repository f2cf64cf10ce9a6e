import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptsRepo } from '../domain/ports';
import type { AttemptRecords } from '../domain/throttle';
import { batchGetAll, isConditionFailed, rethrowDynamoError, type StoreOptions } from './dynamo';
import type { DocumentSender } from './signed-document-client';

/** Failed-login counters and trusted-source markers, with TTL (a DynamoDB table). */
export class AttemptsStore implements AttemptsRepo {
  private readonly client: DocumentSender;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  /**
   * Reads several keys in one round trip; items past their TTL (not yet deleted) count as absent.
   * A key DynamoDB left unprocessed is read again, never taken as absent: the throttle fails closed.
   */
  async read(keys: readonly string[], now: number): Promise<AttemptRecords> {
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: keys.map((key) => ({ key })), ConsistentRead: true } });
    const records: AttemptRecords = new Map();
    for (const item of found[this.tableName] ?? []) {
      if (typeof item.ttl === 'number' && item.ttl <= now) continue;
      records.set(
        item.key as string,
        item.trusted === true ? { trusted: true } : { failures: item.failures as number, lastFailureAt: item.lastFailureAt as number },
      );
    }
    return records;
  }

  /**
   * Counts one failure, atomically (concurrent failures all count). A counter whose last failure
   * is older than the window starts again from one.
   */
  async recordFailure(key: string, now: number, windowSeconds: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { key },
          ConditionExpression: 'attribute_not_exists(#key) OR lastFailureAt > :cutoff',
          UpdateExpression: 'ADD failures :one SET lastFailureAt = :now, #ttl = :ttl',
          ExpressionAttributeNames: { '#key': 'key', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':ttl': now + windowSeconds, ':cutoff': now - windowSeconds },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) rethrowDynamoError(err);
      // The old counter is past its window: restart it, unless a racing writer already did.
      await this.client
        .send(
          new PutCommand({
            TableName: this.tableName,
            Item: { key, failures: 1, lastFailureAt: now, ttl: now + windowSeconds },
            ConditionExpression: 'lastFailureAt <= :cutoff',
            ExpressionAttributeValues: { ':cutoff': now - windowSeconds },
          }),
        )
        .catch((e: unknown) => (isConditionFailed(e) ? this.recordFailure(key, now, windowSeconds) : rethrowDynamoError(e)));
    }
  }

  /** Forgets a counter (a successful login resets its source's). */
  async clear(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { key } }));
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /** Remembers that an account logged in from this source. */
  async putToken(key: string, owner: string, expiresAt: number): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { key, owner, ttl: expiresAt } }));
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  async getTokenOwner(key: string, now: number): Promise<string | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { key }, ConsistentRead: true }));
      // DynamoDB deletes expired items lazily (within days): the TTL is checked here too.
      return typeof Item?.owner === 'string' && typeof Item.ttl === 'number' && Item.ttl > now ? Item.owner : undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  async claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { key, used: true, ttl: now + ttlSeconds },
          // DynamoDB deletes expired items late: one past its TTL is free again.
          ConditionExpression: 'attribute_not_exists(#key) OR #ttl <= :now',
          ExpressionAttributeNames: { '#key': 'key', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      rethrowDynamoError(err);
    }
  }

  async markTrusted(key: string, now: number, ttlSeconds: number): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { key, trusted: true, ttl: now + ttlSeconds } }));
    } catch (err) {
      rethrowDynamoError(err);
    }
  }
}
