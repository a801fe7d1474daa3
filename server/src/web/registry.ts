/**
 * The charge points of server mode, OCPP 1.6 and 2.0.1 alike: creation and removal, connection,
 * summaries for the UI, recent frames (with round-trip times) and log lines per charge point, and
 * CSMS calls held for a manual answer. What differs between the versions sits behind each entry's
 * {@link StationView}. Emits `chargepoint` (summary), `removed` (id), `frame` (id, record), `log`
 * (id, record) and `pending` (id, call), which the bridge forwards (frames and logs to the tabs
 * that watch the charge point, the rest to every tab), and `telemetry` (id, samples) and `session`
 * (id, ended session), which it forwards to the tabs that watch; telemetry samples every second
 * only while one does ({@link Registry.setWatched}).
 * @module
 */
import { EventEmitter } from 'node:events';
import { Chargepoint, type ChargepointOptions } from '../chargepoint/chargepoint';
import type { AnyStation } from '../chargepoint/connect';
import { ChargingStation } from '../charging-station/charging-station';
import type { SessionRecord, TelemetrySample } from '../ev/telemetry';
import type { FrameEvent, InboundCall } from '../ocpp/endpoint';
import { OcppConnectionError } from '../ocpp/errors';
import { parseSocketUrl } from '../transport/client';
import { iso, RegistryError, Traffic, type ChargepointSummary, type FrameRecord, type LogRecord, type PendingCall } from './records';
import type { StationView } from './station-view';
import { StationViewV16 } from './station-view-v16';
import { StationViewV201 } from './station-view-v201';

export { RegistryError } from './records';
export type { ChargepointSummary, ConnectorSummary, EvseConnectorSummary, EvseSummary, FrameRecord, LogRecord, PendingCall } from './records';

/** What `POST /api/chargepoints` accepts. */
export interface CreateRequest {
  /** Charge point id. */
  id: string;
  /** CSMS URL: used as given; one ending in `/` gets the id appended, `{cp}` is replaced by it. */
  url: string;
  /** Basic-auth password. */
  password?: string;
  /** Boot by itself on every connection (default true). */
  bootOnConnect?: boolean;
  /** `2.0.1` (or `ocpp2.0.1`) for an OCPP 2.0.1 charging station; 1.6 otherwise. */
  protocol?: string;
  /** 2.0.1: the station claims ISO 15118 (profile option `iso15118`: ISO15118Ctrlr, V2G and combined certificates). */
  iso15118?: boolean;
}

/** Identities a CSMS can route: no separators, whitespace or URL syntax; OCPP allows 48 characters at most for CiString identifiers. */
const ID_PATTERN = /^[^\s/?#%\\]{1,48}$/;

/** Station events that change the summary. */
const SUMMARY_EVENTS = ['boot', 'status', 'transaction', 'configuration', 'securityEvent', 'ev'];
/** Frames that move the summary's energy figures and transactions. */
const METERING_ACTIONS = new Set(['MeterValues', 'StartTransaction', 'StopTransaction', 'TransactionEvent']);

interface Entry {
  cp: AnyStation;
  view: StationView;
  traffic: Traffic;
  manual: Set<string>;
  pending: Map<string, PendingCall>;
  defaults: boolean;
  connecting: boolean;
  lastError?: string;
  /** Receives `cp.log` output while a console script runs. */
  capture?: (line: string) => void;
  /** Forwards the charge point's telemetry while a tab watches it. */
  onTelemetry: (samples: unknown) => void;
  detach: () => void;
  changeQueued: boolean;
  /** How it was created (kept across restarts by the registry store). */
  request?: CreateRequest;
  /** Connected through the registry and not disconnected since (reconnected after a restart). */
  keepConnected: boolean;
}

/** What a restart needs of one charge point besides its own state file: how it was made and whether it should be connected. */
export interface KeptChargepoint {
  /** How it was created. */
  request: CreateRequest;
  /** Connect it again after a restart. */
  keepConnected: boolean;
}

const printable = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Error ? v.message : safeJson(v));

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const viewOf = (cp: AnyStation): StationView => (cp instanceof ChargingStation ? new StationViewV201(cp) : new StationViewV16(cp));

/**
 * What every charge point of the registry gets: the 1.6 options, and an observer (log lines,
 * frames with `--v`) that watches 1.6 and 2.0.1 stations alike.
 */
export type RegistryOptions = Omit<ChargepointOptions, 'observe'> & { observe?: (cp: AnyStation) => void };

/** The charge points of one server-mode process. */
export class Registry extends EventEmitter {
  private readonly entries = new Map<string, Entry>();
  /** Ids a tab watches (also before such a charge point exists). */
  private readonly watched = new Set<string>();

