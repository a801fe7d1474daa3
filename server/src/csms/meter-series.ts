/**
 * The meter values a CSMS received per transaction, as time series for its charts: energy
 * register and power over time, from 1.6 StartTransaction/MeterValues/StopTransaction
 * (meterStart, transaction MeterValues, transactionData, meterStop) and 2.0.1 TransactionEvent
 * meterValue, each read by the connection's dialect. Bounded: the newest transactions, the newest
 * points of each.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Payload } from '../ocpp/frames';
import type { CsmsDialect } from './dialect';
import { toBaseUnit } from './transactions';

/** One reading of a transaction. */
export interface MeterPoint {
  /** The station's timestamp, ms since the epoch. */
  at: number;
  /** Energy.Active.Import.Register, Wh. */
  energyWh?: number;
  /** Power.Active.Import, W. */
  powerW?: number;
  /** SoC, percent. */
  soc?: number;
}

/** The readings of one transaction. */
export interface MeterSeriesRecord {
  /** Charge point id. */
  cpId: string;
  /** The transaction. */
  transactionId: number | string;
  /** Connector (1.6) or EVSE (2.0.1). */
  unit: number;
  /** The readings, oldest first. */
  points: MeterPoint[];
}

/** Transactions kept (the oldest go first). */
const MAX_SERIES = 200;
/** Readings kept per transaction: over 8 hours at one a minute. */
const MAX_POINTS = 500;

const MEASURANDS: Readonly<Record<string, 'energyWh' | 'powerW' | 'soc'>> = {
  'Energy.Active.Import.Register': 'energyWh',
  'Power.Active.Import': 'powerW',
  SoC: 'soc',
};

/**
 * Per transaction, the readings received. Event: `points` (cpId, {@link MeterSeriesRecord} with
 * only the new points).
 */
export class MeterSeries extends EventEmitter {
  private readonly series = new Map<string, MeterSeriesRecord>();

  /**
   * Take the meter values of an answered CALL (nothing for an action without any).
   * @param dialect The connection's dialect.
   * @param cpId Charge point id.
   * @param action The action.
   * @param request The CALL's payload.
   * @param response The CALLRESULT's payload.
   */
  take(dialect: CsmsDialect, cpId: string, action: string, request: Payload, response: Payload): void {
    const found = dialect.transactionMeterValues(action, request, response);
    if (!found) return;
    const key = `${cpId}\u0000${found.transactionId}`;
    let record = this.series.get(key);
    if (!record) {
      this.series.set(key, (record = { cpId, transactionId: found.transactionId, unit: found.unit, points: [] }));
      if (this.series.size > MAX_SERIES) this.series.delete(this.series.keys().next().value!);
    }
    const added: MeterPoint[] = [];
    for (const mv of found.readings) {
      const point = pointOf(mv.timestamp, mv.sampledValue ?? []);
      if (!point) continue;
      const last = record.points.at(-1);
      // A resend (lost answer) repeats readings: only later ones are new; the same instant merges.
      if (last && point.at < last.at) continue;
      if (last && point.at === last.at) Object.assign(last, point);
      else record.points.push(point);
      added.push(point);
    }
    while (record.points.length > MAX_POINTS) record.points.shift();
    if (added.length > 0 && this.listenerCount('points') > 0) this.emit('points', cpId, { ...record, points: added });
  }

  /**
   * The kept series, oldest transaction first, optionally of one charge point.
   * @param cpId Only this charge point's.
   */
  list(cpId?: string): MeterSeriesRecord[] {
    return [...this.series.values()].filter((s) => cpId === undefined || s.cpId === cpId).map((s) => ({ ...s, points: [...s.points] }));
  }
}

/** The chart's measurands of one meterValue element (unphased values only); undefined without any. */
function pointOf(timestamp: string, sampled: { value: string | number; measurand?: string; phase?: string; unit?: string }[]): MeterPoint | undefined {
  const at = Date.parse(timestamp);
  if (!Number.isFinite(at)) return undefined;
  const point: MeterPoint = { at };
  let any = false;
  for (const sv of sampled) {
    const field = MEASURANDS[sv.measurand ?? 'Energy.Active.Import.Register'];
    const value = Number(sv.value);
    if (!field || sv.phase || !Number.isFinite(value)) continue;
    point[field] = field === 'soc' ? value : toBaseUnit(value, sv.unit);
    any = true;
  }
  return any ? point : undefined;
}
