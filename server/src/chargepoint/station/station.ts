/**
 * The charge-point model at work: configuration, connectors, meters, authorization data,
 * reservations and charging profiles, plus what a charger does with them on its own: status
 * notifications, charging sessions, meter values, the transaction message queue. It talks to
 * the CSMS only through its {@link StationLink}; the default answers to CSMS calls
 * (`../behaviour/`) operate on it, and the script-facing `Chargepoint` is a face over it.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { TimerHandle } from '../../ocpp/scheduler';
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { AuthCache, LocalAuthList, type IdTagInfo } from '../model/authorization';
import { ChargingProfiles, type ElectricalSpec } from '../model/charging-profiles';
import { Configuration } from '../model/configuration';
import { deriveStatus, newConnector, type Connector, type ConnectorErrorCode, type ConnectorStatus, type Transaction } from '../model/connector';
import type { FtpOptions } from '../../files/ftp';
import { Ev, resolveEv, type EvSpec } from '../../ev/ev';
import { Telemetry, type TelemetrySample } from '../../ev/telemetry';
import { Journal } from '../model/journal';
import { Meter } from '../model/meter';
import { resolveProfile, type ResolvedProfile, type StationProfile } from '../model/profile';
import { MeterSampling } from './meter-sampling';
import { Notifier } from './notifier';
import { StationSecurity } from './security';
import type { BootState, StationLink } from './lifecycle';
import { TransactionIds } from './transaction-ids';
import { TxQueue, type QueuedMessage } from './tx-queue';

export type { BootState, StationLink } from './lifecycle';

/** Request payload of a 1.6 action. */
export type Req<A extends keyof Ocpp16Messages> = Ocpp16Messages[A]['request'];
/** StopTransaction reasons. */
export type StopReason = NonNullable<Req<'StopTransaction'>['reason']>;
/** Switches of the automatic behaviour; all on by default. */
export interface Automation {
  /** Heartbeat every `HeartbeatInterval` once accepted. */
  heartbeat: boolean;
  /** Sampled and clock-aligned MeterValues during transactions. */
  meterValues: boolean;
  /** Reconnect with back-off when the connection drops. */
  reconnect: boolean;
  /** The simulated driver plugs in as soon as a remote start is accepted on an empty connector. */
  autoPlugIn: boolean;
  /** Security events (startup, reset, certificate failures, …) are sent as SecurityEventNotification. */
  securityEvents: boolean;
}

/** Options of the model. */
export interface StationOptions {
  /** Identity and hardware. */
  profile?: StationProfile;
  /** Initial automation switches. */
  automation?: Partial<Automation>;
  /** Entries kept in the journal (diagnostics file, GetLog); default 200, 0 keeps none. */
  journal?: number;
  /** TLS settings for `ftps://` transfers (diagnostics, logs, firmware). */
  files?: FtpOptions;
}

/** The model of one charge point and its autonomous behaviour. */
export class Station {
  /** Identity and hardware with defaults applied. */
  readonly profile: ResolvedProfile;
  /** Configuration keys (§9). */
  readonly config: Configuration;
  /** Connector 0 (the charge point) and 1..N. */
  readonly connectors: Connector[];
  /** Local Authorization List. */
  readonly localList = new LocalAuthList();
  /** Authorization Cache. */
  readonly cache = new AuthCache();
  /** Installed charging profiles. */
  readonly chargingProfiles: ChargingProfiles;
  /** Transaction messages awaiting delivery. */
  readonly queue: TxQueue;
  /** Automatic behaviour switches (mutable). */
  readonly automation: Automation;
  /** Recent frames and events (diagnostics file, DiagnosticsLog). */
  readonly journal: Journal;
  /** Security log, events, installed certificates. */
  readonly security: StationSecurity;
  /** Periodic and clock-aligned meter sampling. */
  readonly sampling: MeterSampling;
  /** TLS settings for `ftps://` transfers. */
  readonly files: FtpOptions;
  /** Per-second samples of running sessions and the history of ended ones; made at the first session (an idle charge point holds none). */
  telemetry: Telemetry | undefined;
  /** Registration status from the last BootNotification answer. */
  bootState: BootState = 'None';
  /** The script's own BootNotification, when it sent one: the identity every later boot (after a Reset) reports. */
  bootIdentity: Req<'BootNotification'> | undefined;
  /** Last FirmwareStatusNotification status (reported on TriggerMessage). */
  firmwareStatus: Req<'FirmwareStatusNotification'>['status'] = 'Idle';
  /** Last DiagnosticsStatusNotification status. */
  diagnosticsStatus: Req<'DiagnosticsStatusNotification'>['status'] = 'Idle';
  /** Simulated hardware faults (TC_024 lock failure, TC_030 unlock failure). */
  readonly hardware = { lockFails: false, unlockFails: false };
  /** Called after every change worth persisting (set by the state store). */
  onChange: (() => void) | undefined;
  /** Local transaction numbers and the CSMS's transactionIds. */
  readonly transactionIds = new TransactionIds();
  private waitTimersMade: Map<number, TimerHandle> | undefined;
  /** Made on first use. */
  private get waitTimers(): Map<number, TimerHandle> {
    return (this.waitTimersMade ??= new Map());
  }
  private reservationTimersMade: Map<number, TimerHandle> | undefined;
  /** Made on first use. */
  private get reservationTimers(): Map<number, TimerHandle> {
    return (this.reservationTimersMade ??= new Map());
  }
  /** Calls sent with {@link Station.notify} and not yet answered. */
  private readonly notifier: Notifier;

