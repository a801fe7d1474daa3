/**
 * Counting and timing: round-trip samples with percentiles, and a tally of failures.
 * @module
 */
import { OcppError } from '../src/ocpp/errors';

/** Summary of a set of round-trip times (ms). */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Summarise samples (sorts a copy). */
export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/**
 * Every completed round trip: time and action, in flat typed arrays that grow by doubling (no
 * object per sample, so recording does not disturb the memory and GC being measured).
 */
export class RoundTrips {
  private times = new Float64Array(1 << 16);
  private actions = new Uint8Array(1 << 16);
  private readonly actionIds = new Map<string, number>();
  private readonly actionNames: string[] = [];
  /** Samples recorded. */
  count = 0;

  /** The listener to attach to `endpoint.on('response', …)`; one function shared by all. */
  readonly listener = (action: string, ms: number): void => this.record(action, ms);

  /** Record one round trip. */
  record(action: string, ms: number): void {
    if (this.count === this.times.length) {
      const times = new Float64Array(this.times.length * 2);
      times.set(this.times);
      this.times = times;
      const actions = new Uint8Array(this.actions.length * 2);
      actions.set(this.actions);
      this.actions = actions;
    }
    let id = this.actionIds.get(action);
    if (id === undefined) {
      id = this.actionNames.length;
      this.actionIds.set(action, id);
      this.actionNames.push(action);
    }
    this.times[this.count] = ms;
    this.actions[this.count] = id;
    this.count++;
  }

  /** All samples. */
  summary(): LatencySummary {
    return summarize(this.times.subarray(0, this.count));
  }

  /** Samples by action, in order of first appearance. */
  byAction(): Map<string, LatencySummary> {
    const out = new Map<string, LatencySummary>();
    this.actionNames.forEach((name, id) => {
      const picked: number[] = [];
      for (let i = 0; i < this.count; i++) if (this.actions[i] === id) picked.push(this.times[i]!);
      out.set(name, summarize(Float64Array.from(picked)));
    });
    return out;
  }
}

/** Failures by kind, e.g. `BootNotification: OcppCallError NotImplemented`. */
export class Failures {
  /** Total failures. */
  count = 0;
  private readonly kinds = new Map<string, number>();
  private readonly examples = new Map<string, string>();

  /**
   * Count one failure.
   * @param what What failed (an action, `connect`).
   * @param err The error.
   */
  add(what: string, err: unknown): void {
    this.count++;
    const kind = err instanceof OcppError ? `${err.name} ${err.code}` : err instanceof Error ? err.name : 'Error';
    const key = `${what}: ${kind}`;
    this.kinds.set(key, (this.kinds.get(key) ?? 0) + 1);
    if (!this.examples.has(key)) this.examples.set(key, err instanceof Error ? err.message : String(err));
  }

  /** `{ "what: kind": {count, example} }`. */
  toJSON(): Record<string, { count: number; example: string }> {
    const out: Record<string, { count: number; example: string }> = {};
    for (const [key, count] of this.kinds) out[key] = { count, example: this.examples.get(key)! };
    return out;
  }
}
