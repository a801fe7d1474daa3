/**
 * What the script faces of both versions share (the 1.6 `Chargepoint`, the 2.0.1
 * `ChargingStation`): identity from the URL, one {@link RpcEndpoint} and its socket, frame events
 * built only while someone listens, the generic answers (`sendResponse`, `sendError`, `sendRaw`)
 * and the script helpers (`sleep`, `log`, `onClose`).
 * @module
 */
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { RpcEndpoint, type EndpointOptions, type FrameEvent, type InboundCall } from '../ocpp/endpoint';
import { OcppConnectionError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import { type Scheduler, realScheduler } from '../ocpp/scheduler';
import type { ValidationMode } from '../ocpp/validator';
import { parseSocketUrl, type TlsOptions } from '../transport/client';
import { bindSocket } from '../transport/socket';
import type { Journal } from './model/journal';
import type { BootMode, LifecycleLink } from './station/lifecycle';

/** A client certificate entry of the keystore: PEM file paths. */
export interface KeyStoreElement {
  /** Charge point id this entry belongs to (`*` for any). */
  id: string;
  /** Path of the PEM private key. */
  key: string;
  /** Path of the PEM certificate (chain). */
  cert: string;
}

/** The options both versions' stations take alike. */
export interface FaceOptions {
  /** Default timeout of outbound calls in ms (1.6: `RESPONSE_TIMEOUT` or 15000; 2.0.1: `OCPPCommCtrlr.MessageTimeout[Default]`). */
  responseTimeoutMs?: number;
  /** Schema validation per direction (default strict both ways). */
  validation?: { inbound?: ValidationMode; outbound?: ValidationMode };
  /** CALLERROR code for a CSMS call nobody handles (default `NotSupported`). */
  unhandledCallError?: 'NotSupported' | 'NotImplemented';
  /** TLS settings for `wss://` URLs; verification is on unless `rejectUnauthorized: false`. */
  tls?: TlsOptions;
  /** Client certificate for `wss://` (security profile 3). */
  keyStoreElement?: KeyStoreElement;
  /** Clock and timers (default: the real clock). */
  scheduler?: Scheduler;
  /**
   * Who sends the first BootNotification: `manual` (default for `connect()`: the script does,
   * as with the earlier tool) or `auto` (default for `connectMany` and `--cps`).
   */
  boot?: BootMode;
  /** Default answers to CSMS calls (default true); false leaves every action to the script. */
  defaults?: boolean;
  /** Directory to persist state and the queue of messages with guaranteed delivery in (survives restarts). */
  stateDir?: string;
  /** Recent frames and events kept for the diagnostics file and GetLog (default 200; 0 keeps none). */
  journal?: number;
}

/** The station id a connect URL names: its last path segment, percent-decoded. @param url The connect URL. */
export function stationIdOf(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).pop();
  if (!last) throw new OcppConnectionError('InvalidUrl', `${url.href} has no charge point id as its last path segment`);
  return decodeURIComponent(last);
}

/** How the face's endpoint is made. */
export type FaceEndpointOptions = Pick<EndpointOptions, 'protocol' | 'validation' | 'responseTimeoutMs' | 'unhandledCallError' | 'scheduler'>;

/**
 * The shared part of a script face. Events: `open`, `close` (code, reason), `frame`
 * ({@link FrameEvent}), `warning` (line), `log`, `handlerError` (error, request), `released`
 * (the script closed it: {@link ScriptFace.held} turned false).
 */
export abstract class ScriptFace extends EventEmitter {
  /** Station identity (defaults to the URL's last path segment). @group Connection */
  readonly id: string;
  /** The URL it connects to, without credentials. @group Connection */
  readonly url: string;
  /** The protocol endpoint (calls, handlers, validation). */
  readonly endpoint: RpcEndpoint;
  /** Clock and timers. */
  readonly scheduler: Scheduler;
  /** The URL as given (with credentials). */
  protected readonly target: URL;
  /** The open socket, if any. */
  protected ws: WebSocket | undefined;
  /** A socket another version's face negotiated for this one, used once instead of dialing. */
  private handedOver: WebSocket | undefined;
  /** Whether the script holds this station ({@link ScriptFace.held}); `closing` while its `close()` runs. */
  private holding: 'never' | 'held' | 'closing' | 'released' = 'never';

