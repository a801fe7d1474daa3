/**
 * When a charge point samples its meters on its own (OCPP 1.6 §4.7, §9.1 MeterValueSampleInterval
 * and ClockAlignedDataInterval): periodic samples on each transaction's grid (its start plus
 * whole intervals) and clock-aligned samples on the day's grid (midnight UTC plus whole
 * intervals).
 *
 * The timers belong to the transaction and to the station, never to the connection: a drop or a
 * reconnect neither cancels a due sample nor moves the grid, and a sample that falls due offline
 * is taken all the same (the host queues it, see {@link SamplingHost.sample}). One scheduler
 * entry per running transaction and one per charge point for the clock, whatever the link does.
 * @module
 */
import type { Scheduler, TimerHandle } from '../../ocpp/scheduler';
import type { Configuration } from '../model/configuration';
import type { Connector } from '../model/connector';

const DAY_MS = 86_400_000;

/** What the sampler needs from its charge point. */
export interface SamplingHost {
  /** Clock and timers. */
  readonly scheduler: Scheduler;
  /** MeterValueSampleInterval, ClockAlignedDataInterval, MeterValuesSampledData, MeterValuesAlignedData. */
  readonly config: Configuration;
  /** Connector 0 and 1..N. */
  readonly connectors: readonly Connector[];
  /** False while automatic meter values are switched off: the grids go on, nothing is sent. */
  enabled(): boolean;
  /** Take one MeterValues of a connector and send it (transaction values go into the queue). */
  sample(c: Connector, measurands: readonly string[], context: 'Sample.Periodic' | 'Sample.Clock'): void;
}

/** The first point of the grid `origin + k × intervalMs` strictly after `now`. */
export function nextOnGrid(origin: number, intervalMs: number, now: number): number {
  return origin + (Math.floor((now - origin) / intervalMs) + 1) * intervalMs;
}

/** The periodic and clock-aligned sampling timers of one charge point. */
export class MeterSampling {
  private periodicMade: Map<number, TimerHandle> | undefined;
  /** The armed periodic timer of each connector whose transaction is sampled. Made on first use. */
  private get periodic(): Map<number, TimerHandle> {
    return (this.periodicMade ??= new Map());
  }
  private aligned: TimerHandle | undefined;

  /**
   * Create the sampler; nothing is armed until {@link MeterSampling.start}.
   * @param host The charge point side.
   */
  constructor(private readonly host: SamplingHost) {}

  /**
   * Arm what is not armed yet: periodic sampling of every running transaction, the clock-aligned
   * timer. Idempotent, so a reconnect calling it leaves running timers (and their phase) alone.
   */
  start(): void {
    for (const c of this.host.connectors) if (c.transaction && !this.periodic.has(c.id)) this.armPeriodic(c);
    if (!this.aligned) this.armAligned();
  }

  /** Cancel every timer (shutdown, reboot); {@link MeterSampling.start} picks the grids up again. */
  stop(): void {
    for (const t of this.periodic.values()) this.host.scheduler.cancel(t);
    this.periodic.clear();
    this.host.scheduler.cancel(this.aligned);
    this.aligned = undefined;
  }

  /** A transaction began on `c`: sample it every MeterValueSampleInterval from its start. */
  transactionStarted(c: Connector): void {
    this.armPeriodic(c);
  }

  /** The transaction on `c` ended: no more periodic samples. */
  transactionEnded(c: Connector): void {
    this.host.scheduler.cancel(this.periodic.get(c.id));
    this.periodic.delete(c.id);
  }

  /** A configuration key changed: a new interval takes effect at once, on the same grid origin. */
  configChanged(key: string): void {
    if (key === 'MeterValueSampleInterval') for (const c of this.host.connectors) if (c.transaction) this.armPeriodic(c);
    if (key === 'ClockAlignedDataInterval') this.armAligned();
  }

  /** (Re)arm `c`'s periodic timer at the next point of its transaction's grid. */
  private armPeriodic(c: Connector): void {
    const { scheduler, config } = this.host;
    this.transactionEnded(c);
    const tx = c.transaction;
    const intervalMs = config.int('MeterValueSampleInterval') * 1000;
    // A transaction a script started with its own StartTransaction is the script's to meter.
    if (intervalMs <= 0 || !tx || tx.scripted) return;
    const at = nextOnGrid(tx.startedAt, intervalMs, scheduler.now());
    this.periodic.set(c.id, scheduler.after(at - scheduler.now(), () => {
      this.periodic.delete(c.id);
      if (c.transaction !== tx) return;
      if (this.host.enabled()) this.host.sample(c, config.list('MeterValuesSampledData'), 'Sample.Periodic');
      this.armPeriodic(c);
    }));
  }

  /**
   * (Re)arm the clock-aligned timer: "evenly spaced intervals per day, starting at 00:00:00"
   * (§9.1 ClockAlignedDataInterval), midnight taken in UTC. An interval that does not divide
   * the day restarts at the next midnight.
   */
  private armAligned(): void {
    const { scheduler, config } = this.host;
    scheduler.cancel(this.aligned);
    this.aligned = undefined;
    const intervalMs = config.int('ClockAlignedDataInterval') * 1000;
    if (intervalMs <= 0) return;
    const now = scheduler.now();
    const midnight = now - (((now % DAY_MS) + DAY_MS) % DAY_MS);
    const at = Math.min(nextOnGrid(midnight, intervalMs, now), midnight + DAY_MS);
    this.aligned = scheduler.after(at - now, () => {
      this.aligned = undefined;
      if (this.host.enabled()) {
        const measurands = config.list('MeterValuesAlignedData');
        for (const c of this.host.connectors) if (c.meter) this.host.sample(c, measurands, 'Sample.Clock');
      }
      this.armAligned();
    });
  }
}
