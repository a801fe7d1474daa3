/**
 * `--cps N --workers W`: the fleet spread over W worker threads, each running its contiguous
 * block of ids with `connectMany` (part w of W of the process's shard, see `shardRange`). The
 * main thread keeps the one log (workers send their lines), prints one combined progress line
 * and summary, and on Ctrl-C tells every worker to close its charge points.
 *
 * With `--metrics-port` each worker counts its own charge points in a registry of its own and
 * answers the main thread's `metrics` request with it as JSON at every scrape (metrics.ts adds
 * the workers' series up); prom-client loads in the workers only then.
 *
 * Each worker has its own V8 heap, compiled schemas and timer heap (about 30 MB of fixed cost),
 * so threads pay off for big fleets only; below {@link WORKER_THRESHOLD} one thread is the default.
 * @module
 */
import os from 'node:os';
import { Writable } from 'node:stream';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type AnyStation, type AnyStationOptions, type FleetSettings, type Shard, connectMany } from '../chargepoint/connect';
import { Log } from './log';
import type { MetricFamilies, StationMetrics } from './metrics';
import { HandlerFailures, VersionTally, observeStation, type VersionCounts } from './observe';
import { RunRecorder, type RunReport } from './run-report';

/** Fleets from this size get one worker per CPU by default. */
export const WORKER_THRESHOLD = 2000;

/** Workers for a fleet of `cps` when `--workers` is not given. */
export function defaultWorkers(cps: number): number {
  return cps < WORKER_THRESHOLD ? 1 : Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** What a fleet worker is told to run (structured-cloned: no functions). */
export interface FleetWorkerData {
  /** Marks a fleet worker. */
  kind: 'ocpp-sim-fleet';
  /** CSMS base URL. */
  url: string;
  /** Charge points of the whole fleet. */
  total: number;
  /** This worker's part of the fleet. */
  shard: Shard;
  /** Id prefix. */
  idPrefix: string;
  /** Charge-point options (cloneable ones only), with a version mix's shares. */
  options: AnyStationOptions & Pick<FleetSettings, 'mix'>;
  /** Log namespaces and `--s`. */
  logPattern: string;
  /** `--s`. */
  silent: boolean;
  /** `--report` or `--junit`: record the worker's charge points and send their report back when closing. */
  record?: boolean;
  /** `--metrics-port`: count the charge points, answer `metrics` requests. */
  metrics?: boolean;
}

/** Worker → main thread. */
type FromWorker =
  | { type: 'out' | 'err'; text: string }
  | { type: 'progress'; done: number; failed: number; total: number }
  | { type: 'ready'; started: number; failed: number; versions: VersionCounts }
  | { type: 'metrics'; families: MetricFamilies }
  | { type: 'closed'; failures: { count: number; firstFew: string[] }; report?: RunReport };

/** Outcome of a worker fleet. */
export interface WorkerFleet {
  /** Charge points started (all workers). */
  started: number;
  /** Of which the first connection failed (they retry with back-off). */
  failed: number;
  /** Both, per OCPP version. */
  versions: VersionTally;
  /**
   * Close every worker's charge points and end the workers.
   * @returns With `record`: each worker's report, taken before it closed its charge points.
   */
  close(): Promise<RunReport[]>;
}

/** Where the main thread writes the workers' lines. */
export interface WorkerOutput {
  /** Namespaced lines (stdout or the `--o` file). */
  out: NodeJS.WritableStream;
  /** Warnings, errors and progress (stderr). */
  err: NodeJS.WritableStream;
  /** Where the workers' failed handlers are added up (reported when they close). */
  failures: HandlerFailures;
  /**
   * With `metrics`: handed at once (a scrape may come while the fleet connects) the way to ask
   * every worker for its series; a worker that has ended answers nothing.
   */
  metricsFrom?: (ask: () => Promise<MetricFamilies[]>) => void;
}

/**
 * Start `workers` threads that together run part `shard` of a fleet of `total` (the whole
 * fleet when no shard); resolves once every charge point made its first connection attempt.
 * @param data Everything but `kind` and the worker's own shard.
 * @param workers Threads.
 * @param output Where the workers' log lines go.
 * @param onProgress Combined progress: charge points attempted and failed so far, of how many.
 */
export async function startWorkerFleet(
  data: Omit<FleetWorkerData, 'kind' | 'shard'> & { shard?: Shard },
  workers: number,
  output: WorkerOutput,
  onProgress: (done: number, failed: number, total: number) => void,
): Promise<WorkerFleet> {
  const outer = data.shard ?? { index: 0, count: 1 };
  const done = new Array<number>(workers).fill(0);
  const failed = new Array<number>(workers).fill(0);
  const totals = new Array<number>(workers).fill(0);
  const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  const threads: Worker[] = [];
  const closed: Promise<void>[] = [];
  const reports: RunReport[] = [];
  const versions = new VersionTally();
  // Per worker, the scrapes waiting for its series: a worker answers its requests in order.
  const asked = Array.from({ length: workers }, () => [] as ((families: MetricFamilies) => void)[]);
  const ended = new Array<boolean>(workers).fill(false);
  const ready = Array.from({ length: workers }, (_, w) => {
    const worker = new Worker(__filename, {
      workerData: { ...data, kind: 'ocpp-sim-fleet', shard: { index: outer.index * workers + w, count: outer.count * workers } } satisfies FleetWorkerData,
    });
    threads.push(worker);
    let onClosed!: () => void;
    closed.push(new Promise<void>((resolve) => (onClosed = resolve)));
    worker.once('exit', () => {
      ended[w] = true;
      for (const answer of asked[w]!.splice(0)) answer([]);
      onClosed();
    });
    return new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'out':
            output.out.write(m.text);
            break;
          case 'err':
            output.err.write(m.text);
            break;
          case 'progress':
            done[w] = m.done;
            failed[w] = m.failed;
            totals[w] = m.total;
            onProgress(sum(done), sum(failed), sum(totals));
            break;
          case 'ready':
            done[w] = totals[w] = m.started;
            failed[w] = m.failed;
            versions.merge(m.versions);
            resolve();
            break;
          case 'metrics':
            asked[w]!.shift()?.(m.families);
            break;
          case 'closed':
            output.failures.merge(m.failures);
            if (m.report) reports.push(m.report);
            onClosed();
            break;
        }
      });
    });
  });
  output.metricsFrom?.(() =>
    Promise.all(threads.map((t, w) => new Promise<MetricFamilies>((resolve) => {
      if (ended[w]) return resolve([]);
      asked[w]!.push(resolve);
      t.postMessage({ type: 'metrics' });
    }))),
  );
  await Promise.all(ready);
  return {
    started: sum(done),
    failed: sum(failed),
    versions,
    close: async () => {
      for (const t of threads) t.postMessage({ type: 'stop' });
      await Promise.all(closed);
      await Promise.all(threads.map((t) => t.terminate()));
      return reports;
    },
  };
}

