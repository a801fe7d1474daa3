/**
 * `npm run bench`: N simulated charge points against the mock CSMS in a separate process.
 *
 * Phases: warm-up (one charge point runs a session, so schemas are compiled and code is hot
 * before anything is measured) → baseline memory after forced GC → connect N with bounded
 * concurrency (connect rate) → memory after forced GC with all idle and connected (RSS per
 * charge point) → the scenario's call phase (calls/s, round-trip percentiles from the
 * endpoints' `response` events, CPU of both processes) → close everything and stop the CSMS.
 *
 * Needs `--expose-gc`; without it the file re-runs itself with the flag.
 * @module
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CsmsProcess } from './csms-handle';
import { Fleet, type FleetOptions, connectOne, pool, singleAddress } from './fleet';
import { RPC_SCENARIOS, RpcFleet } from './rpc-fleet';
import { startLatency } from './start-latency';
import { type ComparisonRow, compareRows, formatComparison, runBenchJson, runRpcBench } from './compare';
import { BenchMetrics, formatMetricsCost } from './metrics-cost';
import type { CsmsStats } from './ipc';
import { type BenchOptions, UsageError, helpText, parseOptions } from './options';
import { PhaseProfiler } from './profiler';
import { Progress } from './progress';
import { type Metric, formatTable, metricsJson, section, withinBudget } from './report';
import { SCENARIOS, type Scenario, chargingSession } from './scenarios';
import { Failures, type LatencySummary, RoundTrips } from './stats';
import { type MemorySample, cpuDescription, ephemeralPortCount, openFileCount, openFileLimit, settledMemory } from './system';

/** Design budgets (issue acceptance). */
const BUDGET_RSS_PER_CP_KB = 20;
const BUDGET_CALLS_PER_S = 10_000;
/** File descriptors kept free for Node itself, stdio, IPC, DNS... */
const FD_SLACK = 32;
/** Warm-up before measuring: this many charge points run this many sessions each. */
const WARMUP_CHARGEPOINTS = 20;
const WARMUP_SESSIONS = 25;

const KB = 1024;
const MB = 1024 * 1024;

/** Open files a run of N needs. */
function filesNeeded(n: number): number {
  return n + WARMUP_CHARGEPOINTS + (openFileCount() ?? 32) + FD_SLACK;
}

/**
 * Re-run this file with `--expose-gc` and pass its exit status through. When the open-file
 * limit is below what N needs, the child runs under `sh -c 'ulimit -n …'` (works as root or
 * below the hard limit; otherwise the child's preflight says what to do).
 */
