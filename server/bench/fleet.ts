/**
 * The simulated charge points: open N connections with bounded concurrency, and close them.
 * Where each one connects is decided by {@link FleetOptions.targetFor}, so spreading
 * connections over several 127.0.0.x addresses (needed beyond ~28k sockets to one address and
 * port) can be added without touching the phases.
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect } from '../src/chargepoint/connect';
import { type Scheduler, realScheduler } from '../src/ocpp/scheduler';
import type { Progress } from './progress';
import type { Failures } from './stats';

/**
 * The process's real scheduler with a sub-millisecond clock: the endpoint stamps calls with
 * `scheduler.now()`, and `Date.now()` would round every loopback round trip to 0 or 1 ms.
 * Timers still go through the one shared heap of the real scheduler.
 */
export const hiResScheduler: Scheduler = {
  now: () => performance.timeOrigin + performance.now(),
  after: (ms, fn) => realScheduler.after(ms, fn),
  cancel: (handle) => realScheduler.cancel(handle),
  sleep: (ms) => realScheduler.sleep(ms),
};

/** Where charge point number `i` connects, and as whom. */
export interface Target {
  /** Full URL including the charge point id. */
  url: string;
  /** Charge point id. */
  id: string;
}

/** Options of a fleet. */
export interface FleetOptions {
  /** Target of charge point `i` (0-based). */
  targetFor: (i: number) => Target;
  /** Sockets opening at a time. */
  concurrency: number;
  /** Timeout of each outbound call (ms). */
  timeoutMs: number;
}

/** Charge point ids `CP000000`, `CP000001`, ... */
export function chargepointId(i: number): string {
  return `CP${String(i).padStart(6, '0')}`;
}

/** Every charge point on one CSMS base URL (`ws://127.0.0.1:port/`). */
export function singleAddress(baseUrl: string): (i: number) => Target {
  return (i) => {
    const id = chargepointId(i);
    return { url: baseUrl + id, id };
  };
}

/** Run `task(i)` for i in [0, count) with at most `limit` running at once. */
export async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Open one charge point (strict validation both ways, sub-ms round-trip clock). */
export function connectOne(target: Target, timeoutMs: number): Promise<Chargepoint> {
  return connect(target.url, target.id, undefined, { scheduler: hiResScheduler, responseTimeoutMs: timeoutMs, validation: { inbound: 'strict', outbound: 'strict' } });
}

/** A set of connected charge points. */
export class Fleet {
  /** The connected charge points (failed connects are left out). */
  readonly chargepoints: Chargepoint[] = [];

  /** @param options See {@link FleetOptions}. */
  constructor(private readonly options: FleetOptions) {}

  /**
   * Connect charge points 0..n-1, at most `concurrency` handshakes at a time. Failures are
   * counted, not thrown.
   * @returns Wall time of the phase in ms.
   */
  async connect(n: number, failures: Failures, progress: Progress, shouldStop: () => boolean = () => false): Promise<number> {
    const slots: (Chargepoint | undefined)[] = new Array(n);
    let done = 0;
    progress.start('connecting', n, 'charge points');
    const t0 = performance.now();
    await pool(n, this.options.concurrency, async (i) => {
      if (shouldStop()) return;
      try {
        slots[i] = await connectOne(this.options.targetFor(i), this.options.timeoutMs);
      } catch (err) {
        failures.add('connect', err);
      }
      progress.update(++done);
    });
    const wall = performance.now() - t0;
    progress.end();
    for (const cp of slots) if (cp) this.chargepoints.push(cp);
    return wall;
  }

  /** Close every connection (normal closure) and forget them. */
  async close(progress: Progress): Promise<void> {
    const cps = this.chargepoints.splice(0);
    let done = 0;
    progress.start('closing', cps.length, 'charge points');
    await pool(cps.length, Math.max(this.options.concurrency, 1000), async (i) => {
      await cps[i]!.close();
      progress.update(++done);
    });
    progress.end();
  }
}
