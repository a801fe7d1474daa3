/**
 * The script-facing OCPP 2.0.1 charging station: a thin face over one {@link RpcEndpoint}, its
 * socket and the 2.0.1 model. Scripts use the generic {@link ChargingStation.call} /
 * {@link ChargingStation.answer} / {@link ChargingStation.defaultAnswer} and the 2.0.1 helpers
 * (boot, plugIn / unplug per EVSE, presentToken, startCharging / stopCharging, fault…). With no
 * script handler, every Core use case is answered the way a certified station does.
 * @module
 */
import type WebSocket from 'ws';
import * as extras from '../chargepoint/extras';
import { ScriptFace, type FaceOptions } from '../chargepoint/script-face';
import { Lifecycle } from '../chargepoint/station/lifecycle';
import type { CallOptions, FrameEvent, InboundCall } from '../ocpp/endpoint';
import { OcppError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import { ocpp201 } from '../ocpp/v201/protocol';
import type { IdTokenEnumType, IdTokenInfoType, IdTokenType, Ocpp201Messages } from '../ocpp/v201/types';
import { applyScheduledAvailability, DEFAULT_BEHAVIOURS_201, releaseWaitingInstall, runScheduledReset, type Behaviour201 } from './behaviour/index';
import type { ChargingStationProfile } from './model/profile';
import { Authorizer } from './station/authorization';
import type { StationContext } from './station/context';
import { attachBlocks, displayed } from './station/blocks';
import type { DisplayMessages, ShownMessage } from './station/display';
import { presentToken } from './station/driver';
import type { Monitoring } from './station/monitoring';
import { StationDialer } from './station/dialer';
import { NetworkPlan } from './station/network';
import { Reservations } from './station/reservations';
import { StationModel, type StationAutomation } from './station/station';
import { StationStateStore } from './station/state-store';
import type { SmartCharging } from './station/smart-charging';
import type { Tariffs } from './station/tariff';
import { TransactionEngine } from './station/transactions';
import type { EvSpec } from '../ev/ev';
import { changeEv } from './station/telemetry';

/** Options of a 2.0.1 charging station. */
export interface ChargingStationOptions extends FaceOptions {
  /** HTTP Basic password (security profiles 1 and 2; the initial `SecurityCtrlr.BasicAuthPassword`); the user name is the station id. */
  password?: string;
  /** Called with the new station before its socket opens (used to attach logging). */
  observe?: (cs: ChargingStation) => void;
  /** Identity, EVSEs, connectors, power, extra components, variable values. */
  profile?: ChargingStationProfile;
  /** Automatic behaviour switches (all on by default). */
  automation?: Partial<StationAutomation>;
}

/** Handler of an inbound CSMS call: return the response payload, or answer with `sendResponse`. */
export type StationAnswerHandler = (request: InboundCall) => unknown;

/** Model events worth a journal line. */
const JOURNALLED = new Set(['boot', 'status', 'transaction', 'warning', 'securityEvent']);

/**
 * A simulated OCPP 2.0.1 charging station connected to a CSMS.
 *
 * Events: `open`, `close` (code, reason), `frame` ({@link FrameEvent}), `warning` (line), `log`,
 * `handlerError` (error, request), `boot` (status), `status` ({evseId, connectorId, status}),
 * `transaction` ({type, evseId, transactionId}), `securityEvent` (type, techInfo).
 * Scripts may store their own properties on it.
 *
 * Every example below runs as it stands with `./start.sh --with-csms example.js` (the suite runs
 * them); against your own CSMS, put its URL where `connect.csms.url` is.
 * @category Script API
 *
 * @groupDescription Connection
 * Open (subprotocol `ocpp2.0.1`), close and reopen the WebSocket.
 * ```js
 * const cs = await connect(connect.csms.url + 'DOC201-CONN', undefined, undefined, { protocol: 'ocpp2.0.1', boot: 'auto' });
 * console.log(cs.connected, cs.station.bootState);                 // true Accepted
 * await cs.reConnect();
 * await cs.close();
 * ```
 *
 * @groupDescription The model
 * The device model, EVSEs, queue and each functional block, for reading state and for scripts
 * that go beyond the methods here.
 * ```js
 * const csms = connect.csms;
 * const cs = await connect(csms.url + 'DOC201-MODEL', undefined, undefined, { protocol: 'ocpp2.0.1', boot: 'auto' });
 * await csms.call('DOC201-MODEL', 'SetVariables', { setVariableData: [
 *   { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '120' }] });
 * console.log(cs.station.device.int('OCPPCommCtrlr', 'HeartbeatInterval'));   // 120
 * console.log(cs.station.evses.length, cs.station.evse(1).connectors[0].status);  // 1 Available
 * await cs.close();
 * ```
 *
 * @groupDescription Sending messages
 * Station → CSMS calls by name, checked against the 2.0.1 schemas both ways; transaction
 * messages go through the queue.
 * ```js
 * const cs = await connect(connect.csms.url + 'DOC201-SEND', undefined, undefined, { protocol: 'ocpp2.0.1' });
 * const boot = await cs.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'AC22' } });
 * const { idTokenInfo } = await cs.call('Authorize', { idToken: { idToken: '04A1B2C3', type: 'ISO14443' } });
 * console.log(boot.status, idTokenInfo.status);                     // Accepted Accepted
 * await cs.close();
 * ```
 *
 * @groupDescription Answering the CSMS
 * Handlers for CSMS → station calls: return the response or answer with `sendResponse`;
 * `defaultAnswer` delegates to the built-in behaviour.
 * ```js
 * const csms = connect.csms;
 * const cs = await connect(csms.url + 'DOC201-ANSWER', undefined, undefined, { protocol: 'ocpp2.0.1', boot: 'auto' });
 * cs.answer('Reset', () => ({ status: 'Rejected' }));
 * cs.answer('GetVariables', (req) => { cs.log(`asked for ${req.payload.getVariableData.length} variables`); return cs.defaultAnswer(req); });
 * console.log((await csms.call('DOC201-ANSWER', 'Reset', { type: 'OnIdle' })).status);   // Rejected
 * await csms.call('DOC201-ANSWER', 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
 * await cs.close();
 * ```
 *
 * @groupDescription The charger by hand
 * The driver and the hardware: the station sends the StatusNotifications, Authorize and
 * TransactionEvents a certified station would.
 * ```js
 * const cs = await connect(connect.csms.url + 'DOC201-HAND', undefined, undefined, { protocol: 'ocpp2.0.1', boot: 'auto' });
 * cs.on('transaction', (t) => console.log(`transaction ${t.type} on EVSE ${t.evseId}`));   // start, stop
 * cs.plugIn(1);                                                      // EVSE 1, connector 1: Occupied
 * await cs.presentToken(1, '04A1B2C3D4E5F6');                        // Authorize, TransactionEvent Started
 * await cs.sleep(1500);
 * cs.stopCharging(1);                                                // TransactionEvent Ended
 * cs.unplug(1);
 * await cs.station.queue.drained(5000);
 * await cs.close();
 * ```
 *
 * @groupDescription Script helpers
 * Logging and waiting on the station's clock.
 * ```js
 * const cs = await connect(connect.csms.url + 'DOC201-HELPERS', undefined, undefined, { protocol: 'ocpp2.0.1' });
 * cs.onClose((code) => console.log(`closed ${code}`));
 * cs.log('waiting a second');
 * await cs.sleep(1000);
 * await cs.close();
 * ```
 */
export class ChargingStation extends ScriptFace {
  /** The station model: device model, EVSEs, queue. @group The model */
  readonly station: StationModel;
  /** Boot gate, heartbeat, reconnect. @group The model */
  readonly lifecycle: Lifecycle;
  /** Transactions and meter values. @group The model */
  readonly transactions: TransactionEngine;
  /** Local list, cache, Authorize. @group The model */
  readonly authorization: Authorizer;
  /** Reservations. @group The model */
  readonly reservations: Reservations;
  /** Network connection profiles in priority order (B09/B10). @group The model */
  readonly network: NetworkPlan;
  /** Variable monitors and NotifyEvent (N02-N08). @group The model */
  readonly monitoring: Monitoring;
  /** Display messages (O01-O06). @group The model */
  readonly display: DisplayMessages;
  /** Tariff text and costs (I01-I03). @group The model */
  readonly tariffs: Tariffs;
  /** Charging profiles and limits (K); `smartCharging.setExternalLimit` plays an EMS (K12/K13). @group The model */
  readonly smartCharging: SmartCharging;
  /** What the behaviours work on: model, lifecycle, transactions, authorization, reservations, monitoring, display, tariffs. @group The model */
  readonly context: StationContext;
  /** Connection attempts: network profiles, security profiles, root renewal, failure events. */
  private readonly dialer: StationDialer;
  private defaultsOn: boolean;
  private builtInHandler: ((req: InboundCall) => Promise<undefined>) | undefined;

  /**
   * Create a station without connecting it; call {@link ChargingStation.connect} next. Most code
   * uses `connect(url, id, undefined, {protocol: 'ocpp2.0.1'})` instead.
   * @param url `ws://` or `wss://` URL of the CSMS, ending in the station id.
   * @param id Station id (default: the URL's last path segment).
   * @param options See {@link ChargingStationOptions}.
   */
  constructor(url: string, id?: string, options: ChargingStationOptions = {}) {
    super(url, id, {
      protocol: ocpp201,
      validation: options.validation,
      // Part 4 §4.1.1: by default OCPPCommCtrlr.MessageTimeout[Default], set below from the device model.
      responseTimeoutMs: options.responseTimeoutMs,
      unhandledCallError: options.unhandledCallError,
      scheduler: options.scheduler,
    });
    // B03.FR.08: while Rejected, every CSMS call is answered SecurityError.
    const link = this.lifecycleLink(() => this.station.journal, JOURNALLED, () => this.connect(), (on) => (this.endpoint.refusal = on ? 'SecurityError' : undefined));
    const files = { ca: options.tls?.ca, rejectUnauthorized: options.tls?.rejectUnauthorized };
    this.station = new StationModel(link, { profile: options.profile, automation: options.automation, journal: options.journal, files });
    if (options.responseTimeoutMs === undefined) this.endpoint.responseTimeoutMs = this.station.device.int('OCPPCommCtrlr', 'MessageTimeout', 'Default') * 1000;
    if (options.password !== undefined) this.station.device.put('SecurityCtrlr', 'BasicAuthPassword', options.password);
    if (options.keyStoreElement) extras.keystoreFor(this.id).add({ ...options.keyStoreElement, id: this.id });
    const hasCertificate = this.target.protocol === 'wss:' && extras.keystoreFor(this.id).get() !== undefined;
    this.network = new NetworkPlan(this.station, this.target, options.password !== undefined || this.target.password !== '', hasCertificate);
    this.dialer = new StationDialer(this.id, this.station, this.network, options.tls, (line) => this.emit('warning', line));
    this.journalFrames(this.station.journal);
    this.authorization = new Authorizer(this.station);
    this.reservations = new Reservations(this.station);
    this.transactions = new TransactionEngine(this.station, this.authorization);
    this.lifecycle = new Lifecycle(link, this.station, options.boot ?? 'manual');
    const blocks = attachBlocks(this.station, this, this.transactions);
    ({ monitoring: this.monitoring, display: this.display, tariffs: this.tariffs, smartCharging: this.smartCharging } = blocks);
    const ctx = (this.context = { station: this.station, lifecycle: this.lifecycle, transactions: this.transactions, authorization: this.authorization, reservations: this.reservations, ...blocks });
    this.transactions.onIdle = (e) => {
      applyScheduledAvailability(ctx, e);
      runScheduledReset(ctx, e);
      releaseWaitingInstall(ctx);
    };
    this.station.onVariable = (component, variable) => this.variableChanged(component, variable);
    if (options.stateDir) new StationStateStore(options.stateDir).attach(ctx);
    this.station.startTimers();
    this.defaultsOn = options.defaults ?? true;
    this.endpoint.fallback = (action) => this.defaultHandlerOf(action);
    options.observe?.(this);
  }

  /**
   * What the station's display shows now: the CSMS's display messages that are valid and fit
   * the station's state, the drivers' tariff texts and the transactions' costs, by priority.
   * @group The model
   */
  displayedMessages(): ShownMessage[] {
    return displayed(this);
  }

  /** Side effects of a changed variable (SetVariables or a script). */
  private variableChanged(component: string, variable: string): void {
    if (variable === 'HeartbeatInterval') this.lifecycle.armHeartbeat();
    else if (variable === 'WebSocketPingInterval') this.lifecycle.armPing();
    else if (component === 'SampledDataCtrlr' || component === 'AlignedDataCtrlr') this.transactions.sampler.variableChanged(component);
    else if (variable === 'BasicAuthPassword' && this.connected) {
      // A01.FR.11/12: a security event, without the value; the new password is used from the next connection on.
      this.station.raise('ReconfigurationOfSecurityParameters', 'SecurityCtrlr.BasicAuthPassword changed');
      this.scheduler.after(0, () => void this.lifecycle.reconnect());
    }
  }

  /**
   * Open the WebSocket (subprotocol `ocpp2.0.1`) and resolve when it is open and, with
   * `boot: 'auto'`, the BootNotification was answered.
   * @group Connection
   */
  async connect(): Promise<this> {
    if (this.ws) return this;
    let ws: WebSocket;
    try {
      ws = await this.nextSocket();
    } catch (err) {
      this.dialer.failed(err);
      throw err;
    }
    this.dialer.connected();
    this.adoptSocket(ws, () => {
      this.station.offlineSince = this.scheduler.now();
      // E11.FR.07: whatever waits in the queue when the link drops is delivered as offline.
      this.station.queue.update((m) => {
        if (m.action === 'TransactionEvent') m.payload = { ...m.payload, offline: true };
      });
      this.lifecycle.closed();
    });
    await this.lifecycle.opened();
    return this;
  }

  /** One connection attempt (station/dialer.ts: network, security profile, root renewal). @param protocols Subprotocols to offer. */
  protected dial(protocols: readonly string[]): Promise<WebSocket> {
    return this.dialer.dial(protocols);
  }

  // ---- generic API ----

  /**
   * Send any CALL and resolve with the response payload; rejects with a typed OcppError.
   * @param action Action name, e.g. `BootNotification`.
   * @param payload Request payload.
   * @param opts Per-call timeout; `{validation: 'off'}` deliberately sends an invalid payload.
   * @group Sending messages
   */
  call<A extends keyof Ocpp201Messages>(action: A, payload: Ocpp201Messages[A]['request'], opts?: CallOptions): Promise<Ocpp201Messages[A]['response']>;
  call(action: string, payload?: Payload, opts?: CallOptions): Promise<Payload>;
  call(action: string, payload: object = {}, opts?: CallOptions): Promise<unknown> {
    const sent = this.endpoint.call(action, payload as Payload, opts);
    if (action !== 'BootNotification') return sent;
    // A boot the script sends itself still opens the gate (heartbeats, queue).
    return sent.then((response) => {
      void this.lifecycle.answered(response as never, false);
      return response;
    });
  }

  /**
   * Handle a CSMS-initiated action (replacing any earlier handler). The handler returns the
   * response payload or answers itself with {@link ChargingStation.sendResponse}; `undefined`
   * restores the built-in answer.
   * @param action Action name, e.g. `Reset`.
   * @param handler The handler.
   * @group Answering the CSMS
   */
  answer(action: string, handler: StationAnswerHandler | undefined): void {
    this.endpoint.handle(action, handler);
  }

  /**
   * Answer a CSMS call the way the built-in behaviour does (the response, then its follow-up
   * messages) and resolve with the response: `cs.answer('Reset', (req) => cs.defaultAnswer(req))`.
   * @param request The request as the handler received it.
   * @group Answering the CSMS
   */
  async defaultAnswer(request: InboundCall): Promise<Payload> {
    const behaviour = DEFAULT_BEHAVIOURS_201[request.action as keyof typeof DEFAULT_BEHAVIOURS_201] as Behaviour201<never> | undefined;
    if (!behaviour) throw new OcppError(ocpp201.errors.notSupported, `no default behaviour for ${request.action}`);
    this.monitoring.hold();
    try {
      return this.deliverOutcome(request, await behaviour(request.payload as never, this.context));
    } finally {
      this.monitoring.release();
    }
  }

  private defaultHandlerOf(action: string): ((req: InboundCall) => Promise<undefined>) | undefined {
    if (!this.defaultsOn || !(action in DEFAULT_BEHAVIOURS_201)) return undefined;
    return (this.builtInHandler ??= async (req: InboundCall): Promise<undefined> => {
      await this.defaultAnswer(req);
      return undefined;
    });
  }

  /** Switch the built-in answers on or off (off: NotSupported for actions without a handler). @param on True to answer by default. @group Answering the CSMS */
  setDefaultAnswers(on: boolean): void {
    this.defaultsOn = on;
  }

  /** Switch every automatic behaviour on or off at once. @param on True for a station that acts on its own. @group Connection */
  setAutomatic(on: boolean): void {
    this.setDefaultAnswers(on);
    Object.assign(this.station.automation, { heartbeat: on, meterValues: on, reconnect: on, autoPlugIn: on, securityEvents: on });
  }

  // ---- the simulated station, by hand ----

  /** Boot now: BootNotification, then (Accepted) StatusNotification of every connector, heartbeats, the queue. @group The charger by hand */
  boot(): Promise<void> {
    return this.lifecycle.boot();
  }

  /** Plug the EV's cable into a connector (StatusNotification Occupied; a transaction per TxStartPoint). @param evseId 1..N @param connectorId 1..M @param options `ev`: the EV that arrives (default: the EVSE's, see {@link ChargingStation.setEv}) @group The charger by hand */
  plugIn(evseId = 1, connectorId = 1, options: { ev?: EvSpec } = {}): void {
    this.transactions.plugIn(this.station.mustEvse(evseId), this.mustConnector(evseId, connectorId), options.ev);
  }

  /** Choose the EV of an EVSE: it arrives at every later plug-in and replaces a plugged one (a bad value throws a RangeError). @param evseId 1..N @param ev The EV; undefined: the defaults @group The charger by hand */
  setEv(evseId: number, ev?: EvSpec): void {
    changeEv(this.station, this.station.mustEvse(evseId), ev, (e) => this.transactions.resume(e));
  }

  /** Pull the cable at the EV side (the transaction ends per TxStopPoint / StopTxOnEVSideDisconnect). @param evseId 1..N @param connectorId 1..M @group The charger by hand */
  unplug(evseId = 1, connectorId = 1): void {
    this.transactions.unplug(this.station.mustEvse(evseId), this.mustConnector(evseId, connectorId));
  }

  /**
   * The bay's vehicle detector at an EVSE reports an EV arriving (`true`) or leaving: with
   * TxStartPoint / TxStopPoint ParkingBayOccupancy that starts (EVDetected) or ends (EVDeparted)
   * the transaction. Until a detector reports, a plugged cable stands for the EV in the bay.
   * @param evseId 1..N
   * @param occupied An EV is in the bay.
   * @group The charger by hand
   */
  parkingBay(evseId: number, occupied: boolean): void {
    this.transactions.parkingBay(this.station.mustEvse(evseId), occupied);
  }

  /**
   * Present an idToken at an EVSE (RFID card, key code…): Authorize or the local list / cache;
   * accepted, it authorizes the EVSE (a transaction per TxStartPoint); with a transaction
   * running, the same token or one of its group stops it. Resolves with the verdict.
   * @param evseId 1..N
   * @param idToken The token text, or a full IdTokenType.
   * @param type The token type for a text token (default ISO14443).
   * @group The charger by hand
   */
  presentToken(evseId: number, idToken: string | IdTokenType, type: IdTokenEnumType = 'ISO14443'): Promise<IdTokenInfoType> {
    return presentToken(this.context, evseId, typeof idToken === 'string' ? { idToken, type } : idToken);
  }

  /**
   * Present a token and plug in: the whole local start (Authorize, StatusNotification Occupied,
   * TransactionEvent Started, Charging, meter values). Resolves true when the token was accepted.
   * @param evseId 1..N
   * @param idToken The driver's token (type ISO14443 for a text token).
   * @group The charger by hand
   */
  async startCharging(evseId: number, idToken: string | IdTokenType): Promise<boolean> {
    const info = await this.presentToken(evseId, idToken);
    const e = this.station.mustEvse(evseId);
    if (info.status === 'Accepted' && !e.connectors.some((c) => c.plugged)) this.plugIn(evseId, e.connectors[0]!.id);
    return info.status === 'Accepted';
  }

  /**
   * Stop the transaction on an EVSE as the driver does with the same token (StopAuthorized,
   * stoppedReason Local), then unplug. Resolves false when none runs.
   * @param evseId 1..N
   * @group The charger by hand
   */
  stopCharging(evseId = 1): boolean {
    const e = this.station.mustEvse(evseId);
    if (!e.transaction) return false;
    this.transactions.deauthorize(e, { trigger: 'StopAuthorized', reason: 'Local' });
    for (const c of e.connectors) if (c.plugged) this.transactions.unplug(e, c.id);
    return true;
  }

  /** Suspend energy transfer. @param evseId 1..N @param by `EV` (SuspendedEV) or `EVSE` (SuspendedEVSE) @group The charger by hand */
  suspend(evseId = 1, by: 'EV' | 'EVSE' = 'EV'): void {
    this.transactions.suspend(this.station.mustEvse(evseId), by);
  }

  /** Resume energy transfer. @param evseId 1..N @group The charger by hand */
  resume(evseId = 1): void {
    this.transactions.resume(this.station.mustEvse(evseId));
  }

  /** Put a connector into a fault (Faulted); a reservation of its EVSE is removed. @param evseId 1..N @param connectorId 1..M @group The charger by hand */
  fault(evseId = 1, connectorId = 1): void {
    this.setFault(evseId, connectorId, true);
  }

  /** Clear a fault. @param evseId 1..N @param connectorId 1..M @group The charger by hand */
  clearFault(evseId = 1, connectorId = 1): void {
    this.setFault(evseId, connectorId, false);
  }

  private setFault(evseId: number, connectorId: number, on: boolean): void {
    this.station.mustEvse(evseId).connectors.find((c) => c.id === this.mustConnector(evseId, connectorId))!.faulted = on;
    this.station.refresh();
    this.reservations.removeUnusable();
  }

  private mustConnector(evseId: number, connectorId: number): number {
    if (!this.station.connector(evseId, connectorId)) throw new RangeError(`EVSE ${evseId} has no connector ${connectorId}`);
    return connectorId;
  }

  /** Automatic behaviour switches: set them directly. @group Connection */
  get automation(): StationAutomation {
    return this.station.automation;
  }

  /** Close the connection for good (no reconnect); notifications on the wire get a second to be answered. @group Connection */
  async close(): Promise<void> {
    this.letGo();
    this.lifecycle.stop();
    this.reservations.stop();
    this.monitoring.stop();
    this.smartCharging.stop();
    if (this.connected) await this.station.notified(1_000);
    await this.closeSocket();
    this.release();
  }

  /** Close and reopen the connection with the same URL and options; handlers stay. @group Connection */
  async reConnect(): Promise<this> {
    await this.close();
    return this.connect();
  }
}
