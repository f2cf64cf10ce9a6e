import { ServiceUnavailableError } from '../domain/errors';
import type { ClientRevocationReader, RevocationReader, RevocationState } from '../domain/ports';
import { type DynamoHttp, fromItem } from './dynamodb-http';

type Item = Record<string, Record<string, unknown>>;

/**
 * Reads a session and its user in one BatchGetItem, strongly consistent, only the fields that
 * matter; every key or an error, never a partial state (which would be cached as a revocation).
 * Over `DynamoHttp`, not the SDK: this is the authorizer's only DynamoDB call.
 */
export function dynamoRevocationReader(options: { db: DynamoHttp; usersTable: string; sessionsTable: string }): RevocationReader {
  const { db, usersTable, sessionsTable } = options;
  return async (username, sid) => {
    let pending: Record<string, unknown> | undefined = {
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
    };
    const found: Record<string, Item[]> = {};
    // Keys DynamoDB leaves unprocessed are asked for again, twice at most; then it is an outage.
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt === 3) throw new ServiceUnavailableError();
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt * Math.random()));
      const answer = await db.call('BatchGetItem', { RequestItems: pending });
      for (const [table, items] of Object.entries((answer.Responses ?? {}) as Record<string, Item[]>)) {
        found[table] = [...(found[table] ?? []), ...items];
      }
      pending = answer.UnprocessedKeys as Record<string, unknown> | undefined;
    }
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
