/**
 * The charge points of server mode: creation and removal, connection, summaries for the UI,
 * recent frames (with round-trip times) and log lines per charge point, and CSMS calls held for
 * a manual answer. Emits `chargepoint` (summary), `removed` (id), `frame` (id, record), `log`
 * (id, record) and `pending` (id, call); the bridge forwards them to every browser tab.
 * @module
 */
import { EventEmitter } from 'node:events';
import { Chargepoint, type ChargepointOptions } from '../chargepoint/chargepoint';
import { ChargingStation } from '../charging-station/charging-station';
import type { FrameEvent, InboundCall } from '../ocpp/endpoint';
import { OcppConnectionError } from '../ocpp/errors';
import { parseSocketUrl } from '../transport/client';

/** One connector as the UI shows it. */
export interface ConnectorSummary {
  /** 0 = the charge point itself. */
  id: number;
  /** Available, Preparing, Charging, … */
  status: string;
  /** NoError, … */
  errorCode: string;
  /** Cable plugged in. */
  plugged: boolean;
  /** The running transaction. */
  transaction?: { id?: number; idTag: string; startedAt: string };
  /** Meter register, Wh (connectors ≥ 1). */
  energyWh?: number;
  /** Power drawn, W (connectors ≥ 1). */
  powerW?: number;
}

/** One charge point as the UI shows it. */
export interface ChargepointSummary {
  /** Id (the key in the registry). */
  id: string;
  /** URL without credentials. */
  url: string;
  /** Connection state. */
  state: 'disconnected' | 'connecting' | 'connected';
  /** Registration status. */
  bootState: 'None' | 'Pending' | 'Accepted' | 'Rejected';
  /** Current SecurityProfile. */
  securityProfile: number;
  /** Connector 0, then 1..N. */
  connectors: ConnectorSummary[];
  /** Automatic behaviour switches. */
  automation: { heartbeat: boolean; meterValues: boolean; reconnect: boolean; autoPlugIn: boolean; securityEvents: boolean };
  /** Built-in answers to CSMS calls on. */
  defaults: boolean;
  /** Actions answered by hand in the UI. */
  manualAnswers: string[];
  /** Last connection failure, one line. */
  lastError?: string;
}

/** One frame on the wire. */
export interface FrameRecord {
  /** Increasing per charge point. */
  seq: number;
  /** ISO time. */
  at: string;
  /** `in` = from the CSMS. */
  direction: 'in' | 'out';
  /** Exactly what went over the wire. */
  text: string;
  /** CALL, CALLRESULT, CALLERROR (absent: unreadable). */
  messageType?: 2 | 3 | 4;
  /** Message id. */
  uniqueId?: string;
  /** The CALL's action, or the action a result answers. */
  action?: string;
  /** On the answer to one of our CALLs: ms since it was sent. */
  rttMs?: number;
}

/** One log line. */
export interface LogRecord {
  /** ISO time. */
  at: string;
  /** Severity. */
  level: 'info' | 'warning' | 'error';
  /** The line. */
  text: string;
}

/** A CSMS call waiting for an answer from the UI. */
export interface PendingCall {
  /** The CALL's message id. */
  uniqueId: string;
  /** Its action. */
  action: string;
  /** Its payload. */
  payload: object;
  /** ISO time it arrived. */
  at: string;
}

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
}

/** A request the registry refuses; `status` is the HTTP status to answer with. */
export class RegistryError extends Error {
  /**
   * @param status HTTP status.
   * @param message One readable line.
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const FRAME_RING = 1000;
const LOG_RING = 500;
/** Identities a CSMS can route: no separators, whitespace or URL syntax; OCPP allows 48 characters at most for CiString identifiers. */
const ID_PATTERN = /^[^\s/?#%\\]{1,48}$/;

interface Entry {
  cp: Chargepoint;
  frames: FrameRecord[];
  logs: LogRecord[];
  seq: number;
  /** Send times of our CALLs awaiting an answer, by message id. */
  sentAt: Map<string, { at: number; action?: string }>;
  manual: Set<string>;
  pending: Map<string, PendingCall>;
  defaults: boolean;
  connecting: boolean;
  lastError?: string;
  /** Receives `cp.log` output while a console script runs. */
  capture?: (line: string) => void;
  detach: () => void;
  changeQueued: boolean;
}

const iso = (ms = Date.now()): string => new Date(ms).toISOString();
const printable = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Error ? v.message : safeJson(v));

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The charge points of one server-mode process. */
export class Registry extends EventEmitter {
  private readonly entries = new Map<string, Entry>();
  /** OCPP 2.0.1 stations, by id (the UI's connector board drives 1.6 charge points only for now). */
  private readonly stations201 = new Map<string, ChargingStation>();

