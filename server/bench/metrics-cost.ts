/**
 * `--metrics-cost`: what `--metrics-port` costs. The bench runs its scenario with metrics off
 * (this process), then the same run with them on (`--metrics`, in a process of its own against
 * a fresh mock CSMS, so its memory is measured from a fresh baseline), and prints the figures
 * side by side. With metrics on, every charge point of the fleet is counted as the CLI counts it
 * (runtime/metrics.ts) and the endpoint is scraped over HTTP once a second, far more often than
 * Prometheus does, so the scrape's cost is in the figures.
 * @module
 */
import type { AddressInfo } from 'node:net';
import type { AnyStation } from '../src/chargepoint/connect';
import { StationMetrics, processRegistry, serveMetrics } from '../src/runtime/metrics';
import type { Metric } from './report';

/** How often the bench scrapes (ms). */
const SCRAPE_EVERY_MS = 1000;

/** Figures put side by side: key, label, unit, decimals. */
const FIGURES: [key: string, label: string, unit: string, decimals: number][] = [
  ['connected', 'charge points connected', '', 0],
  ['callsPerSecond', 'round-trip calls/s', 'calls/s', 0],
  ['idleRssPerChargepointKB', 'RSS per idle connected charge point', 'KB', 1],
  ['rssIdleMB', 'simulator RSS, all connected and idle', 'MB', 1],
  ['simCpuPerCallUs', 'simulator CPU per call', 'µs', 1],
  ['rttP50Ms', 'round trip p50', 'ms', 2],
  ['rttP99Ms', 'round trip p99', 'ms', 2],
  ['metricsScrapes', 'scrapes of /metrics', '', 0],
  // Other work on the machine skews both runs' figures (CPU per call least): say how busy it was.
  ['loadAverage', 'load average at start (1 min)', '', 2],
];

/** Metrics on for a bench run: the run's registry served on a free port and scraped once a second. */
export class BenchMetrics {
  private scraping: NodeJS.Timeout | undefined;
  /** Scrapes answered so far. */
  scrapes = 0;

  private constructor(
    private readonly stations: StationMetrics,
    private readonly server: Awaited<ReturnType<typeof serveMetrics>>,
  ) {}

  /** Serve on 127.0.0.1 (a free port) and start scraping. */
  static async start(): Promise<BenchMetrics> {
    const stations = new StationMetrics(processRegistry());
    const metrics = new BenchMetrics(stations, await serveMetrics(stations.registry, '127.0.0.1', 0));
    const url = `http://127.0.0.1:${(metrics.server.address() as AddressInfo).port}/metrics`;
    metrics.scraping = setInterval(() => {
      void fetch(url).then(async (res) => {
        await res.text();
        if (res.ok) metrics.scrapes++;
      }, () => undefined);
    }, SCRAPE_EVERY_MS);
    return metrics;
  }

  /** Count a charge point (the fleet's `observe` hook). @param cp The charge point. */
  watch(cp: AnyStation): void {
    this.stations.watch(cp);
  }

  /** Stop scraping and serving. */
  async stop(): Promise<void> {
    clearInterval(this.scraping);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The off and on figures as a table.
 * @param off This run's rows (metrics off).
 * @param on The `--metrics` run's metrics (JSON).
 */
export function formatMetricsCost(off: Metric[], on: Record<string, number | string | null>): string {
  const mine = new Map(off.map((m) => [m.key, m.value]));
  const fmt = (v: unknown, d: number): string => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
  const w = Math.max(...FIGURES.map(([, label]) => label.length));
  const lines = ['', 'metrics off vs on (--metrics-port: every charge point counted, /metrics scraped once a second)', '', `${'metric'.padEnd(w)}  ${'off'.padStart(10)}  ${'on'.padStart(10)}  unit     on vs off`];
  for (const [key, label, unit, d] of FIGURES) {
    const a = key === 'metricsScrapes' ? 0 : mine.get(key);
    const b = on[key];
    // Counts and the load are context, not a cost: no change shown.
    const change = unit !== '' && typeof a === 'number' && typeof b === 'number' && a > 0 && Number.isFinite(a) && Number.isFinite(b) ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %` : '';
    lines.push(`${label.padEnd(w)}  ${fmt(a, d).padStart(10)}  ${fmt(b, d).padStart(10)}  ${unit.padEnd(7)}  ${change}`);
  }
  return lines.join('\n');
}
