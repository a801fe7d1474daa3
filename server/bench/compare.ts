/**
 * `--compare`: run the same bench with the ocpp-rpc client fleet (`--impl ocpp-rpc`) in a
 * process of its own, so each fleet's memory is measured from a fresh baseline, against a fresh
 * mock CSMS with the same settings; then put the figures side by side with their ratio.
 * @module
 */
import { spawn } from 'node:child_process';
import type { Metric } from './report';

/** Figures compared, and whether more is better. */
const COMPARED: [key: string, label: string, unit: string, higherIsBetter: boolean][] = [
  ['connectRate', 'connect rate', 'conn/s', true],
  ['bootP50Ms', 'boot round trip p50', 'ms', false],
  ['bootP99Ms', 'boot round trip p99', 'ms', false],
  ['idleRssPerChargepointKB', 'RSS per idle connected charge point', 'KB', false],
  ['callsPerSecond', 'round-trip calls/s', 'calls/s', true],
  ['rttP50Ms', 'round trip p50', 'ms', false],
  ['rttP99Ms', 'round trip p99', 'ms', false],
  ['simCpuPerCallUs', 'client CPU per call', 'µs', false],
];

/** One compared figure. */
export interface ComparisonRow {
  /** Metric key. */
  key: string;
  /** Label. */
  label: string;
  /** Unit. */
  unit: string;
  /** Ours. */
  ocppSim: number | null;
  /** ocpp-rpc's. */
  ocppRpc: number | null;
  /** How many times better ours is (>1: better), whichever direction is better. */
  advantage: number | null;
}

/** Run the bench with `--impl ocpp-rpc --json`; resolves with its metrics (throws on failure). */
export function runRpcBench(argv: string[]): Promise<Record<string, number | string | null>> {
  return runBenchJson(argv, ['--impl', 'ocpp-rpc'], 'the ocpp-rpc run');
}

/**
 * Run the bench again in a process of its own, with the same flags (less the ones that start
 * second runs or shape the table) plus `extra`, and `--json`; resolves with its metrics.
 * @param argv This run's flags.
 * @param extra Flags of the second run.
 * @param what The second run, for the error.
 */
export function runBenchJson(argv: string[], extra: string[], what: string): Promise<Record<string, number | string | null>> {
  const own = new Set(['--compare', '--metrics-cost', '--json', '--by-action']);
  const args = [__filename.replace(/compare\.js$/, 'bench.js'), ...argv.filter((a) => !own.has(a)), ...extra, '--json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        const parsed = JSON.parse(out) as { metrics: Record<string, number | string | null> };
        resolve(parsed.metrics);
      } catch {
        reject(new Error(`${what} exited ${code} without a JSON result`));
      }
    });
  });
}

/** Side-by-side rows from our rows and ocpp-rpc's metrics. */
export function compareRows(ours: Metric[], theirs: Record<string, number | string | null>): ComparisonRow[] {
  const mine = new Map(ours.map((m) => [m.key, m.value]));
  const out: ComparisonRow[] = [];
  for (const [key, label, unit, higher] of COMPARED) {
    const a = mine.get(key);
    const b = theirs[key];
    if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0) continue;
    out.push({ key, label, unit, ocppSim: a, ocppRpc: b, advantage: higher ? a / b : b / a });
  }
  return out;
}

/** The comparison as a text table. */
export function formatComparison(rows: ComparisonRow[]): string {
  const fmt = (v: number | null, d = 1): string => (v === null ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const w = Math.max(...rows.map((r) => r.label.length), 6);
  const lines = ['', 'ocpp-sim vs ocpp-rpc (strictMode) on the same work and mock CSMS', '', `${'metric'.padEnd(w)}  ${'ocpp-sim'.padStart(10)}  ${'ocpp-rpc'.padStart(10)}  unit     ocpp-sim better by`];
  for (const r of rows) lines.push(`${r.label.padEnd(w)}  ${fmt(r.ocppSim).padStart(10)}  ${fmt(r.ocppRpc).padStart(10)}  ${r.unit.padEnd(7)}  ${r.advantage === null ? 'n/a' : `${fmt(r.advantage, 2)}×`}`);
  return lines.join('\n');
}
