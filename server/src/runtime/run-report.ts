/**
 * `--report FILE` for charge-point runs (a script or a `--cps` fleet) and `ocpp-sim report merge`:
 * a JSON file with each charge point's result, call counts by action and outcome, failed handlers,
 * and round trips as a fixed-bucket histogram with percentiles read from it. Fixed buckets make
 * shard reports add up exactly: a merged report is the sum of its parts.
 * @module
 */
import fs from 'node:fs';
import type { AnyStation } from '../chargepoint/connect';

/** Upper bounds of the round-trip buckets, ms (the last bucket is everything above). */
export const RTT_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** Calls of one action by outcome. */
export type CallCounts = Record<string, { result: number; error: number; timeout: number }>;

/** One charge point in a report. */
export interface ChargePointResult {
  /** Identity. */
  id: string;
  /** The OCPP version it spoke (`ocpp1.6`, `ocpp2.0.1`). */
  protocol?: string;
  /** How long it ran, s: from its start to its last disconnection, or to the report while connected. */
  seconds?: number;
  /** Whether it was connected when the report was written. */
  connected: boolean;
  /** How often its socket opened during the run (0: it never reached the CSMS). */
  connections?: number;
  /** Its last BootNotification answer, if any. */
  boot?: string;
  /** Calls it sent. */
  calls: CallCounts;
  /** Handlers that failed, as `ACTION: message` (with the script's file:line when the error came from it). */
  failures: string[];
}

/** A run's report (also a merged one). */
export interface RunReport {
  /** Format marker. */
  kind: 'ocpp-sim-run';
  /** Charge points, by id order. */
  chargePoints: ChargePointResult[];
  /** All charge points' calls. */
  calls: CallCounts;
  /** Failed handlers, all charge points. */
  failures: number;
  /** Per OCPP version (a mixed fleet's shares): charge points, of them connected, and their failed handlers. */
  byProtocol: Record<string, { chargePoints: number; connected: number; failures: number }>;
  /** Round trips: counts per {@link RTT_BUCKETS_MS} bucket, plus one for above the last. */
  rttBucketsMs: number[];
  /** Percentiles read from the buckets (the bucket's upper bound, ms; null when there were no calls). */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null };
  /** With `--with-csms`: the CSMS's conformance findings by charge point. */
  csmsFindings?: Record<string, unknown[]>;
}

/** Records a run's charge points for `--report` (installed only when asked for). */
export class RunRecorder {
  private readonly stations = new Map<AnyStation, { result: ChargePointResult; since: number; closedAt?: number }>();
  private readonly buckets = new Array<number>(RTT_BUCKETS_MS.length + 1).fill(0);

  /**
   * Record a station's calls and failures from now on.
   * @param cp The station.
   * @param describe One line for a failed handler's error (e.g. pointing into the script).
   */
  watch(cp: AnyStation, describe: (err: unknown) => string = (err) => (err instanceof Error ? err.message : String(err))): void {
    const entry: ChargePointResult = { id: cp.id, protocol: cp.endpoint.protocol.subprotocol, connected: false, connections: 0, calls: {}, failures: [] };
    const times: { result: ChargePointResult; since: number; closedAt?: number } = { result: entry, since: performance.now() };
    this.stations.set(cp, times);
    const count = (action: string, outcome: 'result' | 'error' | 'timeout'): void => {
      (entry.calls[action] ??= { result: 0, error: 0, timeout: 0 })[outcome]++;
    };
    cp.on('boot', (status: string) => (entry.boot = status));
    cp.on('open', () => entry.connections!++);
    cp.on('close', () => (times.closedAt = performance.now()));
    cp.on('handlerError', (err: unknown, req: { action: string }) => entry.failures.push(`${req.action}: ${describe(err)}`));
    cp.endpoint.on('response', (action: string, ms: number, outcome: 'result' | 'error') => {
      count(action, outcome);
      const i = RTT_BUCKETS_MS.findIndex((upper) => ms <= upper);
      this.buckets[i < 0 ? RTT_BUCKETS_MS.length : i]!++;
    });
    cp.endpoint.on('timeout', (action: string) => count(action, 'timeout'));
  }

