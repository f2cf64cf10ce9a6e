import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoHttp } from './dynamodb-http';

/** What the stores use of a document client: `send`, with the document client's own commands. */
export type DocumentSender = Pick<DynamoDBDocumentClient, 'send'>;

/** The DynamoDB operation of each document-client command the stores send. */
const OPERATIONS = new Map<unknown, string>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [ScanCommand, 'Scan'],
  [BatchGetCommand, 'BatchGetItem'],
  [TransactWriteCommand, 'TransactWriteItems'],
]);

/** The document client's defaults (lib-dynamodb), and the service's own `removeUndefinedValues`. */
const MARSHALL = { convertTopLevelContainer: true, removeUndefinedValues: true } as const;
const UNMARSHALL = { convertWithoutMapWrapper: true } as const;

type KeyNodes = Record<string, unknown> | readonly unknown[] | null;
interface DocumentCommand {
  readonly input: Record<string, unknown>;
  readonly inputKeyNodes: KeyNodes;
  readonly outputKeyNodes: KeyNodes;
}

/**
 * The document client's `send` without the SDK's middleware: each command's input is
 * marshalled where lib-dynamodb says its values are (the command's own `inputKeyNodes`), with
 * util-dynamodb, sent as one SigV4-signed POST (`DynamoHttp`: retries, timeouts, 503), and the
 * output unmarshalled where `outputKeyNodes` says. The SDK's fifteen middleware layers cost a
 * refresh about 1 ms of CPU over its three calls (BENCHMARKS.md, issue 17 target 2). Errors
 * have the SDK's shape (name, `$metadata`, the body's fields), so the stores read them alike.
 */
export function createSignedDocumentClient(http: DynamoHttp): DocumentSender {
  const send = async (command: DocumentCommand) => {
    const operation = OPERATIONS.get(command.constructor);
    if (!operation) throw new Error(`the signed client does not send ${command.constructor.name}`);
    const input = walk(command.input, (v) => marshall(v as never, MARSHALL), command.inputKeyNodes) as Record<string, unknown>;
    const output = await http.call(operation, input);
    return walk(output, (v) => unmarshall(v as never, UNMARSHALL), command.outputKeyNodes);
  };
  return { send } as unknown as DocumentSender;
}

/**
 * Applies `f` at the nodes a lib-dynamodb command names: `null` is the value itself, `{}` or
 * `[]` every member, `{'*': n}` every member down to `n`, other keys those members. The same
 * walk as lib-dynamodb's own (not exported), over its own key-node tables.
 */
function walk(value: unknown, f: (v: unknown) => unknown, nodes: KeyNodes): unknown {
  if (value === undefined) return undefined;
  if (nodes === null) return f(value);
  const keys = Object.keys(nodes);
  if (keys.length === 0) return mapMembers(value, (v) => walk(v, f, null));
  if (keys.length === 1 && keys[0] === '*') return mapMembers(value, (v) => walk(v, f, (nodes as Record<string, KeyNodes>)['*'] ?? null));
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  for (const key of keys) {
    const processed = walk((value as Record<string, unknown>)[key], f, (nodes as Record<string, KeyNodes>)[key] ?? null);
    if (processed !== undefined) (out as Record<string, unknown>)[key] = processed;
  }
  return out;
}

const mapMembers = (value: unknown, f: (v: unknown) => unknown): unknown =>
  Array.isArray(value)
    ? value.map(f)
    : Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .map(([k, v]) => [k, f(v)] as const)
          .filter(([, v]) => v !== undefined),
      );
