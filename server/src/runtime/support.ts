/**
 * Small process-level helpers the runtime modes share.
 * @module
 */
import type { MockCsms } from '../csms/mock-csms';
import type { Log } from './log';
import type { MetricFamilies, StationMetrics } from './metrics';

/** Read all of standard input as UTF-8 (`--stdin`). */
export function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/**
 * The scheduler's timer is unref'd (it must not keep a finished process alive), so while a
 * script runs or a fleet serves, something must: otherwise a reconnect back-off with no socket
 * open would let Node exit mid-run.
 */
export function holdProcess(): NodeJS.Timeout {
  return setInterval(() => undefined, 1 << 30);
}

/**
 * axios, loaded on first use so scripts that never call it do not pay for it. `axios.FormData` is
 * the `form-data` package, as the earlier tool handed it to scripts (`form.getHeaders()`, streams).
 */
export function lazyAxios(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (): Record<string | symbol, unknown> & ((...a: unknown[]) => unknown) => require('axios');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const formData = (): unknown => require('form-data');
  return new Proxy(function axios() {}, {
    get: (_t, key) => (key === 'FormData' ? formData() : load()[key]),
    apply: (_t, _this, args: unknown[]) => load()(...args),
  });
}

/** Resolve on the first SIGINT or SIGTERM (Ctrl-C ends a server, a fleet or the CSMS). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** What `logger.configure()` takes: the earlier tool's switches. */
export interface ScriptLoggerSettings {
  /** `debug(name, cpName, msg)` lines always go to stdout as `name: cpName: msg` (the earlier tool's batch mode). */
  stdout?: boolean;
  /** `debug` lines go through the `script` namespace, shown with `--v` / `DEBUG` (the default). */
  stdoutLogger?: boolean;
  /** The earlier tool's HTTP log shipping: not part of ocpp-sim; accepted, ignored with a warning. */
  remote?: boolean;
}

/** The `logger` a script receives. */
export interface ScriptLogger {
  /** Print to stdout like console.log. */
  log(...a: unknown[]): void;
  /** Print to stdout like console.log. */
  info(...a: unknown[]): void;
  /** A debug line, e.g. `debug(name, cpName, msg)`: shown per {@link ScriptLogger.configure}. */
  debug(...a: unknown[]): void;
  /** A warning line on stderr (hidden by `--s`). */
  warn(...a: unknown[]): void;
  /** An error line on stderr. */
  error(...a: unknown[]): void;
  /** Where `debug` lines go; `configure({stdout: true})` prints them always. */
  configure(settings?: ScriptLoggerSettings): void;
}

const KNOWN_SETTINGS = ['stdout', 'stdoutLogger', 'remote'];

/** Strings as they are, errors with their stack, objects as JSON (as the earlier tool's log did). */
function formatArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.stack ?? a.message;
  if (typeof a !== 'object' || a === null) return String(a);
  try {
    return JSON.stringify(a);
  } catch {
    return String(a);
  }
}

/**
 * The `logger` a script receives: log/info to stdout like console.log, debug/warn/error through
 * the runtime's log (so verbosity flags and `--o` apply), `configure()` as in the earlier tool.
 * @param log The runtime's log.
 */
export function scriptLogger(log: Log): ScriptLogger {
  const line = (a: unknown[]): string => a.map(formatArg).join(' ');
  let debugToStdout = false;
  return {
    log: (...a) => console.log(...a),
    info: (...a) => console.log(...a),
    debug: (...a) => (debugToStdout ? console.log(a.map(formatArg).join(': ')) : log.line('script', line(a))),
    warn: (...a) => log.warn(line(a)),
    error: (...a) => log.error(line(a)),
    configure(settings = {}) {
      if (typeof settings !== 'object' || settings === null) return log.warn(`logger.configure: expected {stdout, stdoutLogger, remote}, got ${formatArg(settings)}; ignored`);
      const unknown = Object.keys(settings).filter((k) => !KNOWN_SETTINGS.includes(k));
      if (unknown.length) log.warn(`logger.configure: unknown setting ${unknown.join(', ')} ignored (known: ${KNOWN_SETTINGS.join(', ')})`);
      if (settings.remote) log.warn('logger.configure: remote logging (the earlier tool\'s HTTP log shipping) is not part of ocpp-sim; ignored');
      debugToStdout = settings.stdout === true;
    },
  };
}

/** What a run's `/metrics` reports on. */
export interface MetricsParts {
  /** Count this thread's charge points (a script, a one-thread `--cps` fleet). */
  stations?: boolean;
  /** The mock CSMS (`--csms`, `--with-csms`). */
  csms?: MockCsms;
  /** `--workers` above 1: the worker threads' series, asked for at each scrape. */
  workers?: () => Promise<MetricFamilies[]>;
}

/**
 * `--metrics-port`: the run's registry (the process's series and the asked-for parts) and its
 * endpoint, or nothing at all: prom-client loads only then.
 * @param o The flags.
 * @param parts What to report on.
 * @returns The charge points' metrics (when asked for) and how to stop serving.
 */
export async function startMetrics(o: { metricsPort?: number; metricsHost: string }, parts: MetricsParts): Promise<{ stations?: StationMetrics; stop: () => Promise<void> }> {
  if (o.metricsPort === undefined) return { stop: async () => {} };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StationMetrics, processRegistry, serveMetrics } = require('./metrics') as typeof import('./metrics');
  const registry = processRegistry();
  const stations = parts.stations ? new StationMetrics(registry) : undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (parts.csms) (require('./csms-metrics') as typeof import('./csms-metrics')).watchCsms(registry, parts.csms);
  const server = await serveMetrics(registry, o.metricsHost, o.metricsPort, parts.workers);
  return {
    stations,
    stop: () => {
      // Prometheus keeps its connection open between scrapes: close it, or stopping waits for the keep-alive timeout.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
