/**
 * A DynamoDB adapter for the benchmark's peer (oidc-provider), in the shape of the DynamoDB
 * adapters contributed to oidc-provider's examples: one table keyed by `modelId`
 * (`<model>:<id>`), the payload as a map, `expiresAt` for DynamoDB's TTL, and global secondary
 * indexes on `grantId`, `uid` and `userCode` for the lookups that are not by id. It uses the
 * AWS SDK's document client, as those adapters do, and reads strongly consistently so that a
 * consumed refresh token is seen as consumed.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const INDEXES = ['grantId', 'uid', 'userCode'];

/** Creates the adapter's table (on DynamoDB Local, for the benchmark). */
export async function createPeerTable({ endpoint, tableName, credentials }) {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['modelId', ...INDEXES].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: 'modelId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: INDEXES.map((name) => ({
        IndexName: `${name}Index`,
        KeySchema: [{ AttributeName: name, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
    }),
  );
  client.destroy();
}

/** oidc-provider's `adapter` option: a factory of one adapter per model name. */
export function dynamoAdapter({ endpoint, tableName, credentials }) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'local', credentials }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const now = () => Math.floor(Date.now() / 1000);
  const live = (item) => (item && !(item.expiresAt && item.expiresAt <= now()) ? item.payload : undefined);
  const byIndex = async (name, value) => {
    const { Items } = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: `${name}Index`,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': name },
        ExpressionAttributeValues: { ':v': value },
      }),
    );
    return Items ?? [];
  };

  return (model) => {
    const key = (id) => ({ modelId: `${model}:${id}` });
    const find = async (id) => live((await db.send(new GetCommand({ TableName: tableName, Key: key(id), ConsistentRead: true }))).Item);
    const findBy = async (name, value) => {
      const [hit] = await byIndex(name, value);
      return hit ? find(hit.modelId.slice(model.length + 1)) : undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const set = { payload, ...(expiresIn ? { expiresAt: now() + expiresIn } : {}) };
        for (const name of INDEXES) if (payload[name]) set[name] = payload[name];
        const names = Object.keys(set);
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(id),
            UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
            ExpressionAttributeValues: Object.fromEntries(names.map((n) => [`:${n}`, set[n]])),
          }),
        );
      },
      find,
      findByUid: (uid) => findBy('uid', uid),
      findByUserCode: (userCode) => findBy('userCode', userCode),
      async consume(id) {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(id),
            UpdateExpression: 'SET #p.#c = :c',
            ConditionExpression: 'attribute_exists(modelId)',
            ExpressionAttributeNames: { '#p': 'payload', '#c': 'consumed' },
            ExpressionAttributeValues: { ':c': now() },
          }),
        );
      },
      async destroy(id) {
        await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: [{ DeleteRequest: { Key: key(id) } }] } }));
      },
      async revokeByGrantId(grantId) {
        const items = await byIndex('grantId', grantId);
        for (let i = 0; i < items.length; i += 25) {
          const batch = items.slice(i, i + 25).map(({ modelId }) => ({ DeleteRequest: { Key: { modelId } } }));
          await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
        }
      },
    };
  };
}