  /**
   * @param options Charge-point options every charge point gets (validation, TLS, profile, logging observer).
   */
  constructor(readonly options: ChargepointOptions = {}) {
    super();
  }

  /** Ids in creation order. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The charge point under an id; a 404 {@link RegistryError} when there is none. */
  get(id: string): Chargepoint {
    return this.entry(id).cp;
  }

  /** Every summary. */
  summaries(): ChargepointSummary[] {
    return this.ids().map((id) => this.summary(id));
  }

  /**
   * Create a charge point (not connected).
   * @param req Id, URL, password, bootOnConnect.
   */
  create(req: CreateRequest): ChargepointSummary {
    const { id, url } = req;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new RegistryError(400, `invalid id ${JSON.stringify(id)}: 1 to 48 characters, no spaces, '/', '?', '#' or '%'`);
    if (typeof url !== 'string' || url === '') throw new RegistryError(400, 'url is required, e.g. ws://localhost:8100/ocpp/');
    if (req.password !== undefined && typeof req.password !== 'string') throw new RegistryError(400, 'password must be a string');
    if (this.entries.has(id)) throw new RegistryError(409, `charge point ${id} exists`);
    const full = url.includes('{cp}') ? url.split('{cp}').join(encodeURIComponent(id)) : url.endsWith('/') ? url + encodeURIComponent(id) : url;
    let cp: Chargepoint;
    try {
      parseSocketUrl(full);
      cp = new Chargepoint(full, id, {
        ...this.options,
        boot: req.bootOnConnect === false ? 'manual' : 'auto',
        ...(req.password ? { password: req.password } : {}),
      });
    } catch (err) {
      throw new RegistryError(400, (err as Error).message);
    }
    this.attach(id, cp);
    this.changed(id);
    return this.summary(id);
  }

  /**
   * Create an OCPP 2.0.1 station (not connected) under an id, with the registry's TLS and
   * validation options.
   * @param req Id, URL (the id is appended as for 1.6), password, bootOnConnect.
   */
  create201(req: CreateRequest): ChargingStation {
    const { id, url } = req;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new RegistryError(400, `invalid id ${JSON.stringify(id)}: 1 to 48 characters, no spaces, '/', '?', '#' or '%'`);
    if (typeof url !== 'string' || url === '') throw new RegistryError(400, 'url is required, e.g. ws://localhost:9000/ocpp/');
    if (this.entries.has(id) || this.stations201.has(id)) throw new RegistryError(409, `charge point ${id} exists`);
    const full = url.endsWith('/') ? url + encodeURIComponent(id) : url;
    const { validation, tls, scheduler, journal } = this.options;
    try {
      const cs = new ChargingStation(full, id, { validation, tls, scheduler, journal, boot: req.bootOnConnect === false ? 'manual' : 'auto', ...(req.password ? { password: req.password } : {}) });
      this.stations201.set(id, cs);
      return cs;
    } catch (err) {
      throw new RegistryError(400, (err as Error).message);
    }
  }

  /** The 2.0.1 station under an id, if that id holds one. @param id Its id. */
  station201(id: string): ChargingStation | undefined {
    return this.stations201.get(id);
  }

  /** Close and forget a 2.0.1 station. @param id Its id. */
  async remove201(id: string): Promise<void> {
    const cs = this.stations201.get(id);
    this.stations201.delete(id);
    await cs?.close();
  }

