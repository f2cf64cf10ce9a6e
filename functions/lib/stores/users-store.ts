import { GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, UserExistsError } from '../domain/errors';
import type { UsersRepo } from '../domain/ports';
import type { User, UserSummary } from '../domain/users';
import { cancellationReasons, isConditionFailed, rethrowDynamoError, type StoreOptions } from './dynamo';
import type { DocumentSender } from './signed-document-client';
import type { StoredPassword } from '../domain/passwords';

/**
 * The key of a skeleton's uniqueness item in the users table. `#` never occurs in a username,
 * so it can never be a user's key.
 */
const skeletonKey = (skeleton: string) => `#skeleton#${skeleton}`;

/** The key of an email address's uniqueness item: one user per address, decided by a conditional put. */
const emailKey = (email: string) => `#email#${email}`;

/** Reads and writes users. */
export class UsersStore implements UsersRepo {
  private readonly client: DocumentSender;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  /**
   * Creates a user; `UserExistsError` if the username is taken, or (given a `skeleton`) if a
   * look-alike name is: the user and a uniqueness item for the skeleton are written in one
   * transaction, each only if absent, so the decision is a conditional write, never a read.
   */
  async createUser(user: User, skeleton?: string): Promise<void> {
    const put = { TableName: this.tableName, Item: user, ConditionExpression: 'attribute_not_exists(username)' };
    // The user, and each name it claims (a look-alike skeleton, an email address): all or none.
    const claims = [
      ...(skeleton === undefined ? [] : [{ username: skeletonKey(skeleton), owner: user.userId }]),
      // An address leads a sign-in by email to its account: the item names it.
      ...(user.email === undefined ? [] : [{ username: emailKey(user.email), owner: user.userId, login: user.username }]),
    ].map((Item) => ({ Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(username)' } }));
    try {
      if (claims.length === 0) {
        await this.client.send(new PutCommand(put));
        return;
      }
      await this.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...claims] }));
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (isConditionFailed(err) || reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) throw new UserExistsError();
      rethrowDynamoError(err);
    }
  }

  /**
   * Writes the skeleton item of every user who has none (users made before look-alike checks):
   * returns how many were added, and the names whose skeleton another user already holds.
   */
  async backfillSkeletons(skeletonOf: (username: string) => string): Promise<{ added: number; lookAlikes: string[] }> {
    let added = 0;
    const lookAlikes: string[] = [];
    for (const { username, userId } of await this.listUsers()) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { username: skeletonKey(skeletonOf(username)), owner: userId },
            ConditionExpression: 'attribute_not_exists(username) OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': userId },
          }),
        );
        added++;
      } catch (err) {
        if (!isConditionFailed(err)) rethrowDynamoError(err);
        lookAlikes.push(username);
      }
    }
    return { added, lookAlikes };
  }

  /** The username whose account holds this (normalised) email address. */
  async findUsernameByEmail(email: string): Promise<string | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { username: emailKey(email) }, ConsistentRead: true }),
      );
      return typeof Item?.login === 'string' ? Item.login : undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /** The user with this normalised username, read strongly consistent. */
  async getUser(username: string): Promise<User | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { username }, ConsistentRead: true }));
      return Item as User | undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }

  /**
   * Changes a user's status or roles; `NotFoundError` if there is no such user. With
   * `whileHolding`, the change commits only while that other user is active and holds that role,
   * in one transaction (so two admins demoting each other cannot both succeed);
   * `ConflictError` if they no longer do.
   */
  async updateUser(
    username: string,
    change: { status?: User['status']; roles?: readonly string[] },
    now: number,
    options: { whileHolding?: { username: string; role: string } } = {},
  ): Promise<User> {
    const sets = ['updatedAt = :now'];
    const values: Record<string, unknown> = { ':now': now };
    if (change.status !== undefined) {
      sets.push('#status = :status');
      values[':status'] = change.status;
    }
    if (change.roles !== undefined) {
      sets.push('#roles = :roles');
      values[':roles'] = [...new Set(change.roles)];
    }
    const update = {
      TableName: this.tableName,
      Key: { username },
      ConditionExpression: 'attribute_exists(username)',
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: {
        ...(change.status !== undefined && { '#status': 'status' }),
        ...(change.roles !== undefined && { '#roles': 'roles' }),
      },
      ExpressionAttributeValues: values,
    };
    const holder = options.whileHolding;
    try {
      if (!holder) {
        const { Attributes } = await this.client.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
        return Attributes as User;
      }
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: update },
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { username: holder.username },
                ConditionExpression: '#status = :active AND contains(#roles, :role)',
                ExpressionAttributeNames: { '#status': 'status', '#roles': 'roles' },
                ExpressionAttributeValues: { ':active': 'active', ':role': holder.role },
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new NotFoundError(`no user named ${username}`);
      const reasons = cancellationReasons(err);
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') throw new NotFoundError(`no user named ${username}`);
      if (reasons) throw new ConflictError(`${holder?.username} changed meanwhile`);
      rethrowDynamoError(err);
    }
    return (await this.getUser(username)) as User;
  }

  /**
   * An active user other than `except` who holds `role`, or undefined: a scan, which reads until
   * it finds one (rare: only when an admin is about to lose the role).
   */
  async findActiveHolder(role: string, except: string): Promise<string | undefined> {
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ProjectionExpression: 'username',
            FilterExpression: '#status = :active AND contains(#roles, :role) AND username <> :except',
            ExpressionAttributeNames: { '#status': 'status', '#roles': 'roles' },
            ExpressionAttributeValues: { ':active': 'active', ':role': role, ':except': except },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        const found = page.Items?.[0]?.username;
        if (typeof found === 'string') return found;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (err) {
      rethrowDynamoError(err);
    }
    return undefined;
  }

  /** Every user, without password hashes, by username (the CLI's listing; a full scan, page by page). */
  async listUsers(): Promise<UserSummary[]> {
    const users: UserSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listUsersPage(1000, cursor);
      users.push(...page.users);
      cursor = page.next;
    } while (cursor !== undefined);
    return users.sort((a, b) => a.username.localeCompare(b.username));
  }

  /**
   * Replaces the password hash, only if it is still `expectedHash` (so of two concurrent
   * changes one wins and the other gets `ConflictError`). Unless `keepTokens`, every token and
   * session issued before `now` is revoked through `tokensValidAfter`.
   */
  async replacePassword(
    username: string,
    expectedHash: string,
    fresh: StoredPassword,
    now: number,
    options: { keepTokens?: boolean; temporary?: boolean; resetHash?: string } = {},
  ): Promise<void> {
    // A temporary password (an admin reset) must be replaced before it opens a session; any
    // other new password clears that mark. A rehash (keepTokens) leaves the mark as it is.
    const mark = options.temporary ? ', mustChangePassword = :true' : '';
    // A new password ends the live reset link; a reset through it proves the address too.
    const verified = options.resetHash !== undefined ? ', emailVerified = :true' : '';
    const removed = [
      ...(options.temporary || options.keepTokens ? [] : ['mustChangePassword']),
      ...(options.keepTokens ? [] : ['resetHash']),
    ];
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { username },
          ConditionExpression: `passwordHash = :expected${options.resetHash !== undefined ? ' AND resetHash = :reset' : ''}`,
          UpdateExpression: `SET passwordHash = :hash, pepperVersion = :pepper, updatedAt = :now${options.keepTokens ? '' : ', tokensValidAfter = :now'}${mark}${verified}${removed.length ? ` REMOVE ${removed.join(', ')}` : ''}`,
          ExpressionAttributeValues: {
            ':expected': expectedHash,
            ':hash': fresh.passwordHash,
            ':pepper': fresh.pepperVersion,
            ':now': now,
            ...((options.temporary || options.resetHash !== undefined) && { ':true': true }),
            ...(options.resetHash !== undefined && { ':reset': options.resetHash }),
          },
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new ConflictError('the password was changed by another request');
      rethrowDynamoError(err);
    }
  }

  /** The live link of a kind (a newer replaces it): `resetHash` or `verifyHash` on the user. */
  async setLinkHash(username: string, kind: 'reset' | 'verify', hash: string): Promise<void> {
    // A link for the current address replaces a pending change of address (one live link).
    await this.updateExisting(username, `SET ${kind}Hash = :h${kind === 'verify' ? ' REMOVE pendingEmail' : ''}`, { ':h': hash });
  }

  /** Marks the address verified while `hash` is the live verification link, and spends the link. */
  async verifyEmail(username: string, hash: string, now: number): Promise<void> {
    const user = await this.getUser(username);
    if (!user || user.verifyHash !== hash) throw new ConflictError('this link was used or replaced');
    const verify = {
      TableName: this.tableName,
      Key: { username },
      ConditionExpression: 'verifyHash = :h',
      ExpressionAttributeValues: { ':h': hash, ':true': true, ':now': now },
    };
    try {
      if (user.pendingEmail === undefined) {
        await this.client.send(
          new UpdateCommand({ ...verify, UpdateExpression: 'SET emailVerified = :true, updatedAt = :now REMOVE verifyHash' }),
        );
        return;
      }
      // A change of address takes effect now: the new address is claimed (if free), the old freed.
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                ...verify,
                ConditionExpression: 'verifyHash = :h AND pendingEmail = :pending',
                UpdateExpression: 'SET email = :pending, emailVerified = :true, updatedAt = :now REMOVE verifyHash, pendingEmail',
                ExpressionAttributeValues: { ...verify.ExpressionAttributeValues, ':pending': user.pendingEmail },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { username: emailKey(user.pendingEmail), owner: user.userId, login: user.username },
                ConditionExpression: 'attribute_not_exists(username)',
              },
            },
            ...(user.email === undefined ? [] : [{ Delete: { TableName: this.tableName, Key: { username: emailKey(user.email) } } }]),
          ],
        }),
      );
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed') throw new ConflictError('this address belongs to another account now');
      if (isConditionFailed(err) || reasons?.some((r) => r.Code === 'ConditionalCheckFailed'))
        throw new ConflictError('this link was used or replaced');
      rethrowDynamoError(err);
    }
  }

  /** Asks to change the address: the new one waits for its link (`hash`); the current stays until then. */
  async requestEmailChange(username: string, email: string, hash: string): Promise<void> {
    await this.updateExisting(username, 'SET pendingEmail = :e, verifyHash = :h', { ':e': email, ':h': hash });
  }

  /** Revokes every token and session of the user issued before `now`. */
  async revokeTokensBefore(username: string, now: number): Promise<void> {
    await this.updateExisting(username, 'SET tokensValidAfter = :now, updatedAt = :now', { ':now': now });
  }

  /** An update of a user who must exist: `NotFoundError` if there is none. */
  private async updateExisting(username: string, expression: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { username },
          ConditionExpression: 'attribute_exists(username)',
          UpdateExpression: expression,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new NotFoundError(`no user named ${username}`);
      rethrowDynamoError(err);
    }
  }

  /**
   * One page of users (without hashes) in the table's order, from after `cursor`; with `prefix`,
   * only names that start with it. A scan: the admin console's search, not a hot path. The page
   * ends at the last user it holds, so the next one starts right after it however many the scan read.
   */
  async listUsersPage(limit: number, cursor?: string, prefix?: string): Promise<{ users: UserSummary[]; next?: string }> {
    const users: UserSummary[] = [];
    let startKey: Record<string, unknown> | undefined = cursor ? { username: cursor } : undefined;
    try {
      // Only users, not the uniqueness items of their skeletons (nor other names, with a
      // prefix). The filter drops items after `Limit` has counted them: scan on until the page
      // is full, reading more at a time when a prefix makes matches sparse.
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            Limit: prefix ? 500 : limit - users.length,
            ProjectionExpression: 'userId, username, #roles, #status, createdAt, updatedAt',
            ExpressionAttributeNames: { '#roles': 'roles', '#status': 'status' },
            FilterExpression: prefix ? 'attribute_exists(userId) AND begins_with(username, :prefix)' : 'attribute_exists(userId)',
            ...(prefix && { ExpressionAttributeValues: { ':prefix': prefix } }),
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        const items = (page.Items ?? []) as UserSummary[];
        const room = limit - users.length;
        users.push(...items.slice(0, room));
        startKey = items.length > room ? { username: users[users.length - 1]?.username } : page.LastEvaluatedKey;
      } while (startKey && users.length < limit);
    } catch (err) {
      rethrowDynamoError(err);
    }
    return { users, ...(startKey && { next: startKey.username as string }) };
  }
}
