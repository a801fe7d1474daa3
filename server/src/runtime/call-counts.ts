/**
 * Per-action call counts as plain numbers, read by Prometheus at scrape time. prom-client's
 * labelled children build a label-hash string on every `inc()`/`observe()`; counting a call here
 * is a map lookup and a few increments, no allocation after an action's first call. The series
 * are registered as collectors whose `get()` turns the numbers into prom-client's metric objects
 * once per scrape (the same objects `getMetricsAsJSON` gives, so worker threads' counts add up
 * with prom-client's aggregation).
 * @module
 */
import type { Registry } from 'prom-client';

/** How a call ended: a CALLRESULT, a CALLERROR, or no answer in time. */
export type CallOutcome = 'result' | 'error' | 'timeout';

/** Upper bounds (s) of the round-trip histogram's buckets; one more bucket above the last (+Inf). */
export const RTT_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One action's counts. */
class ActionCounts {
  result = 0;
  error = 0;
  timeout = 0;
  /** Round trips per bucket of {@link RTT_BUCKETS_S} (not cumulative; the last: above 30 s). */
  readonly buckets: number[] = new Array<number>(RTT_BUCKETS_S.length + 1).fill(0);
  /** Sum of the round trips (s). */
  sumS = 0;
}

/** One sample of a series, as prom-client's registry reads it. */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Register a series whose samples are read when scraped.
 * @param registry Where.
 * @param name Its name.
 * @param help Its help line.
 * @param type `counter` or `histogram`.
 * @param samples Read at each scrape.
 */
function registerCollected(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]): void {
  const metric = { name, help, type, aggregator: 'sum' as const };
  registry.registerMetric({ ...metric, get: async () => ({ ...metric, values: samples() }), reset: () => undefined } as never);
}

/** Call counts per action: count with {@link CallCounts.count} and {@link CallCounts.roundTrip}, expose with the two `expose` methods. */
export class CallCounts {
  private readonly actions = new Map<string, ActionCounts>();

  private of(action: string): ActionCounts {
    let c = this.actions.get(action);
    if (c === undefined) this.actions.set(action, (c = new ActionCounts()));
    return c;
  }

  /** A call of `action` ended (or was answered) with `outcome`. @param action Its action. @param outcome How. */
  count(action: string, outcome: CallOutcome): void {
    this.of(action)[outcome]++;
  }

  /** An answered call's round trip. @param action Its action. @param ms The round trip (ms). */
  roundTrip(action: string, ms: number): void {
    const c = this.of(action);
    const s = ms / 1000;
    let i = 0;
    while (i < RTT_BUCKETS_S.length && s > RTT_BUCKETS_S[i]!) i++;
    c.buckets[i]!++;
    c.sumS += s;
  }

  /**
   * Serve the counts as counter `name{action,outcome}`.
   * @param registry Where.
   * @param name The series.
   * @param help Its help line.
   * @param outcomes The outcomes it has (a series per action appears once counted).
   */
  exposeOutcomes(registry: Registry, name: string, help: string, outcomes: readonly CallOutcome[]): void {
    registerCollected(registry, name, help, 'counter', () =>
      [...this.actions].flatMap(([action, c]) => outcomes.map((outcome) => ({ value: c[outcome], labels: { action, outcome } }))),
    );
  }

  /**
   * Serve the round trips as histogram `name{action}` (seconds).
   * @param registry Where.
   * @param name The series.
   * @param help Its help line.
   */
  exposeRoundTrips(registry: Registry, name: string, help: string): void {
    registerCollected(registry, name, help, 'histogram', () =>
      [...this.actions].flatMap(([action, c]): Sample[] => {
        let cumulative = 0;
        const buckets = c.buckets.map((n, i) => ({ value: (cumulative += n), labels: { le: i < RTT_BUCKETS_S.length ? RTT_BUCKETS_S[i]! : '+Inf', action }, metricName: `${name}_bucket` }));
        // Timed-out calls have no round trip: a histogram of answered calls only.
        if (cumulative === 0) return [];
        return [...buckets, { value: c.sumS, labels: { action }, metricName: `${name}_sum` }, { value: cumulative, labels: { action }, metricName: `${name}_count` }];
      }),
    );
  }
}
