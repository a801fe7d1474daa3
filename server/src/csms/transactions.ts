/**
 * The mock CSMS's books: the charge points it registered (their last BootNotification),
 * connector (1.6) or EVSE (2.0.1) statuses, open and finished transactions (meterStart,
 * meterStop, energy, number of meter readings) and the latest meter values, per charge point, and
 * the 1.6 transaction id counter. Fed by each version's dialect with every BootNotification,
 * StatusNotification, Start/StopTransaction, TransactionEvent and MeterValues the CSMS answers
 * with a CALLRESULT (a CALL refused with a CALLERROR changes nothing). Read by the operator
 * console, the REST API and the web UI; saved in the CSMS's state directory.
 *
 * Idempotent, as a central system's database must be: a charge point resends a transaction
 * message whose answer it did not get (OCPP-J 1.6 §4.7), and the CSMS may have booked it
 * already. A repeated StartTransaction gets the transaction it started, a repeated
 * StopTransaction or MeterValues changes nothing ({@link TransactionBook.repeatOf}).
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Payload } from '../ocpp/frames';

/** A charge point the CSMS registered: its last answered BootNotification. */
export interface ChargePointRecord {
  /** The status the CSMS answered (`Accepted`, `Pending`, `Rejected`). */
  registration: string;
  /** When the CSMS answered it (ISO time). */
  bootedAt: string;
  /** The BootNotification: vendor, model, serial numbers, firmware version, … */
  boot: Payload;
}

/** One transaction as the CSMS recorded it. */
export interface TransactionRecord {
  /** The id the CSMS assigned (1.6, a number) or the station chose (2.0.1, a string). */
  transactionId: number | string;
  /** Charge point id. */
  cpId: string;
  /** The protocol version the transaction ran in (`1.6`, `2.0.1`). */
  version: string;
  /** Connector (1.6) or EVSE (2.0.1); 0 while a 2.0.1 transaction has no EVSE yet. */
  connectorId: number;
  /** Token that started it (empty while a 2.0.1 transaction is not authorized yet). */
  idTag: string;
  /** idTagInfo / idTokenInfo status the CSMS answered. */
  status: string;
  /** Meter (Wh) at the start. */
  meterStart: number;
  /** Start time (the charge point's timestamp). */
  startedAt: string;
  /** Meter (Wh) at the stop (finished transactions). */
  meterStop?: number;
  /** Stop time (the charge point's timestamp). */
  stoppedAt?: string;
  /** Stop reason (`Local` when the charge point gave none, as 1.6 says). */
  reason?: string;
  /** Energy (Wh): meterStop − meterStart, or the latest register − meterStart while open. */
  energyWh: number;
  /** Meter readings received for it while open (MeterValues, or TransactionEvents with meter values; each once). */
  meterValues: number;
  /** 2.0.1: the last TransactionEvent's seqNo. */
  seqNo?: number;
  /** 2.0.1: the last chargingState reported. */
  chargingState?: string;
  /** 2.0.1: the RequestStartTransaction that started it. */
  remoteStartId?: number;
  /** 2.0.1: TransactionEvents received for it. */
  events?: number;
  /** 2.0.1: how many of them were flagged offline. */
  offlineEvents?: number;
}

/** One 2.0.1 TransactionEvent, as the book reads it. */
export interface TransactionEventFacts {
  /** The station's transactionId. */
  transactionId: string;
  /** Started / Updated / Ended. */
  eventType: string;
  /** seqNo. */
  seqNo: number;
  /** The event's timestamp. */
  timestamp: string;
  /** evse.id, when sent. */
  evseId?: number;
  /** evse.connectorId, when sent. */
  connectorId?: number;
  /** idToken.idToken, when sent. */
  idTag?: string;
  /** The idTokenInfo status the CSMS answered, when it answered one. */
  status?: string;
  /** transactionInfo.chargingState. */
  chargingState?: string;
  /** transactionInfo.stoppedReason. */
  stoppedReason?: string;
  /** transactionInfo.remoteStartId. */
  remoteStartId?: number;
  /** The offline flag. */
  offline: boolean;
}

/** The latest MeterValues of one connector. */
export interface MeterReading {
  /** Charge point id. */
  cpId: string;
  /** Connector. */
  connectorId: number;
  /** Transaction the values belong to, if any. */
  transactionId?: number | string;
  /** Timestamp of the last meterValue element. */
  timestamp: string;
  /** Sampled values by measurand (with `.L1`… for phases): value as a number and unit. */
  values: Record<string, { value: number; unit?: string }>;
  /** Energy.Active.Import.Register in Wh, when sent. */
  energyWh?: number;
  /** Power.Active.Import in W, when sent. */
  powerW?: number;
}

