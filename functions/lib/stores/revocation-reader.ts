import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './dynamo';
import type { RevocationReader, RevocationState } from '../domain/ports';

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
