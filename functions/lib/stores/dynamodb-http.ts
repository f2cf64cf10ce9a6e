import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { sign } from 'aws4';
import { ServiceUnavailableError } from '../domain/errors';
import { RETRYABLE_ERRORS } from './dynamo-reads';

/** One DynamoDB operation (`GetItem`, `UpdateItem`, ...) over its JSON protocol, in DynamoDB's own attribute-value form. */
export interface DynamoHttp {
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Options of the client. */
export interface DynamoHttpOptions {
  /** @default `https://dynamodb.<region>.amazonaws.com` */
  readonly endpoint?: string | undefined;
  readonly region: string;
  /** The signing credentials, or where to read them on each call (`wiring/revocation.ts`: the function's role, from Lambda's environment). */
  readonly credentials: DynamoCredentials | (() => DynamoCredentials);
  /** Sees the capacity units each call consumed (the benchmark's meter); absent, none are asked for. */
  readonly consumedCapacity?: (units: number, operation: string) => void;
}

/** AWS credentials, as SigV4 signs with them. */
export interface DynamoCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/**
 * As the SDK's document client (`wiring/dynamo-client.ts`): 3 attempts with jittered backoff, 1 s
 * to connect and 3 s of silence per attempt, so the worst case (about 10 s when every attempt
 * times out) stays inside an API function's timeout and answers 503 before API Gateway's 29 s.
 */
const ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 1_000;
const TIMEOUT_MS = 3_000;
const timeout = (message: string) => Object.assign(new Error(message), { name: 'TimeoutError' });

/**
 * A DynamoDB client for the authorizer's one read: a POST signed with SigV4 by `aws4`, over
 * `node:https` with a keep-alive agent, and nothing else. The SDK would be 380 KB of the
 * authorizer's bundle and most of its cold start, for a call that is one signed POST (issue
 * 17's target 4; BENCHMARKS.md has the figures). Not `fetch`: its first use loads undici, 15 ms
 * of a cold start. Retries, timeouts and the 503 mapping follow the document client's, so the
 * authorizer fails closed the same way.
 */
export function createDynamoHttp(options: DynamoHttpOptions): DynamoHttp {
  const { region } = options;
  const url = new URL(options.endpoint ?? `https://dynamodb.${region}.amazonaws.com`);
  const secure = url.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const given = options.credentials;
  const credentials = typeof given === 'function' ? given : () => given;

  /** One signed POST: the status and the parsed answer, or a thrown network error or timeout. */
  const post = (operation: string, body: string) =>
    new Promise<{ status: number; answer: Record<string, unknown> }>((resolve, reject) => {
      const signed = sign(
        {
          host: url.host,
          path: '/',
          method: 'POST',
          service: 'dynamodb',
          region,
          headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `DynamoDB_20120810.${operation}` },
          body,
        },
        credentials(),
      );
      const req = (secure ? httpsRequest : httpRequest)(
        {
          hostname: url.hostname,
          port: url.port,
          path: '/',
          method: 'POST',
          headers: signed.headers,
          agent,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, answer: JSON.parse(Buffer.concat(parts).toString('utf8')) });
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      // As the SDK's requestTimeout: the socket idle this long fails the attempt (a timer on the
      // socket, cheaper per call than an AbortSignal).
      req.setTimeout(TIMEOUT_MS, () => req.destroy(timeout('no answer in time')));
      req.on('socket', (socket) => {
        // A new connection (a kept-alive one is already up) gets 1 s to open.
        if (!socket.connecting) return;
        const timer = setTimeout(() => req.destroy(timeout('no connection in time')), CONNECT_TIMEOUT_MS);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.on('error', reject);
      req.end(body);
    });

  return {
    async call(operation, input) {
      const body = JSON.stringify(options.consumedCapacity ? { ...input, ReturnConsumedCapacity: 'TOTAL' } : input);
      for (let attempt = 1; ; attempt++) {
        let status = 0;
        let answer: Record<string, unknown> | undefined;
        let failure: string;
        try {
          ({ status, answer } = await post(operation, body));
          failure =
            String(answer.__type ?? '')
              .split('#')
              .pop() || String(status);
        } catch (err) {
          // A timeout, a refused or reset connection, an answer that is not JSON.
          failure = (err as Error).name;
        }
        if (answer && status === 200) {
          if (options.consumedCapacity) {
            for (const c of ([] as { CapacityUnits?: number }[]).concat((answer.ConsumedCapacity as never) ?? [])) {
              options.consumedCapacity(c.CapacityUnits ?? 0, operation);
            }
          }
          return answer;
        }
        // Refused for a reason no retry cures (a failed condition, access, validation, a missing
        // table): at once, shaped as the SDK's errors are (its name, its HTTP status, the body's
        // fields such as a failed condition's `Item`), which is what the stores read.
        if (answer && status < 500 && !RETRYABLE_ERRORS.has(failure)) {
          throw Object.assign(new Error(), answer, {
            name: failure,
            message: `DynamoDB ${operation} failed: ${failure}`,
            $metadata: { httpStatusCode: status },
          });
        }
        if (attempt >= ATTEMPTS) throw new ServiceUnavailableError({ cause: failure });
        await new Promise((r) => setTimeout(r, Math.random() * 100 * 2 ** attempt));
      }
    },
  };
}

/** A DynamoDB attribute value as plain data: strings, numbers, booleans, lists, sets and maps. */
export function fromAttribute(value: Record<string, unknown>): unknown {
  const [[type, v]] = Object.entries(value) as [[string, unknown]];
  switch (type) {
    case 'S':
    case 'BOOL':
      return v;
    case 'N':
      return Number(v);
    case 'NULL':
      return null;
    case 'SS':
      return v;
    case 'NS':
      return (v as string[]).map(Number);
    case 'L':
      return (v as Record<string, unknown>[]).map(fromAttribute);
    case 'M':
      return fromItem(v as Record<string, Record<string, unknown>>);
    default:
      throw new Error(`unsupported DynamoDB attribute type ${type}`);
  }
}

/** A DynamoDB item as a plain object. */
export const fromItem = (item: Record<string, Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, fromAttribute(v)]));