  /**
   * Create the model of one charge point.
   * @param link The connection side.
   * @param options Profile and automation.
   */
  constructor(readonly link: StationLink, options: StationOptions = {}) {
    this.profile = resolveProfile(link.id, options.profile);
    const p = this.profile;
    this.config = new Configuration({ values: { NumberOfConnectors: p.connectors, ...p.configuration }, profiles: p.featureProfiles });
    this.automation = { heartbeat: true, meterValues: true, reconnect: true, autoPlugIn: true, securityEvents: true, ...options.automation };
    this.journal = new Journal(options.journal ?? 200);
    this.notifier = new Notifier(link, (line) => this.warn(line));
    this.files = options.files ?? {};
    const spec = { phases: p.phases, voltage: p.voltage, maxPowerW: p.maxPowerW };
    this.connectors = [newConnector(0)];
    for (let i = 1; i <= p.connectors; i++) {
      const c = newConnector(i, new Meter({ ...spec, seed: i }, p.meterStartWh));
      const ev = Array.isArray(p.ev) ? p.ev[i - 1] : p.ev;
      resolveEv(ev); // a bad EV in the profile fails here, naming the field
      if (ev) c.ev = ev; // the Ev itself is made at plug-in
      this.connectors.push(c);
    }
    const c = this.config;
    const station = this;
    this.chargingProfiles = new ChargingProfiles(p.connectors, {
      maxStackLevel: c.int('ChargeProfileMaxStackLevel'),
      maxProfiles: c.int('MaxChargingProfilesInstalled'),
      maxPeriods: c.int('ChargingScheduleMaxPeriods'),
      allowedUnits: c.list('ChargingScheduleAllowedChargingRateUnit').map((u) => (u === 'Power' ? 'W' : 'A')),
    });
    this.queue = new TxQueue({
      scheduler: link.scheduler,
      // Methods, not accessors: a literal with an accessor is a dictionary-mode object (~0.5 KB per station).
      online: () => station.online,
      call: (action, payload) => link.call(action, payload),
      transactionIdOf: (local) => this.transactionIds.csmsId(local),
      delivered: (m, response) => this.delivered(m, response),
      retryPolicy: () => ({ attempts: c.int('TransactionMessageAttempts'), intervalS: c.int('TransactionMessageRetryInterval') }),
      warn: (line) => this.warn(line),
      changed: () => this.changed(),
    });
    c.onChange = (key) => this.configChanged(key);
    this.security = new StationSecurity(this);
    this.sampling = new MeterSampling({
      scheduler: link.scheduler,
      config: c,
      connectors: this.connectors,
      enabled: () => station.automation.meterValues,
      sample: (connector, measurands, context) => this.sendMeterValues(connector, measurands, context),
    });
  }

  /** The telemetry, made when the first session needs it. */
  private sessionTelemetry(): Telemetry {
    return (this.telemetry ??= new Telemetry({
      scheduler: this.link.scheduler,
      read: () => this.readTelemetry(),
      publish: (samples) => this.link.emit('telemetry', samples),
      ended: (record) => this.link.emit('session', record),
    }));
  }

