/**
 * What the mock CSMS tells charge points about themselves and their users: the registration
 * status of each BootNotification (fixed or a per-charge-point sequence such as
 * Pending, Pending, Accepted), the authorization decision for an idTag (auth modes normal,
 * whitelist, blacklist, rate_limit with an optional budget per charge point), an Authorize path that never answers (offline), and
 * per-charge-point Basic-auth passwords from a file.
 * @module
 */
import fs from 'node:fs';
import type { Payload } from '../ocpp/frames';
import type { Verdict } from './dialect';

/** BootNotification registration status. */
export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

/** How Authorize (and the idTagInfo of Start/StopTransaction) is decided. */
export type AuthMode = 'normal' | 'whitelist' | 'blacklist' | 'rate_limit';

/** Every auth mode, for argument parsers. */
export const AUTH_MODES: readonly AuthMode[] = ['normal', 'whitelist', 'blacklist', 'rate_limit'];

/** Tokens accepted in `whitelist` mode unless told otherwise. */
export const DEFAULT_WHITELIST: readonly string[] = ['valid_token', 'test_token', 'authorized_user'];

/** Tokens blocked in `blacklist` mode unless told otherwise. */
export const DEFAULT_BLACKLIST: readonly string[] = ['blocked_token', 'invalid_user'];

/** Options of {@link CsmsPolicy}, also accepted by `MockCsms`. */
export interface PolicyOptions {
  /** Registration status of every BootNotification (default `Accepted`). */
  bootStatus?: RegistrationStatus;
  /**
   * Statuses of a charge point's 1st, 2nd, … BootNotification; the last one repeats (e.g.
   * `['Pending', 'Pending', 'Accepted']`). Counted per charge point id. Wins over `bootStatus`.
   */
  bootStatusSequence?: RegistrationStatus[];
  /** Interval (s) handed out with Pending and Rejected: when to boot again (default 10). */
  bootRetryInterval?: number;
  /** Authorization mode (default `normal`: every idTag is Accepted). */
  authMode?: AuthMode;
  /** Tokens accepted in `whitelist` mode (default {@link DEFAULT_WHITELIST}). */
  whitelist?: string[];
  /** Tokens answered `Blocked` in `blacklist` mode (default {@link DEFAULT_BLACKLIST}). */
  blacklist?: string[];
  /** The Authorize path is down: Authorize is never answered, so the charge point must time out. */
  offline?: boolean;
  /** Seconds a rate-limited charge point is told to wait (`retryAfter` in the CALLERROR details, default 60; with a {@link PolicyOptions.rateLimit} budget: until a slot frees). */
  rateLimitRetryAfter?: number;
  /**
   * In `rate_limit` mode, a budget: `count` Authorize per `perS` seconds are decided as in
   * `normal` mode, per charge point id (a sliding window), the rest throttled. Without it every
   * Authorize is throttled.
   */
  rateLimit?: RateLimit;
}

/** An Authorize budget: `count` per `perS` seconds. */
export interface RateLimit {
  /** Authorize accepted per window. */
  count: number;
  /** The window, in seconds. */
  perS: number;
}

/**
 * Per charge point, the times of the Authorize requests let through in the last window: a
 * request is let through while fewer than `count` are (at most `count` times per station).
 */
class SlidingWindow {
  private readonly passed = new Map<string, number[]>();

  constructor(private readonly limit: RateLimit) {}

  /** Let one request of `cpId` through now if the window has room. */
  take(cpId: string, now = performance.now()): boolean {
    const times = this.current(cpId, now);
    if (times.length >= this.limit.count) return false;
    times.push(now);
    return true;
  }

  /** Whole seconds until the oldest request in the window leaves it (at least 1). */
  wait(cpId: string, now = performance.now()): number {
    const oldest = this.current(cpId, now)[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.limit.perS * 1000 - now) / 1000));
  }

  private current(cpId: string, now: number): number[] {
    let times = this.passed.get(cpId);
    if (!times) this.passed.set(cpId, (times = []));
    const from = now - this.limit.perS * 1000;
    while (times.length > 0 && times[0]! <= from) times.shift();
    return times;
  }
}

const REGISTRATION: readonly string[] = ['Accepted', 'Pending', 'Rejected'];

/**
 * Parse a registration status list such as `Pending,Pending,Accepted` (case-insensitive).
 * @param text Comma-separated statuses.
 */
export function parseBootStatusSequence(text: string): RegistrationStatus[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new Error('boot status sequence: give at least one of Accepted, Pending, Rejected');
  return items.map((item) => {
    const status = REGISTRATION.find((r) => r.toLowerCase() === item.toLowerCase());
    if (!status) throw new Error(`boot status sequence: '${item}' is not one of Accepted, Pending, Rejected`);
    return status as RegistrationStatus;
  });
}

/**
 * Read per-charge-point passwords from a JSON file `{"CP001": "secret", …}`.
 * @param file Path of the file.
 */