/** A connector's last StatusNotification. */
export interface ConnectorState {
  /** Status, e.g. `Available`. */
  status: string;
  /** Error code. */
  errorCode: string;
  /** When the CSMS received it (ISO time). */
  at: string;
}

/** Everything the book keeps, as JSON (the CSMS's state file). */
export interface BookSnapshot {
  /** The last transaction id handed out. */
  lastTransactionId: number;
  /** Registered charge points by id. */
  chargePoints: Record<string, ChargePointRecord>;
  /** Open and finished transactions. */
  transactions: TransactionRecord[];
  /** Connector statuses: charge point id → connector id → status. */
  statuses: Record<string, Record<string, ConnectorState>>;
  /** The latest meter values of every connector. */
  meters: MeterReading[];
  /** Per open transaction (book key), its last meter readings as JSON (how a resend is recognised). */
  lastMeterValues: [number | string, string][];
}

/** One meterValue element in the 1.6 shape the book reads (2.0.1 values are converted to it). */
export type MeterValueRecord = { timestamp: string; sampledValue: { value: string | number; measurand?: string; phase?: string; unit?: string }[] };

/** The book's key of a transaction: a 1.6 number alone (the CSMS's own ids), a 2.0.1 string with its station. */
function keyOf(cpId: string, transactionId: number | string): string {
  return typeof transactionId === 'number' ? `#${transactionId}` : `${cpId}\u0000${transactionId}`;
}

/** What identifies one MeterValues message: a resend carries the same meterValue list. */
const fingerprintOf = (req: Payload): string => JSON.stringify(req.meterValue ?? []);

/**
 * Converts a value to Wh / W when the unit has the kilo prefix.
 * @param value The sampled value.
 * @param unit Its unit (`Wh`, `kWh`, `W`, `kW`, …).
 */
export function toBaseUnit(value: number, unit: string | undefined): number {
  return unit === 'kWh' || unit === 'kW' || unit === 'kvarh' || unit === 'kvar' ? value * 1000 : value;
}

/**
 * Transactions, statuses and meter values of every charge point.
 *
 * Events: `transaction` ({@link TransactionRecord}, `'start' | 'stop'`), `meterValues`
 * ({@link MeterReading}), `status` (cpId, connectorId, {@link ConnectorState}).
 */
export class TransactionBook extends EventEmitter {
  /** By {@link keyOf}. */
  private readonly txs = new Map<string, TransactionRecord>();
  /** The open ones among them (so a busy CSMS does not scan the finished ones per message). */
  private readonly openTxs = new Map<string, TransactionRecord>();
  /** 2.0.1 transactions whose first energy reading is still to come (it becomes meterStart). */
  private readonly awaitingStart = new WeakSet<TransactionRecord>();
  private readonly meters = new Map<string, Map<number, MeterReading>>();
  private readonly statuses = new Map<string, Map<number, ConnectorState>>();
  private readonly registered = new Map<string, ChargePointRecord>();
  private readonly lastMeterValues = new Map<string, string>();
  private lastTransactionId = 0;
  /** Finished transactions kept (oldest dropped first), so a long run stays bounded. */
  readonly keepFinished: number;

  /**
   * Create an empty book.
   * @param keepFinished Finished transactions to keep (default 10,000).
   */
  constructor(keepFinished = 10_000) {
    super();
    this.keepFinished = keepFinished;
  }

  /**
   * Record a CALL the CSMS answered with a CALLRESULT.
   * @param cpId Charge point id.
   * @param action The action.
   * @param request The CALL's payload.
   * @param response The CALLRESULT's payload.
   * @param at When the CSMS answered it (ISO time; default now).
   */
  record(cpId: string, action: string, request: Payload, response: Payload, at = new Date().toISOString()): void {
    switch (action) {
      case 'BootNotification':
        this.registered.set(cpId, { registration: String(response.status), bootedAt: at, boot: request });
        return;
      case 'StartTransaction':
        return this.started(cpId, request, response);
      case 'StopTransaction': {
        const tx = this.get(Number(request.transactionId));
        if (tx) this.finish(tx, String(request.timestamp), typeof request.reason === 'string' ? request.reason : 'Local', Number(request.meterStop));
        return;
      }
      case 'MeterValues': {
        const transactionId = typeof request.transactionId === 'number' ? request.transactionId : undefined;
        return this.meterReading(cpId, Number(request.connectorId), transactionId, request.meterValue as MeterValueRecord[]);
      }
      case 'StatusNotification':
        return this.setStatus(cpId, Number(request.connectorId), String(request.status), String(request.errorCode), at);
      default:
        return;
    }
  }

