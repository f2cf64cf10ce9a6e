import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Client } from '../domain/clients';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { ClientsRepo } from '../domain/ports';
import { isConditionFailed, rethrowDynamoError, type StoreOptions } from './dynamo';
import type { DocumentSender } from './signed-document-client';

/** By client id, in code-unit order (as `sort()` orders strings, whatever the locale). */
const byClientId = (a: Client, b: Client) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);

/** Reads and writes OAuth clients; every change is a conditional write on the version it read. */
export class ClientsStore implements ClientsRepo {
  private readonly client: DocumentSender;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async createClient(c: Client): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: c, ConditionExpression: 'attribute_not_exists(clientId)' }));
    } catch (err) {
      if (isConditionFailed(err)) throw new ConflictError(`client ${c.clientId} already exists`);
      rethrowDynamoError(err);
    }
  }

  async getClient(clientId: string): Promise<Client | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { clientId }, ConsistentRead: true }));
      return Item as Client | undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  async saveClient(c: Client, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...c, version: expectedVersion + 1 },
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) {
        if (!(err as { Item?: unknown }).Item) throw new NotFoundError(`no client ${c.clientId}`);
        throw new ConflictError(`client ${c.clientId} changed meanwhile: retry`);
      }
      rethrowDynamoError(err);
    }
  }

  async listClients(): Promise<Client[]> {
    const clients: Client[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }));
        clients.push(...((page.Items ?? []) as Client[]));
        start = page.LastEvaluatedKey;
      } while (start);
    } catch (err) {
      rethrowDynamoError(err);
    }
    return clients.sort(byClientId);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { clientId }, ReturnValues: 'ALL_OLD' }),
      );
      return Attributes !== undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }
}
