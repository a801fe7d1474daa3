/**
 * The mock CSMS's books: the charge points it registered (their last BootNotification),
 * connector statuses, open and finished transactions (meterStart, meterStop, energy, number of
 * MeterValues) and the latest meter values, per charge point, and the transaction id counter.
 * Fed with every BootNotification, StatusNotification, StartTransaction, StopTransaction and
 * MeterValues the CSMS answers with a CALLRESULT (a CALL refused with a CALLERROR changes
 * nothing). Read by the operator console and the REST API; saved in the CSMS's state directory.
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
  /** The id the CSMS assigned. */
  transactionId: number;
  /** Charge point id. */
  cpId: string;
  /** Connector. */
  connectorId: number;
  /** Token that started it. */
  idTag: string;
  /** idTagInfo status the CSMS answered. */
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
  /** MeterValues received for it while open (each once, however often it was sent). */
  meterValues: number;
}

/** The latest MeterValues of one connector. */
export interface MeterReading {
  /** Charge point id. */
  cpId: string;
  /** Connector. */
  connectorId: number;
  /** Transaction the values belong to, if any. */
  transactionId?: number;
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
  /** Per open transaction, its last MeterValues' meterValue list as JSON (how a resend is recognised). */
  lastMeterValues: [number, string][];
}

type SampledValue = { value: string; measurand?: string; phase?: string; unit?: string };

/** What identifies one MeterValues message: a resend carries the same meterValue list. */
const fingerprintOf = (req: Payload): string => JSON.stringify(req.meterValue ?? []);

/** Converts a value to Wh / W when the unit has the kilo prefix. */
function base(value: number, unit: string | undefined): number {
  return unit === 'kWh' || unit === 'kW' || unit === 'kvarh' || unit === 'kvar' ? value * 1000 : value;
}

/**
 * Transactions, statuses and meter values of every charge point.
 *
 * Events: `transaction` ({@link TransactionRecord}, `'start' | 'stop'`), `meterValues`
 * ({@link MeterReading}), `status` (cpId, connectorId, {@link ConnectorState}).
 */
export class TransactionBook extends EventEmitter {
  private readonly txs = new Map<number, TransactionRecord>();
  /** The open ones among them (so a busy CSMS does not scan the finished ones per message). */
  private readonly openTxs = new Map<number, TransactionRecord>();
  private readonly meters = new Map<string, Map<number, MeterReading>>();
  private readonly statuses = new Map<string, Map<number, ConnectorState>>();
  private readonly registered = new Map<string, ChargePointRecord>();
  private readonly lastMeterValues = new Map<number, string>();
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
      case 'StopTransaction':
        return this.stopped(request);
      case 'MeterValues':
        return this.metered(cpId, request);
      case 'StatusNotification': {
        const state: ConnectorState = { status: String(request.status), errorCode: String(request.errorCode), at };
        const connectorId = Number(request.connectorId);
        this.mapOf(this.statuses, cpId).set(connectorId, state);
        this.emit('status', cpId, connectorId, state);
        return;
      }
      default:
        return;
    }
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
        return tx?.cpId === cpId && this.lastMeterValues.get(tx.transactionId) === fingerprintOf(request) ? tx : undefined;
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

  /** The transaction with this id, if the CSMS issued it. */
  get(transactionId: number): TransactionRecord | undefined {
    return this.txs.get(transactionId);
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
   * The lowest connector (>0) whose last status is Available and that has no open transaction
   * (what a reservation may take), or undefined.
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
      const tx = { ...saved, meterValues: saved.meterValues ?? 0 };
      this.txs.set(tx.transactionId, tx);
      if (tx.stoppedAt === undefined) this.openTxs.set(tx.transactionId, tx);
    }
    for (const [cpId, byConnector] of Object.entries(s.statuses ?? {})) {
      this.statuses.set(cpId, new Map(Object.entries(byConnector).map(([c, state]) => [Number(c), state])));
    }
    for (const reading of s.meters) this.mapOf(this.meters, reading.cpId).set(reading.connectorId, reading);
    for (const [txId, fingerprint] of s.lastMeterValues) this.lastMeterValues.set(txId, fingerprint);
  }

  private started(cpId: string, req: Payload, res: Payload): void {
    const transactionId = Number(res.transactionId);
    this.lastTransactionId = Math.max(this.lastTransactionId, transactionId);
    // Booked already (the answer to a repeated StartTransaction names the transaction it started).
    if (this.txs.get(transactionId)?.cpId === cpId) return;
    const tx: TransactionRecord = {
      transactionId,
      cpId,
      connectorId: Number(req.connectorId),
      idTag: String(req.idTag),
      status: String((res.idTagInfo as Payload | undefined)?.status ?? ''),
      meterStart: Number(req.meterStart),
      startedAt: String(req.timestamp),
      energyWh: 0,
      meterValues: 0,
    };
    this.txs.set(transactionId, tx);
    this.openTxs.set(transactionId, tx);
    this.emit('transaction', tx, 'start');
  }

  private stopped(req: Payload): void {
    const tx = this.txs.get(Number(req.transactionId));
    if (!tx || tx.stoppedAt !== undefined) return;
    tx.meterStop = Number(req.meterStop);
    tx.stoppedAt = String(req.timestamp);
    tx.reason = typeof req.reason === 'string' ? req.reason : 'Local';
    tx.energyWh = tx.meterStop - tx.meterStart;
    this.openTxs.delete(tx.transactionId);
    this.lastMeterValues.delete(tx.transactionId);
    this.emit('transaction', tx, 'stop');
    this.prune();
  }

  private metered(cpId: string, req: Payload): void {
    const meterValue = (req.meterValue as { timestamp: string; sampledValue: SampledValue[] }[]) ?? [];
    const last = meterValue[meterValue.length - 1];
    if (!last) return;
    const reading: MeterReading = { cpId, connectorId: Number(req.connectorId), timestamp: last.timestamp, values: {} };
    if (typeof req.transactionId === 'number') reading.transactionId = req.transactionId;
    for (const mv of meterValue) {
      for (const sv of mv.sampledValue ?? []) {
        const value = Number(sv.value);
        if (!Number.isFinite(value)) continue;
        const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
        reading.values[sv.phase ? `${measurand}.${sv.phase}` : measurand] = { value, unit: sv.unit };
        if (measurand === 'Energy.Active.Import.Register' && !sv.phase) reading.energyWh = base(value, sv.unit);
        if (measurand === 'Power.Active.Import' && !sv.phase) reading.powerW = base(value, sv.unit);
      }
    }
    this.mapOf(this.meters, cpId).set(reading.connectorId, reading);
    const tx = reading.transactionId === undefined ? undefined : this.txs.get(reading.transactionId);
    if (tx && tx.cpId === cpId && tx.stoppedAt === undefined) {
      const fingerprint = fingerprintOf(req);
      if (this.lastMeterValues.get(tx.transactionId) === fingerprint) return;
      this.lastMeterValues.set(tx.transactionId, fingerprint);
      tx.meterValues++;
      if (reading.energyWh !== undefined) tx.energyWh = reading.energyWh - tx.meterStart;
    }
    this.emit('meterValues', reading);
  }

  private prune(): void {
    const finished = this.finished();
    for (const tx of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.txs.delete(tx.transactionId);
  }

  private mapOf<T>(maps: Map<string, Map<number, T>>, cpId: string): Map<number, T> {
    let m = maps.get(cpId);
    if (!m) maps.set(cpId, (m = new Map()));
    return m;
  }
}