  /**
   * Record a 2.0.1 TransactionEvent the CSMS answered: creates the transaction on its first
   * event (whatever its type, so a CSMS that missed the Started still books it), then follows
   * its EVSE, token, chargingState and remoteStartId. Returns the transaction.
   * @param cpId Station id.
   * @param e What the event says.
   */
  event201(cpId: string, e: TransactionEventFacts): TransactionRecord {
    const key = keyOf(cpId, e.transactionId);
    let tx = this.txs.get(key);
    if (!tx) {
      tx = { transactionId: e.transactionId, cpId, version: '2.0.1', connectorId: e.evseId ?? 0, idTag: '', status: '', meterStart: 0, startedAt: e.timestamp, energyWh: 0, meterValues: 0, events: 0, offlineEvents: 0 };
      this.txs.set(key, tx);
      this.openTxs.set(key, tx);
      this.awaitingStart.add(tx);
      this.emit('transaction', tx, 'start');
    } else if (tx.seqNo === e.seqNo && tx.events !== 0) {
      return tx; // a resend of the event booked last (its answer was lost)
    }
    if (e.evseId !== undefined) tx.connectorId = e.evseId;
    if (e.idTag !== undefined) tx.idTag = e.idTag;
    if (e.status !== undefined) tx.status = e.status;
    if (e.chargingState !== undefined) tx.chargingState = e.chargingState;
    if (e.remoteStartId !== undefined) tx.remoteStartId = e.remoteStartId;
    tx.seqNo = e.seqNo;
    tx.events = (tx.events ?? 0) + 1;
    if (e.offline) tx.offlineEvents = (tx.offlineEvents ?? 0) + 1;
    return tx;
  }

  /**
   * A transaction ended (1.6 StopTransaction, 2.0.1 TransactionEvent Ended); a second end changes nothing.
   * @param tx The transaction.
   * @param at The station's timestamp of the end.
   * @param reason The stop reason.
   * @param meterStop The final register (Wh), when the station sent one; else the latest reading.
   */
  finish(tx: TransactionRecord, at: string, reason: string, meterStop?: number): void {
    if (tx.stoppedAt !== undefined) return;
    tx.meterStop = meterStop ?? tx.meterStart + tx.energyWh;
    tx.stoppedAt = at;
    tx.reason = reason;
    tx.energyWh = tx.meterStop - tx.meterStart;
    const key = keyOf(tx.cpId, tx.transactionId);
    this.openTxs.delete(key);
    this.lastMeterValues.delete(key);
    this.emit('transaction', tx, 'stop');
    this.prune();
  }

  /**
   * A connector's (1.6) or EVSE's (2.0.1) status.
   * @param cpId Charge point id.
   * @param unit Connector or EVSE id.
   * @param status The status.
   * @param errorCode The 1.6 error code (`NoError` for 2.0.1).
   * @param at When the CSMS received it (ISO time; default now).
   */
  setStatus(cpId: string, unit: number, status: string, errorCode: string, at = new Date().toISOString()): void {
    const state: ConnectorState = { status, errorCode, at };
    this.mapOf(this.statuses, cpId).set(unit, state);
    this.emit('status', cpId, unit, state);
  }

