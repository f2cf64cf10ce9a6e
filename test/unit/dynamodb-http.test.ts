import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDynamoHttp, fromItem } from '../../functions/lib/stores/dynamodb-http';

const bytes = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** SHA-256 and HMAC-SHA-256 in the shape the SDK's signer takes. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};

describe("the authorizer's signed DynamoDB request", () => {
  it('carries the SigV4 signature the AWS SDK computes for the same request', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string } | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen = { headers: req.headers, body };
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' }).end('{"Responses":{}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const db = createDynamoHttp({ endpoint: `http://${host}`, region: 'eu-west-1', credentials });
      await db.call('BatchGetItem', { RequestItems: { users: { Keys: [{ username: { S: 'ann' } }], ConsistentRead: true } } });
    } finally {
      server.close();
    }
    const { headers, body } = seen as NonNullable<typeof seen>;
    const date = String(headers['x-amz-date']);
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const sdk = await new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false }).sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        query: {},
        headers: {
          host,
          'content-length': String(headers['content-length']),
          'content-type': String(headers['content-type']),
          'x-amz-target': String(headers['x-amz-target']),
        },
        body,
      },
      // The SDK leaves content-length unsigned by default; aws4 signs it, and SigV4 allows either.
      { signingDate, unsignableHeaders: new Set() },
    );
    expect(headers['x-amz-target']).toBe('DynamoDB_20120810.BatchGetItem');
    expect(headers.authorization).toBe(sdk.headers.authorization);
    expect(headers['x-amz-security-token']).toBe('session-token');
  });
});

describe('DynamoDB attribute values as plain data', () => {
  it('reads every type the revocation items hold', () => {
    expect(
      fromItem({
        userId: { S: 'u-1' },
        tokensValidAfter: { N: '1764460000' },
        roles: { L: [{ S: 'user' }, { S: 'admin' }] },
        flags: { SS: ['a'] },
        on: { BOOL: true },
        none: { NULL: true },
        nested: { M: { n: { NS: ['1', '2'] } } },
      }),
    ).toEqual({
      userId: 'u-1',
      tokensValidAfter: 1764460000,
      roles: ['user', 'admin'],
      flags: ['a'],
      on: true,
      none: null,
      nested: { n: [1, 2] },
    });
  });
});
