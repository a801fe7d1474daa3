/**
 * Live telemetry of a charge point's sessions, whatever the OCPP version: while a transaction
 * runs, one sample per charging point (1.6 connector, 2.0.1 EVSE) every second from the model's
 * own clock (the Scheduler, so a virtual clock drives it too), independent of
 * MeterValueSampleInterval; and a small history of ended sessions. One timer per charge point,
 * armed only while a session runs, and slow while nobody listens. A charge point makes its
 * Telemetry at its first session, so an idle fleet holds none.
 * @module
 */
import type { Scheduler, TimerHandle } from '../ocpp/scheduler';

/** Time between samples while someone listens: the chart's resolution. */
export const TELEMETRY_INTERVAL_MS = 1000;
/**
 * Time between ticks while nobody listens: the power still follows the EV curve and the EV still
 * stops at its target, but an hour on a virtual clock costs 120 steps, not 3,600.
 */
export const UNWATCHED_INTERVAL_MS = 30_000;
/** Samples kept per point for a page that opens mid-session (an hour at one per second). */
const RECENT = 3600;
/** Ended sessions kept. */
const HISTORY = 20;

/** One reading of a charging point. */
export interface TelemetrySample {
  /** The 1.6 connector id or the 2.0.1 EVSE id. */
  point: number;
  /** Model time, epoch ms. */
  at: number;
  /** Start of the session it belongs to, epoch ms (a new value: a new session). */
  startedAt: number;
  /** Power drawn, W. */
  powerW: number;
  /** The limit in force: the connector's maximum or a lower charging-profile limit, W. */
  limitW: number;
  /** Energy of the session so far, Wh: the register now minus the register at the start (meterStart). */
  sessionWh: number;
  /** The EV's state of charge, percent, when an EV is plugged. */
  soc?: number;
}

/** An ended session as the history lists it. */
export interface SessionRecord {
  /** The 1.6 connector id or the 2.0.1 EVSE id. */
  point: number;
  /** The CSMS's (1.6) or the station's (2.0.1) transaction id, when known. */
  transactionId?: string;
  /** Start and stop, epoch ms. */
  startedAt: number;
  /** Stop, epoch ms. */
  stoppedAt: number;
  /** meterStop − meterStart, Wh. */
  energyWh: number;
  /** Highest power sampled, W. */
  maxPowerW: number;
  /** Why it stopped (1.6 reason, 2.0.1 stoppedReason). */
  reason?: string;
}

/** What the telemetry needs of its charge point. */
export interface TelemetryHost {
  /** Clock and timers. */
  readonly scheduler: Scheduler;
  /** Bring every running session up to now (power re-applied along the EV curve) and read one sample each; empty when none runs. */
  read(): TelemetrySample[];
  /** Hand on the samples of one tick (to the UI); true when someone listens (an EventEmitter's `emit`). */
  publish(samples: TelemetrySample[]): boolean;
  /** Hand on an ended session. */
  ended(record: SessionRecord): void;
}

/** The telemetry ticker and session history of one charge point. */
export class Telemetry {
  /** Ended sessions, oldest first. */
  readonly history: SessionRecord[] = [];
  private timer: TimerHandle | undefined;
  private readonly recent = new Map<number, TelemetrySample[]>();
  private readonly maxPower = new Map<number, number>();

  /**
   * The telemetry of one charge point; nothing runs until a session starts.
   * @param host The charge point side.
   * @param intervalMs Time between samples.
   */
  constructor(private readonly host: TelemetryHost, private readonly intervalMs = TELEMETRY_INTERVAL_MS) {}

  /** A session started on `point`: its samples start empty; the ticker runs. @param point Connector or EVSE id. */
  started(point: number): void {
    this.recent.set(point, []);
    this.maxPower.set(point, 0);
    this.tick();
  }

  /**
   * A session ended: publish its last sample (the stop register, so the session energy equals
   * meterStop − meterStart) and its history record.
   * @param last The final reading.
   * @param info Transaction id, start time, reason.
   */
  ended(last: TelemetrySample, info: { transactionId?: string; startedAt: number; reason?: string }): void {
    this.record([last]);
    this.host.publish([last]);
    const record: SessionRecord = { point: last.point, startedAt: info.startedAt, stoppedAt: last.at, energyWh: last.sessionWh, maxPowerW: this.maxPower.get(last.point) ?? 0 };
    if (info.transactionId !== undefined) record.transactionId = info.transactionId;
    if (info.reason !== undefined) record.reason = info.reason;
    this.maxPower.delete(last.point);
    this.history.push(record);
    if (this.history.length > HISTORY) this.history.shift();
    this.host.ended(record);
  }

  /** Arm the ticker if it is not running (after a restart or reconnect); it stops by itself when no session runs. */
  wake(): void {
    if (!this.timer) this.tick();
  }

  /** Someone started listening: a running ticker samples now, and every second from now on. */
  listening(): void {
    if (this.timer) this.tick();
  }

  /** The samples of the running (or last) session of every point. */
  samples(): Record<number, TelemetrySample[]> {
    return Object.fromEntries(this.recent);
  }

  /** Cancel the ticker (shutdown); the next {@link Telemetry.started} arms it again. */
  stop(): void {
    this.host.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.host.scheduler.cancel(this.timer);
    this.timer = undefined;
    const samples = this.host.read();
    if (!samples.length) return;
    this.record(samples);
    const watched = this.host.publish(samples);
    this.timer = this.host.scheduler.after(watched ? this.intervalMs : Math.max(this.intervalMs, UNWATCHED_INTERVAL_MS), () => this.tick());
  }

  private record(samples: TelemetrySample[]): void {
    for (const s of samples) {
      let list = this.recent.get(s.point);
      if (!list) this.recent.set(s.point, (list = []));
      list.push(s);
      if (list.length > RECENT) list.splice(0, list.length - RECENT);
      this.maxPower.set(s.point, Math.max(this.maxPower.get(s.point) ?? 0, s.powerW));
    }
  }
}
