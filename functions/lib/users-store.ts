import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidRequestError, UserExistsError } from './errors';
import { isConditionFailed, rethrowDynamoError } from './dynamo';
import type { StoredPassword } from './passwords';

/** A user as stored. Times are epoch seconds. */
export interface User extends StoredPassword {
  /** Stable id: the `sub` of every token. Never changes, unlike the username. */
  readonly userId: string;
  /** Normalised username: the table key. */
  readonly username: string;
  readonly roles: readonly string[];
  readonly status: 'active' | 'disabled';
  readonly createdAt: number;
  readonly updatedAt: number;
}

const USERNAME_MAX_CHARS = 128;
const USERNAME_PATTERN = /^[\p{L}\p{N}._@+-]+$/u;

/**
 * Trims, applies NFC and lower-cases, so `Alice`, ` alice ` and `ALICE` are one account.
 * Rejects what could never be a username.
 */
export function normalizeUsername(raw: string): string {
  const username = raw.trim().normalize('NFC').toLowerCase();
  if (username === '' || [...username].length > USERNAME_MAX_CHARS || !USERNAME_PATTERN.test(username)) {
    throw new InvalidRequestError(
      `username must be 1 to ${USERNAME_MAX_CHARS} letters, digits or . _ @ + -`,
    );
  }
  return username;
}

/** Options of every store: a client and a table name, never the environment. */
export interface StoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Reads and writes users. */
export class UsersStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: StoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Creates a user; `UserExistsError` if the username is taken (decided by a conditional write, not a read). */
  async createUser(user: User): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: user,
          ConditionExpression: 'attribute_not_exists(username)',
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new UserExistsError();
      rethrowDynamoError(err);
    }
  }

  /** The user with this normalised username, read strongly consistent. */
  async getUser(username: string): Promise<User | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { username }, ConsistentRead: true }),
      );
      return Item as User | undefined;
    } catch (err) {
      rethrowDynamoError(err);
    }
  }
}
