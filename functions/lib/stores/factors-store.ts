import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { Passkey, PendingTotp, TotpFactor } from '../domain/factors';
import type { FactorsRepo } from '../domain/ports';
import { cancellationReasons, isConditionFailed, rethrowDynamoError, type StoreOptions } from './dynamo';
import type { DocumentSender } from './signed-document-client';

/**
 * The key of a credential's owner item in the users table: `#` never occurs in a username, so it
 * is never a user's key, and listings skip it (it has no `userId`). A passkey sign-in names only
 * its credential; this item leads to the user, and its conditional put keeps an id to one user.
 */
const passkeyKey = (credentialId: string) => `#passkey#${credentialId}`;

/** Reads and writes second factors on the users table. */
export class FactorsStore implements FactorsRepo {
  private readonly client: DocumentSender;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async startTotp(username: string, pending: PendingTotp): Promise<void> {
    const started = await this.tryUpdate(username, {
      UpdateExpression: 'SET totpPending = :p',
      ConditionExpression: 'attribute_exists(username) AND attribute_not_exists(totp)',
      ExpressionAttributeValues: { ':p': pending },
    });
    if (started) return;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { username }, ProjectionExpression: 'username' }),
    );
    throw Item ? new ConflictError('TOTP is already active: remove it first') : new NotFoundError(`no user named ${username}`);
  }

  async confirmTotp(username: string, pendingSeal: string, factor: TotpFactor, recoveryCodes?: Readonly<Record<string, number>>) {
    await this.update(
      username,
      {
        UpdateExpression: `SET totp = :f${recoveryCodes ? ', recoveryCodes = :codes' : ''} REMOVE totpPending`,
        ConditionExpression: 'totpPending.sealedSecret = :seal AND attribute_not_exists(totp)',
        ExpressionAttributeValues: { ':f': factor, ':seal': pendingSeal, ...(recoveryCodes && { ':codes': recoveryCodes }) },
      },
      () => new ConflictError('this TOTP enrolment was replaced or completed by another request'),
    );
  }

  async useTotpStep(username: string, step: number): Promise<boolean> {
    return this.tryUpdate(username, {
      UpdateExpression: 'SET totp.lastStep = :step',
      ConditionExpression: 'totp.lastStep < :step',
      ExpressionAttributeValues: { ':step': step },
    });
  }

  async resealTotp(username: string, expectedSeal: string, sealedSecret: string): Promise<void> {
    await this.tryUpdate(username, {
      UpdateExpression: 'SET totp.sealedSecret = :fresh',
      ConditionExpression: 'totp.sealedSecret = :expected',
      ExpressionAttributeValues: { ':fresh': sealedSecret, ':expected': expectedSeal },
    });
  }

  async removeTotp(username: string): Promise<boolean> {
    return this.tryUpdate(username, { UpdateExpression: 'REMOVE totp, totpPending', ConditionExpression: 'attribute_exists(totp)' });
  }

  async useRecoveryCode(username: string, hash: string): Promise<boolean> {
    return this.tryUpdate(username, {
      UpdateExpression: 'REMOVE recoveryCodes.#h',
      ConditionExpression: 'attribute_exists(recoveryCodes.#h)',
      ExpressionAttributeNames: { '#h': hash },
    });
  }

  async replaceRecoveryCodes(username: string, codes: Readonly<Record<string, number>>): Promise<void> {
    await this.update(
      username,
      {
        UpdateExpression: 'SET recoveryCodes = :codes',
        ConditionExpression: 'attribute_exists(username)',
        ExpressionAttributeValues: { ':codes': codes },
      },
      () => new NotFoundError(`no user named ${username}`),
    );
  }

  async addPasskey(username: string, passkey: Passkey): Promise<void> {
    // A map must exist before a path into it can be set, and one transaction cannot touch an item
    // twice: make the (empty) map first, idempotently.
    await this.update(
      username,
      {
        UpdateExpression: 'SET passkeys = if_not_exists(passkeys, :empty)',
        ConditionExpression: 'attribute_exists(username)',
        ExpressionAttributeValues: { ':empty': {} },
      },
      () => new NotFoundError(`no user named ${username}`),
    );
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { username: passkeyKey(passkey.id), owner: username },
                ConditionExpression: 'attribute_not_exists(username)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: { username },
                UpdateExpression: 'SET passkeys.#id = :pk',
                ConditionExpression: 'attribute_exists(username)',
                ExpressionAttributeNames: { '#id': passkey.id },
                ExpressionAttributeValues: { ':pk': passkey },
              },
            },
          ],
        }),
      );
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) throw new ConflictError('this credential is registered already');
      rethrowDynamoError(err);
    }
  }

  async findPasskeyOwner(credentialId: string): Promise<string | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { username: passkeyKey(credentialId) }, ConsistentRead: true }),
      );
      return typeof Item?.owner === 'string' ? Item.owner : undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  async usePasskey(username: string, credentialId: string, counter: number, now: number): Promise<boolean> {
    return this.tryUpdate(username, {
      UpdateExpression: 'SET passkeys.#id.#c = :c, passkeys.#id.lastUsedAt = :now',
      ConditionExpression: 'attribute_exists(passkeys.#id) AND (passkeys.#id.#c < :c OR (passkeys.#id.#c = :zero AND :c = :zero))',
      ExpressionAttributeNames: { '#id': credentialId, '#c': 'counter' },
      ExpressionAttributeValues: { ':c': counter, ':now': now, ':zero': 0 },
    });
  }

  async removePasskey(username: string, credentialId: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: { username },
                UpdateExpression: 'REMOVE passkeys.#id',
                ConditionExpression: 'attribute_exists(passkeys.#id)',
                ExpressionAttributeNames: { '#id': credentialId },
              },
            },
            { Delete: { TableName: this.tableName, Key: { username: passkeyKey(credentialId) } } },
          ],
        }),
      );
      return true;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      rethrowDynamoError(err);
    }
  }

  async resetFactors(username: string): Promise<void> {
    let ids: string[] = [];
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { username },
          UpdateExpression: 'REMOVE totp, totpPending, passkeys, recoveryCodes',
          ConditionExpression: 'attribute_exists(username)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      ids = Object.keys((Attributes?.passkeys as Record<string, unknown> | undefined) ?? {});
    } catch (err) {
      if (isConditionFailed(err)) throw new NotFoundError(`no user named ${username}`);
      rethrowDynamoError(err);
    }
    // The owner items of credentials the user no longer holds: each only if it still names this user.
    for (const id of ids) {
      try {
        await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { username: passkeyKey(id) },
            ConditionExpression: '#o = :u',
            ExpressionAttributeNames: { '#o': 'owner' },
            ExpressionAttributeValues: { ':u': username },
          }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) rethrowDynamoError(err);
      }
    }
  }

  /** An update that must apply: `failed()` is thrown when its condition does not hold. */
  private async update(
    username: string,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    failed: () => Error,
  ) {
    if (!(await this.tryUpdate(username, input))) throw failed();
  }

  /** An update that may not apply: false when its condition does not hold. */
  private async tryUpdate(
    username: string,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ ...input, TableName: this.tableName, Key: { username } }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      rethrowDynamoError(err);
    }
  }
}
