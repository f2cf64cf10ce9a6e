import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, rethrowDynamoError } from './dynamo';
import type { ClientRevocationReader, RevocationReader, RevocationState } from '../domain/ports';

/**
 * Reads a session and its user in one BatchGetItem, strongly consistent, only the fields that
 * matter; every key or an error, never a partial state (which would be cached as a revocation).
 */
export function dynamoRevocationReader(options: {
  client: DynamoDBDocumentClient;
  usersTable: string;
  sessionsTable: string;
}): RevocationReader {
  const { client, usersTable, sessionsTable } = options;
  return async (username, sid) => {
    const found = await batchGetAll(client, {
      [usersTable]: {
        Keys: [{ username }],
        ConsistentRead: true,
        ProjectionExpression: 'userId, #s, tokensValidAfter, #r',
        ExpressionAttributeNames: { '#s': 'status', '#r': 'roles' },
      },
      [sessionsTable]: {
        Keys: [{ sid }],
        ConsistentRead: true,
        ProjectionExpression: 'userId, #s',
        ExpressionAttributeNames: { '#s': 'status' },
      },
    });
    return {
      user: found[usersTable]?.[0] as RevocationState['user'],
      session: found[sessionsTable]?.[0] as RevocationState['session'],
    };
  };
}

/** Reads a client's status and token cut-off, strongly consistent: what decides a machine token. */
export function dynamoClientRevocationReader(options: { client: DynamoDBDocumentClient; clientsTable: string }): ClientRevocationReader {
  const { client, clientsTable } = options;
  return async (clientId) => {
    try {
      const { Item } = await client.send(
        new GetCommand({
          TableName: clientsTable,
          Key: { clientId },
          ConsistentRead: true,
          ProjectionExpression: '#s, tokensValidAfter',
          ExpressionAttributeNames: { '#s': 'status' },
        }),
      );
      return Item as { status: string; tokensValidAfter?: number } | undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  };
}