  /**
   * Meter values of a connector / EVSE (1.6 shape: values as numbers or numeric strings, kilo
   * units allowed), optionally of a transaction whose energy they update; the same readings sent
   * again (a resend after a lost answer) count once.
   * @param cpId Charge point id.
   * @param unit Connector or EVSE id.
   * @param transactionId The transaction they belong to, if any.
   * @param meterValue The meterValue list.
   */
  meterReading(cpId: string, unit: number, transactionId: number | string | undefined, meterValue: MeterValueRecord[] | undefined): void {
    const last = meterValue?.[meterValue.length - 1];
    if (!meterValue || !last) return;
    const reading: MeterReading = { cpId, connectorId: unit, timestamp: last.timestamp, values: {} };
    if (transactionId !== undefined) reading.transactionId = transactionId;
    for (const mv of meterValue) {
      for (const sv of mv.sampledValue ?? []) {
        const value = Number(sv.value);
        if (!Number.isFinite(value)) continue;
        const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
        reading.values[sv.phase ? `${measurand}.${sv.phase}` : measurand] = { value, unit: sv.unit };
        if (measurand === 'Energy.Active.Import.Register' && !sv.phase) reading.energyWh = toBaseUnit(value, sv.unit);
        if (measurand === 'Power.Active.Import' && !sv.phase) reading.powerW = toBaseUnit(value, sv.unit);
      }
    }
    this.mapOf(this.meters, cpId).set(unit, reading);
    const tx = transactionId === undefined ? undefined : this.get(transactionId, cpId);
    if (tx && tx.cpId === cpId && tx.stoppedAt === undefined) {
      const key = keyOf(cpId, tx.transactionId);
      const fingerprint = JSON.stringify(meterValue);
      if (this.lastMeterValues.get(key) === fingerprint) return;
      this.lastMeterValues.set(key, fingerprint);
      tx.meterValues++;
      if (reading.energyWh !== undefined) {
        if (this.awaitingStart.delete(tx)) tx.meterStart = reading.energyWh;
        tx.energyWh = reading.energyWh - tx.meterStart;
      }
    }
    this.emit('meterValues', reading);
  }

  /** A new transaction id: one more than any handed out or booked (ids are never reused). */
  nextTransactionId(): number {
    return ++this.lastTransactionId;
  }

