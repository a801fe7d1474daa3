/**
 * Console scripts of the web UI (the earlier tool's server mode): the code is the body of
 * `async (connect, cp) => {…}`, its console output is collected and forwarded as log records,
 * and assigning `cp` puts the new charge point under the card's id.
 *
 * Each card's scripts run in a thread of their own (console-session.ts), with a time limit: a
 * script still running at the limit is stopped together with its thread (and the handlers it
 * registered), so no script can stop the server.
 * @module
 */
import { Chargepoint, type KeyStoreElement } from '../chargepoint/chargepoint';
import { makeConnect, type ScriptConnect } from '../chargepoint/connect';
import { ConsoleSession } from './console-session';
import type { Registry } from './registry';

/** How a console script ended. */
export interface ConsoleOutcome {
  /** Lines printed while it ran. */
  output: string[];
  /** The script's return value, JSON-safe. */
  result?: unknown;
  /** One line, `console.js:LINE:COL: …`, when it threw or was stopped. */
  error?: string;
  /** It was stopped (time limit, out of memory, `process.exit`). */
  stopped?: boolean;
}

/** A client-certificate entry given where the earlier console put it: `{key, cert}` PEM paths (`id` optional). */
function isKeyStoreElement(v: unknown): v is KeyStoreElement {
  const o = v as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o.key === 'string' && typeof o.cert === 'string';
}

/**
 * The console's `connect`: the batch form `(url, cpName?, keyStoreElement?, options?)`, and the
 * earlier tool's console form `(url, keyStoreElement)` with the keystore entry second.
 * @param connect The batch form.
 */
export function consoleConnect(connect: ScriptConnect): ScriptConnect {
  const call = connect as (...a: unknown[]) => unknown;
  const either = (url: string, second?: unknown, ...rest: unknown[]): unknown =>
    isKeyStoreElement(second) ? call(url, undefined, second, ...rest) : call(url, second, ...rest);
  return Object.assign(either, { many: connect.many }) as unknown as ScriptConnect;
}

/** The console scripts of one server: a thread per card, a time limit per script. */
export class ConsoleScripts {
  private readonly sessions = new Map<string, ConsoleSession>();
  /** Output sinks of the scripts running per card. */
  private readonly sinks = new Map<string, Set<(line: string) => void>>();
  private readonly connect: ScriptConnect;
  private readonly dropSession = (id: string): void => this.sessions.get(id)?.stop(`the charge point ${id} was removed`);

  /**
   * @param registry The charge points.
   * @param timeoutMs A script still running after this long is stopped.
   */
  constructor(
    private readonly registry: Registry,
    private readonly timeoutMs: number,
  ) {
    this.connect = consoleConnect(makeConnect(registry.options));
    registry.on('removed', this.dropSession);
  }

  /**
   * Run a console script for one charge point; resolves when it ends or is stopped.
   * @param id The card's id (`cp` starts as its charge point; a 404 when there is none).
   * @param code The body.
   */
  async run(id: string, code: string): Promise<ConsoleOutcome> {
    const started = this.registry.get(id);
    const session = this.sessionOf(id);
    const output: string[] = [];
    const sink = (line: string): void => void output.push(line);
    this.listen(id, sink);
    const seconds = this.timeoutMs / 1000;
    const timer = setTimeout(() => session.stop(`console script stopped after ${seconds} s (the time limit, --script-timeout), with the handlers its thread held`), this.timeoutMs);
    try {
      const end = await session.run(code, started, this.connect);
      if (end.cp !== started && end.cp instanceof Chargepoint && this.registry.ids().includes(id)) this.registry.adopt(id, end.cp);
      if (end.error !== undefined) return { output, error: end.error, ...(end.stopped ? { stopped: true } : {}) };
      return end.result === undefined ? { output } : { output, result: end.result };
    } finally {
      clearTimeout(timer);
      this.unlisten(id, sink);
    }
  }

  /** Stop every console thread (shutdown). */
  close(): void {
    this.registry.off('removed', this.dropSession);
    for (const session of this.sessions.values()) session.stop('the server is shutting down');
    this.sessions.clear();
  }

  /** The card's thread; a new one when there is none or the last one was stopped. */
  private sessionOf(id: string): ConsoleSession {
    const known = this.sessions.get(id);
    if (known?.alive) return known;
    const session = new ConsoleSession((level, line) => {
      this.emitLine(id, line);
      this.registry.log(id, level, line);
    });
    this.sessions.set(id, session);
    return session;
  }

  private emitLine(id: string, line: string): void {
    for (const sink of this.sinks.get(id) ?? []) sink(line);
  }

  /** `cp.log` lines reach the running scripts' output through the registry's capture. */
  private listen(id: string, sink: (line: string) => void): void {
    let set = this.sinks.get(id);
    if (!set) this.sinks.set(id, (set = new Set()));
    set.add(sink);
    this.registry.capture(id, (line) => this.emitLine(id, line));
  }

  private unlisten(id: string, sink: (line: string) => void): void {
    const set = this.sinks.get(id);
    set?.delete(sink);
    if (set?.size) return;
    this.sinks.delete(id);
    this.registry.capture(id, undefined);
  }
}
