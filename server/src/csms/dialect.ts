/**
 * What the mock CSMS does differently per OCPP version, behind one interface: each connection
 * gets the dialect of the subprotocol it negotiated, and the CSMS's rules, books, probes,
 * commands, console and REST API ask the dialect instead of testing the version. Everything
 * version-neutral (the policy's verdicts, the order rules, the transaction book, the scheduler)
 * stays outside.
 * @module
 */
import type { Payload } from '../ocpp/frames';
import type { ProtocolVersion } from '../ocpp/protocol';
import type { MockCsms } from './mock-csms';
import type { CsmsPolicy } from './policy';
import type { MeterValueRecord, TransactionBook, TransactionRecord } from './transactions';

/**
 * The policy's decision on a token, before a version renders it: 1.6 as an idTagInfo (or, for
 * `Throttled`, a CALLERROR), 2.0.1 as an idTokenInfo (`Throttled` = `NotAtThisTime`).
 */
export type Verdict = 'Accepted' | 'Invalid' | 'Blocked' | 'Throttled';

/** What a default answer may read. */
export interface AnswerContext {
  /** The station that called. */
  cpId: string;
  /** Boot statuses and token verdicts. */
  policy: CsmsPolicy;
  /** Heartbeat interval handed out with an Accepted boot (s). */
  heartbeatInterval: number;
  /** A fresh CSMS-issued transaction id (1.6). */
  nextTransactionId(): number;
}

/** What a default CSMS-initiated request may depend on. */
export interface CommandContext {
  /** The station the call goes to. */
  cpId: string;
  /** The CSMS (its books, policy, PKI, URL). */
  csms: MockCsms;
  /** A fresh number for reservation, request and list ids. */
  nextId(): number;
  /** Where log uploads go and firmware downloads come from. */
  fileServerUrl: string;
  /** The id of the last reservation this station accepted, if any (what CancelReservation cancels by default). */
  lastReservationId?: number;
  /** The token the CSMS hands out by default (the first of the whitelist). */
  firstToken(): string;
  /** The tokens the CSMS knows as good (the whitelist). */
  tokens(): string[];
  /** The lowest free connector (1.6) or EVSE (2.0.1), if any. */
  freeEvse(): number | undefined;
  /** The station's oldest open transaction, if any. */
  openTransaction(): TransactionRecord | undefined;
}

/**
 * The default CancelReservation of both versions: the last reservation the station accepted;
 * undefined (nothing to send) when it accepted none.
 * @param ctx The station's context.
 */
export function cancelLastReservation(ctx: CommandContext): Payload | undefined {
  return ctx.lastReservationId === undefined ? undefined : { reservationId: ctx.lastReservationId };
}

/** A CSMS-initiated call: action and request payload. */
export interface Request {
  /** The action. */
  action: string;
  /** The request payload. */
  payload: Payload;
}

/** The operator's everyday requests, in each version's words. */
export interface OperatorRequests {
  /** Start charging for a token, on a connector (1.6) or EVSE (2.0.1) when given; `id` is the 2.0.1 remoteStartId. */
  remoteStart(o: { token: string; unit?: number; id: number }): Request;
  /** Stop a transaction. */
  remoteStop(transactionId: string | number): Request;
  /** Reset: `soft`/`OnIdle` waits for idle, `hard`/`Immediate` does not (case-insensitive). */
  reset(kind: string): Request;
  /** Ask for a message (canonical name of the version's trigger enum), on a connector / EVSE when given. */
  trigger(message: string, unit?: number): Request;
  /** Reserve a connector / EVSE (or the station, when none is given) for a token until `expiry`. */
  reserve(o: { id: number; token: string; unit?: number; expiry: string }): Request;
}

/** The meter values one answered CALL carried for a transaction (the CSMS view charts them). */
export interface TransactionMeterValues {
  /** The transaction. */
  transactionId: number | string;
  /** Its connector (1.6) or EVSE (2.0.1). */
  unit: number;
  /** The readings, oldest first, in the book's 1.6 shape. */
  readings: MeterValueRecord[];
}

/** One OCPP version as the mock CSMS speaks it. */
export interface CsmsDialect {
  /** The protocol table. */
  readonly protocol: ProtocolVersion;
  /** Short version name for log lines and reports: `1.6`, `2.0.1`. */
  readonly version: string;
  /** Where the order rule comes from, cited in SecurityError descriptions. */
  readonly bootRule: string;
  /**
   * The default answer of a station-initiated action: a payload, `'never'` to leave the CALL
   * unanswered, or undefined when the version has no such action. Throws an `OcppError` to
   * answer with a CALLERROR.
   */
  answer(action: string, request: Payload, ctx: AnswerContext): Payload | 'never' | undefined;
  /** Station-initiated actions {@link CsmsDialect.answer} has a default answer for. */
  readonly answered: ReadonlySet<string>;
  /** Station-initiated actions whose answered request the book records. */
  readonly recorded: ReadonlySet<string>;
  /**
   * The station-initiated message a CSMS-initiated CALL asks for (TriggerMessage, reports), if
   * any; `once` is false for a report that comes in parts.
   */
  requested(action: string, payload: Payload): { action: string; once: boolean } | undefined;
  /** Default requests of every CSMS-initiated action. */
  readonly commands: Readonly<Record<string, (ctx: CommandContext) => Payload | undefined>>;
  /** This version's name of a CSMS-initiated action of another version (`RemoteStartTransaction` → `RequestStartTransaction`). */
  twin(action: string): string | undefined;
  /** The operator's requests. */
  readonly requests: OperatorRequests;
  /** Messages the operator may trigger. */
  readonly triggerable: readonly string[];
  /** The CertificateSigned request that delivers `certificateChain` for a SignCertificate request. */
  certificateSigned(certificateChain: string, signRequest: Payload): Payload;
  /** The new Basic-auth password a CSMS-initiated call set, when the station accepted it. */
  newPassword(action: string, request: Payload, response: Payload): string | undefined;
  /** The reservation id a CSMS-initiated call made, when it was a ReserveNow the station accepted. */
  reservationMade(action: string, request: Payload, response: Payload): number | undefined;
  /** Book an answered CALL of a {@link CsmsDialect.recorded} action (`at`: when it was answered, ISO time; default now). */
  record(book: TransactionBook, cpId: string, action: string, request: Payload, response: Payload, at?: string): void;
  /** The transaction meter values an answered CALL of a {@link CsmsDialect.recorded} action carried, if any. */
  transactionMeterValues(action: string, request: Payload, response: Payload): TransactionMeterValues | undefined;
}
