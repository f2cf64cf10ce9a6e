import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditPage, AuditRecord } from '../domain/audit';
import type { AuditRepo } from '../domain/ports';
import { rethrowDynamoError, type StoreOptions } from './dynamo';
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
}