  /** Current time on the station's clock (epoch ms). */
  now(): number {
    return this.link.scheduler.now();
  }

  /** Connected and accepted by the CSMS: free to send. */
  get online(): boolean {
    return this.link.connected && this.bootState === 'Accepted';
  }

  /** Electrical data for charging-profile conversions. */
  get electrical(): ElectricalSpec {
    return { voltage: this.profile.voltage, phases: this.profile.phases, maxPowerW: this.profile.maxPowerW };
  }

  /** A connector by id (0 included), or undefined when out of range. */
  connector(id: number): Connector | undefined {
    return Number.isInteger(id) ? this.connectors[id] : undefined;
  }

  /** The connector running the transaction with this CSMS transactionId. */
  connectorOfTransaction(transactionId: number): Connector | undefined {
    return this.connectors.find((c) => c.transaction?.id === transactionId);
  }

  // ---- sending ----

  /**
   * Send a message that is not transaction-related. It is sent only when it may be (accepted,
   * or pending and `triggered`, §4.2.1); otherwise it is dropped, as StatusNotification and
   * Heartbeat are not queued. Never rejects: failures become warnings.
   */
  async notify<A extends keyof Ocpp16Messages>(action: A, payload: Req<A>, triggered = false): Promise<Ocpp16Messages[A]['response'] | undefined> {
    const allowed = this.link.connected && (this.bootState === 'Accepted' || (triggered && this.bootState === 'Pending'));
    if (!allowed) return undefined;
    return (await this.notifier.send(action, payload as unknown as Payload)) as unknown as Ocpp16Messages[A]['response'] | undefined;
  }

  /**
   * Resolve once every message sent with {@link Station.notify} so far was answered (or failed),
   * or after `timeoutMs`: a reset lets the StatusNotifications of the stop finish (§5.14).
   */
  notified(timeoutMs: number): Promise<void> {
    return this.notifier.settled(timeoutMs);
  }


  /** Report a connector's status (§4.9); `triggered` lets it out while Pending (TriggerMessage). */
  report(c: Connector, triggered = false): Promise<unknown> {
    return this.notify('StatusNotification', {
      connectorId: c.id,
      errorCode: c.fault ?? (c.id !== 0 ? this.connectors[0]!.fault : undefined) ?? 'NoError',
      status: c.status,
      timestamp: new Date(this.now()).toISOString(),
    }, triggered);
  }

  /** Report connector 0 and every connector (after boot, §4.2.1 / TC_001). */
  async reportAll(triggered = false): Promise<void> {
    for (const c of this.connectors) await this.report(c, triggered);
  }

  /** Re-derive statuses; report and emit the ones that changed. */
  refresh(...cs: Connector[]): void {
    // A charge-point-wide reservation may move to another connector when any one changes.
    for (const c of cs.length && !this.connectors[0]!.reservation ? cs : this.connectors) {
      let status = deriveStatus(c, this.connectors[0]!);
      // §5.13 / TC_049: the last free connector is held for a connectorId 0 reservation.
      if (status === 'Available' && c.id > 0 && !c.forced && this.reservationFor(c)) status = 'Reserved';
      if (status === c.status) continue;
      c.status = status;
      this.link.emit('status', { connectorId: c.id, status, errorCode: c.fault ?? 'NoError' });
      void this.report(c);
    }
    this.changed();
  }

  /** Force a status until the next change of state (scripts, the UI). */
  setStatus(connectorId: number, status: ConnectorStatus): void {
    const c = this.mustConnector(connectorId);
    c.forced = status;
    this.refresh(c);
  }

  // ---- authorization (§3.5) ----

  /**
   * The verdict on an idTag: Authorize.req when online (skipped with LocalPreAuthorize when the
   * local list or cache already accepts it); offline, the local list and cache when
   * LocalAuthorizeOffline, or AllowOfflineTxForUnknownId.
   */
  async authorize(idTag: string): Promise<IdTagInfo> {
    const c = this.config;
    const now = this.now();
    const local = (c.bool('LocalAuthListEnabled') ? this.localList.lookup(idTag, now) : undefined) ??
      (c.bool('AuthorizationCacheEnabled') ? this.cache.lookup(idTag, now) : undefined);
    if (this.online) {
      if (local?.status === 'Accepted' && c.bool('LocalPreAuthorize')) return local;
      const answer = await this.notify('Authorize', { idTag });
      if (answer) {
        if (c.bool('AuthorizationCacheEnabled')) this.cache.put(idTag, answer.idTagInfo);
        return answer.idTagInfo;
      }
    }
    if (local && c.bool('LocalAuthorizeOffline')) return local;
    return { status: c.bool('AllowOfflineTxForUnknownId') ? 'Accepted' : 'Invalid' };
  }

