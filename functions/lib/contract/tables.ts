import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A key attribute of a table or index. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index, with the attributes it projects besides the keys. */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly nonKeyAttributes: readonly string[];
}

/** One table, declared once: the CDK stack, the local runtime and the tests all read this. */
export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes the item after it. */
  readonly ttlAttribute?: string;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
}

/** Users, keyed by normalised username so a conditional put enforces uniqueness. */
export const USERS_TABLE: TableDefinition = {
  partitionKey: { name: 'username', type: 'S' },
  globalSecondaryIndexes: [],
};

/** Name of the sessions index by user, newest first by `createdAt`. */
export const SESSIONS_BY_USER_INDEX = 'byUser';

/** Sessions (refresh-token families), keyed by session id. */
export const SESSIONS_TABLE: TableDefinition = {
  partitionKey: { name: 'sid', type: 'S' },
  ttlAttribute: 'ttl',
  globalSecondaryIndexes: [
    {
      indexName: SESSIONS_BY_USER_INDEX,
      partitionKey: { name: 'userId', type: 'S' },
      sortKey: { name: 'createdAt', type: 'N' },
      nonKeyAttributes: ['status', 'validFrom', 'lastUsedAt', 'expiresAt', 'userAgent', 'sourceIp'],
    },
  ],
};

/** Failed-login counters and trusted sources, keyed `acct#user`, `src#user#ip`, `ip#ip`, `trust#user#ip`. */
export const ATTEMPTS_TABLE: TableDefinition = {
  partitionKey: { name: 'key', type: 'S' },
  ttlAttribute: 'ttl',
  globalSecondaryIndexes: [],
};

/** The audit trail: one item per security event, by user, newest last (sort key starts with the time). */
export const AUDIT_TABLE: TableDefinition = {
  partitionKey: { name: 'userId', type: 'S' },
  sortKey: { name: 'eventId', type: 'S' },
  ttlAttribute: 'ttl',
  globalSecondaryIndexes: [],
};

/** OAuth clients (services and jobs that get machine tokens), keyed by client id. */
export const CLIENTS_TABLE: TableDefinition = {
  partitionKey: { name: 'clientId', type: 'S' },
  globalSecondaryIndexes: [],
};

/** Every table of the service, by logical name. */
export const TABLES = {
  users: USERS_TABLE,
  sessions: SESSIONS_TABLE,
  attempts: ATTEMPTS_TABLE,
  audit: AUDIT_TABLE,
  clients: CLIENTS_TABLE,
} as const;

/** The `CreateTable` input for a definition (on-demand billing), for tests and the local runtime. */
export function toCreateTableInput(tableName: string, table: TableDefinition): CreateTableCommandInput {
  const keys = (pk: KeyAttribute, sk?: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  const attributes = new Map<string, 'S' | 'N'>();
  for (const k of [table.partitionKey, table.sortKey, ...table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    if (k) attributes.set(k.name, k.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keys(table.partitionKey, table.sortKey),
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ...(table.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((i) => ({
        IndexName: i.indexName,
        KeySchema: keys(i.partitionKey, i.sortKey),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...i.nonKeyAttributes] },
      })),
    }),
  };
}
