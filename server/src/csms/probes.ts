/**
 * Conformance probes: what the mock CSMS notices about a charge point's protocol manners while
 * it runs, collected per charge point, so a charger's CI can use ocpp-sim as its test CSMS
 * (`--report FILE.json`, `--assert-clean`). Each probe names a rule of OCPP-J 1.6:
 *
 * | probe | fires when |
 * | --- | --- |
 * | `overlapping-call` | a CALL arrives while the charge point's previous CALL is still unanswered by us (OCPP-J §4.1.1: one CALL in flight per side). A CALL the CSMS deliberately never answers (offline mode) does not count. |
 * | `reused-message-id` | a CALL reuses the message id of an earlier CALL of the same connection (OCPP-J §4.1.4) |
 * | `schema-violation` | a CALL, or a CALLRESULT to our CALL, does not match the official schema |
 * | `trigger-answered-late` | the message requested with (Extended)TriggerMessage arrives before the answer to the trigger (1.6 §5.17: answer first, then send). A spontaneous message of the same kind crossing the trigger counts too. |
 * | `transaction-order` | 1.6: StopTransaction or MeterValues name a transactionId this CSMS never issued (Stop before Start), one already stopped (a resend of the StopTransaction it booked, after a lost answer, does not count; a second StopTransaction right behind the first, before it was answered, does), or one of another charge point. 2.0.1: a TransactionEvent other than Started opens a transaction, a second Started, anything after Ended, a transactionId reused |
 * | `transaction-seqno` | 2.0.1: a TransactionEvent's seqNo is not the previous one + 1 within its transaction |
 * | `transaction-offline-flag` | 2.0.1: an event that happened before the connection opened lacks `offline: true`, or one that happened while connected has it (E11.FR.07) |
 * | `call-before-boot` | a CALL other than BootNotification arrives while the charge point has no accepted boot here and the CSMS did not ask for it (1.6 §4.2.1; 2.0.1 B02.FR.09, B03.FR.08); the CSMS refuses it with SecurityError. A report or triggered message requested while Pending does not count, nor does a transaction message from a station with no boot on record (`unknown-station`). |
 * | `unknown-station` | a transaction message (1.6: StartTransaction, StopTransaction, MeterValues; 2.0.1: TransactionEvent) comes from a charge point with no BootNotification on record here (a charge point boots before anything else; one that booted at a CSMS which lost its records reconnects without booting). The CSMS answers it anyway, so nothing is lost, and asks for a boot with TriggerMessage(BootNotification). |
 * | `boot-on-reconnect` | a new connection sends BootNotification although the charge point's boot was Accepted on an earlier connection and it had no reason to reboot: no Reset, UpdateFirmware or SignedUpdateFirmware was accepted since, no TriggerMessage(BootNotification) is pending, and its firmwareVersion is unchanged (1.6 §4.2: boot notifications are for boots, not for reconnects). A genuine power cycle looks the same from the CSMS and is reported too. |
 * @module
 */
import { EventEmitter } from 'node:events';
import type { FrameEvent, InboundViolation, RpcEndpoint } from '../ocpp/endpoint';
import { MessageType, type Payload } from '../ocpp/frames';
import type { CsmsDialect } from './dialect';
import type { TransactionBook } from './transactions';
import { TransactionEventAudit } from './v201/audit';

/** Names of the probes. */
export type ProbeName =
  | 'overlapping-call'
  | 'reused-message-id'
  | 'schema-violation'
  | 'trigger-answered-late'
  | 'transaction-order'
  | 'transaction-seqno'
  | 'transaction-offline-flag'
  | 'boot-on-reconnect'
  | 'call-before-boot'
  | 'unknown-station';

/** Every probe. */
export const PROBES: readonly ProbeName[] = [
  'overlapping-call',
  'reused-message-id',
  'schema-violation',
  'trigger-answered-late',
  'transaction-order',
  'transaction-seqno',
  'transaction-offline-flag',
  'boot-on-reconnect',
  'call-before-boot',
  'unknown-station',
];

/**
 * How bad a probe's finding is: `error` breaks a rule a CSMS relies on (message order and ids,
 * schemas, transaction bookkeeping); `warning` is a manner a CSMS copes with (a late trigger
 * answer, an offline flag, a boot on reconnect, a station with no boot on record).
 */