  // ---- charging sessions ----

  /**
   * The EV's cable is plugged into a connector.
   * @param connectorId 1..N
   * @param ev The EV that arrives (default: the connector's, see {@link Station.setEv}).
   */
  plugIn(connectorId: number, ev?: EvSpec): void {
    const c = this.mustConnector(connectorId);
    const arriving = c.meter ? new Ev(ev ?? c.ev) : undefined;
    c.forced = undefined;
    if (c.meter && (!c.plugged || ev)) c.meter.ev = arriving;
    c.plugged = true;
    if (c.transaction?.suspended === 'EV') return this.resume(connectorId);
    if (c.authorized && !c.transaction) return void this.begin(c);
    this.refresh(c);
  }

  /**
   * The cable is pulled at the EV side (TC_005): the transaction stops with EVDisconnected
   * when StopTransactionOnEVSideDisconnect is true, else it is kept suspended (TC_005_3).
   */
  unplug(connectorId: number): void {
    const c = this.mustConnector(connectorId);
    c.forced = undefined;
    c.plugged = false;
    if (c.meter) {
      c.meter.advance(this.now());
      c.meter.ev = undefined;
    }
    if (c.transaction && !this.config.bool('StopTransactionOnEVSideDisconnect')) {
      this.suspendTx(c, 'EV');
      return;
    }
    if (c.transaction) this.stop(connectorId, 'EVDisconnected');
    c.finishing = false;
    this.refresh(c);
  }

  /**
   * An idTag is presented at a connector: starts a session (or, when a transaction runs, stops
   * it if the tag or its parent matches, TC_068 / TC_069). Resolves true when it was accepted.
   */
  async presentIdTag(connectorId: number, idTag: string): Promise<boolean> {
    const c = this.mustConnector(connectorId);
    const tx = c.transaction;
    if (tx) {
      if (tx.idTag === idTag) return this.stop(connectorId, 'Local', idTag), true;
      if (!tx.parentIdTag) return false;
      const info = await this.authorize(idTag);
      if (info.status !== 'Accepted' || info.parentIdTag !== tx.parentIdTag) return false;
      this.stop(connectorId, 'Local', idTag);
      return true;
    }
    if (c.status === 'Faulted' || c.status === 'Unavailable' || c.id === 0) return false;
    const reservation = this.reservationFor(c);
    if (reservation && reservation.idTag !== idTag && !reservation.parentIdTag) return false;
    const info = await this.authorize(idTag);
    if (info.status !== 'Accepted') return false;
    if (reservation && reservation.idTag !== idTag && info.parentIdTag !== reservation.parentIdTag) return false;
    this.authorizeConnector(c, { idTag, parentIdTag: info.parentIdTag, reservationId: reservation?.id, remote: false });
    return true;
  }

  /** Mark a connector authorized; start at once when plugged, else wait ConnectionTimeOut for the cable. */
  authorizeConnector(c: Connector, auth: NonNullable<Connector['authorized']>): void {
    c.forced = undefined;
    c.authorized = auth;
    if (c.finishing) {
      // §4.9 state table: a session restarted in Finishing goes to Preparing (F2); Finishing → Charging is no transition.
      c.finishing = false;
      this.refresh(c);
    }
    if (c.plugged) return void this.begin(c);
    this.link.scheduler.cancel(this.waitTimers.get(c.id));
    this.waitTimers.set(c.id, this.link.scheduler.after(this.config.int('ConnectionTimeOut') * 1000, () => {
      // TC_004_2 / TC_011_2: no cable in time, back to Available.
      if (!c.authorized || c.transaction) return;
      c.authorized = undefined;
      this.refresh(c);
    }));
    this.refresh(c);
  }