export function loadPasswordFile(file: string): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`password file ${file}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`password file ${file}: expected a JSON object {"CP001": "password", …}`);
  for (const [id, pw] of Object.entries(data)) {
    if (typeof pw !== 'string' || pw.length === 0) throw new Error(`password file ${file}: the password of ${id} must be a non-empty string`);
  }
  return data as Record<string, string>;
}

/**
 * The decisions behind BootNotification, Authorize, StartTransaction and StopTransaction.
 * `MockCsms` consults it before its plain defaults; the fields may be changed while running.
 */
export class CsmsPolicy {
  /** Statuses handed out per boot (see {@link PolicyOptions.bootStatusSequence}). */
  bootSequence: RegistrationStatus[];
  /** Interval (s) with Pending / Rejected. */
  bootRetryInterval: number;
  /** Current auth mode. */
  authMode: AuthMode;
  /** Accepted tokens in `whitelist` mode. */
  readonly whitelist: Set<string>;
  /** Blocked tokens in `blacklist` mode. */
  readonly blacklist: Set<string>;
  /** Authorize is never answered. */
  offline: boolean;
  /** Seconds in the rate-limit CALLERROR's `retryAfter` (without a budget). */
  rateLimitRetryAfter: number;
  /** The `rate_limit` budget, if any. */
  readonly rateLimit: RateLimit | undefined;
  private readonly window: SlidingWindow | undefined;
  private readonly boots = new Map<string, number>();

  /**
   * Create a policy.
   * @param options See {@link PolicyOptions}.
   */
  constructor(options: PolicyOptions = {}) {
    this.bootSequence = options.bootStatusSequence?.length ? [...options.bootStatusSequence] : [options.bootStatus ?? 'Accepted'];
    this.bootRetryInterval = options.bootRetryInterval ?? 10;
    this.authMode = options.authMode ?? 'normal';
    if (!AUTH_MODES.includes(this.authMode)) throw new Error(`auth mode '${String(this.authMode)}' is not one of ${AUTH_MODES.join(', ')}`);
    this.whitelist = new Set(options.whitelist ?? DEFAULT_WHITELIST);
    this.blacklist = new Set(options.blacklist ?? DEFAULT_BLACKLIST);
    this.offline = options.offline ?? false;
    this.rateLimitRetryAfter = options.rateLimitRetryAfter ?? 60;
    const limit = options.rateLimit;
    if (limit && !(Number.isInteger(limit.count) && limit.count > 0 && limit.perS > 0)) throw new Error(`rate limit ${limit.count}/${limit.perS}: give a positive whole count per a positive number of seconds`);
    this.rateLimit = limit && { ...limit };
    this.window = limit && new SlidingWindow(limit);
  }

  /**
   * The status of a charge point's next BootNotification; counts the boot.
   * @param cpId Charge point id.
   */
  nextBootStatus(cpId: string): RegistrationStatus {
    const n = this.boots.get(cpId) ?? 0;
    this.boots.set(cpId, n + 1);
    return this.bootSequence[Math.min(n, this.bootSequence.length - 1)]!;
  }

  /**
   * The BootNotification answer: Accepted carries the heartbeat interval, Pending and
   * Rejected the retry interval (OCPP 1.6 §4.2.1: the minimum wait before the next boot).
   * @param cpId Charge point id.
   * @param heartbeatInterval Heartbeat interval (s) for Accepted.
   */
  bootAnswer(cpId: string, heartbeatInterval: number): Payload {
    const status = this.nextBootStatus(cpId);
    return { status, currentTime: new Date().toISOString(), interval: status === 'Accepted' ? heartbeatInterval : this.bootRetryInterval };
  }

  /**
   * The verdict on a token presented for authorization (Authorize): the mode's decision, and
   * in `rate_limit` mode `Throttled` (the seed's meaning: the authorization service refuses to
   * decide now) for every token, or, with a {@link PolicyOptions.rateLimit} budget, for those
   * over the charge point's budget. Each version renders it (1.6 idTagInfo or CALLERROR, 2.0.1
   * idTokenInfo `NotAtThisTime`).
   * @param token The idTag / idToken.
   * @param cpId The charge point asking (its budget).
   */
  authorize(token: string, cpId: string): Verdict {
    if (this.authMode !== 'rate_limit') return this.tokenStatus(token);
    return this.window?.take(cpId) ? this.tokenStatus(token) : 'Throttled';
  }

  /**
   * Seconds a throttled charge point is told to wait: until its budget has room again, or
   * {@link CsmsPolicy.rateLimitRetryAfter} without a budget.
   * @param cpId The charge point.
   */
  retryAfter(cpId: string): number {
    return this.window ? this.window.wait(cpId) : this.rateLimitRetryAfter;
  }

  /**
   * The verdict on the token of a transaction message (Start/StopTransaction, TransactionEvent):
   * the whitelist or blacklist decision, never throttled (refusing a transaction message only
   * makes the charger send it again).
   * @param token The idTag / idToken.
   */
  tokenStatus(token: string): 'Accepted' | 'Invalid' | 'Blocked' {
    switch (this.authMode) {
      case 'whitelist':
        // Unknown to the CSMS is what both versions call Invalid ("Identifier is unknown").
        return this.whitelist.has(token) ? 'Accepted' : 'Invalid';
      case 'blacklist':
        return this.blacklist.has(token) ? 'Blocked' : 'Accepted';
      default:
        return 'Accepted';
    }
  }
}
