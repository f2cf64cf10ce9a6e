import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rethrowDynamoError } from './dynamo';
import type { RevocationReader, RevocationState } from '../domain/ports';

/** Reads a session and its user in one BatchGetItem, strongly consistent, only the fields that matter. */
export function dynamoRevocationReader(options: {
  client: DynamoDBDocumentClient;
  usersTable: string;
  sessionsTable: string;
}): RevocationReader {
  const { client, usersTable, sessionsTable } = options;
  return async (username, sid) => {
    try {
      const { Responses } = await client.send(
        new BatchGetCommand({
          RequestItems: {
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
          },
        }),
      );
      return {
        user: Responses?.[usersTable]?.[0] as RevocationState['user'],
        session: Responses?.[sessionsTable]?.[0] as RevocationState['session'],
      };
    } catch (err) {
      rethrowDynamoError(err);
    }
  };
}