  /** The report as of now. @param csmsFindings The embedded CSMS's findings, with `--with-csms`. */
  report(csmsFindings?: Record<string, unknown[]>): RunReport {
    const now = performance.now();
    const chargePoints = [...this.stations].map(([cp, t]) => ({
      ...t.result,
      connected: cp.connected,
      seconds: Math.round(((cp.connected || t.closedAt === undefined ? now : t.closedAt) - t.since)) / 1000,
    }));
    return finish(chargePoints, this.buckets, csmsFindings);
  }
}

/**
 * A report of charge points recorded elsewhere (the mock CSMS's view of its stations): no round trips.
 * @param chargePoints The charge points.
 * @param csmsFindings The CSMS's findings by charge point.
 */
export function reportOf(chargePoints: ChargePointResult[], csmsFindings?: Record<string, unknown[]>): RunReport {
  return finish(chargePoints, new Array<number>(RTT_BUCKETS_MS.length + 1).fill(0), csmsFindings);
}

function finish(chargePoints: ChargePointResult[], rttBucketsMs: number[], csmsFindings?: Record<string, unknown[]>): RunReport {
  chargePoints.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const calls: CallCounts = {};
  for (const cp of chargePoints) addCalls(calls, cp.calls);
  const failures = chargePoints.reduce((n, cp) => n + cp.failures.length, 0);
  const byProtocol: RunReport['byProtocol'] = {};
  for (const cp of chargePoints) {
    const v = (byProtocol[cp.protocol ?? 'unknown'] ??= { chargePoints: 0, connected: 0, failures: 0 });
    v.chargePoints++;
    if (cp.connected) v.connected++;
    v.failures += cp.failures.length;
  }
  const report: RunReport = { kind: 'ocpp-sim-run', chargePoints, calls, failures, byProtocol, rttBucketsMs, latencyMs: { p50: percentile(rttBucketsMs, 0.5), p90: percentile(rttBucketsMs, 0.9), p99: percentile(rttBucketsMs, 0.99) } };
  if (csmsFindings) report.csmsFindings = csmsFindings;
  return report;
}

function addCalls(into: CallCounts, from: CallCounts): void {
  for (const [action, c] of Object.entries(from)) {
    const t = (into[action] ??= { result: 0, error: 0, timeout: 0 });
    t.result += c.result;
    t.error += c.error;
    t.timeout += c.timeout;
  }
}

/** The upper bound (ms) of the bucket holding quantile `q`; null when it falls above the last bound or nothing was timed. */
function percentile(buckets: number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= q * total) return RTT_BUCKETS_MS[i] ?? null;
  }
  return null;
}

/**
 * Combine shard reports into one: charge points side by side, counts and buckets added.
 * @param reports The parts.
 * @returns Their sum.
 */
export function mergeReports(reports: RunReport[]): RunReport {
  const buckets = new Array<number>(RTT_BUCKETS_MS.length + 1).fill(0);
  const findings: Record<string, unknown[]> = {};
  let anyFindings = false;
  for (const r of reports) {
    r.rttBucketsMs.forEach((n, i) => (buckets[i]! += n));
    if (r.csmsFindings) {
      anyFindings = true;
      for (const [id, list] of Object.entries(r.csmsFindings)) (findings[id] ??= []).push(...list);
    }
  }
  return finish(reports.flatMap((r) => r.chargePoints), buckets, anyFindings ? findings : undefined);
}

/**
 * `ocpp-sim report merge A.json B.json … -o OUT.json`: exit 0, or 2 with one line on bad usage or input.
 * @param argv The words after `report`.
 */
export function reportCommand(argv: string[]): number {
  const out = argv.indexOf('-o');
  const files = argv.filter((_, i) => i !== 0 && i !== out && i !== out + 1);
  if (argv[0] !== 'merge' || out < 0 || argv[out + 1] === undefined || files.length === 0) {
    process.stderr.write('usage: ocpp-sim report merge shard-*.json -o merged.json\n');
    return 2;
  }
  const parts: RunReport[] = [];
  for (const file of files) {
    try {
      const part = JSON.parse(fs.readFileSync(file, 'utf8')) as RunReport;
      if (part.kind !== 'ocpp-sim-run') throw new Error('not an ocpp-sim run report');
      parts.push(part);
    } catch (err) {
      process.stderr.write(`error: ${file}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  fs.writeFileSync(argv[out + 1]!, `${JSON.stringify(mergeReports(parts), null, 2)}\n`);
  process.stderr.write(`merged ${parts.length} report(s) into ${argv[out + 1]}\n`);
  return 0;
}