  /**
   * @param options Charge-point options every charge point gets (validation, TLS, profile, logging
   * observer); a 2.0.1 station takes the version-neutral ones (validation, TLS, scheduler, journal).
   */
  constructor(readonly options: RegistryOptions = {}) {
    super();
  }

  /** Ids in creation order. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The charge point under an id; a 404 {@link RegistryError} when there is none. */
  get(id: string): AnyStation {
    return this.entry(id).cp;
  }

  /** The version-specific face of the charge point under an id (404 when there is none). @param id Its id. */
  view(id: string): StationView {
    return this.entry(id).view;
  }

  /** The 2.0.1 station under an id, if that id holds one. @param id Its id. */
  station201(id: string): ChargingStation | undefined {
    const cp = this.entries.get(id)?.cp;
    return cp instanceof ChargingStation ? cp : undefined;
  }

  /** Every summary. */
  summaries(): ChargepointSummary[] {
    return this.ids().map((id) => this.summary(id));
  }

  /**
   * Create a charge point (not connected): OCPP 1.6, or 2.0.1 with `protocol: '2.0.1'`.
   * @param req Id, URL, password, bootOnConnect, protocol, iso15118.
   */
  create(req: CreateRequest): ChargepointSummary {
    const { id, url } = req;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new RegistryError(400, `invalid id ${JSON.stringify(id)}: 1 to 48 characters, no spaces, '/', '?', '#' or '%'`);
    if (typeof url !== 'string' || url === '') throw new RegistryError(400, 'url is required, e.g. ws://localhost:8100/ocpp/');
    if (req.password !== undefined && typeof req.password !== 'string') throw new RegistryError(400, 'password must be a string');
    if (req.protocol !== undefined && !['1.6', 'ocpp1.6', '2.0.1', 'ocpp2.0.1'].includes(req.protocol)) throw new RegistryError(400, `protocol must be 1.6 or 2.0.1, got ${JSON.stringify(req.protocol)}`);
    const v201 = req.protocol?.endsWith('2.0.1') === true;
    if (req.iso15118 !== undefined && typeof req.iso15118 !== 'boolean') throw new RegistryError(400, 'iso15118 must be true or false');
    if (req.iso15118 && !v201) throw new RegistryError(400, 'iso15118 is an OCPP 2.0.1 station option: add protocol "2.0.1"');
    if (this.entries.has(id)) throw new RegistryError(409, `charge point ${id} exists`);
    const full = url.includes('{cp}') ? url.split('{cp}').join(encodeURIComponent(id)) : url.endsWith('/') ? url + encodeURIComponent(id) : url;
    const common = { boot: req.bootOnConnect === false ? ('manual' as const) : ('auto' as const), ...(req.password ? { password: req.password } : {}) };
    let cp: AnyStation;
    try {
      parseSocketUrl(full);
      if (v201) {
        const { validation, tls, scheduler, journal, observe, stateDir } = this.options;
        const profile = req.iso15118 ? { iso15118: true } : undefined;
        cp = new ChargingStation(full, id, { validation, tls, scheduler, journal, observe, stateDir, profile, ...common });
      } else {
        cp = new Chargepoint(full, id, { ...this.options, ...common });
      }
    } catch (err) {
      throw new RegistryError(400, (err as Error).message);
    }
    this.attach(id, cp);
    this.entries.get(id)!.request = { ...req };
    this.changed(id);
    return this.summary(id);
  }

  /** How a charge point was made and whether it should be connected: what a restart restores. @param id Its id. */
  kept(id: string): KeptChargepoint | undefined {
    const e = this.entry(id);
    return e.request && { request: e.request, keepConnected: e.keepConnected };
  }

  /**
   * Put a charge point (a console script's `cp = await connect(…)`) under an id, replacing and
   * closing the one there.
   * @param id The registry id.
   * @param cp The new charge point.
   */
  adopt(id: string, cp: AnyStation): void {
    const old = this.entries.get(id);
    if (old?.cp === cp) return;
    if (old) {
      old.detach();
      void old.cp.close();
    }
    this.attach(id, cp, old);
    Object.assign(this.entries.get(id)!, { capture: old?.capture, request: old?.request, keepConnected: old?.keepConnected ?? false });
    this.changed(id);
  }

  /** Remove a charge point, closing its connection. @param id Its id. */
  async remove(id: string): Promise<void> {
    const e = this.entry(id);
    this.entries.delete(id);
    e.detach();
    await e.cp.close();
    this.emit('removed', id);
  }

  /**
   * Connect; resolves once open (and booted, with bootOnConnect). A failure is kept as
   * `lastError` and rethrown.
   * @param id Its id.
   */
  async connect(id: string): Promise<ChargepointSummary> {
    const e = this.entry(id);
    if (e.cp.connected) return this.summary(id);
    e.connecting = true;
    e.keepConnected = true;
    e.lastError = undefined;
    this.changed(id);
    try {
      await e.cp.connect();
    } catch (err) {
      e.lastError = (err as Error).message.split('\n')[0];
      this.log(id, 'error', `connect failed: ${e.lastError}`);
      throw err;
    } finally {
      e.connecting = false;
      this.changed(id);
    }
    return this.summary(id);
  }

