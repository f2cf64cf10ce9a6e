import { randomBytes } from 'node:crypto';
import { type Observations, type Operation, refreshTokenId } from './observations';

/** One refresh-token family a virtual user holds. */
interface Family {
  sid: string;
  token: string;
  access: string;
  /** Tokens of this family already rotated, and when: stolen copies to replay once past the grace window. */
  readonly spent: { token: string; generation: number; at: number }[];
}

/** What every virtual user shares. */
export interface UserContext {
  readonly baseUrl: string;
  readonly seen: Observations;
  /** Milliseconds since the soak began. */
  readonly clock: () => number;
  /** When to stop (on `clock`). */
  readonly until: number;
  readonly graceSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

/** How often each step is chosen, out of the sum. */
const WEIGHTS: [Step, number][] = [
  ['refresh', 34],
  ['call', 37],
  ['refresh_pair', 6],
  ['refresh_retry', 6],
  // bcrypt: a login costs the service as much CPU as a few dozen refreshes.
  ['login', 4],
  ['replay', 6],
  ['logout', 2],
  ['logout_all', 1],
  ['password', 1],
];
type Step = 'refresh' | 'call' | 'refresh_pair' | 'refresh_retry' | 'login' | 'replay' | 'logout' | 'logout_all' | 'password';
const TOTAL = WEIGHTS.reduce((n, [, w]) => n + w, 0);

/**
 * A virtual user: signs up, then until the end logs in, refreshes (sometimes twice at once,
 * sometimes retrying within the grace window), calls protected routes, logs out, logs out
 * everywhere, changes its password, and replays its own stolen old tokens. A 503 is retried
 * after its Retry-After, as a well-behaved client does, while the grace window lasts.
 */
export class VirtualUser {
  private readonly families: Family[] = [];
  private readonly username: string;
  /** The password, and the one before it while a change's outcome is unknown (a 503). */
  private passwords: string[];

  constructor(
    private readonly id: number,
    private readonly ctx: UserContext,
  ) {
    this.username = `soak-${id}-${randomBytes(4).toString('hex')}`;
    this.passwords = [newPassword()];
  }

  async run(): Promise<void> {
    await this.send('register', 'POST', '/api/auth/register', { body: { username: this.username, password: this.passwords[0] } });
    while (this.ctx.clock() < this.ctx.until) {
      await this.step(this.families.length === 0 ? 'login' : choose());
      await sleep(Math.random() * 20);
    }
  }

  private async step(step: Step): Promise<void> {
    const family = pick(this.families);
    switch (step) {
      case 'login':
        return this.login();
      case 'refresh':
        if (family) await this.refresh(family);
        return;
      case 'refresh_pair':
        if (family) await this.refreshPair(family);
        return;
      case 'refresh_retry':
        // The answer "got lost": the client presents the same token again, within the grace window.
        if (family) {
          const before = family.token;
          if (await this.refresh(family)) await this.refresh({ ...family, token: before, spent: [] });
        }
        return;
      case 'call':
        if (family) await this.call(family);
        return;
      case 'replay':
        if (family) await this.replay(family);
        return;
      case 'logout':
        if (family) {
          const r = await this.retrying('logout', 'POST', '/api/auth/logout', { body: { refresh_token: family.token }, sid: family.sid });
          if (r.status === 204 || r.status === 401 || r.status === 400) this.drop(family);
        }
        return;
      case 'logout_all':
        if (family) {
          const r = await this.retrying('logout_all', 'POST', '/api/auth/logout-all', { token: family.access, sid: family.sid });
          if (r.status === 204) this.families.length = 0;
        }
        return;
      case 'password':
        if (family) await this.changePassword(family);
        return;
    }
  }

  private async login(): Promise<void> {
    // After a password change whose answer was a 503, either password may be the right one.
    for (const password of [...this.passwords]) {
      const r = await this.retrying('login', 'POST', '/api/auth/login', { body: { username: this.username, password } });
      if (r.status === 200) {
        this.passwords = [password];
        const body = r.body as { refresh_token: string; access_token: string };
        const { sid } = this.grant(body.refresh_token, r.end);
        this.ctx.seen.accessTokens.add(body.access_token);
        this.families.push({ sid, token: body.refresh_token, access: body.access_token, spent: [] });
        return;
      }
      if (r.status !== 401 && r.status !== 400) return;
    }
  }

