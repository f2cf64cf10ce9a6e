import type { ClientRevocationReader, RevocationReader, RevocationState } from '../domain/ports';
import { type BatchAnswer, readEveryKey } from './dynamo-reads';
import { type DynamoHttp, fromItem } from './dynamodb-http';

type Item = Record<string, Record<string, unknown>>;

/**
 * Reads a session and its user in one BatchGetItem, strongly consistent, only the fields that
 * matter; every key or an error (`readEveryKey`), never a partial state (which would be cached as
 * a revocation). Over `DynamoHttp`, not the SDK: this is the authorizer's only DynamoDB call.
 */
export function dynamoRevocationReader(options: { db: DynamoHttp; usersTable: string; sessionsTable: string }): RevocationReader {
  const { db, usersTable, sessionsTable } = options;
  return async (username, sid) => {
    const found = await readEveryKey<Item>(
      {
        [usersTable]: {
          Keys: [{ username: { S: username } }],
          ConsistentRead: true,
          ProjectionExpression: 'userId, #s, tokensValidAfter, #r',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'roles' },
        },
        [sessionsTable]: {
          Keys: [{ sid: { S: sid } }],
          ConsistentRead: true,
          ProjectionExpression: 'userId, #s',
          ExpressionAttributeNames: { '#s': 'status' },
        },
      },
      async (request) => (await db.call('BatchGetItem', { RequestItems: request })) as BatchAnswer<Item>,
    );
    const [user, session] = [found[usersTable]?.[0], found[sessionsTable]?.[0]];
    return {
      user: user && (fromItem(user) as RevocationState['user']),
      session: session && (fromItem(session) as RevocationState['session']),
    };
  };
}

/** Reads a client's status and token cut-off, strongly consistent: what decides a machine token. */
export function dynamoClientRevocationReader(options: { db: DynamoHttp; clientsTable: string }): ClientRevocationReader {
  const { db, clientsTable } = options;
  return async (clientId) => {
    const { Item } = await db.call('GetItem', {
      TableName: clientsTable,
      Key: { clientId: { S: clientId } },
      ConsistentRead: true,
      ProjectionExpression: '#s, tokensValidAfter',
      ExpressionAttributeNames: { '#s': 'status' },
    });
    return Item ? (fromItem(Item as Item) as { status: string; tokensValidAfter?: number }) : undefined;
  };
}
