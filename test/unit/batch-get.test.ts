import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../../functions/lib/domain/errors';
import { AttemptsStore } from '../../functions/lib/stores/attempts-store';
import { dynamoRevocationReader } from '../../functions/lib/stores/revocation-reader';

/** A client whose BatchGetItem leaves keys unprocessed for the first `partial` calls. */
function stingyClient(partial: number, tables: Record<string, Record<string, unknown>[]>) {
  let calls = 0;
  const send = async (command: { input: { RequestItems: Record<string, { Keys: unknown[] }> } }) => {
    calls++;
    const asked = command.input.RequestItems;
    if (calls <= partial) return { Responses: {}, UnprocessedKeys: asked };
    return { Responses: Object.fromEntries(Object.keys(asked).map((t) => [t, tables[t] ?? []])) };
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, calls: () => calls };
}

describe('BatchGetItem with unprocessed keys', () => {
  it('reads unprocessed keys again rather than take them as absent: the throttle counts what is there', async () => {
    const { client, calls } = stingyClient(2, { attempts: [{ key: 'acct#ann', failures: 30, lastFailureAt: 100, ttl: 9e9 }] });
    const records = await new AttemptsStore({ client, tableName: 'attempts' }).read(['acct#ann'], 100);
    expect(records.get('acct#ann')).toEqual({ failures: 30, lastFailureAt: 100 });
    expect(calls()).toBe(3);
  });

  it('fails as unavailable, never as "revoked", when keys stay unprocessed', async () => {
    const { client } = stingyClient(99, {});
    // The revocation reader's own client (signed fetch), as stingy.
    const db = { call: async (_: string, input: Record<string, unknown>) => ({ Responses: {}, UnprocessedKeys: input.RequestItems }) };
    const read = dynamoRevocationReader({ db, usersTable: 'users', sessionsTable: 'sessions' });
    await expect(read('ann', 'sid')).rejects.toThrow(ServiceUnavailableError);
    await expect(new AttemptsStore({ client, tableName: 'attempts' }).read(['k'], 1)).rejects.toThrow(ServiceUnavailableError);
  });
});
