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
