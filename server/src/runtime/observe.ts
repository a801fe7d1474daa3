/**
 * What the runtime shows of every station a run opens (a script's, a `--cps` fleet's, a fleet
 * worker's): connection lines, warnings, frames when asked for, and the handlers that failed. A
 * failed handler (a script's handler threw, or its answer was refused by validation) is an error
 * line at once and, in a batch run, counts against the exit code and shows in the final line.
 * @module
 */
import type { AnyStation } from '../chargepoint/connect';
import type { FrameEvent, InboundCall } from '../ocpp/endpoint';
import type { Log } from './log';

/** Handler failures of a run. */
export class HandlerFailures {
  /** How many handlers failed. */
  count = 0;
  /** The first few, as `CP001 SignCertificate`, for the final line. */
  readonly firstFew: string[] = [];

  /** Count one. @param what `CP001 ExtendedTriggerMessage` */
  add(what: string): void {
    if (++this.count <= 3) this.firstFew.push(what);
  }

  /** Add another thread's count (a fleet worker's). @param other Its failures, structured-cloned. */
  merge(other: { count: number; firstFew: readonly string[] }): void {
    for (const what of other.firstFew.slice(0, 3 - this.firstFew.length)) this.firstFew.push(what);
    this.count += other.count;
  }

  /** `2 handlers failed (CP001 Reset, CP002 Reset)`, or undefined when none did. */
  summary(): string | undefined {
    if (this.count === 0) return undefined;
    const more = this.count > this.firstFew.length ? ', …' : '';
    return `${this.count} handler${this.count === 1 ? '' : 's'} failed (${this.firstFew.join(', ')}${more})`;
  }
}

/** Charge points started, and of them not connected at the first attempt, per OCPP version. */
export type VersionCounts = Record<string, { started: number; failed: number }>;

/** A fleet's {@link VersionCounts} (the summary line of a mixed fleet). */
export class VersionTally {
  /** The counts so far. */
  readonly counts: VersionCounts = {};

  /** Count a station's first connection attempt. @param cp The station. @param connected Whether it connected. */
  add(cp: AnyStation, connected: boolean): void {
    const c = (this.counts[cp.endpoint.protocol.subprotocol] ??= { started: 0, failed: 0 });
    c.started++;
    if (!connected) c.failed++;
  }

  /** Add another thread's counts (a fleet worker's). @param other Its counts, structured-cloned. */
  merge(other: VersionCounts): void {
    for (const [version, c] of Object.entries(other)) {
      const mine = (this.counts[version] ??= { started: 0, failed: 0 });
      mine.started += c.started;
      mine.failed += c.failed;
    }
  }

  /** ` (ocpp1.6: 5 of 5, ocpp2.0.1: 4 of 5)` when the fleet holds more than one version, else empty. */
  hint(): string {
    const versions = Object.keys(this.counts).sort();
    if (versions.length < 2) return '';
    return ` (${versions.map((v) => `${v}: ${this.counts[v]!.started - this.counts[v]!.failed} of ${this.counts[v]!.started}`).join(', ')})`;
  }
}

/**
 * Show a station's events on `log` and count its failed handlers.
 * @param log The run's log.
 * @param cp The station.
 * @param failures Where failed handlers are counted.
 * @param describe One line for a handler's error (e.g. pointing into the script).
 */
export function observeStation(log: Log, cp: AnyStation, failures: HandlerFailures, describe: (err: unknown) => string = String): void {
  if (log.enabled('ocpp:cp')) {
    cp.on('open', () => log.line('ocpp:cp', `${cp.id} connected to ${cp.url}`));
    cp.on('close', (code: number) => log.line('ocpp:cp', `${cp.id} disconnected (${code})`));
  }
  cp.on('warning', (line: string) => log.warn(`${cp.id}: ${line}`));
  cp.on('handlerError', (err: unknown, req: InboundCall) => {
    failures.add(`${cp.id} ${req.action}`);
    log.error(`${cp.id}: handler for ${req.action} (${req.uniqueId}) failed: ${describe(err)}`);
  });
  if (log.enabled('ocpp:frame')) cp.on('frame', (e: FrameEvent) => log.frame('ocpp:frame', cp.id, e));
  if (log.enabled('debug:rtt')) cp.endpoint.on('response', (action: string, ms: number) => log.line('debug:rtt', `${cp.id} ${action} ${ms} ms`));
}