export const PROBE_SEVERITY: Readonly<Record<ProbeName, 'error' | 'warning'>> = {
  'overlapping-call': 'error',
  'reused-message-id': 'error',
  'schema-violation': 'error',
  'trigger-answered-late': 'warning',
  'transaction-order': 'error',
  'transaction-seqno': 'error',
  'transaction-offline-flag': 'warning',
  'boot-on-reconnect': 'warning',
  'call-before-boot': 'error',
  'unknown-station': 'warning',
};

/** One thing a probe noticed. */
export interface Finding {
  /** The probe. */
  probe: ProbeName;
  /** When (ISO time). */
  at: string;
  /** What exactly, in one line. */
  detail: string;
  /** The OCPP version the charge point spoke (`1.6`, `2.0.1`). */
  version?: string;
}

/** Options of {@link ConformanceProbes}. */
export interface ProbeOptions {
  /** Probes not to run. */
  disabled?: ProbeName[];
  /** Findings kept per charge point (default 1000; later ones are counted in `dropped`). */
  maxFindings?: number;
}

/** What the probes see of a connection: its id, endpoint and version. */
export interface ProbedStation {
  /** Charge point id. */
  id: string;
  /** The connection's endpoint. */
  endpoint: RpcEndpoint;
  /** How the CSMS speaks the connection's version. */
  dialect: CsmsDialect;
}

/** Per connection. */
interface Connection {
  ids: Set<string>;
  boots: number;
  /** The charge point's boot was Accepted before this connection opened. */
  acceptedBefore: boolean;
  /** Our outbound CALLs whose answer a probe waits for: id → action and payload. */
  calls: Map<string, { action: string; payload: Payload; at: number }>;
  /** 1.6: transactions a StopTransaction of this connection named (a second one is caught before the book knows). */
  stopping: Set<number>;
}

/** Per charge point id, across connections. */
interface ChargePointState {
  connections: number;
  rebootExpected: boolean;
  firmwareVersion?: string;
  /** When its current connection opened (ms since epoch). */
  connectedAt: number;
  /** The OCPP version of its current connection. */
  version?: string;
  /** 2.0.1 TransactionEvent audit, created on the first event. */
  audit?: TransactionEventAudit;
}

/** Remembered message ids per connection: enough for any sane run, bounded for a week-long one. */
const MAX_IDS = 50_000;
/** A trigger unanswered this long is given up (its timeout passed long ago). */
const TRIGGER_WINDOW_MS = 120_000;
const REBOOTING = new Set(['Reset', 'UpdateFirmware', 'SignedUpdateFirmware']);

/** The EVSE (2.0.1) or connector (1.6) a payload is about, if it names one. */
function unitOf(payload: Payload): number | undefined {
  const unit = payload.evseId ?? (payload.evse as Payload | undefined)?.id ?? payload.connectorId;
  return typeof unit === 'number' ? unit : undefined;
}

/**
 * Collects {@link Finding}s per charge point. `MockCsms` feeds it; read it with
 * {@link ConformanceProbes.report}. Event: `finding` (cpId, {@link Finding}).
 */
export class ConformanceProbes extends EventEmitter {
  private readonly findings = new Map<string, Finding[]>();
  private readonly dropped = new Map<string, number>();
  private readonly connections = new WeakMap<RpcEndpoint, Connection>();
  private readonly chargePoints = new Map<string, ChargePointState>();
  private readonly disabled: Set<ProbeName>;
  private readonly maxFindings: number;

  /**
   * Create the probes.
   * @param book The CSMS's transactions (for `transaction-order`).
   * @param registrationOf The status of a charge point's last answered BootNotification.
   * @param options See {@link ProbeOptions}.
   */
  constructor(
    private readonly book: TransactionBook,
    private readonly registrationOf: (cpId: string) => string | undefined,
    options: ProbeOptions = {},
  ) {
    super();
    this.disabled = new Set(options.disabled ?? []);
    this.maxFindings = options.maxFindings ?? 1000;
  }

  /** Findings per charge point id; only charge points with findings appear (`{}` when clean). */
  report(): Record<string, Finding[]> {
    return Object.fromEntries([...this.findings].map(([id, list]) => [id, [...list]]));
  }