  /** Start the transaction on an authorized, plugged connector. */
  private begin(c: Connector): Transaction {
    const auth = c.authorized!;
    c.authorized = undefined;
    this.link.scheduler.cancel(this.waitTimers.get(c.id));
    const meter = c.meter!;
    const now = this.now();
    const tx: Transaction = {
      localId: this.transactionIds.next(),
      connectorId: c.id,
      idTag: auth.idTag,
      parentIdTag: auth.parentIdTag,
      reservationId: auth.reservationId,
      startedAt: now,
      meterStart: meter.registerWh,
    };
    if (auth.reservationId !== undefined) this.endReservation(auth.reservationId, false);
    c.transaction = tx;
    // RemoteStartTransaction's TxProfile governs the transaction it starts (§5.11).
    if (auth.chargingProfile) this.chargingProfiles.set(c.id, { ...auth.chargingProfile, transactionId: undefined }, { transactionId: -1, startedAt: now }, now);
    c.finishing = false;
    this.applyPower(c);
    const payload: Req<'StartTransaction'> = { connectorId: c.id, idTag: tx.idTag, meterStart: tx.meterStart, timestamp: new Date(now).toISOString() };
    if (tx.reservationId !== undefined) payload.reservationId = tx.reservationId;
    this.queue.push('StartTransaction', payload as unknown as Payload, tx.localId);
    this.refresh(c);
    this.sampling.transactionStarted(c);
    this.sessionTelemetry().started(c.id);
    this.link.emit('transaction', { type: 'start', connectorId: c.id, idTag: tx.idTag });
    return tx;
  }

  /** Stop the transaction on a connector (queued StopTransaction with the register and reason). */
  stop(connectorId: number, reason: StopReason = 'Local', idTag?: string): boolean {
    const c = this.mustConnector(connectorId);
    const tx = c.transaction;
    if (!tx) return false;
    const now = this.now();
    const meter = c.meter!;
    this.halt(c, now, reason);
    const payload: Req<'StopTransaction'> = { transactionId: tx.id ?? 0, meterStop: meter.registerWh, timestamp: new Date(now).toISOString(), reason };
    if (idTag) payload.idTag = idTag;
    const stopData = this.config.list('StopTxnSampledData');
    if (stopData.length && !tx.scripted) payload.transactionData = [meter.sample(now, stopData, 'Transaction.End')];
    this.queue.push('StopTransaction', payload as unknown as Payload, tx.localId);
    this.endTransaction(c);
    this.refresh(c);
    this.link.emit('transaction', { type: 'stop', connectorId: c.id, reason });
    return true;
  }

  /**
   * End the transaction on a connector whose StopTransaction someone else sends (a script's own):
   * from now on the defaults (RemoteStop, UnlockConnector, Reset) see no transaction there.
   * Statuses of a script's transaction stay the script's to report.
   */
  endStoppedTransaction(c: Connector): void {
    const tx = c.transaction;
    if (!tx) return;
    this.halt(c, this.now());
    this.endTransaction(c);
    if (!tx.scripted) this.refresh(c);
    this.link.emit('transaction', { type: 'stop', connectorId: c.id, scripted: tx.scripted === true });
    this.changed();
  }

  /** No more energy, no more samples: the first step of ending a transaction. */
  private halt(c: Connector, now: number, reason?: StopReason): void {
    const meter = c.meter!;
    meter.advance(now);
    meter.setPower(now, 0);
    this.sampling.transactionEnded(c);
    const tx = c.transaction;
    if (tx && !tx.scripted) this.sessionTelemetry().ended(this.telemetrySample(c, tx), { transactionId: tx.id === undefined ? undefined : String(tx.id), startedAt: tx.startedAt, reason });
  }

  /** The connector's side of an ended transaction (its StopTransaction is on its way). */
  private endTransaction(c: Connector): void {
    c.transaction = undefined;
    c.forced = undefined;
    c.finishing = c.plugged;
    this.chargingProfiles.endTransaction(c.id);
    if (c.scheduledInoperative !== undefined) {
      c.inoperative = c.scheduledInoperative;
      c.scheduledInoperative = undefined;
    }
  }

  /** Stop every transaction (reset, power loss). */
  stopAll(reason: StopReason): void {
    for (const c of this.connectors) if (c.transaction) this.stop(c.id, reason);
  }

  /** Suspend energy transfer: by the EV (SuspendedEV) or the charge point (SuspendedEVSE). */
  suspend(connectorId: number, by: 'EV' | 'EVSE' = 'EV'): void {
    const c = this.mustConnector(connectorId);
    if (c.transaction) this.suspendTx(c, by);
  }

