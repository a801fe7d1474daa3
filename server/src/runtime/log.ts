/**
 * The runtime's output. Namespaced like the `debug` package (`ocpp:frame`, `ocpp:cp`,
 * `csms:frame`, `csms:event`, `debug:rtt`, `http`), selected by the verbosity flags or `DEBUG`. A disabled
 * namespace costs one cached lookup; nothing is formatted for it. Writes stop quietly when the
 * reader of stdout goes away (no EPIPE storm, no CPU spin).
 * @module
 */
import type { Writable } from 'node:stream';
import type { FrameEvent } from '../ocpp/endpoint';

/** Verbosity presets of start.sh. */
export const VERBOSITY = {
  /** `--v`: every OCPP frame and charge-point / CSMS event. */
  v: 'ocpp:*',
  /** `--v1`: plus the embedded CSMS's view and the HTTP side. */
  v1: 'ocpp:*,csms:*,http:*',
  /** `--v2`: everything, including round-trip times. */
  v2: '*',
} as const;

function compile(pattern: string): (ns: string) => boolean {
  const rules = pattern
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((p) => {
      const negate = p.startsWith('-');
      const body = (negate ? p.slice(1) : p).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return { negate, re: new RegExp(`^${body}$`) };
    });
  return (ns) => {
    if (rules.some((r) => r.negate && r.re.test(ns))) return false;
    return rules.some((r) => !r.negate && r.re.test(ns));
  };
}

function time(): string {
  return new Date().toISOString().slice(11, 23);
}

/** Where and what the runtime prints. */
export class Log {
  private readonly match: (ns: string) => boolean;
  private readonly cache = new Map<string, boolean>();
  private outOpen = true;

  /**
   * @param pattern Namespaces to show (`debug` syntax: `ocpp:*,-ocpp:rtt`).
   * @param silent Suppress warnings too (`--s`); errors are always printed.
   * @param out Stream for namespaced lines (stdout, or the `--o` file).
   * @param err Stream for warnings and errors.
   */
  constructor(
    pattern: string,
    readonly silent = false,
    private readonly out: Writable = process.stdout,
    private readonly err: Writable = process.stderr,
  ) {
    this.match = compile(silent ? '' : pattern);
    out.on('error', () => {
      // EPIPE and friends: the reader is gone; stop writing instead of retrying.
      this.outOpen = false;
    });
  }

  /** True when lines of namespace `ns` are shown. */
  enabled(ns: string): boolean {
    let on = this.cache.get(ns);
    if (on === undefined) this.cache.set(ns, (on = this.match(ns)));
    return on;
  }

  /** Print a line under a namespace, if it is enabled. */
  line(ns: string, text: string): void {
    if (this.outOpen && this.enabled(ns)) this.out.write(`${time()} ${text}\n`);
  }

  /** Print a frame under namespace `ns`: `12:00:00.123 CP001 → [2,"…","BootNotification",{…}]`. */
  frame(ns: string, who: string, e: FrameEvent): void {
    if (!this.outOpen || !this.enabled(ns)) return;
    this.out.write(`${time()} ${who} ${e.direction === 'out' ? '→' : '←'} ${e.raw ? '(raw) ' : ''}${e.text}\n`);
  }

  /** A line worth seeing without `--v` (a charge point connected, a periodic round sent), on stderr; hidden by `--s`. */
  notice(text: string): void {
    if (!this.silent) this.err.write(`${time()} ${text}\n`);
  }

  /** A warning line (hidden by `--s`). */
  warn(text: string): void {
    if (!this.silent) this.err.write(`warning: ${text}\n`);
  }

  /** An error line (always shown). */
  error(text: string): void {
    this.err.write(`error: ${text}\n`);
  }

  /** Resolve once everything written so far has been flushed. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.outOpen) return resolve();
      this.out.write('', () => resolve());
    });
  }
}
