import { isConditionFailed, isUnavailable } from '../../functions/lib/stores/dynamo';

const sdkError = (name: string, httpStatusCode?: number) =>
  Object.assign(new Error(name), { name, $metadata: httpStatusCode === undefined ? { attempts: 3 } : { httpStatusCode } });

describe('DynamoDB error classification', () => {
  it.each([
    ['throttling', sdkError('ProvisionedThroughputExceededException', 400)],
    ['a throttled request', sdkError('ThrottlingException', 400)],
    ['a server error', sdkError('InternalServerError', 500)],
    [
      'a refused connection (no HTTP answer at all)',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } }),
    ],
  ])('treats %s as unavailable (503)', (_name, err) => {
    expect(isUnavailable(err)).toBe(true);
  });

  it.each([
    ['a validation error', sdkError('ValidationException', 400)],
    ['a missing table', sdkError('ResourceNotFoundException', 400)],
    ['a bug of ours', new TypeError('x is undefined')],
    ['a thrown string', 'oops'],
  ])('does not treat %s as unavailable', (_name, err) => {
    expect(isUnavailable(err)).toBe(false);
  });

  it('recognises a failed condition by name', () => {
    expect(isConditionFailed(sdkError('ConditionalCheckFailedException', 400))).toBe(true);
    expect(isConditionFailed(new Error('ConditionalCheckFailedException'))).toBe(false);
  });
});

describe('every error class of the DynamoDB client', () => {
  // The classes our data-plane calls can meet that a retry may cure: 503 with Retry-After. Every
  // other class is our request's fault (or a deployment's), which no retry cures: not 503.
  const TRANSIENT = new Set([
    'InternalServerError',
    'RequestLimitExceeded',
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'TransactionConflictException',
    'ReplicatedWriteConflictException',
  ]);
  const classes = Object.entries(require('@aws-sdk/client-dynamodb') as Record<string, unknown>).filter(
    ([name, value]) => typeof value === 'function' && /(Exception|Error|Exceeded)$/.test(name) && name !== 'DynamoDBServiceException',
  ) as [string, new (o: { message: string; $metadata: { httpStatusCode: number } }) => Error][];

  it('finds the classes', () => {
    expect(classes.length).toBeGreaterThan(30);
  });

  it.each(classes.map(([name, Cls]) => [name, Cls] as const))('maps %s as a retry would fare', (name, Cls) => {
    const err = new Cls({ message: name, $metadata: { httpStatusCode: name === 'InternalServerError' ? 500 : 400 } });
    expect(isUnavailable(err)).toBe(TRANSIENT.has(name));
  });

  it('maps a transaction cancelled by a conflict or throttling to 503, and one cancelled by a condition not', () => {
    const cancelled = (...codes: string[]) =>
      Object.assign(sdkError('TransactionCanceledException', 400), { CancellationReasons: codes.map((Code) => ({ Code })) });
    expect(isUnavailable(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isUnavailable(cancelled('ThrottlingError'))).toBe(true);
    expect(isUnavailable(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isUnavailable(cancelled('ValidationError'))).toBe(false);
  });
});