  /** Resume energy transfer after {@link Station.suspend}. */
  resume(connectorId: number): void {
    const c = this.mustConnector(connectorId);
    if (!c.transaction) return;
    c.transaction.suspended = undefined;
    this.applyPower(c);
    this.refresh(c);
  }

  private suspendTx(c: Connector, by: 'EV' | 'EVSE'): void {
    c.transaction!.suspended = by;
    c.forced = undefined;
    this.applyPower(c);
    this.refresh(c);
  }

  /**
   * The EV that arrives at a connector's next plug-in; when one is plugged now, this EV takes
   * its place (at its own SoC). Throws a RangeError on a bad value.
   * @param connectorId 1..N
   * @param ev The EV (undefined: the defaults).
   */
  setEv(connectorId: number, ev: EvSpec | undefined): void {
    const c = this.mustConnector(connectorId);
    const next = new Ev(ev);
    c.ev = ev;
    this.link.emit('ev', { connectorId });
    if (!c.meter || !c.plugged) return;
    c.meter.advance(this.now());
    c.meter.ev = next;
    if (c.transaction?.suspended === 'EV' && !next.full) return this.resume(connectorId);
    this.applyPower(c);
  }

  /** Put a connector (or with 0 the whole charge point) into a fault: Faulted, no new transactions (TC_041). */
  fault(connectorId: number, errorCode: ConnectorErrorCode = 'OtherError'): void {
    const c = this.mustConnector(connectorId);
    c.fault = errorCode === 'NoError' ? 'OtherError' : errorCode;
    c.forced = undefined;
    this.refresh();
  }

  /** Clear a fault set with {@link Station.fault}. */
  clearFault(connectorId: number): void {
    this.mustConnector(connectorId).fault = undefined;
    this.refresh();
  }

  // ---- reservations (§5.13) ----

  /** The reservation that applies to a connector: its own, or a charge-point-wide one when it is the last free connector. */
  reservationFor(c: Connector): Connector['reservation'] {
    if (c.reservation) return c.reservation;
    const wide = this.connectors[0]!.reservation;
    if (!wide) return undefined;
    const free = this.connectors.filter((x) => x.id > 0 && !x.transaction && !x.reservation && x.status !== 'Faulted' && x.status !== 'Unavailable');
    return free.length <= 1 ? wide : undefined;
  }

  /** Hold a reservation on a connector until it is used, cancelled or expires. */
  reserve(c: Connector, reservation: NonNullable<Connector['reservation']>): void {
    for (const other of this.connectors) if (other.reservation?.id === reservation.id) this.endReservation(reservation.id, false);
    c.reservation = reservation;
    this.reservationTimers.set(reservation.id, this.link.scheduler.after(Math.max(0, reservation.expiresAt - this.now()), () => this.endReservation(reservation.id)));
    this.refresh();
  }

  /** Remove a reservation (used, cancelled or expired); false when unknown. */
  endReservation(reservationId: number, refresh = true): boolean {
    const c = this.connectors.find((x) => x.reservation?.id === reservationId);
    if (!c) return false;
    c.reservation = undefined;
    this.link.scheduler.cancel(this.reservationTimers.get(reservationId));
    this.reservationTimers.delete(reservationId);
    if (refresh) this.refresh();
    return true;
  }

  // ---- meter values (§4.7, §9.1 MeterValueSampleInterval, ClockAlignedDataInterval) ----

  /** Re-apply the power a connector may draw (after a charging-profile change). */
  applyPower(c: Connector): void {
    const tx = c.transaction;
    const now = this.now();
    const meter = c.meter!;
    meter.advance(now);
    if (!tx || tx.suspended || tx.scripted) return meter.setPower(now, 0);
    const limit = this.chargingProfiles.limitAt(c.id, now, this.electrical, { transactionId: tx.id ?? -1, startedAt: tx.startedAt });
    meter.setPower(now, this.profile.maxPowerW, limit);
  }