function reexecWithGc(n: number): Promise<number> {
  const args = [...process.execArgv, '--expose-gc', __filename, ...process.argv.slice(2)];
  const limit = openFileLimit();
  const wanted = Math.ceil((filesNeeded(n) + 1000) / 1024) * 1024;
  const raise = limit !== undefined && filesNeeded(n) > limit;
  const child = raise
    ? spawn('sh', ['-c', `ulimit -n ${wanted} 2>/dev/null; exec "$0" "$@"`, process.execPath, ...args], { stdio: 'inherit' })
    : spawn(process.execPath, args, { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; a kill aimed at us is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve) => {
    child.once('error', (err) => {
      console.error(`bench: cannot re-run node with --expose-gc: ${err.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
}

/** Refuse runs the machine cannot carry; one line on stderr, or undefined when fine. */
function preflight(n: number): string | undefined {
  const limit = openFileLimit();
  const needed = filesNeeded(n);
  if (limit !== undefined && needed > limit) {
    return [
      `bench: ${n} charge points need about ${needed} open files in this process (and the mock CSMS as many in its own), but the limit is ${limit}.`,
      `  Raise it, e.g. 'ulimit -n ${Math.ceil((needed + 1000) / 1024) * 1024}' in this shell (the bench already tried; Node lifts its soft limit to the hard one).`,
      `  Above the hard limit ('ulimit -Hn') that needs root with CAP_SYS_RESOURCE, or a container started with e.g. 'docker run --ulimit nofile=1048576'.`,
      `  Or lower -n below about ${limit - (needed - n)}.`,
    ].join('\n');
  }
  return undefined;
}

function memoryRows(prefix: string, label: string, before: MemorySample, after: MemorySample, n: number, budget: boolean): Metric[] {
  const per = (a: number, b: number): number => (n > 0 ? (a - b) / n / KB : NaN);
  return [
    {
      key: `${prefix}RssPerChargepointKB`,
      label: `RSS per ${label}`,
      value: per(after.rss, before.rss),
      unit: 'KB',
      decimals: 1,
      ...(budget ? { budget: { kind: 'max' as const, limit: BUDGET_RSS_PER_CP_KB } } : {}),
    },
    { key: `${prefix}HeapPerChargepointKB`, label: `  of which V8 heap (heapUsed)`, value: per(after.heapUsed, before.heapUsed), unit: 'KB', decimals: 1 },
    { key: `${prefix}ExternalPerChargepointKB`, label: `  of which external (buffers)`, value: per(after.external, before.external), unit: 'KB', decimals: 1 },
  ];
}

function latencyRows(prefix: string, label: string, s: LatencySummary): Metric[] {
  return [
    { key: `${prefix}P50Ms`, label: `${label} p50`, value: s.p50, unit: 'ms', decimals: 2 },
    { key: `${prefix}P90Ms`, label: `${label} p90`, value: s.p90, unit: 'ms', decimals: 2 },
    { key: `${prefix}P99Ms`, label: `${label} p99`, value: s.p99, unit: 'ms', decimals: 2 },
    { key: `${prefix}MaxMs`, label: `${label} max`, value: s.max, unit: 'ms', decimals: 2 },
  ];
}

/** `WARMUP_CHARGEPOINTS` extra charge points run `sessions` sessions each, then disconnect. */
async function warmUp(baseUrl: string, prefix: string, sessions: number, timeoutMs: number, failures: Failures, progress: Progress, interrupted: () => boolean, protocol: BenchOptions['protocol']): Promise<void> {
  progress.log(`warm-up: ${WARMUP_CHARGEPOINTS} charge points run ${sessions} session(s) each…`);
  await pool(WARMUP_CHARGEPOINTS, WARMUP_CHARGEPOINTS, async (k) => {
    const id = `${prefix}${k}`;
    const cp = await connectOne({ url: baseUrl + id, id }, timeoutMs, protocol === 'ocpp2.0.1' ? { protocol } : undefined);
    for (let i = 0; i < sessions && !interrupted(); i++) await chargingSession(cp, failures, id);
    await cp.close();
  });
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** The fleet under test, whichever implementation: connect, run the call phase, close. */
interface Driver {
  /** Connect (and, for auto fleets, boot) N; wall time in ms. */
  connect(): Promise<number>;
  /** Connected so far. */
  readonly connected: number;
  /** The measured call phase; round trips go into `trips`. */
  callPhase(trips: RoundTrips): Promise<Metric[]>;
  /** Close everything. */
  close(): Promise<void>;
}

/** Sockets per source address: the ephemeral port range less slack for everything else. */
function socketsPerAddress(options: BenchOptions): number {
  return options.perAddress ?? Math.max(1000, (ephemeralPortCount() ?? 28_232) - 2000);
}

/** The fleet's version: `{protocol}` for 2.0.1, a share per version for a mix (1.6 needs nothing). */
function versionOptions(o: BenchOptions): FleetOptions['chargepoint'] {
  if (o.mix) return { mix: o.mix.map((s) => ({ weight: s.weight, options: s.protocol === 'ocpp2.0.1' ? { protocol: s.protocol } : {} })) };
  return o.protocol === 'ocpp2.0.1' ? { protocol: o.protocol } : undefined;
}

function ourDriver(options: BenchOptions, scenario: Scenario, baseUrl: string, failures: Failures, progress: Progress, interrupted: () => boolean, connectTrips: RoundTrips, metrics?: BenchMetrics): Driver {
  const fleet = new Fleet({
    targetFor: singleAddress(baseUrl),
    mode: scenario.fleet,
    baseUrl,
    perAddress: socketsPerAddress(options),
    chargepoint: scenario.chargepoint?.(options) ?? versionOptions(options),
    concurrency: scenario.concurrency?.(options) ?? options.concurrency,
    timeoutMs: options.timeoutMs,
    observe: (cp) => {
      metrics?.watch(cp);
      cp.endpoint.on('response', connectTrips.listener);
    },
  });
  return {
    connect: async () => {
      const ms = await fleet.connect(options.n, failures, progress, interrupted);
      for (const cp of fleet.chargepoints) cp.endpoint.off('response', connectTrips.listener);
      return ms;
    },
    get connected() {
      return fleet.chargepoints.length;
    },
    callPhase: async (trips) => {
      for (const cp of fleet.chargepoints) cp.endpoint.on('response', trips.listener);
      try {
        return await scenario.run({ chargepoints: fleet.chargepoints, options, failures, stopped: interrupted, log: (l) => progress.log(l) });
      } finally {
        for (const cp of fleet.chargepoints) cp.endpoint.off('response', trips.listener);
      }
    },
    close: () => fleet.close(progress),
  };
}

function rpcDriver(options: BenchOptions, scenario: Scenario, baseUrl: string, failures: Failures, progress: Progress, interrupted: () => boolean, connectTrips: RoundTrips): Driver {
  const fleet = new RpcFleet({ baseUrl, concurrency: scenario.concurrency?.(options) ?? options.concurrency, timeoutMs: options.timeoutMs, perAddress: socketsPerAddress(options) });
  return {
    connect: () => fleet.connect(options.n, failures, progress, connectTrips),
    get connected() {
      return fleet.clients.length;
    },
    callPhase: async (trips) => {
      const end = performance.now() + options.seconds * 1000;
      if (scenario.name === 'throughput') await fleet.heartbeats(end, failures, trips, interrupted);
      else while (performance.now() < end && !interrupted()) await new Promise((r) => setTimeout(r, 250));
      return [{ key: 'durationS', label: 'requested duration', value: options.seconds, unit: 's', decimals: 1 }];
    },
    close: () => fleet.close(progress),
  };
}

async function run(options: BenchOptions, scenario: Scenario, progress: Progress, interrupted: () => boolean, onCsms: (c: CsmsProcess) => void): Promise<{ rows: Metric[]; failures: Failures; byAction: Map<string, LatencySummary> }> {
  const failures = new Failures();
  // Other work on the machine skews every figure but CPU per call: make it visible.
  const loadAtStart = os.loadavg()[0]!;
  progress.log(`starting the mock CSMS process…`);
  const csms = await CsmsProcess.start([], [String(options.heartbeatS), options.mix ? options.mix.map((s) => s.protocol).join(',') : options.protocol]);
  onCsms(csms);
  progress.log(`mock CSMS (pid ${csms.pid}) listens on ${csms.url}`);
  const connectTrips = new RoundTrips();
  // Loaded before the memory baseline: prom-client is a fixed cost, the figures are per charge point.
  const metrics = options.metrics ? await BenchMetrics.start() : undefined;
  const driver = (options.impl === 'ocpp-rpc' ? rpcDriver : ourDriver)(options, scenario, csms.url, failures, progress, interrupted, connectTrips, metrics);
  const rows: Metric[] = [];
  const roundTrips = new RoundTrips();
  try {
    // Warm-up 1, before the memory baseline: compile every schema and run the connect path,
    // so the baseline holds the process's fixed costs but no large garbage-filled heap.
    await warmUp(csms.url, 'WARMUP-A', 1, options.timeoutMs, failures, progress, interrupted, options.protocol);

    const base = await settledMemory();
    const csmsBase = await csms.stats(true);

    // Phase 1: connect (and boot, for auto fleets).
    const failedBeforeConnect = failures.count;
    const connectCpu0 = process.cpuUsage();
    const connectMs = await driver.connect();
    const connectCpuMs = cpuMs(process.cpuUsage(connectCpu0));
    const failedConnects = failures.count - failedBeforeConnect;
    const connected = driver.connected;
    const boots = connectTrips.byAction().get('BootNotification');

    // Phase 2: memory of idle connected charge points.
    const idle = await settledMemory();
    const csmsIdle = await csms.stats(true);
    progress.log(`idle: RSS ${(idle.rss / MB).toFixed(1)} MB (baseline ${(base.rss / MB).toFixed(1)} MB), CSMS RSS ${csmsIdle ? (csmsIdle.rss / MB).toFixed(1) : '?'} MB`);

    // Warm-up 2, after the memory figures: let V8 optimise the call paths of both processes
    // (a long-running simulator runs optimised code).
    await warmUp(csms.url, 'WARMUP-B', WARMUP_SESSIONS, options.timeoutMs, failures, progress, interrupted, options.protocol);

    // Phase 3: the scenario's calls.
    progress.log(`call phase: scenario '${scenario.name}' on ${connected} charge points…`);
    const profDir = options.cpuProfDir && path.resolve(options.cpuProfDir);
    const stamp = `${scenario.name}-n${options.n}-${new Date().toISOString().replace(/[:.]/g, '')}`;
    let profiler: PhaseProfiler | undefined;
    if (profDir) {
      csms.startProfile();
      profiler = await PhaseProfiler.start();
    }
    const failedBeforeCalls = failures.count;
    const csmsCpu0 = await csms.stats();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ticker = setInterval(() => {
      const s = (performance.now() - t0) / 1000;
      progress.log(`  calls: ${roundTrips.count} in ${s.toFixed(1)} s (${Math.round(roundTrips.count / s)}/s), failures ${failures.count}`);
    }, 1000);
    let extra: Metric[];
    try {
      extra = await driver.callPhase(roundTrips);
    } finally {
      clearInterval(ticker);
    }
    const wallMs = performance.now() - t0;
    const failedCalls = failures.count - failedBeforeCalls;
    const failedWarmUp = failures.count - failedConnects - failedCalls;
    const cpu = process.cpuUsage(cpu0);
    const csmsCpu1 = await csms.stats();
    if (profiler && profDir) {
      const files = [await profiler.stop(profDir, `simulator-${stamp}`), await csms.stopProfile(profDir, `csms-${stamp}`)];
      progress.log(`CPU profiles of the call phase: ${files.filter(Boolean).join(', ')}`);
    }
    progress.log(`call phase: ${roundTrips.count} calls in ${(wallMs / 1000).toFixed(2)} s`);

    const after = await settledMemory();
    const csmsAfter = await csms.stats(true);

    const calls = roundTrips.count;
    const { model, count } = cpuDescription();
    const csmsCpuMs = csmsCpu0 && csmsCpu1 ? cpuMs(csmsCpu1.cpu) - cpuMs(csmsCpu0.cpu) : NaN;
    const simCpuMs = cpuMs(cpu);
    const csmsPer = (s: CsmsStats | undefined, b: CsmsStats | undefined): number => (s && b && connected > 0 ? (s.rss - b.rss) / connected / KB : NaN);
    rows.push(
      section('setup'),
      { key: 'scenario', label: 'scenario', value: scenario.name, unit: '' },
      { key: 'protocol', label: 'OCPP version', value: options.mix ? options.mix.map((s) => `${s.protocol}:${s.weight}`).join(',') : options.protocol, unit: '' },
      ...(failedWarmUp > 0 ? [{ key: 'failedWarmUp', label: 'failures during warm-up (!)', value: failedWarmUp, unit: '' }] : []),
      { key: 'n', label: 'charge points requested (N)', value: options.n, unit: '' },
      { key: 'connected', label: 'charge points connected', value: connected, unit: '' },
      { key: 'node', label: 'node', value: process.version, unit: '' },
      { key: 'cpu', label: 'CPU', value: `${model} × ${count}`, unit: '' },
      { key: 'cpuCount', label: 'logical CPUs', value: count, unit: '' },
      { key: 'loadAverage', label: 'load average at start (1 min)', value: loadAtStart, unit: '', decimals: 2 },

      section('phase 1: connect'),
      { key: 'connectConcurrency', label: 'sockets opening at a time', value: scenario.concurrency?.(options) ?? options.concurrency, unit: '' },
      { key: 'connectWallMs', label: 'connect phase wall time', value: connectMs, unit: 'ms', decimals: 1 },
      { key: 'connectRate', label: 'connect rate', value: connected / (connectMs / 1000), unit: 'conn/s', decimals: 0 },
      { key: 'failedConnects', label: 'failed connects', value: failedConnects, unit: '' },
      { key: 'sourceAddresses', label: 'source addresses 127.0.0.x', value: Math.ceil(options.n / socketsPerAddress(options)), unit: '' },
      { key: 'connectCpuMs', label: 'simulator CPU while connecting', value: connectCpuMs, unit: 'ms', decimals: 0 },
      ...(boots ? [{ key: 'boots', label: 'BootNotifications answered', value: boots.count, unit: '' }, ...latencyRows('boot', 'boot round trip', boots)] : []),

      section('phase 2: memory, all connected and idle (after forced GC)'),
      { key: 'rssBaselineMB', label: 'simulator RSS before connecting', value: base.rss / MB, unit: 'MB', decimals: 1 },
      { key: 'rssIdleMB', label: 'simulator RSS all connected, idle', value: idle.rss / MB, unit: 'MB', decimals: 1 },
      ...memoryRows('idle', 'idle connected charge point', base, idle, connected, options.impl === 'ocpp-sim'),
      { key: 'csmsRssPerConnectionKB', label: 'CSMS RSS per connection', value: csmsPer(csmsIdle, csmsBase), unit: 'KB', decimals: 1 },

      section(`phase 3: calls (${scenario.name})`),
      ...extra,
      { key: 'calls', label: 'round-trip calls completed', value: calls, unit: 'calls' },
      { key: 'failedCalls', label: 'failed calls', value: failedCalls, unit: 'calls' },
      { key: 'callWallMs', label: 'call phase wall time', value: wallMs, unit: 'ms', decimals: 1 },
      { key: 'callsPerSecond', label: 'throughput', value: calls / (wallMs / 1000), unit: 'calls/s', decimals: 0, ...(scenario.name === 'throughput' && options.impl === 'ocpp-sim' ? { budget: { kind: 'min' as const, limit: BUDGET_CALLS_PER_S } } : {}) },
      ...latencyRows('rtt', 'round trip', roundTrips.summary()),
      { key: 'simCpuMs', label: 'simulator CPU (user+system)', value: simCpuMs, unit: 'ms', decimals: 0 },
      { key: 'simCpuPercent', label: 'simulator CPU / wall time', value: (simCpuMs * 100) / wallMs, unit: '% core', decimals: 0 },
      { key: 'simCpuPerCallUs', label: 'simulator CPU per call', value: (simCpuMs * 1000) / calls, unit: 'µs', decimals: 1 },
      { key: 'csmsCpuMs', label: 'CSMS CPU (user+system)', value: csmsCpuMs, unit: 'ms', decimals: 0 },
      { key: 'csmsCpuPercent', label: 'CSMS CPU / wall time', value: (csmsCpuMs * 100) / wallMs, unit: '% core', decimals: 0 },
      { key: 'csmsCpuPerCallUs', label: 'CSMS CPU per call', value: (csmsCpuMs * 1000) / calls, unit: 'µs', decimals: 1 },
      { key: 'csmsWarnings', label: 'CSMS warnings', value: csmsCpu1?.warnings ?? NaN, unit: '' },

      section('after the call phase, idle (after forced GC)'),
      { key: 'rssAfterMB', label: 'simulator RSS', value: after.rss / MB, unit: 'MB', decimals: 1 },
      ...memoryRows('after', 'charge point (vs. baseline)', base, after, connected, false),
      { key: 'csmsRssAfterMB', label: 'CSMS RSS', value: csmsAfter ? csmsAfter.rss / MB : NaN, unit: 'MB', decimals: 1 },
      ...(metrics ? [{ key: 'metricsScrapes', label: 'scrapes of /metrics (metrics on)', value: metrics.scrapes, unit: '' }] : []),
    );
  } finally {
    await metrics?.stop();
    await driver.close();
    progress.log('stopping the mock CSMS…');
    await csms.stop();
  }
  return { rows, failures, byAction: roundTrips.byAction() };
}

async function main(): Promise<number> {
  const catalogue = [...SCENARIOS.values()].map((s): [string, string] => [s.name, s.description]);
  catalogue.push(['start', "./start.sh --cps 1 from spawn to its first frame on a ws server (no CSMS, no N)"]);
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), [...SCENARIOS.keys(), 'start']);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench: ${err.message} (see --help)`);
    return 2;
  }
  if (options.help) {
    console.log(helpText(catalogue));
    return 0;
  }
  if ((options.impl === 'ocpp-rpc' || options.compare) && !RPC_SCENARIOS.includes(options.scenario)) {
    console.error(`bench: the ocpp-rpc fleet runs ${RPC_SCENARIOS.join(', ')} only (it has no charger model)`);
    return 2;
  }
  if (options.scenario === 'start') {
    const rows = await startLatency(10, (l) => process.stderr.write(`[bench] ${l}\n`));
    console.log(options.json ? JSON.stringify(metricsJson(rows), null, 2) : formatTable("ocpp-sim bench: './start.sh --cps 1' to first frame", rows));
    return rows.every(withinBudget) ? 0 : 1;
  }
  if (typeof globalThis.gc !== 'function') return reexecWithGc(options.n);
  const refusal = preflight(options.n);
  if (refusal) {
    console.error(refusal);
    return 2;
  }
  const scenario = SCENARIOS.get(options.scenario)!;
  const progress = new Progress(options.quiet);

  let interrupted = false;
  let csms: CsmsProcess | undefined;
  process.on('SIGINT', () => {
    if (interrupted) {
      csms?.kill();
      process.exit(130);
    }
    interrupted = true;
    progress.log('interrupted: finishing calls in flight and cleaning up (Ctrl-C again to quit at once)');
  });

  const { rows, failures, byAction } = await run(options, scenario, progress, () => interrupted, (c) => (csms = c));
  if (interrupted) return 130;

  if (options.byAction && !options.json) {
    rows.push(section('round trip by action'));
    for (const [action, s] of byAction) {
      rows.push({ key: `rtt.${action}.count`, label: `${action} calls`, value: s.count, unit: 'calls' });
      rows.push({ key: `rtt.${action}.p50Ms`, label: `${action} p50`, value: s.p50, unit: 'ms', decimals: 2 });
      rows.push({ key: `rtt.${action}.p99Ms`, label: `${action} p99`, value: s.p99, unit: 'ms', decimals: 2 });
    }
  }
  let comparison: ComparisonRow[] | undefined;
  if (options.compare) {
    progress.log('compare: the same run with the ocpp-rpc client fleet, in a process of its own…');
    try {
      comparison = compareRows(rows, await runRpcBench(process.argv.slice(2)));
    } catch (err) {
      failures.add('compare', err);
    }
  }
  let metricsOn: Record<string, number | string | null> | undefined;
  if (options.metricsCost) {
    progress.log('metrics cost: the same run with metrics on, in a process of its own…');
    try {
      metricsOn = await runBenchJson(process.argv.slice(2), ['--metrics'], 'the run with metrics on');
    } catch (err) {
      failures.add('metrics-cost', err);
    }
  }
  const failed = failures.count > 0;
  if (options.json) {
    const { metrics, units, budgets } = metricsJson(rows);
    const out = {
      scenario: scenario.name,
      n: options.n,
      node: process.version,
      cpu: cpuDescription(),
      ok: !failed,
      budgetsMet: rows.every(withinBudget),
      metrics,
      units,
      budgets,
      failures: failures.toJSON(),
      byAction: Object.fromEntries(byAction),
      ...(comparison ? { comparison } : {}),
      ...(metricsOn ? { metricsOn } : {}),
    };
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(formatTable(`ocpp-sim bench: scenario '${scenario.name}', N = ${options.n}`, rows));
    if (options.n < 1000) console.log('\nnote: RSS moves in whole pages and heap chunks; per-charge-point memory is only meaningful from about N = 1000.');
    if (failed) {
      console.log('\nfailures');
      for (const [kind, { count, example }] of Object.entries(failures.toJSON())) console.log(`  ${count} × ${kind} (e.g. ${example})`);
    }
  }
  if (comparison && !options.json) console.log(formatComparison(comparison));
  if (metricsOn && !options.json) console.log(formatMetricsCost(rows, metricsOn));
  if (failed) console.error(`bench: ${failures.count} call(s) or connection(s) failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything was closed; if something still holds the loop open, that is a leak: say so.
    setTimeout(() => {
      console.error(`bench: still running after cleanup; open resources: ${process.getActiveResourcesInfo().join(', ')}`);
      process.exit(code || 1);
    }, 5_000).unref();
  },
  (err: unknown) => {
    console.error(`bench: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
