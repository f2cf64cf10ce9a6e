import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { TABLES, type KeyAttribute, type TableDefinition } from '../../functions/lib/contract/tables';
import type { AuthService } from './auth-service';
import type { ExistingData } from './props';

/** The tables by the name the permissions table uses. */
export interface Tables {
  readonly users: dynamodb.ITable;
  readonly sessions: dynamodb.ITable;
  readonly attempts: dynamodb.ITable;
  readonly audit: dynamodb.ITable;
  readonly clients: dynamodb.ITable;
}

/**
 * The service's tables, from the one table definition module (functions/lib/contract/tables.ts),
 * or an earlier deployment's, by name (`existingData`): then this stack neither creates nor deletes them.
 */
export function addTables(scope: AuthService, retain: boolean, removalPolicy: RemovalPolicy, existing?: ExistingData): Tables {
  if (existing) {
    const named = (id: string, tableName: string) => dynamodb.Table.fromTableName(scope, id, tableName);
    return {
      users: named('UsersTable', existing.usersTable),
      sessions: named('SessionsTable', existing.sessionsTable),
      attempts: named('AttemptsTable', existing.attemptsTable),
      audit: named('AuditTable', existing.auditTable),
      // Stacks from before machine clients kept no clients table: this one makes it.
      clients: existing.clientsTable
        ? named('ClientsTable', existing.clientsTable)
        : addTable(scope, 'ClientsTable', TABLES.clients, retain, removalPolicy),
    };
  }
  return {
    users: addTable(scope, 'UsersTable', TABLES.users, retain, removalPolicy),
    sessions: addTable(scope, 'SessionsTable', TABLES.sessions, retain, removalPolicy),
    attempts: addTable(scope, 'AttemptsTable', TABLES.attempts, retain, removalPolicy),
    audit: addTable(scope, 'AuditTable', TABLES.audit, retain, removalPolicy),
    clients: addTable(scope, 'ClientsTable', TABLES.clients, retain, removalPolicy),
  };
}

function addTable(scope: AuthService, id: string, def: TableDefinition, retain: boolean, removalPolicy: RemovalPolicy): dynamodb.Table {
  const attr = (k: KeyAttribute) => ({
    name: k.name,
    type: k.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  });
  const table = new dynamodb.Table(scope, id, {
    partitionKey: attr(def.partitionKey),
    ...(def.sortKey && { sortKey: attr(def.sortKey) }),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: retain,
    removalPolicy,
    ...(def.ttlAttribute && { timeToLiveAttribute: def.ttlAttribute }),
  });
  for (const index of def.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attr(index.partitionKey),
      ...(index.sortKey && { sortKey: attr(index.sortKey) }),
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...index.nonKeyAttributes],
    });
  }
  return table;
}