  /**
   * Parse the URL and make the endpoint.
   * @param url `ws://` or `wss://` URL ending in the station id.
   * @param id Station id (default: the URL's last path segment).
   * @param endpoint Endpoint options (the scheduler defaults to the real clock).
   */
  constructor(url: string, id: string | undefined, endpoint: FaceEndpointOptions) {
    super();
    this.target = parseSocketUrl(url);
    this.id = id ?? stationIdOf(this.target);
    const shown = new URL(this.target.href);
    shown.username = shown.password = '';
    this.url = shown.href;
    this.scheduler = endpoint.scheduler ?? realScheduler;
    this.endpoint = new RpcEndpoint({ ...endpoint, role: 'ChargePoint', scheduler: this.scheduler });
    // A frame event costs an allocation per frame: let the endpoint build them only while someone listens.
    const forward = (e: FrameEvent): boolean => this.emit('frame', e);
    this.on('newListener', (event: string) => {
      if (event === 'frame' && this.listenerCount('frame') === 0) this.endpoint.on('frame', forward);
    });
    this.on('removeListener', (event: string) => {
      if (event === 'frame' && this.listenerCount('frame') === 0) this.endpoint.off('frame', forward);
    });
    this.endpoint.on('warning', (line: string) => this.emit('warning', line));
    this.endpoint.on('handlerError', (err: unknown, req: InboundCall) => this.emit('handlerError', err, req));
  }

  /**
   * One connection attempt with this version's connection settings, offering `protocols`.
   * @param protocols Subprotocols to offer, in order of preference.
   */
  protected abstract dial(protocols: readonly string[]): Promise<WebSocket>;

  /**
   * Dial once offering several subprotocols and resolve to the open socket without taking it: its
   * `protocol` is the version the CSMS chose (2.0.1 Part 4 §3.1.2). `connect()` with `protocols`
   * uses it, then hands the socket to the face of that version ({@link ScriptFace.handOver}).
   * @param protocols Subprotocols to offer, in order of preference.
   */
  negotiate(protocols: readonly string[]): Promise<WebSocket> {
    return this.dial(protocols);
  }

  /**
   * Use an open socket, negotiated for this version, for the next connection instead of dialing.
   * @param ws The socket ({@link ScriptFace.negotiate}).
   */
  handOver(ws: WebSocket): void {
    this.handedOver = ws;
  }

  /** The socket of the next connection: the handed-over one, once; else a dial offering this version only. */
  protected nextSocket(): Promise<WebSocket> {
    // Connecting again after close() (a reConnect()) takes hold again at once, not only once open.
    if (this.holding === 'closing' || this.holding === 'released') this.holding = 'held';
    const ws = this.handedOver;
    this.handedOver = undefined;
    return ws ? Promise.resolve(ws) : this.dial([this.endpoint.protocol.subprotocol]);
  }

  /**
   * True from the first connection until the script's `close()`, and again from its next
   * `connect()` (so a `reConnect()` holds on), whether or not the socket is up at the moment: a
   * batch run keeps going while a station is held, as the earlier tool kept running while a
   * charge point it opened was open.
   */
  get held(): boolean {
    return this.holding === 'held';
  }

  /** True while the script's `close()` runs (a `reConnect()` may take hold again right after). */
  get closing(): boolean {
    return this.holding === 'closing';
  }

  /** The script closes this station: call first thing in `close()`. */
  protected letGo(): void {
    if (this.holding === 'held') this.holding = 'closing';
  }

  /** Its `close()` is done (call last): emits `released` unless a `connect()` took hold again meanwhile. */
  protected release(): void {
    if (this.holding !== 'closing') return;
    this.holding = 'released';
    this.emit('released');
  }

  /** True while the WebSocket is open. @group Connection */
  get connected(): boolean {
    return this.ws !== undefined;
  }

  /**
   * Take an opened socket: frames go to the endpoint; when it closes, `close` is emitted and
   * `closed` runs (the lifecycle reconnects).
   */
  protected adoptSocket(ws: WebSocket, closed: () => void): void {
    this.ws = ws;
    this.holding = 'held';
    ws.once('close', (code, reason) => {
      this.ws = undefined;
      this.emit('close', code, reason.toString());
      closed();
    });
    bindSocket(ws, this.endpoint);
    this.emit('open');
  }

  /**
   * The link the model and the shared lifecycle drive: calls through the endpoint, model events
   * emitted (and journalled when listed in `journalled`), the socket opened, dropped and pinged.
   * @param journal The model's journal, once it exists.
   * @param journalled Events worth a journal line.
   * @param open Opens the socket (the face's `connect`).
   * @param mute What "not served" means while Rejected in this version.
   */
  protected lifecycleLink(journal: () => Journal, journalled: ReadonlySet<string>, open: () => Promise<unknown>, mute: (on: boolean) => void): LifecycleLink {
    return new FaceLink(this, { journal, journalled, open, mute, drop: () => this.closeSocket(), ping: () => this.ws?.ping() });
  }

  /** Journal every frame when the journal keeps entries (the diagnostics file, GetLog). */
  protected journalFrames(journal: Journal): void {
    if (journal.capacity > 0) {
      this.endpoint.on('frame', (e: FrameEvent) => journal.record(this.scheduler.now(), 'frame', `${e.direction === 'in' ? '<<' : '>>'} ${e.text}`));
    }
  }