  /** True when no probe fired. */
  get clean(): boolean {
    return this.findings.size === 0;
  }

  /** Findings not kept because a charge point exceeded `maxFindings`, per charge point id. */
  get droppedFindings(): Record<string, number> {
    return Object.fromEntries(this.dropped);
  }

  /** Forget all findings (the connections keep being watched). */
  reset(): void {
    this.findings.clear();
    this.dropped.clear();
  }

  /**
   * A charge point connected (before any of its frames).
   * @param station The connection.
   */
  connected(station: ProbedStation): void {
    const cp = this.chargePoint(station.id);
    cp.connections++;
    cp.connectedAt = Date.now();
    cp.version = station.dialect.version;
    this.connections.set(station.endpoint, {
      ids: new Set(),
      boots: 0,
      acceptedBefore: cp.connections > 1 && this.registrationOf(station.id) === 'Accepted',
      calls: new Map(),
      stopping: new Set(),
    });
    cp.audit?.connected(cp.connectedAt);
  }

  /**
   * A frame on a charge point's connection (from the endpoint's `frame` event, which fires for
   * an inbound CALL before it is handled).
   * @param station The connection.
   * @param e The frame.
   */
  frame(station: ProbedStation, e: FrameEvent): void {
    const conn = this.connections.get(station.endpoint);
    const frame = e.frame;
    if (!conn || !frame) return;
    if (e.direction === 'out') {
      if (frame.type === MessageType.CALL && (REBOOTING.has(frame.action) || frame.action.endsWith('TriggerMessage'))) {
        conn.calls.set(frame.id, { action: frame.action, payload: frame.payload, at: Date.now() });
      }
      return;
    }
    if (frame.type === MessageType.CALLRESULT || frame.type === MessageType.CALLERROR) {
      const call = conn.calls.get(frame.id);
      if (!call) return;
      conn.calls.delete(frame.id);
      // 2.0.1 answers a Reset OnIdle of a busy station Scheduled: it reboots later all the same.
      const accepted = frame.type === MessageType.CALLRESULT && (frame.payload.status === 'Accepted' || frame.payload.status === 'Scheduled' || call.action.endsWith('UpdateFirmware'));
      if (accepted && REBOOTING.has(call.action)) this.chargePoint(station.id).rebootExpected = true;
      return;
    }
    if (frame.type !== MessageType.CALL) return;
    const { id, action, payload } = frame;
    if (station.endpoint.unansweredInbound > 0) {
      this.find(station.id, 'overlapping-call', `${action} ${id} sent while ${station.endpoint.unansweredInbound} earlier CALL(s) of it were still unanswered`);
    }
    if (conn.ids.has(id)) this.find(station.id, 'reused-message-id', `${action} reuses message id ${id} of an earlier CALL on this connection`);
    else {
      conn.ids.add(id);
      if (conn.ids.size > MAX_IDS) conn.ids.delete(conn.ids.values().next().value!);
    }
    this.checkTrigger(station, conn, action, payload);
    if (action === 'BootNotification') this.checkBoot(station.id, conn, payload);
    else if (action === 'StopTransaction' || action === 'MeterValues') this.checkTransaction(station.id, conn, action, payload);
    else if (action === 'TransactionEvent') this.auditOf(station.id).event(payload);
  }

  /**
   * The endpoint reported a schema violation in a frame from the charge point.
   * @param station The connection.
   * @param v The violation.
   */
  invalid(station: ProbedStation, v: InboundViolation): void {
    const what = v.kind === 'request' ? `CALL ${v.uniqueId}` : `CALLRESULT ${v.uniqueId} to our ${v.action}`;
    this.find(station.id, 'schema-violation', `${what}: ${v.violation.message}`);
  }

  /**
   * The CSMS refused a CALL because the charge point's boot is not Accepted.
   * @param station The connection.
   * @param why The refusal's description (the CALL, the registration status, the rule).
   */
  callBeforeBoot(station: ProbedStation, why: string): void {
    this.find(station.id, 'call-before-boot', why);
  }

  /**
   * The CSMS answered a transaction message of a charge point it has no boot of, and asked it to boot.
   * @param station The connection.
   * @param action The transaction message.
   */
  unknownStation(station: ProbedStation, action: string): void {
    this.find(station.id, 'unknown-station', `${action} from a charge point with no BootNotification on record here: answered, and the charge point asked to boot`);
  }

