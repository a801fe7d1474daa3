/**
 * CSMS scripts (`./start.sh --csms script.js`): the script gets a `csms` object to override
 * answers, call charge points and wait for what they send, so integration tests of a charger
 * read like charge-point scripts:
 *
 * ```js
 * // plain body of async (csms, logger, axios) => {…}
 * const cpId = await csms.waitForChargePoint();
 * csms.on('Authorize', ({ payload }) => ({ idTagInfo: { status: payload.idTag === 'good' ? 'Accepted' : 'Invalid' } }));
 * const started = csms.waitFor(cpId, 'StartTransaction');
 * await csms.call(cpId, 'RemoteStartTransaction', { idTag: 'good', connectorId: 1 });
 * logger.info('started', await started);
 * ```
 *
 * The forms of charge-point scripts work here too (plain body, CommonJS, ES module, TypeScript);
 * a plain body's parameters are `(csms, logger, axios)`.
 * @module
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { CallOptions, InboundCall } from '../ocpp/endpoint';
import type { Payload } from '../ocpp/frames';
import { loadScript, type LoadedScript, type ScriptFunction } from '../runtime/script';
import type { ConnectedStation, MockCsms } from './mock-csms';

/** Parameter names of a plain-body CSMS script, in order. */
export const CSMS_BODY_PARAMS = ['csms', 'logger', 'axios'] as const;

/** A CALL from a charge point, as CSMS script handlers see it. */
export interface CsmsRequest {
  /** Charge point id. */
  cpId: string;
  /** The CALL's message id. */
  uniqueId: string;
  /** The action. */
  action: string;
  /** The request payload. */
  payload: Payload;
}

/**
 * Answers a CALL: return the response payload, or `undefined` to give the CSMS's default
 * answer (policy and defaults); may be async. A throw answers `InternalError`.
 * @category Mock CSMS
 */
export type CsmsScriptHandler = (request: CsmsRequest) => unknown;

/** Options of {@link CsmsScriptApi}. */
export interface CsmsScriptOptions {
  /** Default timeout of {@link CsmsScriptApi.waitFor} and {@link CsmsScriptApi.waitForChargePoint} in ms (default 30000). */
  waitTimeoutMs?: number;
  /** Called when a script handler throws (default: `console.error`). */
  onHandlerError?: (err: unknown, request: CsmsRequest) => void;
}

/** The `csms` object of a CSMS script. */
export class CsmsScriptApi {
  private readonly waitTimeoutMs: number;
  private readonly onHandlerError: (err: unknown, request: CsmsRequest) => void;
  private readonly listeners: { event: string; fn: (...a: never[]) => void }[] = [];

  /**
   * Wrap a CSMS for a script.
   * @param csms The running mock CSMS.
   * @param options See {@link CsmsScriptOptions}.
   */
  constructor(readonly csms: MockCsms, options: CsmsScriptOptions = {}) {
    this.waitTimeoutMs = options.waitTimeoutMs ?? 30_000;
    this.onHandlerError = options.onHandlerError ?? ((err, r) => console.error(`csms script: handler for ${r.action} of ${r.cpId} failed: ${String((err as Error)?.message ?? err)}`));
  }

  /** Ids of the connected charge points. */
  get chargePoints(): string[] {
    return this.csms.chargePointIds;
  }

  /** The URL charge points connect to (append their id). */
  get url(): string {
    return this.csms.url;
  }

  /**
   * Override the answer to an action for every charge point (`undefined` restores the
   * default), or listen to `connect` / `disconnect` (the handler gets the charge point id).
   * @param action A charge-point-initiated action, `connect` or `disconnect`.
   * @param handler See {@link CsmsScriptHandler}.
   */
  on(action: string, handler: CsmsScriptHandler | ((cpId: string) => void) | undefined): this {
    if (action === 'connect' || action === 'disconnect') {
      if (!handler) return this;
      const fn = (station: ConnectedStation): void => void (handler as (cpId: string) => void)(station.id);
      this.csms.on(action, fn);
      this.listeners.push({ event: action, fn });
      return this;
    }
    if (!handler) {
      this.csms.answer(action, undefined);
      return this;
    }
    this.csms.answer(action, async (call: InboundCall, station: ConnectedStation) => {
      const request: CsmsRequest = { cpId: station.id, uniqueId: call.uniqueId, action: call.action, payload: call.payload };
      let result: unknown;
      try {
        result = await (handler as CsmsScriptHandler)(request);
      } catch (err) {
        this.onHandlerError(err, request);
        throw err;
      }
      if (result === undefined && station.endpoint.isUnanswered(call.uniqueId)) return this.csms.defaultAnswer(call, station);
      return result;
    });
    return this;
  }

  /**
   * Send a CSMS-initiated call to a connected charge point; resolves with its answer.
   * @param cpId Charge point id.
   * @param action e.g. `RemoteStartTransaction`.
   * @param payload The request.
   * @param options Per-call options (`timeoutMs`).
   */
  call(cpId: string, action: string, payload: Payload = {}, options?: CallOptions): Promise<Payload> {
    return this.csms.call(cpId, action, payload, options);
  }