/** A stream that hands what is written to the main thread. */
function relay(type: 'out' | 'err'): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      parentPort!.postMessage({ type, text: String(chunk) } satisfies FromWorker);
      cb();
    },
  });
}

/** This worker's charge-point metrics, in a registry of its own (no process series: the main thread has those), sent when asked. */
function workerMetrics(port: NonNullable<typeof parentPort>): StationMetrics {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Registry } = require('prom-client') as typeof import('prom-client');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stations = new (require('./metrics') as typeof import('./metrics')).StationMetrics(new Registry());
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'metrics') return;
    void stations.registry.getMetricsAsJSON().then((families) => port.postMessage({ type: 'metrics', families } satisfies FromWorker));
  });
  return stations;
}

/** The worker side: run this thread's block, report, close on `stop`. */
async function workerMain(d: FleetWorkerData): Promise<void> {
  const port = parentPort!;
  const log = new Log(d.logPattern, d.silent, relay('out'), relay('err'));
  let attempted = 0;
  let failed = 0;
  let total = 0;
  let lastSent = 0;
  const failures = new HandlerFailures();
  const recorder = d.record ? new RunRecorder() : undefined;
  const versions = new VersionTally();
  const stations = d.metrics ? workerMetrics(port) : undefined;
  const fleet: AnyStation[] = await connectMany(d.url, d.total, {
    ...d.options,
    idPrefix: d.idPrefix,
    shard: d.shard,
    observe: (cp: AnyStation) => {
      total++;
      stations?.watch(cp);
      observeStation(log, cp, failures);
      recorder?.watch(cp, String);
    },
    onProgress: (done, all, cp, connected) => {
      attempted = done;
      versions.add(cp, connected);
      if (!connected) failed++;
      // A message per 1 % is plenty for the combined line.
      if (done === all || done - lastSent >= Math.max(1, all / 100)) {
        lastSent = done;
        port.postMessage({ type: 'progress', done, failed, total } satisfies FromWorker);
      }
    },
  });
  port.postMessage({ type: 'ready', started: attempted, failed, versions: versions.counts } satisfies FromWorker);
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    // Taken before closing, so `connected` says how the fleet stood when it was stopped.
    const report = recorder?.report();
    void Promise.all(fleet.map((cp) => cp.close())).then(async () => {
      await log.flush();
      port.postMessage({ type: 'closed', failures: { count: failures.count, firstFew: failures.firstFew }, report } satisfies FromWorker);
      port.close();
    });
  });
}

if (!isMainThread && (workerData as FleetWorkerData | undefined)?.kind === 'ocpp-sim-fleet') {
  workerMain(workerData as FleetWorkerData).catch((err: unknown) => {
    parentPort!.postMessage({ type: 'err', text: `error: fleet worker: ${err instanceof Error ? err.message : String(err)}\n` } satisfies FromWorker);
    process.exit(1);
  });
}