  /**
   * Put a charge point (a console script's `cp = await connect(…)`) under an id, replacing and
   * closing the one there.
   * @param id The registry id.
   * @param cp The new charge point.
   */
  adopt(id: string, cp: Chargepoint): void {
    const old = this.entries.get(id);
    if (old?.cp === cp) return;
    const capture = old?.capture;
    if (old) {
      old.detach();
      void old.cp.close();
    }
    this.attach(id, cp, old);
    this.entries.get(id)!.capture = capture;
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
    await this.entry(id).cp.close();
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
   * @param action CSMS-initiated action.
   * @param on True to answer by hand.
   */
  setManual(id: string, action: string, on: boolean): void {
    const e = this.entry(id);
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
  frames(id: string, since = 0, limit = FRAME_RING): FrameRecord[] {
    const list = this.entry(id).frames.filter((f) => f.seq > since);
    return limit < list.length ? list.slice(list.length - limit) : list;
  }

  /** The last 500 log lines. @param id Its id. */
  logs(id: string): LogRecord[] {
    return [...this.entry(id).logs];
  }

  /**
   * Add a log line (and forward it to the bridge).
   * @param id Its id.
   * @param level Severity.
   * @param text The line.
   */
  log(id: string, level: LogRecord['level'], text: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    const rec: LogRecord = { at: iso(), level, text };
    e.logs.push(rec);
    if (e.logs.length > LOG_RING) e.logs.splice(0, e.logs.length - LOG_RING);
    this.emit('log', id, rec);
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

  /** The summary of one charge point. @param id Its id. */
  summary(id: string): ChargepointSummary {
    const e = this.entry(id);
    const cp = e.cp;
    const now = cp.scheduler.now();
    const station = cp.station;
    const connectors = station.connectors.map((c): ConnectorSummary => {
      const s: ConnectorSummary = { id: c.id, status: c.status, errorCode: c.fault ?? 'NoError', plugged: c.plugged };
      if (c.transaction) {
        s.transaction = { idTag: c.transaction.idTag, startedAt: iso(c.transaction.startedAt) };
        if (c.transaction.id !== undefined) s.transaction.id = c.transaction.id;
      }
      if (c.meter) {
        c.meter.advance(now);
        s.energyWh = Math.floor(c.meter.energyWh);
        s.powerW = Math.round(c.meter.powerW);
      }
      return s;
    });
    const a = cp.automation;
    const out: ChargepointSummary = {
      id,
      url: cp.url,
      state: cp.connected ? 'connected' : e.connecting ? 'connecting' : 'disconnected',
      bootState: station.bootState,
      securityProfile: station.config.int('SecurityProfile'),
      connectors,
      automation: { heartbeat: a.heartbeat, meterValues: a.meterValues, reconnect: a.reconnect, autoPlugIn: a.autoPlugIn, securityEvents: a.securityEvents },
      defaults: e.defaults,
      manualAnswers: [...e.manual],
    };
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
    const stations = [...this.stations201.values()];
    this.stations201.clear();
    await Promise.all([...all.map((e) => e.cp.close()), ...stations.map((cs) => cs.close())]);
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new RegistryError(404, `no charge point ${id}`);
    return e;
  }

  private attach(id: string, cp: Chargepoint, previous?: Entry): void {
    const e: Entry = {
      cp,
      frames: previous?.frames ?? [],
      logs: previous?.logs ?? [],
      seq: previous?.seq ?? 0,
      sentAt: new Map(),
      manual: new Set(),
      pending: new Map(),
      defaults: true,
      connecting: false,
      detach: () => undefined,
      changeQueued: false,
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
        e.sentAt.clear();
        changed();
      },
      frame: (f: FrameEvent) => this.recordFrame(id, e, f),
      warning: (line: string) => this.log(id, 'warning', line),
      log: (value: unknown) => {
        const text = printable(value);
        e.capture?.(text);
        this.log(id, 'info', text);
      },
      handlerError: (err: unknown, req: InboundCall) => this.log(id, 'error', `handler for ${req.action} (${req.uniqueId}) failed: ${printable(err)}`),
      boot: changed,
      status: changed,
      transaction: changed,
      configuration: changed,
      securityEvent: changed,
    };
    for (const [event, fn] of Object.entries(handlers)) cp.on(event, fn);
    e.detach = () => {
      for (const [event, fn] of Object.entries(handlers)) cp.off(event, fn);
    };
    this.entries.set(id, e);
  }

  private recordFrame(id: string, e: Entry, f: FrameEvent): void {
    const now = Date.now();
    const rec: FrameRecord = { seq: ++e.seq, at: iso(now), direction: f.direction, text: f.text };
    const frame = f.frame;
    if (frame) {
      rec.messageType = frame.type;
      rec.uniqueId = frame.id;
      const action = frame.type === 2 ? frame.action : f.action;
      if (frame.type === 2 && f.direction === 'out') e.sentAt.set(frame.id, { at: now, action });
      if (frame.type !== 2 && f.direction === 'in') {
        const sent = e.sentAt.get(frame.id);
        if (sent) {
          e.sentAt.delete(frame.id);
          rec.rttMs = now - sent.at;
          rec.action = action ?? sent.action;
        }
      }
      if (rec.action === undefined && action !== undefined) rec.action = action;
    }
    e.frames.push(rec);
    if (e.frames.length > FRAME_RING) e.frames.splice(0, e.frames.length - FRAME_RING);
    // Bound the send-time map: answers that never came (timeouts) must not pile up.
    if (e.sentAt.size > 100) e.sentAt.delete(e.sentAt.keys().next().value!);
    this.emit('frame', id, rec);
    // Meter readings and transactions move the summary's energy figures.
    if (rec.action === 'MeterValues' || rec.action === 'StartTransaction' || rec.action === 'StopTransaction') this.changed(id);
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