  /**
   * Wait for the next CALL of `action` from a charge point (`*`: any) that satisfies
   * `predicate`; resolves with its payload. Only CALLs arriving after this call count: start
   * waiting before triggering what you wait for.
   * @param cpId Charge point id, or `*`.
   * @param action The action, e.g. `StartTransaction`.
   * @param predicate Extra condition on the payload (and the whole request).
   * @param timeoutMs Give up after this long (default 30000): rejects with a readable error.
   */
  waitFor(cpId: string, action: string, predicate?: (payload: Payload, request: CsmsRequest) => boolean, timeoutMs = this.waitTimeoutMs): Promise<Payload> {
    return new Promise((resolve, reject) => {
      const onCall = (station: ConnectedStation, call: InboundCall): void => {
        if ((cpId !== '*' && station.id !== cpId) || call.action !== action) return;
        const request: CsmsRequest = { cpId: station.id, uniqueId: call.uniqueId, action: call.action, payload: call.payload };
        try {
          if (predicate && !predicate(call.payload, request)) return;
        } catch (err) {
          done();
          reject(err as Error);
          return;
        }
        done();
        resolve(call.payload);
      };
      const timer = setTimeout(() => {
        done();
        const which = predicate ? ` matching ${predicate.toString().slice(0, 80)}` : '';
        reject(new Error(`waitFor: no ${action}${which} from ${cpId === '*' ? 'any charge point' : cpId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.csms.off('call', onCall);
      };
      this.csms.on('call', onCall);
    });
  }

  /**
   * Resolve with the id of a charge point that is connected and accepted (its BootNotification
   * was answered Accepted, now or on an earlier connection): `cpId`, or the first one when
   * omitted. Charge points do not answer the CSMS before that.
   * @param cpId Charge point id (default: the first to be ready).
   * @param timeoutMs Give up after this long (default 30000).
   */
  waitForChargePoint(cpId?: string, timeoutMs = this.waitTimeoutMs): Promise<string> {
    const ready = (id: string): boolean => this.csms.stations.has(id) && this.csms.discipline.registrationOf(id) === 'Accepted';
    const present = cpId === undefined ? this.chargePoints.find(ready) : ready(cpId) ? cpId : undefined;
    if (present !== undefined) return Promise.resolve(present);
    return new Promise((resolve, reject) => {
      const check = (station: ConnectedStation): void => {
        if ((cpId !== undefined && station.id !== cpId) || !ready(station.id)) return;
        done();
        resolve(station.id);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.csms.off('connect', check);
        this.csms.off('answered', check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`waitForChargePoint: ${cpId ?? 'no charge point'} connected to ${this.url} and booted within ${timeoutMs} ms`));
      }, timeoutMs);
      this.csms.on('connect', check);
      this.csms.on('answered', check);
    });
  }

  /** Resolve after `ms` milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** The CSMS's transactions, statuses and meter values. */
  get transactions(): MockCsms['transactions'] {
    return this.csms.transactions;
  }

  /** The conformance report so far (`{}` when clean or off). */
  report(): ReturnType<NonNullable<MockCsms['probes']>['report']> {
    return this.csms.probes?.report() ?? {};
  }

  /** Remove the script's `connect`/`disconnect` listeners (answer overrides stay). */
  dispose(): void {
    for (const { event, fn } of this.listeners.splice(0)) this.csms.off(event, fn as (...a: unknown[]) => void);
  }
}

const ESM_SYNTAX = /^\s*(import\s+[\w*{]|import\s*['"]|export\s+(default|const|let|var|async|function|class|\{))/m;

/**
 * Load a CSMS script: the forms of `loadScript`, except that a plain body is the body of
 * `async (csms, logger, axios) => {…}`.
 * @param source `{file}` for a path, `{text}` for stdin.
 */
export async function loadCsmsScript(source: { file: string } | { text: string; filename?: string }): Promise<LoadedScript> {
  const filename = path.resolve('file' in source ? source.file : (source.filename ?? 'stdin.js'));
  let text: string;
  try {
    text = 'file' in source ? fs.readFileSync(filename, 'utf8') : source.text;
  } catch (err) {
    return loadScript(source); // the same readable "cannot read script" error
  }
  if (/\.(mjs|ts|mts|cts)$/.test(filename) || ESM_SYNTAX.test(text) || text.includes('module.exports')) return loadScript(source);
  text = text.replace(/^#!.*/, '');
  // Same first line as the script, so reported line numbers need no offset.
  const wrapper = `(async function (${CSMS_BODY_PARAMS.join(', ')}, require, module, exports, __filename, __dirname) {${text}\n})`;
  const fn = new vm.Script(wrapper, { filename }).runInThisContext() as ScriptFunction;
  const req = createRequire(filename);
  const mod = { exports: {} };
  return { filename, fn: (...args: unknown[]) => fn(...args.slice(0, CSMS_BODY_PARAMS.length), req, mod, mod.exports, filename, path.dirname(filename)) };
}

/** What {@link runCsmsScript} hands the script besides `csms`. */
export interface CsmsScriptEnvironment extends CsmsScriptOptions {
  /** The `logger` parameter (default: console). */
  logger?: unknown;
  /** The `axios` parameter. */
  axios?: unknown;
}

/**
 * Run a loaded CSMS script against a running CSMS: calls it with `(csms, logger, axios)` and
 * resolves with what it returns (rejects with what it throws). The script's answer overrides
 * stay in place afterwards; its `connect`/`disconnect` listeners are removed.
 * @param csms The running mock CSMS.
 * @param loaded From {@link loadCsmsScript}.
 * @param env Logger, axios and {@link CsmsScriptOptions}.
 */
export async function runCsmsScript(csms: MockCsms, loaded: LoadedScript, env: CsmsScriptEnvironment = {}): Promise<unknown> {
  const api = new CsmsScriptApi(csms, env);
  try {
    return await loaded.fn(api, env.logger ?? console, env.axios);
  } finally {
    api.dispose();
  }
}
