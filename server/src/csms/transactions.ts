/**
 * The mock CSMS's books: connector statuses, open and finished transactions (meterStart,
 * meterStop, energy) and the latest meter values, per charge point. Fed with every
 * StatusNotification, StartTransaction, StopTransaction and MeterValues the CSMS answered
 * successfully (a CALL refused with a CALLERROR changes nothing). Read by the operator console
 * and the REST API.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Payload } from '../ocpp/frames';

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

type SampledValue = { value: string; measurand?: string; phase?: string; unit?: string };

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
  private readonly meters = new Map<string, Map<number, MeterReading>>();
  private readonly statuses = new Map<string, Map<number, ConnectorState>>();
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
   */
  record(cpId: string, action: string, request: Payload, response: Payload): void {
    switch (action) {
      case 'StartTransaction':
        return this.started(cpId, request, response);
      case 'StopTransaction':
        return this.stopped(request);
      case 'MeterValues':
        return this.metered(cpId, request);
      case 'StatusNotification': {
        const state: ConnectorState = { status: String(request.status), errorCode: String(request.errorCode), at: new Date().toISOString() };
        const connectorId = Number(request.connectorId);
        this.mapOf(this.statuses, cpId).set(connectorId, state);
        this.emit('status', cpId, connectorId, state);
        return;
      }
      default:
        return;
    }
  }

  /** The transaction with this id, if the CSMS issued it. */
  get(transactionId: number): TransactionRecord | undefined {
    return this.txs.get(transactionId);
  }

  /** Open transactions, optionally of one charge point. */
  open(cpId?: string): TransactionRecord[] {
    return [...this.txs.values()].filter((t) => t.stoppedAt === undefined && (cpId === undefined || t.cpId === cpId));
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

  /** Forget everything. */
  clear(): void {
    this.txs.clear();
    this.meters.clear();
    this.statuses.clear();
  }

  private started(cpId: string, req: Payload, res: Payload): void {
    const transactionId = Number(res.transactionId);
    const tx: TransactionRecord = {
      transactionId,
      cpId,
      connectorId: Number(req.connectorId),
      idTag: String(req.idTag),
      status: String((res.idTagInfo as Payload | undefined)?.status ?? ''),
      meterStart: Number(req.meterStart),
      startedAt: String(req.timestamp),
      energyWh: 0,
    };
    this.txs.set(transactionId, tx);
    this.emit('transaction', tx, 'start');
  }

  private stopped(req: Payload): void {
    const tx = this.txs.get(Number(req.transactionId));
    if (!tx || tx.stoppedAt !== undefined) return;
    tx.meterStop = Number(req.meterStop);
    tx.stoppedAt = String(req.timestamp);
    tx.reason = typeof req.reason === 'string' ? req.reason : 'Local';
    tx.energyWh = tx.meterStop - tx.meterStart;
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
    if (tx && tx.stoppedAt === undefined && reading.energyWh !== undefined) tx.energyWh = reading.energyWh - tx.meterStart;
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