  /**
   * Send one MeterValues for a connector. During a transaction it is transaction-related and
   * goes into the queue (transactionId filled in at send time), connected or not: delivered in
   * order after a reconnect (§4.7, OCPP-J 1.6 errata). Otherwise (an idle connector's
   * clock-aligned values, a triggered sample) it is not: 1.6 guarantees delivery to transaction
   * messages only, so like StatusNotification and Heartbeat it is sent when online and dropped
   * when not; the CSMS gets fresh values at the next aligned time instead of a backlog.
   */
  sendMeterValues(c: Connector, measurands: readonly string[], context: 'Sample.Periodic' | 'Sample.Clock' | 'Trigger', triggered = false): void {
    const now = this.now();
    this.applyPower(c);
    const meterValue = [c.meter!.sample(now, measurands.length ? measurands : ['Energy.Active.Import.Register'], context)];
    const tx = c.transaction;
    if (tx && !tx.scripted && context !== 'Trigger') this.queue.push('MeterValues', { connectorId: c.id, meterValue } as Payload, tx.localId);
    else void this.notify('MeterValues', tx?.id !== undefined ? { connectorId: c.id, transactionId: tx.id, meterValue } : { connectorId: c.id, meterValue }, triggered);
  }

  // ---- transaction message results ----

  private delivered(m: QueuedMessage, response: Payload): void {
    if (m.action !== 'StartTransaction' || m.txLocal === undefined) return;
    const conf = response as unknown as Ocpp16Messages['StartTransaction']['response'];
    this.transactionIds.resolve(m.txLocal, conf.transactionId);
    const c = this.connectors.find((x) => x.transaction?.localId === m.txLocal);
    const tx = c?.transaction;
    if (tx) tx.id = conf.transactionId;
    if (this.config.bool('AuthorizationCacheEnabled')) this.cache.put((m.payload as { idTag: string }).idTag, conf.idTagInfo);
    // A script reacts to its own transaction's idTagInfo itself (with its own StopTransaction).
    if (!c || !tx || tx.scripted || conf.idTagInfo.status === 'Accepted') return this.changed();
    // TC_037_2 / TC_037_3: the CSMS refused the tag of a transaction started offline.
    if (this.config.bool('StopTransactionOnInvalidId')) this.stop(c.id, 'DeAuthorized');
    else this.suspendTx(c, 'EVSE');
  }

  // ---- housekeeping ----

  private configChanged(key: string): void {
    this.sampling.configChanged(key);
    this.link.emit('configuration', key);
    this.changed();
  }

  /**
   * One telemetry tick: every running session's power follows the EV curve and the limit in
   * force; an EV at its target SoC stops drawing (SuspendedEV, §4.9).
   */
  private readTelemetry(): TelemetrySample[] {
    const samples: TelemetrySample[] = [];
    for (const c of this.connectors) {
      const tx = c.transaction;
      if (!tx || tx.scripted || !c.meter) continue;
      this.applyPower(c);
      if (c.meter.ev?.full && !tx.suspended) this.suspendTx(c, 'EV');
      samples.push(this.telemetrySample(c, tx));
    }
    return samples;
  }

  private telemetrySample(c: Connector, tx: Transaction): TelemetrySample {
    const meter = c.meter!;
    const sample: TelemetrySample = { point: c.id, at: this.now(), startedAt: tx.startedAt, powerW: Math.round(meter.powerW), limitW: Math.round(meter.offeredW), sessionWh: meter.registerWh - tx.meterStart };
    if (meter.soc !== undefined) sample.soc = Math.round(meter.soc * 10) / 10;
    return sample;
  }

  /** Cancel every timer the model holds (shutdown). */
  stopTimers(): void {
    const s = this.link.scheduler;
    for (const map of [this.waitTimers, this.reservationTimers]) {
      for (const t of map.values()) s.cancel(t);
      map.clear();
    }
    this.sampling.stop();
    this.telemetry?.stop();
    this.queue.stop();
  }

  /**
   * Arm the model's timers that are not running (after a boot or a reconnect); running ones keep
   * their phase.
   */
  startTimers(): void {
    this.sampling.start();
    // A transaction restored after a restart runs again: its telemetry ticks from here.
    if (this.connectors.some((c) => c.transaction)) this.sessionTelemetry().wake();
  }

  /** A readable warning line. */
  warn(line: string): void {
    this.link.emit('warning', line);
  }

  /** Something worth persisting changed (the state store listens). */
  changed(): void {
    this.onChange?.();
  }

  private mustConnector(id: number): Connector {
    const c = this.connector(id);
    if (!c) throw new RangeError(`connector ${id} does not exist (this charge point has ${this.profile.connectors})`);
    return c;
  }
}