  /**
   * The booked transaction a CALL repeats, when it is a resend of a transaction message the
   * CSMS booked already (its answer was lost): a StartTransaction of an open transaction with
   * the same connector, idTag, timestamp and meterStart; a StopTransaction of a finished one
   * with the same timestamp and meterStop; the MeterValues last booked for an open transaction.
   * @param cpId Charge point id.
   * @param action The CALL's action.
   * @param request The CALL's payload.
   */
  repeatOf(cpId: string, action: string, request: Payload): TransactionRecord | undefined {
    switch (action) {
      case 'StartTransaction':
        return this.open(cpId).find(
          (t) => t.connectorId === request.connectorId && t.idTag === request.idTag && t.startedAt === request.timestamp && t.meterStart === request.meterStart,
        );
      case 'StopTransaction': {
        const tx = this.get(Number(request.transactionId));
        return tx?.cpId === cpId && tx.stoppedAt === request.timestamp && tx.meterStop === request.meterStop ? tx : undefined;
      }
      case 'MeterValues': {
        const tx = this.get(Number(request.transactionId));
        return tx?.cpId === cpId && this.lastMeterValues.get(keyOf(cpId, tx.transactionId)) === fingerprintOf(request) ? tx : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * The answer a repeated CALL must get again, when it cannot be made afresh: a resent
   * StartTransaction gets the transaction it started (a new id would open a second one).
   * Undefined for any other CALL.
   * @param cpId Charge point id.
   * @param action The CALL's action.
   * @param request The CALL's payload.
   */
  bookedAnswer(cpId: string, action: string, request: Payload): Payload | undefined {
    if (action !== 'StartTransaction') return undefined;
    const tx = this.repeatOf(cpId, action, request);
    return tx && { transactionId: tx.transactionId, idTagInfo: { status: tx.status } };
  }

  /** The charge points the CSMS registered, by id. */
  chargePoints(): Record<string, ChargePointRecord> {
    return Object.fromEntries(this.registered);
  }

  /**
   * The transaction with this id: a 1.6 id the CSMS issued, or a 2.0.1 id of the given station.
   * @param transactionId The id.
   * @param cpId The station (needed for 2.0.1 ids).
   */
  get(transactionId: number | string, cpId = ''): TransactionRecord | undefined {
    return this.txs.get(keyOf(cpId, transactionId));
  }

  /** Open transactions, optionally of one charge point. */
  open(cpId?: string): TransactionRecord[] {
    return [...this.openTxs.values()].filter((t) => cpId === undefined || t.cpId === cpId);
  }

  /** Finished transactions, optionally of one charge point. */
  finished(cpId?: string): TransactionRecord[] {
    return [...this.txs.values()].filter((t) => t.stoppedAt !== undefined && (cpId === undefined || t.cpId === cpId));
  }

  /** The latest meter values: charge point id → connector id → reading. */
  latestMeterValues(): Record<string, Record<string, MeterReading>> {
    const out: Record<string, Record<string, MeterReading>> = {};
    for (const [cpId, byConnector] of this.meters) out[cpId] = Object.fromEntries([...byConnector].map(([c, r]) => [String(c), r]));
    return out;
  }

  /** Last reported status per connector of a charge point. */
  connectorStatuses(cpId: string): Map<number, ConnectorState> {
    return new Map(this.statuses.get(cpId));
  }

  /**
   * The lowest connector (1.6) or EVSE (2.0.1), above 0, whose last status is Available and that
   * has no open transaction (what a reservation or a remote start may take), or undefined.
   * @param cpId Charge point id.
   */
  availableConnector(cpId: string): number | undefined {
    const busy = new Set(this.open(cpId).map((t) => t.connectorId));
    const free = [...(this.statuses.get(cpId) ?? [])].filter(([c, s]) => c > 0 && s.status === 'Available' && !busy.has(c)).map(([c]) => c);
    return free.length ? Math.min(...free) : undefined;
  }

  /** Forget everything but the transaction id counter (ids are never reused). */
  clear(): void {
    this.txs.clear();
    this.openTxs.clear();
    this.meters.clear();
    this.statuses.clear();
    this.registered.clear();
    this.lastMeterValues.clear();
  }

  /** Everything the book keeps, as JSON. */
  snapshot(): BookSnapshot {
    const statuses: BookSnapshot['statuses'] = {};
    for (const [cpId, byConnector] of this.statuses) statuses[cpId] = Object.fromEntries(byConnector);
    return {
      lastTransactionId: this.lastTransactionId,
      chargePoints: this.chargePoints(),
      transactions: [...this.txs.values()],
      statuses,
      meters: [...this.meters.values()].flatMap((byConnector) => [...byConnector.values()]),
      lastMeterValues: [...this.lastMeterValues],
    };
  }

  /**
   * Replace the contents with a {@link TransactionBook.snapshot} (no events).
   * @param s The snapshot.
   */
  restore(s: BookSnapshot): void {
    if (!Number.isInteger(s.lastTransactionId) || !Array.isArray(s.transactions) || !Array.isArray(s.meters) || !Array.isArray(s.lastMeterValues)) {
      throw new Error('not a transaction book snapshot');
    }
    this.clear();
    this.lastTransactionId = s.lastTransactionId;
    for (const [cpId, record] of Object.entries(s.chargePoints ?? {})) this.registered.set(cpId, record);
    for (const saved of s.transactions) {
      const tx = { ...saved, version: saved.version ?? '1.6', meterValues: saved.meterValues ?? 0 };
      const key = keyOf(tx.cpId, tx.transactionId);
      this.txs.set(key, tx);
      if (tx.stoppedAt === undefined) this.openTxs.set(key, tx);
    }
    for (const [cpId, byConnector] of Object.entries(s.statuses ?? {})) {
      this.statuses.set(cpId, new Map(Object.entries(byConnector).map(([c, state]) => [Number(c), state])));
    }
    for (const reading of s.meters) this.mapOf(this.meters, reading.cpId).set(reading.connectorId, reading);
    // Keys are strings since 2.0.1 transactions were booked; a number is a 1.6 id of an older file.
    for (const [key, fingerprint] of s.lastMeterValues) this.lastMeterValues.set(typeof key === 'number' ? keyOf('', key) : key, fingerprint);
  }

  private started(cpId: string, req: Payload, res: Payload): void {
    const transactionId = Number(res.transactionId);
    this.lastTransactionId = Math.max(this.lastTransactionId, transactionId);
    // Booked already (the answer to a repeated StartTransaction names the transaction it started).
    if (this.get(transactionId)?.cpId === cpId) return;
    const tx: TransactionRecord = {
      transactionId,
      cpId,
      version: '1.6',
      connectorId: Number(req.connectorId),
      idTag: String(req.idTag),
      status: String((res.idTagInfo as Payload | undefined)?.status ?? ''),
      meterStart: Number(req.meterStart),
      startedAt: String(req.timestamp),
      energyWh: 0,
      meterValues: 0,
    };
    this.txs.set(keyOf(cpId, transactionId), tx);
    this.openTxs.set(keyOf(cpId, transactionId), tx);
    this.emit('transaction', tx, 'start');
  }

  private prune(): void {
    const finished = this.finished();
    for (const tx of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.txs.delete(keyOf(tx.cpId, tx.transactionId));
  }

  private mapOf<T>(maps: Map<string, Map<number, T>>, cpId: string): Map<number, T> {
    let m = maps.get(cpId);
    if (!m) maps.set(cpId, (m = new Map()));
    return m;
  }
}