  /**
   * Send a default behaviour's answer (unless a script answered already) and run its follow-up
   * once the answer is on the wire; a failed follow-up is a warning.
   */
  protected deliverOutcome(request: InboundCall, outcome: { response: unknown; followUp?: () => unknown }): Payload {
    const response = outcome.response as Payload;
    if (this.endpoint.isUnanswered(request.uniqueId)) this.sendResponse(request.uniqueId, response);
    if (outcome.followUp) {
      Promise.resolve()
        .then(outcome.followUp)
        .catch((err: unknown) => this.emit('warning', `${request.action} follow-up failed: ${(err as Error).message}`));
    }
    return response;
  }

  /** Close the socket (normal closure) and resolve once it is closed; a peer that never answers the close is cut after 2 s. */
  protected closeSocket(): Promise<void> {
    const ws = this.ws;
    if (!ws) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      this.scheduler.after(2_000, () => ws.terminate());
    });
  }

  /**
   * Answer an inbound CALL with a CALLRESULT. Throws when the payload is invalid (strict mode)
   * or the id is not awaiting an answer.
   * @param uniqueId The request's `uniqueId`.
   * @param payload The response payload.
   * @group Answering the CSMS
   */
  sendResponse(uniqueId: string, payload: object): void {
    this.endpoint.sendResult(uniqueId, payload as Payload);
  }

  /**
   * Answer an inbound CALL with a CALLERROR.
   * @param uniqueId The request's `uniqueId`.
   * @param code OCPP error code, e.g. `NotSupported`.
   * @param description Optional description (at most 255 characters are sent).
   * @param details Optional details object.
   * @group Answering the CSMS
   */
  sendError(uniqueId: string, code: string, description?: string, details?: Payload): void {
    this.endpoint.sendError(uniqueId, code, description, details);
  }

  /**
   * Put text on the wire exactly as given: no validation, no queue. For deliberately broken
   * frames when testing a CSMS.
   * @param text The frame text, e.g. `'[2,"1","Heartbeat",null]'`.
   * @group Sending messages
   */
  sendRaw(text: string): void {
    this.endpoint.sendRaw(text);
  }

  /**
   * Wait `ms` milliseconds (on the station's clock).
   * @param ms Milliseconds.
   * @group Script helpers
   */
  sleep(ms: number): Promise<void> {
    return this.scheduler.sleep(ms);
  }

  /**
   * Log a value to the runtime's output (and the web UI's log when one is attached).
   * @param value Anything printable.
   * @returns True when a listener of the `log` event (the runtime, the web UI) took it, false when
   *   nobody listens and it went to the console.
   * @group Script helpers
   */
  log(value: unknown): boolean {
    if (this.emit('log', value)) return true;
    console.log(value);
    return false;
  }

  /** Register a callback for when the connection closes. @param cb Receives (code, reason). @group Script helpers */
  onClose(cb: (code: number, reason: string) => void): void {
    this.on('close', cb);
  }
}

/** What a face hands its {@link FaceLink}: its version's hooks and the socket operations it keeps to itself. */
interface LinkHooks {
  /** The model's journal, once it exists. */
  journal: () => Journal;
  /** Events worth a journal line. */
  journalled: ReadonlySet<string>;
  /** Open the socket (the face's `connect`). */
  open: () => Promise<unknown>;
  /** What "not served" means while Rejected in this version. */
  mute: (on: boolean) => void;
  /** Close the socket without stopping the lifecycle. */
  drop: () => Promise<void>;
  /** Send a WebSocket ping. */
  ping: () => void;
}

/**
 * The link of one face. A class, not an object literal: V8 keeps a literal with an accessor
 * (`connected`) in dictionary mode, about half a kilobyte per station of a fleet.
 */
class FaceLink implements LifecycleLink {
  readonly id: string;
  readonly scheduler: Scheduler;

  constructor(
    private readonly face: ScriptFace,
    private readonly hooks: LinkHooks,
  ) {
    this.id = face.id;
    this.scheduler = face.scheduler;
  }

  get connected(): boolean {
    return this.face.connected;
  }

  call(action: string, payload: Payload): Promise<Payload> {
    return this.face.endpoint.call(action, payload);
  }

  emit(event: string, ...args: unknown[]): boolean {
    if (this.hooks.journalled.has(event)) this.hooks.journal().record(this.scheduler.now(), event, args.map(describe).join(' '));
    return this.face.emit(event, ...args);
  }

  open(): Promise<unknown> {
    return this.hooks.open();
  }

  drop(): Promise<void> {
    return this.hooks.drop();
  }

  ping(): void {
    this.hooks.ping();
  }

  mute(on: boolean): void {
    this.hooks.mute(on);
  }
}

const describe = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
