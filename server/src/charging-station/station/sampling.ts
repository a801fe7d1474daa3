/**
 * Meter values of a 2.0.1 station (J01, J02): the shared simulated {@link Meter} read in 2.0.1
 * form (numeric values, `unitOfMeasure`), sampled data on each transaction's grid
 * (SampledDataCtrlr.TxUpdatedInterval / TxEndedInterval) and clock-aligned data on the day's
 * grid (AlignedDataCtrlr.Interval / TxEndedInterval). Timers belong to the transaction and the
 * station, not to the connection, as in 1.6.
 * @module
 */
import type { Meter } from '../../chargepoint/model/meter';
import { nextOnGrid } from '../../chargepoint/station/meter-sampling';
import type { Scheduler, TimerHandle } from '../../ocpp/scheduler';
import type { MeterValueType, ReadingContextEnumType, SampledValueType } from '../../ocpp/v201/types';
import type { DeviceModel } from '../model/device-model';
import type { Evse } from '../model/evse';

/** A 2.0.1 MeterValue of the given measurands, or undefined when none could be read. */
export function readMeter(meter: Meter, now: number, measurands: readonly string[], context: ReadingContextEnumType): MeterValueType | undefined {
  const v16 = meter.sample(now, measurands, context);
  const sampled: SampledValueType[] = [];
  for (const s of v16.sampledValue) {
    const v: SampledValueType = { value: Number(s.value), context };
    if (s.measurand) v.measurand = s.measurand as SampledValueType['measurand'];
    if (s.phase) v.phase = s.phase;
    if (s.location) v.location = s.location;
    if (s.unit) v.unitOfMeasure = { unit: s.unit };
    sampled.push(v);
  }
  return sampled.length ? { timestamp: v16.timestamp, sampledValue: sampled as MeterValueType['sampledValue'] } : undefined;
}

const DAY_MS = 86_400_000;

/** What the sampler needs from its station. */
export interface SamplerHost {
  /** Clock and timers. */
  readonly scheduler: Scheduler;
  /** SampledDataCtrlr and AlignedDataCtrlr. */
  readonly device: DeviceModel;
  /** The EVSEs. */
  readonly evses: readonly Evse[];
  /** False while automatic meter values are off: the grids go on, nothing is sent. */
  enabled(): boolean;
  /** A periodic (TxUpdatedInterval) sample of a transaction is due. */
  periodic(e: Evse): void;
  /** A clock-aligned sample is due (every EVSE, and the station as evseId 0). */
  aligned(): void;
  /** A sample for the Ended event is due (TxEndedInterval of either controller). */
  ended(e: Evse, context: 'Sample.Periodic' | 'Sample.Clock'): void;
}

/** The sampling timers of one station. */
export class Sampler {
  private perTxMade: Map<number, { updated?: TimerHandle; ended?: TimerHandle; alignedEnded?: TimerHandle }> | undefined;
  /** Made on first use. */
  private get perTx(): Map<number, { updated?: TimerHandle; ended?: TimerHandle; alignedEnded?: TimerHandle }> {
    return (this.perTxMade ??= new Map());
  }
  private alignedTimer: TimerHandle | undefined;

  /**
   * Create the sampler; nothing is armed until {@link Sampler.start}.
   * @param host The station side.
   */
  constructor(private readonly host: SamplerHost) {}

  /** Arm what is not armed (idempotent: running grids keep their phase). */
  start(): void {
    for (const e of this.host.evses) if (e.transaction && !this.perTx.has(e.id)) this.transactionStarted(e);
    if (!this.alignedTimer) this.armAligned();
  }

  /** Cancel every timer. */
  stop(): void {
    for (const id of [...this.perTx.keys()]) this.cancelTx(id);
    this.host.scheduler.cancel(this.alignedTimer);
    this.alignedTimer = undefined;
  }

  /** A transaction started on `e`: arm its sampled-data grids. */
  transactionStarted(e: Evse): void {
    this.cancelTx(e.id);
    const timers = {};
    this.perTx.set(e.id, timers);
    const origin = e.transaction!.startedAt;
    this.armTx(e, origin, 'updated', 'SampledDataCtrlr', 'TxUpdatedInterval', () => this.host.periodic(e));
    this.armTx(e, origin, 'ended', 'SampledDataCtrlr', 'TxEndedInterval', () => this.host.ended(e, 'Sample.Periodic'));
    this.armTx(e, 0, 'alignedEnded', 'AlignedDataCtrlr', 'TxEndedInterval', () => this.host.ended(e, 'Sample.Clock'));
  }

  /** The transaction on `e` ended. */
  transactionEnded(e: Evse): void {
    this.cancelTx(e.id);
  }

  /** A controller variable changed: re-arm the grids it drives. */
  variableChanged(component: string): void {
    if (component === 'AlignedDataCtrlr') {
      this.host.scheduler.cancel(this.alignedTimer);
      this.alignedTimer = undefined;
      this.armAligned();
    }
    if (component === 'SampledDataCtrlr' || component === 'AlignedDataCtrlr') {
      for (const e of this.host.evses) if (e.transaction) this.transactionStarted(e);
    }
  }

  private armTx(e: Evse, origin: number, slot: 'updated' | 'ended' | 'alignedEnded', component: string, variable: string, fire: () => void): void {
    const intervalMs = this.host.device.int(component, variable) * 1000;
    const timers = this.perTx.get(e.id);
    if (intervalMs <= 0 || !timers) return;
    const s = this.host.scheduler;
    timers[slot] = s.after(nextOnGrid(origin, intervalMs, s.now()) - s.now(), () => {
      if (!e.transaction || this.perTx.get(e.id) !== timers) return;
      if (this.host.enabled()) fire();
      this.armTx(e, origin, slot, component, variable, fire);
    });
  }

  private armAligned(): void {
    const intervalMs = this.host.device.int('AlignedDataCtrlr', 'Interval') * 1000;
    if (intervalMs <= 0) return;
    const s = this.host.scheduler;
    const now = s.now();
    const midnight = now - (now % DAY_MS);
    this.alignedTimer = s.after(nextOnGrid(midnight, intervalMs, now) - now, () => {
      this.alignedTimer = undefined;
      if (this.host.enabled()) this.host.aligned();
      this.armAligned();
    });
  }

  private cancelTx(id: number): void {
    const timers = this.perTx.get(id);
    if (!timers) return;
    for (const t of Object.values(timers)) this.host.scheduler.cancel(t as TimerHandle);
    this.perTx.delete(id);
  }
}
