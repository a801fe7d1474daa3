/**
 * Small process-level helpers the runtime modes share.
 * @module
 */
import type { Log } from './log';

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

/** axios, loaded on first use so scripts that never call it do not pay for it. */
export function lazyAxios(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (): Record<string | symbol, unknown> & ((...a: unknown[]) => unknown) => require('axios');
  return new Proxy(function axios() {}, {
    get: (_t, key) => load()[key],
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

/**
 * The `logger` a script receives: log/info to stdout like console.log, debug/warn/error through
 * the runtime's log (so verbosity flags and `--o` apply).
 * @param log The runtime's log.
 */
export function scriptLogger(log: Log): Record<'log' | 'info' | 'debug' | 'warn' | 'error', (...a: unknown[]) => void> {
  const line = (a: unknown[]): string => a.map(String).join(' ');
  return {
    log: (...a) => console.log(...a),
    info: (...a) => console.log(...a),
    debug: (...a) => log.line('script', line(a)),
    warn: (...a) => log.warn(line(a)),
    error: (...a) => log.error(line(a)),
  };
}
