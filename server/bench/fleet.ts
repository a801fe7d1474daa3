/**
 * The simulated charge points: open N connections with bounded concurrency, and close them.
 * Two ways in: `manual` opens each with `connect()` (the script sends BootNotification), `auto`
 * uses the product's `connectMany` (boot, heartbeats and status by itself), in groups that bind
 * different source addresses 127.0.0.x: Linux hands out ~28k ephemeral ports per (source
 * address, destination address:port), so 50,000 sockets to one CSMS port need two sources.
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { ChargepointOptions } from '../src/chargepoint/chargepoint';
import { connect, connectMany, type AnyStation, type AnyStationOptions, type FleetSettings } from '../src/chargepoint/connect';
import { shareOf } from '../src/chargepoint/fleet-mix';
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
  /** `auto`: connectMany with automatic boot, spread over source addresses; `manual`: connect(). */
  mode?: 'auto' | 'manual';
  /** CSMS base URL (auto mode). */
  baseUrl?: string;
  /** Sockets per source address (auto mode; default: the ephemeral port range less some slack). */
  perAddress?: number;
  /** Further charge-point options, e.g. a profile; with `mix`, each share's (fleet-mix.ts). */
  chargepoint?: AnyStationOptions & Pick<FleetSettings, 'mix'>;
  /** Sees every charge point before its socket opens (attach round-trip listeners here). */
  observe?: (cp: AnyStation) => void;
}

/**
 * Source address of socket `i` when `perAddress` sockets share one: 127.0.0.1, then .2, ...
 * (any 127.0.0.0/8 address is local on Linux).
 */
export function sourceAddress(i: number, perAddress: number): string {
  return `127.0.0.${1 + Math.floor(i / perAddress)}`;
}

/** Resolve once every charge point's boot was answered Accepted (or reject after `timeoutMs`). */
export function whenBooted(cps: readonly AnyStation[], timeoutMs: number): Promise<void> {
  let pending = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pending} charge point(s) not booted after ${timeoutMs} ms`)), timeoutMs);
    const done = (): void => {
      if (--pending === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const cp of cps) {
      if (cp.station.bootState === 'Accepted') continue;
      pending++;
      const onBoot = (status: string): void => {
        if (status !== 'Accepted') return;
        cp.off('boot', onBoot);
        done();
      };
      cp.on('boot', onBoot);
    }
    if (pending === 0) {
      clearTimeout(timer);
      resolve();
    }
  });
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

/** Open one charge point (strict validation both ways, sub-ms round-trip clock; `chargepoint` picks the version). */
export function connectOne(target: Target, timeoutMs: number, chargepoint?: AnyStationOptions): Promise<AnyStation> {
  return connect(target.url, target.id, undefined, { ...(chargepoint as ChargepointOptions), scheduler: hiResScheduler, responseTimeoutMs: timeoutMs, validation: { inbound: 'strict', outbound: 'strict' } });
}

/** A set of connected charge points. */
export class Fleet {
  /** The connected charge points (failed connects are left out). */
  readonly chargepoints: AnyStation[] = [];

  /** @param options See {@link FleetOptions}. */
  constructor(private readonly options: FleetOptions) {}

  /**
   * Connect charge points 0..n-1, at most `concurrency` handshakes at a time. Failures are
   * counted, not thrown.
   * @returns Wall time of the phase in ms.
   */
  async connect(n: number, failures: Failures, progress: Progress, shouldStop: () => boolean = () => false): Promise<number> {
    if (this.options.mode === 'auto') return this.connectAuto(n, failures, progress);
    const slots: (AnyStation | undefined)[] = new Array(n);
    const { mix, ...common } = this.options.chargepoint ?? {};
    // A mixed fleet: charge point i gets its share's options, as connectMany gives them.
    const shareFor = mix && mix.length > 0 ? shareOf(mix) : undefined;
    let done = 0;
    progress.start('connecting', n, 'charge points');
    const t0 = performance.now();
    await pool(n, this.options.concurrency, async (i) => {
      if (shouldStop()) return;
      try {
        slots[i] = await connectOne(this.options.targetFor(i), this.options.timeoutMs, { ...common, ...shareFor?.(i).options } as AnyStationOptions);
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

  private async connectAuto(n: number, failures: Failures, progress: Progress): Promise<number> {
    const o = this.options;
    const per = o.perAddress ?? n;
    progress.start('connecting', n, 'charge points');
    let done = 0;
    const t0 = performance.now();
    for (let first = 0; first < n; first += per) {
      const count = Math.min(per, n - first);
      // The ws options pass through the TLS settings, which is how a socket gets its source address.
      const tls = { localAddress: sourceAddress(first, per) } as ChargepointOptions['tls'];
      const group: AnyStation[] = await connectMany(o.baseUrl!, count, {
        ...(o.chargepoint as ChargepointOptions),
        idPrefix: 'CP',
        firstIndex: first + 1,
        concurrency: o.concurrency,
        scheduler: hiResScheduler,
        responseTimeoutMs: o.timeoutMs,
        validation: { inbound: 'strict', outbound: 'strict' },
        automation: { reconnect: false, ...o.chargepoint?.automation },
        tls: per < n ? tls : undefined,
        observe: o.observe,
        onProgress: (_d, _t, cp, connected) => {
          if (!connected) failures.add('connect', new Error(`${cp.id} did not connect`));
          progress.update(++done);
        },
      });
      for (const cp of group) if (cp.connected) this.chargepoints.push(cp);
    }
    try {
      await whenBooted(this.chargepoints, Math.max(o.timeoutMs, 60_000));
    } catch (err) {
      failures.add('BootNotification', err);
    }
    const wall = performance.now() - t0;
    progress.end();
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
