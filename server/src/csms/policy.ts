/**
 * What the mock CSMS tells charge points about themselves and their users: the registration
 * status of each BootNotification (fixed or a per-charge-point sequence such as
 * Pending, Pending, Accepted), the authorization decision for an idTag (auth modes normal,
 * whitelist, blacklist, rate_limit), an Authorize path that never answers (offline), and
 * per-charge-point Basic-auth passwords from a file.
 * @module
 */
import fs from 'node:fs';
import { OcppError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import type { AnswerContext } from './responses';

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
  /** Seconds a rate-limited charge point is told to wait (`retryAfter` in the CALLERROR details, default 60). */
  rateLimitRetryAfter?: number;
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
  /** Seconds in the rate-limit CALLERROR's `retryAfter`. */
  rateLimitRetryAfter: number;
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
   * The authorization status of an idTag under the current mode. `rate_limit` has no status
   * (see {@link CsmsPolicy.authorizeAnswer}): for transaction messages it decides Accepted.
   * @param idTag The token.
   */
  idTagStatus(idTag: string): 'Accepted' | 'Invalid' | 'Blocked' {
    switch (this.authMode) {
      case 'whitelist':
        // Unknown to the CSMS is what 1.6 calls Invalid ("Identifier is unknown").
        return this.whitelist.has(idTag) ? 'Accepted' : 'Invalid';
      case 'blacklist':
        return this.blacklist.has(idTag) ? 'Blocked' : 'Accepted';
      default:
        return 'Accepted';
    }
  }

  /**
   * The answer to Authorize: an idTagInfo, or a thrown CALLERROR in `rate_limit` mode.
   *
   * Why a CALLERROR for rate limiting: 1.6 has no "not at this time" status (2.0.1 added
   * NotAtThisTime), and every 1.6 AuthorizationStatus is a verdict on the token that the charge
   * point must store in its Authorization Cache (§3.5.1): answering Invalid or Blocked would
   * poison the cache with a refusal the CSMS never decided. A throttling server declines to
   * process the request instead, so the answer is `GenericError` ("any other error", OCPP-J 1.6
   * §4.2.3; none of the specific codes fits) with `retryAfter` in the details, and the charge
   * point takes its path for an unanswerable Authorize, without a cache entry.
   * @param idTag The token.
   */
  authorizeAnswer(idTag: string): Payload {
    if (this.authMode === 'rate_limit') {
      throw new OcppError('GenericError', 'rate limited: too many requests, try again later', { retryAfter: this.rateLimitRetryAfter });
    }
    return { idTagInfo: { status: this.idTagStatus(idTag) } };
  }

  /**
   * The policy's answer to one charge-point-initiated action, or undefined when the plain
   * default applies. `undefined` as the returned value of the handler means "never answer".
   * @param action The action.
   * @param cpId Charge point id.
   * @param payload The request.
   * @param ctx The CSMS's counters.
   */
  answer(action: string, cpId: string, payload: Payload, ctx: AnswerContext): Payload | 'never' | undefined {
    switch (action) {
      case 'BootNotification':
        return this.bootAnswer(cpId, ctx.heartbeatInterval);
      case 'Authorize':
        return this.offline ? 'never' : this.authorizeAnswer(String(payload.idTag));
      case 'StartTransaction':
        // Transactions are never throttled (refusing one only makes the charge point retry it,
        // TransactionMessageAttempts); their idTagInfo follows whitelist / blacklist.
        return { transactionId: ctx.nextTransactionId(), idTagInfo: { status: this.idTagStatus(String(payload.idTag)) } };
      case 'StopTransaction':
        return payload.idTag === undefined ? {} : { idTagInfo: { status: this.idTagStatus(String(payload.idTag)) } };
      default:
        return undefined;
    }
  }
}
