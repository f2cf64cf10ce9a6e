import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The faults the proxy injects between the functions' DynamoDB client and DynamoDB. */
export type FaultKind = 'latency' | 'reset' | 'lost_answer' | 'throttled' | 'throughput_exceeded' | 'server_error';

/** Which requests get which fault: by the DynamoDB operation (`X-Amz-Target`), once or for a count. */
export interface FaultRule {
  readonly kind: FaultKind;
  /** `UpdateItem`, `GetItem`, ...; any operation when absent. */
  readonly operation?: string;
  /** Only requests that name this table (`TableName`, or a key of `RequestItems`). */
  readonly table?: string;
  /** How many matching requests it hits before it is spent. @default 1, or no limit with `forMs` */
  readonly times?: number;
  /** A window: the rule holds this long from when it is injected. */
  readonly forMs?: number;
  /** The share of matching requests it hits. @default 1 */
  readonly probability?: number;
  /** Latency: how long to hold the request. @default 2000 ms */
  readonly delayMs?: number;
}

/** What the proxy did, by fault kind. */
export type FaultCounts = Record<FaultKind, number> & { forwarded: number };

/** DynamoDB's own JSON errors, as its API answers them (status, `__type`). */
const ERRORS = {
  throttled: [400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException', 'Rate of requests exceeds the allowed throughput.'],
  throughput_exceeded: [
    400,
    'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
  ],
  server_error: [500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error'],
} as const;

/** The tables a DynamoDB request names. */
function tablesOf(body: Buffer): string[] {
  try {
    const request = JSON.parse(body.toString('utf8')) as { TableName?: string; RequestItems?: Record<string, unknown> };
    return [...(request.TableName ? [request.TableName] : []), ...Object.keys(request.RequestItems ?? {})];
  } catch {
    return [];
  }
}

/**
 * A small HTTP proxy for the tests and the soak, between the functions' DynamoDB client and DynamoDB Local: nothing in
 * `functions/` knows about it (they get its URL as their endpoint). It injects added latency, a
 * connection reset before the request reaches DynamoDB, a lost answer after DynamoDB applied the
 * request, DynamoDB's throttling errors and 500s, by rule. Loopback only.
 */
export async function startFaultProxy(target: string): Promise<{
  readonly url: string;
  inject(rule: FaultRule): void;
  counts(): FaultCounts;
  /** Forgets every rule not yet spent. */
  clear(): void;
  stop(): Promise<void>;
}> {
  const rules: { rule: FaultRule; left: number; until: number }[] = [];
  const counts: FaultCounts = { latency: 0, reset: 0, lost_answer: 0, throttled: 0, throughput_exceeded: 0, server_error: 0, forwarded: 0 };
  const to = new URL(target);

  const take = (operation: string, tables: readonly string[]): FaultRule | undefined => {
    const found = rules.find(
      (r) =>
        r.left > 0 &&
        Date.now() < r.until &&
        (r.rule.probability === undefined || Math.random() < r.rule.probability) &&
        (r.rule.operation === undefined || r.rule.operation === operation) &&
        (r.rule.table === undefined || tables.includes(r.rule.table)),
    );
    if (found) found.left--;
    return found?.rule;
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    onAnswer: (status: number, headers: IncomingMessage['headers'], answer: Buffer) => void,
    onError: () => void,
  ) => {
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => onAnswer(res.statusCode ?? 502, res.headers, Buffer.concat(parts)));
    });
    upstream.on('error', onError);
    upstream.end(body);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const fault = take(operation, tablesOf(body));
      const pass = () =>
        forward(
          req,
          body,
          (status, headers, answer) => {
            counts.forwarded++;
            res.writeHead(status, headers);
            res.end(answer);
          },
          () => res.destroy(),
        );
      if (!fault) return pass();
      counts[fault.kind]++;
      switch (fault.kind) {
        case 'latency':
          setTimeout(pass, fault.delayMs ?? 2000);
          return;
        case 'reset':
          // Before DynamoDB sees anything.
          res.socket?.destroy();
          return;
        case 'lost_answer':
          // DynamoDB applies it; the answer never comes back.
          forward(
            req,
            body,
            () => res.socket?.destroy(),
            () => res.destroy(),
          );
          return;
        default: {
          const [status, type, message] = ERRORS[fault.kind];
          res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': 'fault-proxy' });
          res.end(JSON.stringify({ __type: type, message }));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inject: (rule) =>
      rules.push({
        rule,
        left: rule.times ?? (rule.forMs === undefined ? 1 : Number.POSITIVE_INFINITY),
        until: rule.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + rule.forMs,
      }),
    counts: () => ({ ...counts }),
    clear: () => void rules.splice(0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
