import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, toCreateTableInput, type TableDefinition } from '../functions/lib/contract/tables';

/** Table names of the local runtime (the CDK stack names its own). */
export const LOCAL_TABLES = {
  usersTable: 'auth-users',
  sessionsTable: 'auth-sessions',
  attemptsTable: 'auth-attempts',
  auditTable: 'auth-audit',
  clientsTable: 'auth-clients',
} as const;

/** Physical names of the service's tables. */
export interface TableNames {
  readonly usersTable: string;
  readonly sessionsTable: string;
  readonly attemptsTable: string;
  readonly auditTable: string;
  readonly clientsTable: string;
}

async function ensureTable(client: DynamoDBDocumentClient, tableName: string, table: TableDefinition): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
  await client.send(new CreateTableCommand(toCreateTableInput(tableName, table)));
  if (table.ttlAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }),
    );
  }
  return true;
}

/** Creates whichever of the service's tables are missing, from the one table definition module. */
export async function ensureTables(client: DynamoDBDocumentClient, names: TableNames): Promise<string[]> {
  const created: string[] = [];
  const pairs: [string, TableDefinition][] = [
    [names.usersTable, TABLES.users],
    [names.sessionsTable, TABLES.sessions],
    [names.attemptsTable, TABLES.attempts],
    [names.auditTable, TABLES.audit],
    [names.clientsTable, TABLES.clients],
  ];
  for (const [name, def] of pairs) if (await ensureTable(client, name, def)) created.push(name);
  return created;
}
