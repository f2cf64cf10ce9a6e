import { ServiceUnavailableError } from '../domain/errors';

/**
 * DynamoDB's error names that say it is throttling, busy or briefly broken, not that the request
 * was wrong: a retry may pass. The stores' 503 mapping (`dynamo.ts`) and the signed client's
 * retries (`dynamodb-http.ts`) read this one list. No SDK import here: the authorizer bundles it.
 */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  // Another writer held the item for the moment (a transaction, a global table's replica).
  'TransactionConflictException',
  'ReplicatedWriteConflictException',
]);

/** One BatchGetItem answer, in whichever form (plain or attribute values) the sender speaks. */
export interface BatchAnswer<Item> {
  readonly Responses?: Record<string, Item[]> | undefined;
  readonly UnprocessedKeys?: Record<string, unknown> | undefined;
}

/**
 * A BatchGetItem that reads every key or fails: DynamoDB may leave keys unprocessed (throttling,
 * size), and a key it did not read is not an absent item. Unprocessed keys are asked for again
 * with a short backoff; still unprocessed after `attempts`, the read fails as unavailable (503),
 * never as "not found" (which would fail a throttle open, or cache a spurious revocation).
 */
export async function readEveryKey<Item>(
  requestItems: Record<string, unknown>,
  send: (requestItems: Record<string, unknown>) => Promise<BatchAnswer<Item>>,
  attempts = 3,
): Promise<Record<string, Item[]>> {
  const found: Record<string, Item[]> = {};
  let pending: Record<string, unknown> | undefined = requestItems;
  for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
    if (attempt === attempts) throw new ServiceUnavailableError();
    if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt * Math.random()));
    const answer: BatchAnswer<Item> = await send(pending);
    for (const [table, items] of Object.entries(answer.Responses ?? {})) {
      found[table] ??= [];
      found[table].push(...items);
    }
    pending = answer.UnprocessedKeys;
  }
  return found;
}