  /** Close the connection for good (no reconnect). @param id Its id. */
  async disconnect(id: string): Promise<ChargepointSummary> {
    const e = this.entry(id);
    e.keepConnected = false;
    this.changed(id);
    await e.cp.close();
    return this.summary(id);
  }

  /**
   * Switch the built-in answers on or off.
   * @param id Its id.
   * @param on True for the built-in answers.
   */
  setDefaults(id: string, on: boolean): void {
    const e = this.entry(id);
    e.defaults = on;
    e.cp.setDefaultAnswers(on);
    this.changed(id);
  }

  /**
   * Hold the CSMS calls of an action for an answer from the UI (or stop holding them: the
   * built-in answer, if on, takes over again).
   * @param id Its id.
   * @param action CSMS-initiated action of the charge point's version.
   * @param on True to answer by hand.
   */
  setManual(id: string, action: string, on: boolean): void {
    const e = this.entry(id);
    if (!e.view.csmsActions.includes(action)) throw new RegistryError(400, `${action} is not a CSMS-initiated action`);
    if (on) {
      e.manual.add(action);
      e.cp.answer(action, (req: InboundCall) => {
        const call: PendingCall = { uniqueId: req.uniqueId, action: req.action, payload: req.payload, at: iso() };
        e.pending.set(req.uniqueId, call);
        this.emit('pending', id, call);
        return undefined; // answered later through answerPending
      });
    } else {
      e.manual.delete(action);
      e.cp.answer(action, undefined);
    }
    this.changed(id);
  }

  /** Calls still waiting for a manual answer. @param id Its id. */
  pending(id: string): PendingCall[] {
    const e = this.entry(id);
    // The CSMS may have given up, or the connection closed: only what can still be answered.
    for (const [uid] of e.pending) if (!e.cp.endpoint.isUnanswered(uid)) e.pending.delete(uid);
    return [...e.pending.values()];
  }

  /**
   * Answer a held call with a payload or a CALLERROR. Throws a 404 {@link RegistryError} for
   * an unknown call, and the endpoint's OcppValidationError for an invalid payload.
   * @param id Its id.
   * @param uniqueId The call's message id.
   * @param answer `{payload}` or `{error: {code, description?}}`.
   */
  answerPending(id: string, uniqueId: string, answer: { payload?: unknown; error?: { code?: unknown; description?: unknown } }): void {
    const e = this.entry(id);
    if (!e.pending.has(uniqueId) || !e.cp.endpoint.isUnanswered(uniqueId)) {
      e.pending.delete(uniqueId);
      throw new RegistryError(404, `no pending call ${uniqueId}`);
    }
    if (answer.error !== undefined) {
      const code = answer.error?.code;
      if (typeof code !== 'string' || code === '') throw new RegistryError(400, 'error.code is required, e.g. NotSupported');
      e.cp.sendError(uniqueId, code, typeof answer.error.description === 'string' ? answer.error.description : undefined);
    } else {
      const p = answer.payload;
      if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new RegistryError(400, 'payload must be a JSON object');
      e.cp.sendResponse(uniqueId, p);
    }
    e.pending.delete(uniqueId);
  }

  /** Frames after `since` (a seq), at most `limit` of the newest. */
  frames(id: string, since?: number, limit?: number): FrameRecord[] {
    return this.entry(id).traffic.framesSince(since, limit);
  }

  /**
   * Put back a charge point's frames from before a restart (`--keep-frames`).
   * @param id Its id.
   * @param frames The saved frames, oldest first.
   */
  restoreFrames(id: string, frames: FrameRecord[]): void {
    this.entry(id).traffic.restore(frames);
  }

  /** The last 500 log lines. @param id Its id. */
  logs(id: string): LogRecord[] {
    return [...this.entry(id).traffic.logs];
  }

  /**
   * Add a log line (and forward it to the bridge).
   * @param id Its id.
   * @param level Severity.
   * @param text The line.
   */
  log(id: string, level: LogRecord['level'], text: string): void {
    const e = this.entries.get(id);
    if (e) this.emit('log', id, e.traffic.log(level, text));
  }

  /**
   * While a console script runs, receive what `cp.log` prints (besides the log records).
   * @param id Its id.
   * @param sink Receives each line; undefined stops.
   */
  capture(id: string, sink: ((line: string) => void) | undefined): void {
    const e = this.entries.get(id);
    if (e) e.capture = sink;
  }

