/**
 * Console scripts of the web UI (the earlier tool's server mode): the code is the body of
 * `async (connect, cp) => {…}`, its console output is collected and forwarded as log records,
 * and assigning `cp` puts the new charge point under the card's id.
 * @module
 */
import { format } from 'node:util';
import { Chargepoint } from '../chargepoint/chargepoint';
import { makeConnect } from '../chargepoint/connect';
import { compileBody, describeScriptError } from '../runtime/script';
import type { LogRecord, Registry } from './registry';

/** The file name errors point at: `console.js:LINE:COL: …`. */
export const CONSOLE_FILE = 'console.js';

/** How a console script ended (or that it is still running). */
export interface ConsoleOutcome {
  /** Lines printed while the request waited. */
  output: string[];
  /** The script's return value, JSON-safe. */
  result?: unknown;
  /** One line, `console.js:LINE:COL: …`, when it threw. */
  error?: string;
  /** Still running after the timeout; the rest arrives on the bridge. */
  running?: boolean;
}

function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value instanceof Chargepoint) return `Chargepoint ${value.id}`;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}

/**
 * Run a console script for one charge point.
 * @param registry The charge points.
 * @param id The card's id (`cp` starts as its charge point).
 * @param code The body.
 * @param timeoutMs After this long, resolve `{running: true}` and let it go on.
 */
export async function runConsoleScript(registry: Registry, id: string, code: string, timeoutMs: number): Promise<ConsoleOutcome> {
  const output: string[] = [];
  let answered = false;
  const say = (level: LogRecord['level']) => (...args: unknown[]): void => {
    const line = format(...args);
    if (!answered) output.push(line);
    registry.log(id, level, line);
  };
  const console = { log: say('info'), info: say('info'), debug: say('info'), warn: say('warning'), error: say('error') };
  const box: { cp: unknown } = { cp: registry.get(id) };
  const started = box.cp;
  let fn;
  try {
    // `cp` is a local copied back to the box at the end, so `cp = await connect(…)` is seen.
    fn = compileBody(code, CONSOLE_FILE, ['connect', '__box', 'console'], { prologue: 'let cp = __box.cp; try {', epilogue: '} finally { __box.cp = cp; }' });
  } catch (err) {
    return { output, error: describeScriptError(err, CONSOLE_FILE) };
  }
  registry.capture(id, (line) => {
    if (!answered) output.push(line);
  });
  const run = (async (): Promise<ConsoleOutcome> => {
    try {
      const result = await fn(makeConnect(registry.options), box, console);
      return { output, result: jsonSafe(result) };
    } catch (err) {
      return { output, error: describeScriptError(err, CONSOLE_FILE) };
    } finally {
      registry.capture(id, undefined);
      if (box.cp !== started && box.cp instanceof Chargepoint && registry.ids().includes(id)) registry.adopt(id, box.cp);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ConsoleOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ output, running: true }), timeoutMs);
  });
  const outcome = await Promise.race([run, late]);
  clearTimeout(timer);
  answered = true;
  // A script that outlived its request reports its end on the bridge.
  if (outcome.running) {
    void run.then((o) => registry.log(id, o.error !== undefined ? 'error' : 'info', o.error ?? `script finished${o.result !== undefined ? `: ${JSON.stringify(o.result)}` : ''}`));
  }
  return { ...outcome, output: [...output] };
}