  private checkTrigger(station: ProbedStation, conn: Connection, action: string, payload: Payload): void {
    const cpId = station.id;
    for (const [id, call] of conn.calls) {
      if (!call.action.endsWith('TriggerMessage')) continue;
      if (Date.now() - call.at > TRIGGER_WINDOW_MS) {
        conn.calls.delete(id);
        continue;
      }
      const wanted = station.dialect.requested(call.action, call.payload)?.action;
      const unit = unitOf(call.payload);
      if (wanted !== action) continue;
      if (unit !== undefined && unitOf(payload) !== undefined && unit !== unitOf(payload)) continue;
      this.find(cpId, 'trigger-answered-late', `${action} arrived before the answer to ${call.action} ${id} that requested it`);
      conn.calls.delete(id);
    }
  }

  private checkBoot(cpId: string, conn: Connection, payload: Payload): void {
    const cp = this.chargePoint(cpId);
    const identity = (payload.chargingStation as Payload | undefined) ?? payload; // 2.0.1 nests it
    const firmware = typeof identity.firmwareVersion === 'string' ? identity.firmwareVersion : undefined;
    const triggered = [...conn.calls.values()].some((c) => c.action.endsWith('TriggerMessage') && c.payload.requestedMessage === 'BootNotification');
    if (conn.boots === 0 && conn.acceptedBefore && !cp.rebootExpected && !triggered && firmware === cp.firmwareVersion) {
      this.find(cpId, 'boot-on-reconnect', `BootNotification on a new connection (#${cp.connections}) although the boot was already Accepted and no Reset or firmware update was accepted since`);
    }
    conn.boots++;
    cp.rebootExpected = false;
    cp.firmwareVersion = firmware;
  }

  private checkTransaction(cpId: string, conn: Connection, action: string, payload: Payload): void {
    if (typeof payload.transactionId !== 'number') return;
    const txId = payload.transactionId;
    const tx = this.book.get(txId);
    const stopping = conn.stopping.has(txId);
    if (action === 'StopTransaction') {
      conn.stopping.add(txId);
      if (conn.stopping.size > MAX_IDS) conn.stopping.delete(conn.stopping.values().next().value!);
    }
    if (!tx) {
      const hint = action === 'StopTransaction' ? ' (StopTransaction before StartTransaction?)' : '';
      this.find(cpId, 'transaction-order', `${action} for transaction ${txId}, which this CSMS never issued${hint}`);
    } else if (tx.cpId !== cpId) {
      this.find(cpId, 'transaction-order', `${action} for transaction ${txId} of charge point ${tx.cpId}`);
    } else if (tx.stoppedAt !== undefined && !this.book.repeatOf(cpId, action, payload)) {
      this.find(cpId, 'transaction-order', `${action} for transaction ${txId}, already stopped at ${tx.stoppedAt}`);
    } else if (stopping && tx.stoppedAt === undefined) {
      this.find(cpId, 'transaction-order', `${action} for transaction ${txId} after a StopTransaction for it on this connection`);
    }
  }

  private auditOf(cpId: string): TransactionEventAudit {
    const cp = this.chargePoint(cpId);
    if (!cp.audit) {
      cp.audit = new TransactionEventAudit((probe, detail) => this.find(cpId, probe, detail));
      cp.audit.connected(cp.connectedAt);
    }
    return cp.audit;
  }

  private find(cpId: string, probe: ProbeName, detail: string): void {
    if (this.disabled.has(probe)) return;
    let list = this.findings.get(cpId);
    if (!list) this.findings.set(cpId, (list = []));
    const finding: Finding = { probe, at: new Date().toISOString(), detail, version: this.chargePoints.get(cpId)?.version };
    if (list.length < this.maxFindings) list.push(finding);
    else this.dropped.set(cpId, (this.dropped.get(cpId) ?? 0) + 1);
    this.emit('finding', cpId, finding);
  }

  private chargePoint(cpId: string): ChargePointState {
    let cp = this.chargePoints.get(cpId);
    if (!cp) this.chargePoints.set(cpId, (cp = { connections: 0, rebootExpected: false, connectedAt: Date.now() }));
    return cp;
  }
}
