import { BatchGetCommand, DescribeExportCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createSignedDocumentClient } from '../../functions/lib/stores/signed-document-client';

/** A DynamoHttp that records what it was asked and answers `answer`. */
function recording(answer: Record<string, unknown> = {}) {
  const calls: { operation: string; input: Record<string, unknown> }[] = [];
  const http = {
    call: async (operation: string, input: Record<string, unknown>) => {
      calls.push({ operation, input });
      return answer;
    },
  };
  return { client: createSignedDocumentClient(http), calls };
}

describe('the signed document client', () => {
  it('marshals an update where the document client does (key, values) and leaves the rest, dropping undefined values', async () => {
    const { client, calls } = recording({ Attributes: { generation: { N: '3' }, roles: { L: [{ S: 'user' }] } } });
    const out = await client.send(
      new UpdateCommand({
        TableName: 't',
        Key: { sid: 's-1' },
        UpdateExpression: 'SET #g = :g, roles = :r, meta = :m',
        ConditionExpression: 'currentHash = :h',
        ExpressionAttributeNames: { '#g': 'generation' },
        ExpressionAttributeValues: { ':g': 3, ':r': ['user'], ':m': { a: 1, gone: undefined }, ':h': 'abc' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(calls).toEqual([
      {
        operation: 'UpdateItem',
        input: {
          TableName: 't',
          Key: { sid: { S: 's-1' } },
          UpdateExpression: 'SET #g = :g, roles = :r, meta = :m',
          ConditionExpression: 'currentHash = :h',
          ExpressionAttributeNames: { '#g': 'generation' },
          ExpressionAttributeValues: { ':g': { N: '3' }, ':r': { L: [{ S: 'user' }] }, ':m': { M: { a: { N: '1' } } }, ':h': { S: 'abc' } },
          ReturnValues: 'ALL_NEW',
        },
      },
    ]);
    expect(out.Attributes).toEqual({ generation: 3, roles: ['user'] });
  });

  it('marshals nested requests (transactions, batch keys) and unmarshals batch answers table by table', async () => {
    const { client, calls } = recording({ Responses: { users: [{ username: { S: 'ann' } }] }, UnprocessedKeys: {} });
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'users', Item: { username: 'ann', n: 1 }, ConditionExpression: 'attribute_not_exists(username)' } },
          {
            Update: {
              TableName: 'users',
              Key: { username: 'bob' },
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': 2 },
            },
          },
        ],
      }),
    );
    const batch = await client.send(new BatchGetCommand({ RequestItems: { users: { Keys: [{ username: 'ann' }] } } }));
    expect(calls.map((c) => c.input)).toEqual([
      {
        TransactItems: [
          {
            Put: {
              TableName: 'users',
              Item: { username: { S: 'ann' }, n: { N: '1' } },
              ConditionExpression: 'attribute_not_exists(username)',
            },
          },
          {
            Update: {
              TableName: 'users',
              Key: { username: { S: 'bob' } },
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': { N: '2' } },
            },
          },
        ],
      },
      { RequestItems: { users: { Keys: [{ username: { S: 'ann' } }] } } },
    ]);
    expect(batch.Responses).toEqual({ users: [{ username: 'ann' }] });
  });

  it('refuses a command it does not send, by name, before any request', async () => {
    const { client, calls } = recording();
    await expect(client.send(new DescribeExportCommand({ ExportArn: 'x' }) as never)).rejects.toThrow('the signed client does not send');
    expect(calls).toEqual([]);
  });
});
