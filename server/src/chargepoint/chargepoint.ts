/**
 * The script-facing charge point: a thin face over one {@link RpcEndpoint} and its socket.
 * Method names and argument shapes are those of the earlier scriptable simulator, so its scripts
 * run unchanged; each compatibility method is a one-liner over {@link Chargepoint.call} or
 * {@link Chargepoint.answer}.
 * @module
 */
import type WebSocket from 'ws';
import { RpcEndpoint, type CallOptions, type FrameEvent, type InboundCall } from '../ocpp/endpoint';
import { OcppConnectionError, OcppError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import { actionEntry, type ProtocolVersion } from '../ocpp/protocol';
import { ocpp16 } from '../ocpp/v16/protocol';
import type { Ocpp16Messages } from '../ocpp/v16/types';
import { DEFAULT_BEHAVIOURS, type Behaviour } from './behaviour/index';
import { ScriptFace, type FaceOptions } from './script-face';
import * as extras from './extras';
import type { PemText } from './extras';
import type { ConnectorErrorCode, ConnectorStatus } from './model/connector';
import type { EvSpec } from '../ev/ev';
import type { StationProfile } from './model/profile';
import { Lifecycle, type Backoff } from './station/lifecycle';
import { v16LifecycleModel } from './station/lifecycle-v16';
import { StateStore } from './station/state-store';
import { isTransactionMessage, mirrorAnswered, mirrorMeterValues, queueScriptMessage } from './station/script-transactions';
import { Station, type Automation, type StopReason } from './station/station';
import { ChargepointDialer } from './dialer';
import type { AuthorizationKeyEncoding } from './security-profile';

/** Request payload type of a 1.6 action. */
export type RequestOf<A extends keyof Ocpp16Messages> = Ocpp16Messages[A]['request'];
/** Response payload type of a 1.6 action. */
export type ResponseOf<A extends keyof Ocpp16Messages> = Ocpp16Messages[A]['response'];

export type { KeyStoreElement } from './script-face';

/** How a charge point connects and behaves on the wire. */
export interface ChargepointOptions extends FaceOptions {
  /** Protocol version (default OCPP 1.6). */
  protocol?: ProtocolVersion;
  /**
   * HTTP Basic password (security profile 1/2); the user name is the charge point id. A hex
   * string of 32–40 digits becomes the initial `AuthorizationKey`.
   */
  password?: string | Buffer;
  /** Send the AuthorizationKey as its hex text (default) or as the raw bytes it encodes. */
  authorizationKeyEncoding?: AuthorizationKeyEncoding;
  /** Initial `SecurityProfile` (default: judged from the URL, password and client certificate). */
  securityProfile?: number;
  /** URL used at security profile 2 and 3 when the given one is `ws://` (default: the same with `wss://`). */
  secureUrl?: string;
  /** Called with the new charge point before its socket opens (used to attach logging). */
  observe?: (cp: Chargepoint) => void;
  /** Identity and hardware (vendor, model, serial, firmware, connectors, power, configuration). */
  profile?: StationProfile;
  /** Automatic behaviour switches (heartbeat, meterValues, reconnect, autoPlugIn; all on by default). */
  automation?: Partial<Automation>;
  /** Reconnect back-off bounds in ms (default 1000 to 60000, jittered). */
  backoff?: Partial<Backoff>;
}

/** Model events worth a journal line (the diagnostics file). */
const JOURNALLED = new Set(['boot', 'status', 'transaction', 'configuration', 'warning', 'securityEvent']);

/** Script-sent actions the model watches to stay in step. */
const OBSERVED = new Set(['BootNotification', 'StartTransaction', 'StopTransaction', 'StatusNotification']);

/** Options of one {@link Chargepoint.call}. */
export interface ChargepointCallOptions extends CallOptions {
  /**
   * False sends a transaction message (StartTransaction, StopTransaction, MeterValues with a
   * transactionId) straight to the wire instead of through the queue with guaranteed delivery.
   * So do `validation: 'off'` and a `timeoutMs` of its own: the one CALL, as given, now.
   */
  queued?: boolean;
}

/** Options of {@link Chargepoint.answer}. */
export interface AnswerOptions {
  /** Rewrite the request before the handler sees it (e.g. {@link Chargepoint.CERTIFICATE_SIGNED_OPTIONS_PEM_ENCODER}). */
  requestConverter?: (request: InboundCall) => InboundCall | Promise<InboundCall>;
}

/** Handler of an inbound CSMS call: return the response payload, or answer with `sendResponse`. */
export type AnswerHandler = (request: InboundCall) => unknown;

function defaultResponseTimeout(): number {
  const fromEnv = Number(process.env.RESPONSE_TIMEOUT);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 15_000;
}

/**
 * A simulated charge point connected to a central system.
 *
 * Events: `open`, `close` (code, reason), `frame` ({@link FrameEvent}), `warning` (line),
 * `log` (value passed to {@link Chargepoint.log}), `handlerError` (error, request).
 *
 * Scripts may store their own properties on it (`cp.transaction = …`).
 *
 * Every example below runs as it stands with `./start.sh --with-csms example.js` (the suite runs
 * them); against your own CSMS, put its URL where `connect.csms.url` is.
 * @category Script API
 *
 * @groupDescription Connection
 * Open, close and reopen the WebSocket; the model behind it.
 * ```js
 * const cp = await connect(connect.csms.url + 'DOC-CONN', undefined, undefined, { boot: 'auto' });
 * console.log(cp.connected, cp.station.bootState);                 // true Accepted
 * await cp.reConnect();                                             // close (1000) and dial again
 * cp.setAutomatic(false);                                           // no heartbeats, no default answers
 * await cp.close();
 * ```
 *
 * @groupDescription Sending messages
 * Charge point → CSMS calls: each resolves with the CSMS's response, checked against the schema,
 * or rejects with a typed error; transaction messages go through the queue.
 * ```js
 * const cp = await connect(connect.csms.url + 'DOC-SEND');
 * const boot = await cp.sendBootnotification({ chargePointVendor: 'ACME', chargePointModel: 'Wallbox' });
 * await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available' });
 * const { idTagInfo } = await cp.sendAuthorize({ idTag: 'TAG-1' });
 * const answer = await cp.call('DataTransfer', { vendorId: 'ACME', messageId: 'hello' });  // any action by name
 * console.log(boot.status, idTagInfo.status, answer.status);
 * await cp.close();
 * ```
 *
 * @groupDescription Answering the CSMS
 * Handlers for CSMS → charge point calls: return the response, or answer first with
 * `sendResponse` and send follow-ups after; `defaultAnswer` delegates to the built-in behaviour.
 * ```js
 * const csms = connect.csms;
 * const cp = await connect(csms.url + 'DOC-ANSWER', undefined, undefined, { boot: 'auto' });
 * cp.answerReset((req) => ({ status: 'Rejected' }));                 // refuse every Reset
 * cp.answerGetConfiguration(async (req) => {
 *   cp.log(`GetConfiguration for ${JSON.stringify(req.payload.key ?? 'all keys')}`);
 *   return cp.defaultAnswer(req);                                   // the built-in answer
 * });
 * console.log((await csms.call('DOC-ANSWER', 'Reset', { type: 'Soft' })).status);   // Rejected
 * await csms.call('DOC-ANSWER', 'GetConfiguration', { key: ['HeartbeatInterval'] });
 * await cp.close();
 * ```
 *
 * @groupDescription The charger by hand
 * Act as the driver and the hardware: the model sends the StatusNotifications, Authorize,
 * StartTransaction, MeterValues and StopTransaction a certified charger would.
 * ```js
 * const cp = await connect(connect.csms.url + 'DOC-HAND', undefined, undefined, { boot: 'auto' });
 * cp.plugIn(1, { ev: { capacityKWh: 40, socPercent: 30 } });       // Preparing
 * await cp.startCharging(1, 'TAG-1');                               // Authorize, StartTransaction, Charging
 * await cp.sleep(2000);
 * cp.stopCharging(1);                                               // StopTransaction, Finishing
 * cp.unplug(1);                                                     // Available
 * await cp.close();
 * ```
 *
 * @groupDescription Files, certificates and listeners
 * FTP transfers of the earlier tool, keys and CSRs for the security extension, the keystore.
 * ```js
 * const cp = await connect(connect.csms.url + 'DOC-FILES');
 * const { key, csr } = await cp.generateCsr({ CN: 'DOC-FILES', O: 'Example CPO' });
 * console.log(csr.split(/\r?\n/)[0], key.length > 0);               // -----BEGIN CERTIFICATE REQUEST-----
 * await cp.close();
 * ```
 *
 * @groupDescription Script helpers
 * Logging and waiting on the charge point's clock.
 * ```js
 * const cp = await connect(connect.csms.url + 'DOC-HELPERS');
 * cp.onClose((code, reason) => console.log(`closed ${code} ${reason}`));
 * cp.log('waiting a second');                                       // a log line (and a UI log entry)
 * await cp.sleep(1000);
 * await cp.close();
 * ```
 */
export class Chargepoint extends ScriptFace {
  /** The charge-point model: configuration, connectors, transactions, queue. @group Connection */
  readonly station: Station;
  /** Boot gate, heartbeat, reconnect. @group Connection */
  readonly lifecycle: Lifecycle;
  private triggersMade: Map<string, Map<string, AnswerHandler>> | undefined;
  /** Made on first use. */
  private get triggers(): Map<string, Map<string, AnswerHandler>> {
    return (this.triggersMade ??= new Map());
  }
  private defaultsOn: boolean;
  private readonly dialer: ChargepointDialer;

  /**
   * Create a charge point without connecting it; call {@link Chargepoint.connect} next.
   * Most code uses the `connect()` function instead.
   * @param url `ws://` or `wss://` URL of the central system, ending in the charge point id.
   * @param cpName Charge point id (default: the URL's last path segment).
   * @param options See {@link ChargepointOptions}.
   */
  constructor(url: string, cpName?: string, options: ChargepointOptions = {}) {
    super(url, cpName, {
      protocol: options.protocol ?? ocpp16,
      validation: options.validation,
      responseTimeoutMs: options.responseTimeoutMs ?? defaultResponseTimeout(),
      unhandledCallError: options.unhandledCallError,
      scheduler: options.scheduler,
    });
    const link = this.lifecycleLink(() => this.station.journal, JOURNALLED, () => this.connect(), (on) => (this.endpoint.muted = on));
    const files = { ca: options.tls?.ca, rejectUnauthorized: options.tls?.rejectUnauthorized };
    this.station = new Station(link, { profile: options.profile, automation: options.automation, journal: options.journal, files });
    this.journalFrames(this.station.journal);
    this.lifecycle = new Lifecycle(link, v16LifecycleModel(this.station), options.boot ?? 'manual', options.backoff);
    if (options.stateDir) new StateStore(options.stateDir).attach(this.station);
    // Meter sampling runs from now on, connected or not (values taken offline are queued), with the restored configuration.
    this.station.startTimers();
    this.dialer = new ChargepointDialer(this.id, this.target, this.station, { ...options, profileSetsSecurity: options.profile?.configuration?.SecurityProfile !== undefined }, (line) => this.emit('warning', line));
    this.defaultsOn = options.defaults ?? true;
    this.endpoint.fallback = (action) => this.defaultHandlerOf(action);
    options.observe?.(this);
  }

  /**
   * Open the WebSocket (offering the protocol's subprotocol) and resolve when it is open and,
   * with `boot: 'auto'`, the BootNotification was answered.
   * @group Connection
   */
  async connect(): Promise<this> {
    if (this.ws) return this;
    const ws = await this.dialer.connect(() => this.nextSocket());
    this.adoptSocket(ws, () => this.lifecycle.closed());
    // With automatic boot, resolve once the CSMS answered the BootNotification (ready to charge).
    await this.lifecycle.opened();
    return this;
  }

  /** One connection attempt with the settings of the current security profile. */
  protected dial(protocols: readonly string[]): Promise<WebSocket> {
    return this.dialer.dial(protocols);
  }

  // ---- generic API ----

  /**
   * Send any CALL and resolve with the response payload. Rejects with a typed
   * {@link OcppError} (`OcppCallError`, `OcppTimeoutError`, `OcppValidationError`,
   * `OcppConnectionError`).
   *
   * Transaction messages (StartTransaction, StopTransaction, MeterValues with a transactionId)
   * have guaranteed delivery once the charge point has booted (or boots by itself): they join the
   * transaction message queue, in order with the model's own, survive connection losses (the
   * charge point reconnects and resends what was not answered, without a new BootNotification)
   * and are retried after CALLERRORs or timeouts per `TransactionMessageAttempts` /
   * `TransactionMessageRetryInterval`. The promise resolves with the CSMS's answer once delivered,
   * and rejects only when the queue gives up ({@link OcppDeliveryError}), when our validation
   * refuses the payload, or when the charge point is closed first. The model follows them at
   * once: the connector runs the transaction, its register takes the readings, and a
   * StopTransaction ends the transaction for the default answers before its answer arrives.
   * Before any boot was answered (a script that never boots) they go straight to the wire, as
   * other messages do.
   * @param action Action name, e.g. `BootNotification`.
   * @param payload Request payload.
   * @param opts Per-call timeout; `{validation: 'off'}` deliberately sends an invalid payload;
   *   either, or `{queued: false}`, sends a transaction message directly, outside the queue.
   * @group Sending messages
   */
  call<A extends keyof Ocpp16Messages>(action: A, payload: RequestOf<A>, opts?: ChargepointCallOptions): Promise<ResponseOf<A>>;
  call(action: string, payload?: Payload, opts?: ChargepointCallOptions): Promise<Payload>;
  call(action: string, payload: object = {}, opts?: ChargepointCallOptions): Promise<unknown> {
    const request = payload as Payload;
    // The model's meter follows the script's readings, transaction or not (a triggered MeterValues reports them).
    if (action === 'MeterValues') mirrorMeterValues(this.station, request);
    if (this.guaranteed(action, request, opts)) return queueScriptMessage(this.station, action, request);
    const { queued: _queued, ...callOptions } = opts ?? {};
    const sent = this.endpoint.call(action, request, opts && callOptions);
    if (!OBSERVED.has(action)) return sent;
    // Keep the model in step with what the script does itself (boot gate, identity, transactions, statuses).
    return sent.then((response) => {
      if (action === 'BootNotification') {
        this.station.bootIdentity = { ...(request as unknown as RequestOf<'BootNotification'>) };
        void this.lifecycle.answered(response as unknown as ResponseOf<'BootNotification'>, false);
      } else mirrorAnswered(this.station, action, request, response);
      return response;
    });
  }

  /**
   * A transaction message goes through the queue unless the call asks for this one CALL as given
   * (`queued: false`, `validation: 'off'`, its own timeout), or no boot was answered yet and the
   * script, not the charge point, is to send it (1.6 §4.2.1: transaction messages follow an
   * accepted boot; the queue would hold them until one, and a script that never boots must still
   * reach the CSMS as before).
   */
  private guaranteed(action: string, payload: Payload, opts: ChargepointCallOptions | undefined): boolean {
    if (!isTransactionMessage(action, payload)) return false;
    if (opts && (opts.queued === false || opts.validation === 'off' || opts.timeoutMs !== undefined)) return false;
    return this.station.bootState === 'Accepted' || this.lifecycle.bootDue;
  }

  /**
   * Handle a CSMS-initiated action (replacing any earlier handler). The handler receives
   * `{messageTypeId, uniqueId, action, payload}` and either returns the response payload or
   * answers itself with {@link Chargepoint.sendResponse} / {@link Chargepoint.sendError}
   * (which lets it answer first and send follow-up messages after). A handler that throws is
   * answered with CALLERROR `InternalError`.
   * @param action Action name, e.g. `Reset`.
   * @param handler The handler; `undefined` removes it.
   * @param options Optional request converter.
   * @group Answering the CSMS
   */
  answer(action: string, handler: AnswerHandler | undefined, options: AnswerOptions = {}): void {
    const convert = options.requestConverter;
    if (!handler) return this.endpoint.handle(action, undefined); // the built-in answer (fallback) again
    this.endpoint.handle(action, convert ? async (req) => handler(await convert(req)) : handler);
  }

  /**
   * Answer a CSMS call the way the built-in behaviour does (sends the response and its
   * follow-up messages) and resolve with the response payload. A script handler can delegate:
   * `cp.answerReset((req) => cp.defaultAnswer(req))`.
   * @param request The request as the handler received it.
   * @group Answering the CSMS
   */
  async defaultAnswer(request: InboundCall): Promise<Payload> {
    const behaviour = actionEntry(DEFAULT_BEHAVIOURS, request.action) as Behaviour<never> | undefined;
    if (!behaviour) throw new OcppError(this.endpoint.protocol.errors.notSupported, `no default behaviour for ${request.action}`);
    return this.deliverOutcome(request, await behaviour(request.payload as never, { station: this.station, lifecycle: this.lifecycle }));
  }

  /**
   * Switch the built-in answers to CSMS calls on or off (off: actions without a script handler
   * get CALLERROR NotSupported, as with the earlier tool). Script handlers stay.
   * @param on True to answer by default.
   * @group Answering the CSMS
   */
  setDefaultAnswers(on: boolean): void {
    // The endpoint's fallback asks defaultHandlerOf on every call, so this takes effect at once.
    this.defaultsOn = on;
  }

  /**
   * Switch every automatic behaviour on or off at once: default answers, heartbeats, meter
   * values, reconnect, the simulated driver plugging in on a remote start.
   * @param on True for a charger that acts on its own.
   * @group Connection
   */
  setAutomatic(on: boolean): void {
    this.setDefaultAnswers(on);
    Object.assign(this.station.automation, { heartbeat: on, meterValues: on, reconnect: on, autoPlugIn: on, securityEvents: on });
  }

  /** One built-in handler for every action (it dispatches on `req.action`): a closure per action and charge point cost ~2 KB. */
  private builtInHandler: ((req: InboundCall) => Promise<undefined>) | undefined;

  private defaultHandlerOf(action: string): ((req: InboundCall) => Promise<undefined>) | undefined {
    if (!this.defaultsOn || !actionEntry(DEFAULT_BEHAVIOURS, action)) return undefined;
    return (this.builtInHandler ??= async (req: InboundCall): Promise<undefined> => {
      await this.defaultAnswer(req);
      return undefined;
    });
  }

  // ---- charge point → central system (compatibility names) ----

  /** Send BootNotification. @param payload BootNotification.req @group Sending messages */
  sendBootnotification(payload: RequestOf<'BootNotification'>): Promise<ResponseOf<'BootNotification'>> { return this.call('BootNotification', payload); }
  /** Send Heartbeat. @group Sending messages */
  sendHeartbeat(): Promise<ResponseOf<'Heartbeat'>> { return this.call('Heartbeat', {}); }
  /** Send StatusNotification. @param payload StatusNotification.req @group Sending messages */
  sendStatusNotification(payload: RequestOf<'StatusNotification'>): Promise<ResponseOf<'StatusNotification'>> { return this.call('StatusNotification', payload); }
  /** Send Authorize. @param payload Authorize.req @group Sending messages */
  sendAuthorize(payload: RequestOf<'Authorize'>): Promise<ResponseOf<'Authorize'>> { return this.call('Authorize', payload); }
  /** Send StartTransaction. @param payload StartTransaction.req @group Sending messages */
  startTransaction(payload: RequestOf<'StartTransaction'>): Promise<ResponseOf<'StartTransaction'>> { return this.call('StartTransaction', payload); }
  /** Send StopTransaction. @param payload StopTransaction.req @group Sending messages */
  stopTransaction(payload: RequestOf<'StopTransaction'>): Promise<ResponseOf<'StopTransaction'>> { return this.call('StopTransaction', payload); }
  /** Send MeterValues. @param payload MeterValues.req @group Sending messages */
  meterValues(payload: RequestOf<'MeterValues'>): Promise<ResponseOf<'MeterValues'>> { return this.call('MeterValues', payload); }
  /** Send DataTransfer. @param payload DataTransfer.req @group Sending messages */
  sendDataTransfer(payload: RequestOf<'DataTransfer'>): Promise<ResponseOf<'DataTransfer'>> { return this.call('DataTransfer', payload); }
  /** Send DiagnosticsStatusNotification. @param payload DiagnosticsStatusNotification.req @group Sending messages */
  sendDiagnosticsStatusNotification(payload: RequestOf<'DiagnosticsStatusNotification'>): Promise<ResponseOf<'DiagnosticsStatusNotification'>> { return this.call('DiagnosticsStatusNotification', payload); }
  /** Send FirmwareStatusNotification. @param payload FirmwareStatusNotification.req @group Sending messages */
  sendFirmwareStatusNotification(payload: RequestOf<'FirmwareStatusNotification'>): Promise<ResponseOf<'FirmwareStatusNotification'>> { return this.call('FirmwareStatusNotification', payload); }
  /** Send SignCertificate (security extension). @param payload SignCertificate.req @group Sending messages */
  sendSignCertificate(payload: RequestOf<'SignCertificate'>): Promise<ResponseOf<'SignCertificate'>> { return this.call('SignCertificate', payload); }
  /** Send SecurityEventNotification (security extension). @param payload SecurityEventNotification.req @group Sending messages */
  sendSecurityEventNotification(payload: RequestOf<'SecurityEventNotification'>): Promise<ResponseOf<'SecurityEventNotification'>> { return this.call('SecurityEventNotification', payload); }
  /** Send LogStatusNotification (security extension). @param payload LogStatusNotification.req @group Sending messages */
  sendLogStatusNotification(payload: RequestOf<'LogStatusNotification'>): Promise<ResponseOf<'LogStatusNotification'>> { return this.call('LogStatusNotification', payload); }
  /** Send SignedFirmwareStatusNotification (security extension). @param payload SignedFirmwareStatusNotification.req @group Sending messages */
  sendSignedFirmwareStatusNotification(payload: RequestOf<'SignedFirmwareStatusNotification'>): Promise<ResponseOf<'SignedFirmwareStatusNotification'>> { return this.call('SignedFirmwareStatusNotification', payload); }

  // ---- central system → charge point (compatibility names) ----

  /** Handle GetDiagnostics. @param cb handler @param options converter @group Answering the CSMS */
  answerGetDiagnostics(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('GetDiagnostics', cb, options); }
  /** Handle UpdateFirmware. @param cb handler @param options converter @group Answering the CSMS */
  answerUpdateFirmware(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('UpdateFirmware', cb, options); }
  /** Handle Reset. @param cb handler @param options converter @group Answering the CSMS */
  answerReset(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('Reset', cb, options); }
  /** Handle GetConfiguration. @param cb handler @param options converter @group Answering the CSMS */
  answerGetConfiguration(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('GetConfiguration', cb, options); }
  /** Handle ChangeConfiguration. @param cb handler @param options converter @group Answering the CSMS */
  answerChangeConfiguration(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('ChangeConfiguration', cb, options); }
  /** Handle ChangeAvailability. @param cb handler @param options converter @group Answering the CSMS */
  answerChangeAvailability(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('ChangeAvailability', cb, options); }
  /** Handle RemoteStartTransaction. @param cb handler @param options converter @group Answering the CSMS */
  answerRemoteStartTransaction(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('RemoteStartTransaction', cb, options); }
  /** Handle RemoteStopTransaction. @param cb handler @param options converter @group Answering the CSMS */
  answerRemoteStopTransaction(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('RemoteStopTransaction', cb, options); }
  /** Handle DataTransfer. @param cb handler @param options converter @group Answering the CSMS */
  answerDataTransfer(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('DataTransfer', cb, options); }
  /** Handle CertificateSigned. @param cb handler @param options converter @group Answering the CSMS */
  answerCertificateSigned(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('CertificateSigned', cb, options); }
  /** Handle DeleteCertificate. @param cb handler @param options converter @group Answering the CSMS */
  answerDeleteCertificate(cb: AnswerHandler, options?: AnswerOptions): void { this.answer('DeleteCertificate', cb, options); }

  /**
   * Handle TriggerMessage for one `requestedMessage` (e.g. `MeterValues`). A trigger for a
   * message with no handler is answered `{status: "NotImplemented"}`.
   * @param requestedMessage The value of `payload.requestedMessage` to handle.
   * @param cb handler
   * @group Answering the CSMS
   */
  answerTriggerMessage(requestedMessage: string, cb: AnswerHandler): void { this.answerTrigger('TriggerMessage', requestedMessage, cb); }

  /**
   * Handle ExtendedTriggerMessage (security extension) for one `requestedMessage`
   * (e.g. `SignChargePointCertificate`); others are answered `{status: "NotImplemented"}`.
   * @param requestedMessage The value of `payload.requestedMessage` to handle.
   * @param cb handler
   * @group Answering the CSMS
   */
  answerExtendedTriggerMessage(requestedMessage: string, cb: AnswerHandler): void { this.answerTrigger('ExtendedTriggerMessage', requestedMessage, cb); }

  private answerTrigger(action: string, requestedMessage: string, cb: AnswerHandler): void {
    let byMessage = this.triggers.get(action);
    if (!byMessage) {
      const table = (byMessage = new Map());
      this.triggers.set(action, table);
      this.answer(action, (req) => {
        const handler = table.get(String((req.payload as { requestedMessage?: unknown }).requestedMessage));
        if (handler) return handler(req);
        return this.defaultsOn && actionEntry(DEFAULT_BEHAVIOURS, action) ? this.defaultAnswer(req).then(() => undefined) : { status: 'NotImplemented' };
      });
    }
    byMessage.set(requestedMessage, cb);
  }

  // ---- the simulated charger, by hand (scripts and the UI) ----

  /**
   * Boot now with the profile's identity: BootNotification, then (Accepted) StatusNotification
   * for connector 0 and every connector, heartbeats and queued messages; Pending / Rejected
   * retry after the CSMS's interval.
   * @group The charger by hand
   */
  boot(): Promise<void> {
    return this.lifecycle.boot();
  }

  /**
   * Plug the EV's cable into a connector (Preparing, or starts an authorized session). The EV
   * sets the power it draws along its charging curve and the SoC it reports.
   * @param connectorId 1..N
   * @param options `ev`: the EV that arrives, e.g. `{capacityKWh: 77, socPercent: 35, targetSocPercent: 80}`
   *   (default: the connector's, see {@link Chargepoint.setEv}).
   * @example
   * ```js
   * cp.plugIn(1, { ev: { capacityKWh: 40, socPercent: 75, maxAcPowerW: 7400 } });
   * await cp.startCharging(1, 'TAG-1');
   * ```
   * @group The charger by hand
   */
  plugIn(connectorId = 1, options: { ev?: EvSpec } = {}): void {
    this.station.plugIn(connectorId, options.ev);
  }

  /**
   * Choose the EV of a connector: it arrives at every later plug-in and, when one is plugged
   * now, takes its place. Unknown keys and bad values throw a RangeError.
   * @param connectorId 1..N
   * @param ev The EV; undefined restores the defaults (60 kWh at 20 %, 11 kW AC, 50 kW DC, taper from 80 %).
   * @group The charger by hand
   */
  setEv(connectorId: number, ev?: EvSpec): void {
    this.station.setEv(connectorId, ev);
  }

  /** Pull the cable at the EV side (stops or suspends the transaction per StopTransactionOnEVSideDisconnect). @param connectorId 1..N @group The charger by hand */
  unplug(connectorId = 1): void {
    this.station.unplug(connectorId);
  }

  /**
   * Present an idTag and plug in: Authorize (or local list / cache), StartTransaction,
   * Charging, then meter values on `MeterValueSampleInterval`. Resolves false when the tag was
   * refused. With a transaction running, the same tag (or one of its group) stops it.
   * @param connectorId 1..N
   * @param idTag The driver's token.
   * @group The charger by hand
   */
  async startCharging(connectorId: number, idTag: string): Promise<boolean> {
    const ok = await this.station.presentIdTag(connectorId, idTag);
    if (ok && !this.station.connector(connectorId)?.plugged) this.station.plugIn(connectorId);
    return ok;
  }

  /**
   * Stop the transaction on a connector (StopTransaction is queued and delivered even after a
   * connection loss). Resolves false when none runs.
   * @param connectorId 1..N
   * @param reason StopTransaction reason (default Local).
   * @group The charger by hand
   */
  stopCharging(connectorId = 1, reason: StopReason = 'Local'): boolean {
    return this.station.stop(connectorId, reason);
  }

  /**
   * Force a connector's status (reported with StatusNotification) until its state next changes.
   * @param connectorId 0..N
   * @param status e.g. `Unavailable`.
   * @group The charger by hand
   */
  setConnectorStatus(connectorId: number, status: ConnectorStatus): void {
    this.station.setStatus(connectorId, status);
  }

  /** Suspend energy transfer. @param connectorId 1..N @param by `EV` (SuspendedEV) or `EVSE` (SuspendedEVSE) @group The charger by hand */
  suspend(connectorId = 1, by: 'EV' | 'EVSE' = 'EV'): void {
    this.station.suspend(connectorId, by);
  }

  /** Resume energy transfer after {@link Chargepoint.suspend}. @param connectorId 1..N @group The charger by hand */
  resume(connectorId = 1): void {
    this.station.resume(connectorId);
  }

  /** Put a connector (0: the whole charge point) into a fault. @param connectorId 0..N @param errorCode e.g. `GroundFailure` @group The charger by hand */
  fault(connectorId: number, errorCode: ConnectorErrorCode = 'OtherError'): void {
    this.station.fault(connectorId, errorCode);
  }

  /** Clear a fault. @param connectorId 0..N @group The charger by hand */
  clearFault(connectorId: number): void {
    this.station.clearFault(connectorId);
  }

  /** Automatic behaviour switches (heartbeat, meterValues, reconnect, autoPlugIn): set them directly. @group Connection */
  get automation(): Automation {
    return this.station.automation;
  }

  // ---- helpers ----

  /**
   * Close the connection (normal closure) for good (no reconnect) and resolve once it is closed.
   * Notifications already on the wire get up to a second to be answered first. Script
   * transaction messages still undelivered stay queued (and persisted, with `stateDir`); their
   * promises reject with `ConnectionClosed`.
   * @group Connection
   */
  async close(): Promise<void> {
    this.letGo();
    await this.shut();
    this.release();
    this.station.queue.releaseSenders((m) => new OcppConnectionError('ConnectionClosed', `${m.action} not delivered before the charge point was closed (it stays queued)`));
  }

  /**
   * Close and reopen the connection with the same URL, options and keystore; handlers stay, and
   * so do queued messages and the promises waiting for them (and the run that waits for it).
   * @group Connection
   */
  async reConnect(): Promise<this> {
    await this.shut();
    return this.connect();
  }

  /** Stop the lifecycle (no reconnect), let notifications on the wire finish, close the socket. */
  private async shut(): Promise<void> {
    this.lifecycle.stop();
    if (this.connected) await this.station.notified(1_000);
    await this.closeSocket();
  }

  /**
   * Upload a generated text file by FTP / FTPS.
   * @param location `ftp://user:pass@host[:port]/dir` (or `ftps://`).
   * @param fileName Name of the file on the server.
   * @group Files, certificates and listeners
   */
  ftpUploadDummyFile(location: string, fileName: string): Promise<void> {
    return extras.ftpUploadDummyFile(location, fileName, this.station.files);
  }

  /**
   * Download a file by FTP / FTPS into a temporary directory.
   * @param location `ftp://user:pass@host[:port]/path/file` (or `ftps://`).
   * @returns The local file path.
   * @group Files, certificates and listeners
   */
  ftpDownload(location: string): Promise<string> {
    return extras.ftpDownload(location, this.station.files);
  }

  /**
   * Generate an RSA 2048 key and a SHA-256 CSR in-process.
   * @param subject Subject, e.g. `/O=MyCPO/CN=serial-1` or `{O, CN}`; defaults to O = CpoName, CN = id.
   * @returns `{key, csr}` in PEM.
   * @group Files, certificates and listeners
   */
  generateCsr(subject?: string | Record<string, string>): Promise<{ key: string; csr: string }> {
    return extras.generateCsr(subject ?? { CN: this.id });
  }

  /**
   * Convert a hex-encoded DER certificate to PEM. The result is a string that can also be
   * awaited or `.then`-ed like the earlier tool's Promise (a {@link PemText}).
   * @param hexDer Hex string of the DER bytes.
   * @group Files, certificates and listeners
   */
  convertDerToPem(hexDer: string): PemText {
    return extras.convertDerToPemText(hexDer);
  }

  /** The client-certificate keystore of this charge point. @group Files, certificates and listeners */
  keystore(): extras.Keystore {
    return extras.keystoreFor(this.id);
  }

  /**
   * Start a small HTTP app (express) that a script can add routes to.
   * @param port Port to listen on.
   * @param bind Address (default localhost).
   * @param users Optional Basic-auth users, `{name: password}`.
   * @group Files, certificates and listeners
   */
  startListener(port: number, bind?: string, users?: Record<string, string>): extras.Listener {
    return extras.startListener(port, bind, users);
  }

  /**
   * Request converter for {@link Chargepoint.answerCertificateSigned}: turns the edition-1
   * hex-DER `cert[]` payload into the edition-2 PEM `certificateChain`; for
   * {@link Chargepoint.answerDataTransfer}, the `cert[]` inside the `data` of a DataTransfer with
   * messageId `CertificateSigned` likewise.
   * @group Answering the CSMS
   */
  CERTIFICATE_SIGNED_OPTIONS_PEM_ENCODER(): AnswerOptions {
    return { requestConverter: extras.certificateSignedToPem };
  }
}
