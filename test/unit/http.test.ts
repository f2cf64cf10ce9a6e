import { AuthError } from '../../functions/lib/domain/errors';
import { bearerToken } from '../../functions/lib/domain/bearer';
import { parseJsonBody } from '../../functions/lib/http/request';
import { toHttpResponse } from '../../functions/lib/http/response';
import { proxyEvent } from '../helpers/events';
import { recordingLogger } from '../helpers/harness';

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof AuthError ? err.code : 'other';
  }
  return 'none';
};

describe('parseJsonBody', () => {
  it('reads a JSON object, with or without a charset', () => {
    expect(parseJsonBody(proxyEvent({ body: '{"a":1}' }))).toEqual({ a: 1 });
    expect(parseJsonBody(proxyEvent({ body: '{"a":1}', headers: { 'Content-Type': 'application/json; charset=utf-8' } }))).toEqual({
      a: 1,
    });
  });

  it('finds the content type whatever the header case', () => {
    const event = proxyEvent({ body: '{"a":1}' });
    event.headers = { 'content-type': 'APPLICATION/JSON' };
    expect(parseJsonBody(event)).toEqual({ a: 1 });
  });

  it('decodes a base64-encoded body', () => {
    expect(parseJsonBody(proxyEvent({ body: Buffer.from('{"b":2}').toString('base64'), isBase64Encoded: true }))).toEqual({ b: 2 });
  });

  it('refuses another content type with 415', () => {
    expect(
      failure(() => parseJsonBody(proxyEvent({ body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }))),
    ).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['malformed JSON', '{"a":'],
    ['an array', '[1,2]'],
    ['a string', '"x"'],
    ['null', 'null'],
    ['an empty body', ''],
    ['a body over 16 KiB', JSON.stringify({ a: 'x'.repeat(16 * 1024) })],
  ])('refuses %s with invalid_request', (_name, body) => {
    expect(failure(() => parseJsonBody(proxyEvent({ body })))).toBe('ERR_INVALID_REQUEST');
  });
});

describe('bearerToken', () => {
  it('reads the header and the scheme case-insensitively', () => {
    expect(bearerToken({ authorization: 'bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(bearerToken({ AUTHORIZATION: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
  });

  it('finds nothing in a missing header, another scheme or an empty token', () => {
    expect(bearerToken({})).toBeUndefined();
    expect(bearerToken(null)).toBeUndefined();
    expect(bearerToken({ Authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(bearerToken({ Authorization: 'Bearer ' })).toBeUndefined();
    expect(bearerToken({ Authorization: 'Bearer a b' })).toBeUndefined();
  });

  it('honours no token when the request carries more than one Authorization header, in any case', () => {
    // API Gateway keeps only one of them in `headers`: the cache key and the token could differ.
    expect(bearerToken({ authorization: 'Bearer bob.b.b', Authorization: 'Bearer root.r.r' })).toBeUndefined();
    expect(
      bearerToken({ Authorization: 'Bearer root.r.r' }, { authorization: ['Bearer bob.b.b'], Authorization: ['Bearer root.r.r'] }),
    ).toBeUndefined();
    expect(bearerToken({ Authorization: 'Bearer root.r.r' }, { Authorization: ['Bearer bob.b.b', 'Bearer root.r.r'] })).toBeUndefined();
    expect(bearerToken({ Authorization: 'Bearer root.r.r' }, { Authorization: ['Bearer root.r.r'] })).toBe('root.r.r');
  });
});

describe('toHttpResponse', () => {
  it('turns an unknown error into a logged 500 that shows nothing of it', () => {
    const logger = recordingLogger();
    const response = toHttpResponse(new Error('secret internals at /var/task/x.js:1'), logger, 'req-1');
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'server_error', error_description: 'internal error' });
    expect(response.body).not.toContain('internals');
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.level).toBe('error');
  });
});