  /**
   * The telemetry of one charge point: the samples of each point's running (or last) session
   * and the ended sessions, oldest first.
   * @param id Its id.
   */
  telemetry(id: string): { samples: Record<number, TelemetrySample[]>; sessions: SessionRecord[] } {
    const t = this.entry(id).view.telemetry;
    return { samples: t?.samples() ?? {}, sessions: t?.history ?? [] };
  }

  /**
   * Whether a tab watches a charge point (the bridge says so): only then does the registry listen
   * to its telemetry, so its sessions sample every second (otherwise the model ticks slowly, see
   * `ev/telemetry.ts`); a session running now samples at once.
   * @param id Its id (it may not exist yet).
   * @param on True while at least one tab watches.
   */
  setWatched(id: string, on: boolean): void {
    if (on === this.watched.has(id)) return;
    if (on) this.watched.add(id);
    else this.watched.delete(id);
    const e = this.entries.get(id);
    if (e) this.listenToTelemetry(e, on);
  }

  private listenToTelemetry(e: Entry, on: boolean): void {
    if (!on) return void e.cp.off('telemetry', e.onTelemetry);
    e.cp.on('telemetry', e.onTelemetry);
    e.view.telemetry?.listening();
  }

  /** The summary of one charge point. @param id Its id. */
  summary(id: string): ChargepointSummary {
    const e = this.entry(id);
    const { protocol, bootState, securityProfile, connectors, evses, display } = e.view.summarize();
    const a = e.cp.automation;
    const out: ChargepointSummary = {
      id,
      protocol,
      url: e.cp.url,
      state: e.cp.connected ? 'connected' : e.connecting ? 'connecting' : 'disconnected',
      bootState,
      securityProfile,
      connectors,
      automation: { heartbeat: a.heartbeat, meterValues: a.meterValues, reconnect: a.reconnect, autoPlugIn: a.autoPlugIn, securityEvents: a.securityEvents },
      defaults: e.defaults,
      manualAnswers: [...e.manual],
    };
    if (evses) out.evses = evses;
    if (display) out.display = display;
    if (e.lastError !== undefined) out.lastError = e.lastError;
    return out;
  }

  /**
   * Announce a change of a charge point. Changes of one tick are sent as one summary, so a
   * status plus a transaction plus a frame do not flood the tabs.
   * @param id Its id.
   */
  changed(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.changeQueued) return;
    e.changeQueued = true;
    setImmediate(() => {
      e.changeQueued = false;
      if (this.entries.get(id) === e) this.emit('chargepoint', this.summary(id));
    });
  }

  /** Close every charge point (shutdown). */
  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) e.detach();
    await Promise.all(all.map((e) => e.cp.close()));
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new RegistryError(404, `no charge point ${id}`);
    return e;
  }

  private attach(id: string, cp: AnyStation, previous?: Entry): void {
    const e: Entry = {
      cp,
      view: viewOf(cp),
      traffic: previous?.traffic ?? new Traffic(),
      manual: new Set(),
      pending: new Map(),
      defaults: true,
      connecting: false,
      detach: () => undefined,
      onTelemetry: (samples) => this.emit('telemetry', id, samples),
      changeQueued: false,
      keepConnected: false,
    };
    const changed = (): void => this.changed(id);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- EventEmitter listeners take any arguments
    const handlers: Record<string, (...args: any[]) => void> = {
      open: () => {
        e.lastError = undefined;
        changed();
      },
      close: () => {
        e.pending.clear();
        e.traffic.closed();
        changed();
      },
      frame: (f: FrameEvent) => {
        const rec = e.traffic.frame(f);
        this.emit('frame', id, rec);
        if (rec.action !== undefined && METERING_ACTIONS.has(rec.action)) changed();
      },
      warning: (line: string) => this.log(id, 'warning', line),
      log: (value: unknown) => {
        const text = printable(value);
        e.capture?.(text);
        this.log(id, 'info', text);
      },
      session: (record: unknown) => this.emit('session', id, record),
      handlerError: (err: unknown, req: InboundCall) => this.log(id, 'error', `handler for ${req.action} (${req.uniqueId}) failed: ${printable(err)}`),
    };
    for (const event of SUMMARY_EVENTS) handlers[event] = changed;
    for (const [event, fn] of Object.entries(handlers)) cp.on(event, fn);
    e.detach = () => {
      for (const [event, fn] of Object.entries(handlers)) cp.off(event, fn);
      cp.off('telemetry', e.onTelemetry);
    };
    this.entries.set(id, e);
    if (this.watched.has(id)) this.listenToTelemetry(e, true);
  }
}

/** For errors thrown while the charge point is not connected. */
export function isNotConnected(err: unknown): boolean {
  return err instanceof OcppConnectionError && (err.code === 'NotConnected' || err.code === 'ConnectionClosed');
}

/** Narrow an unknown request body to an object. */
export function bodyOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