  /** One refresh, retried on 503 within the grace window. True when it rotated. */
  private async refresh(family: Family): Promise<boolean> {
    const presented = family.token;
    const r = await this.retrying('refresh', 'POST', '/api/auth/refresh', { body: { refresh_token: presented }, sid: family.sid });
    const live = this.families.find((f) => f.sid === family.sid);
    if (r.status === 200) {
      const body = r.body as { refresh_token: string; access_token: string };
      this.grant(body.refresh_token, r.end);
      this.ctx.seen.accessTokens.add(body.access_token);
      if (live && live.token === presented) {
        live.spent.push({ token: presented, generation: refreshTokenId(presented).generation, at: r.end });
        live.token = body.refresh_token;
        live.access = body.access_token;
      }
      return true;
    }
    // Refused (revoked, expired, or ended by a password change elsewhere), or gave up on a 503:
    // either way this client no longer knows its family's head, and never presents it again.
    if (live) this.drop(live);
    return false;
  }

  /** Two tabs refresh the same token at once: both must get the same successor. */
  private async refreshPair(family: Family): Promise<void> {
    const copy = { ...family, spent: [] };
    await Promise.all([this.refresh(family), this.refresh(copy)]);
  }

  private async call(family: Family): Promise<void> {
    const path = Math.random() < 0.5 ? '/api/me' : '/api/auth/sessions';
    await this.retrying('call', 'GET', path, { token: family.access, sid: family.sid });
  }

  /** A thief replays a token of this family that was rotated longer ago than the grace window. */
  private async replay(family: Family): Promise<void> {
    const now = this.ctx.clock();
    const stolen = family.spent.find((s) => now - s.at > (this.ctx.graceSeconds + 2) * 1000);
    if (!stolen) return;
    const r = await this.send('replay', 'POST', '/api/auth/refresh', { body: { refresh_token: stolen.token }, sid: family.sid });
    this.ctx.seen.replays.push({ vu: this.id, sid: family.sid, generation: stolen.generation, at: r.start, status: r.status });
    // Reuse detection ends the family: the owner's next refresh fails, and it logs in again.
    if (r.status !== 503 && r.status !== 0) this.drop(family);
  }

  private async changePassword(family: Family): Promise<void> {
    const next = newPassword();
    const current = this.passwords[0] as string;
    const r = await this.retrying('password', 'POST', '/api/auth/password', {
      token: family.access,
      sid: family.sid,
      body: { current_password: current, new_password: next },
    });
    if (r.status === 200) {
      this.passwords = [next];
      family.access = (r.body as { access_token: string }).access_token;
      this.ctx.seen.accessTokens.add(family.access);
      // Every other session of this user ends.
      for (const other of [...this.families]) if (other !== family) this.drop(other);
    } else if (r.status === 503 || r.status === 0) {
      // Unknown outcome: it may have changed, and then every session ended.
      this.passwords = [next, current];
      this.families.length = 0;
    }
  }

  private grant(token: string, at: number) {
    const id = refreshTokenId(token);
    this.ctx.seen.grants.push({ vu: this.id, sid: id.sid, generation: id.generation, token, at });
    return id;
  }

  private drop(family: Family): void {
    const i = this.families.indexOf(family);
    if (i >= 0) this.families.splice(i, 1);
  }

  /** A call, repeated after Retry-After while it answers 503 and the grace window lasts. */
  private async retrying(op: Operation, method: string, path: string, opts: SendOptions) {
    const first = this.ctx.clock();
    for (;;) {
      const r = await this.send(op, method, path, opts);
      const retryAfter = Number(r.headers?.get('retry-after') ?? 1) * 1000;
      const late = this.ctx.clock() + retryAfter - first > (this.ctx.graceSeconds - 4) * 1000;
      if ((r.status !== 503 && r.status !== 0) || late) return r;
      await sleep(retryAfter);
    }
  }

  private async send(op: Operation, method: string, path: string, opts: SendOptions) {
    const start = this.ctx.clock();
    let status = 0;
    let body: unknown;
    let headers: Headers | undefined;
    try {
      const res = await fetch(`${this.ctx.baseUrl}${path}`, {
        method,
        headers: {
          ...(opts.body !== undefined && { 'Content-Type': 'application/json' }),
          ...(opts.token !== undefined && { Authorization: `Bearer ${opts.token}` }),
        },
        ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
        signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      headers = res.headers;
      const text = await res.text();
      body = text ? JSON.parse(text) : undefined;
    } catch {
      status = 0;
    }
    const end = this.ctx.clock();
    this.ctx.seen.calls.push({
      vu: this.id,
      op,
      start,
      end,
      status,
      requestId: headers?.get('x-amzn-requestid') ?? undefined,
      error: status >= 400 ? (body as { error?: string } | undefined)?.error : undefined,
      sid: opts.sid,
      accessToken: op === 'call' ? opts.token : undefined,
    });
    return { status, body, headers, start, end };
  }
}

interface SendOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly sid?: string;
}

function choose(): Step {
  let n = Math.random() * TOTAL;
  for (const [step, weight] of WEIGHTS) {
    n -= weight;
    if (n < 0) return step;
  }
  return 'refresh';
}

/** A strong random password: passes the strength and breach checks. */
const newPassword = () => `soak ${randomBytes(12).toString('base64url')} pass`;
