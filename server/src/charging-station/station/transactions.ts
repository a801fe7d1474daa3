/**
 * Transactions of a 2.0.1 station (E01-E15): when a transaction starts and ends follows
 * `TxCtrlr.TxStartPoint` / `TxStopPoint`; every change goes out as one TransactionEvent with the
 * most specific triggerReason, a seqNo from 0 per transaction, `evse` once the EV is connected
 * (E01.FR.16), `idToken` when authorized, `chargingState` on every change, `remoteStartId` and
 * `reservationId` where they apply, meter values per SampledDataCtrlr / AlignedDataCtrlr. Events
 * go through the guaranteed-delivery queue, marked `offline` when they happened offline (E04).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { QueuedMessage } from '../../chargepoint/station/tx-queue';
import type { Payload } from '../../ocpp/frames';
import type {
  ChargingStateEnumType,
  IdTokenInfoType,
  MeterValueType,
  ReasonEnumType,
  TransactionEventEnumType,
  TriggerReasonEnumType,
} from '../../ocpp/v201/types';
import type { Authorization, Connector, Evse, Transaction } from '../model/evse';
import type { Authorizer } from './authorization';
import { Ev, type EvSpec } from '../../ev/ev';
import type { Telemetry } from '../../ev/telemetry';
import { MeterSigner } from './meter-signing';
import { readMeter, Sampler } from './sampling';
import { evseSample, evseTelemetry } from './telemetry';
import type { Request201, StationModel } from './station';

type TxEvent = Request201<'TransactionEvent'>;

/** Why a transaction or its authorization ends, as the TransactionEvent says it. */
export interface StopCause {
  /** triggerReason of the event. */
  trigger: TriggerReasonEnumType;
  /** stoppedReason, when it ends the transaction. */
  reason: ReasonEnumType;
}

/** The transactions of one station. */
export class TransactionEngine {
  private endedSamplesMade: Map<string, MeterValueType[]> | undefined;
  /** Samples collected for each transaction's Ended event (TxEndedInterval). Made on first use. */
  private get endedSamples(): Map<string, MeterValueType[]> {
    return (this.endedSamplesMade ??= new Map());
  }
  private connectTimersMade: Map<number, ReturnType<StationModel['link']['scheduler']['after']>> | undefined;
  /** Made on first use. */
  private get connectTimers(): Map<number, ReturnType<StationModel['link']['scheduler']['after']>> {
    return (this.connectTimersMade ??= new Map());
  }
  /** Meter sampling timers. */
  readonly sampler: Sampler;
  /** Per-second samples of running transactions, history of ended ones; made at the first transaction (an idle station holds none). */
  telemetry: Telemetry | undefined;
  private readonly signer: MeterSigner;
  /** Called when the last transaction of an EVSE (or of the station) ended (scheduled resets and availability). */
  onIdle: ((e: Evse) => void) | undefined;
  /** The charging limit on an EVSE in W (smart charging, K01); undefined: none. */
  powerLimit: (e: Evse) => number | undefined = () => undefined;
  /** Called after a transaction's chargingState changed (the EVSEs drawing power share the station limit). */
  chargingStateChanged: (e: Evse) => void = () => undefined;

  /**
   * Create the engine of a station.
   * @param s The station.
   * @param auth Its authorization state (TransactionEvent answers feed the cache).
   */
  constructor(private readonly s: StationModel, private readonly auth: Authorizer) {
    this.signer = new MeterSigner(s.device);
    this.sampler = new Sampler({
      scheduler: s.link.scheduler,
      device: s.device,
      evses: s.evses,
      enabled: () => s.automation.meterValues,
      periodic: (e) => this.sampled(e, 'MeterValuePeriodic', 'Sample.Periodic', s.device.list('SampledDataCtrlr', 'TxUpdatedMeasurands')),
      aligned: () => this.aligned(),
      ended: (e, context) => this.collect(e, context),
    });
    s.onDelivered = (m, response) => this.delivered(m, response);
    s.startTimers = () => {
      this.sampler.start();
      // A transaction restored after a restart runs again: its telemetry ticks from here.
      if (this.busy()) this.sessionTelemetry().wake();
    };
    s.stopTimers = () => {
      this.sampler.stop();
      this.telemetry?.stop();
      s.queue.stop();
    };
  }

  /** The telemetry, made when the first transaction needs it. */
  private sessionTelemetry(): Telemetry {
    return (this.telemetry ??= evseTelemetry(this.s, (e) => this.followEv(e)));
  }

  private points(variable: 'TxStartPoint' | 'TxStopPoint'): Set<string> {
    return new Set(this.s.device.list('TxCtrlr', variable));
  }

  /** True when any EVSE (or the given one) runs a transaction. */
  busy(e?: Evse): boolean {
    return e ? e.transaction !== undefined : this.s.evses.some((x) => x.transaction !== undefined);
  }

  /** The EVSE running the transaction with this id. */
  evseOf(transactionId: string): Evse | undefined {
    return this.s.evses.find((e) => e.transaction?.id === transactionId);
  }

  // ---- events from the EV and the driver ----

  /** The EV's cable goes into a connector (E02: cable first), with its EV (default: the EVSE's). */
  plugIn(e: Evse, connectorId: number, ev?: EvSpec): void {
    const c = e.connectors.find((x) => x.id === connectorId)!;
    const arriving = new Ev(ev ?? e.ev);
    e.meter.advance(this.s.now());
    if (!c.plugged || ev) e.meter.ev = arriving;
    c.plugged = true;
    this.s.link.scheduler.cancel(this.connectTimers.get(e.id));
    this.s.refresh();
    // G05.FR.01/02: a cable the lock cannot hold closes no power path, and the lock reports its Problem.
    if (this.s.hardware.lockFails) this.lockProblem(e, c, true);
    const tx = e.transaction;
    if (tx) {
      tx.connectorId = connectorId;
      return this.update(e, 'CablePluggedIn');
    }
    const start = this.points('TxStartPoint');
    const authorized = e.pending !== undefined && !c.lockFailed;
    // Without a bay detector report, a plugged EV is taken as the one in the bay.
    const inBay = start.has('ParkingBayOccupancy') && e.bayOccupied === undefined;
    if (start.has('EVConnected') || inBay || (authorized && (start.has('PowerPathClosed') || start.has('EnergyTransfer')))) {
      this.start(e, 'CablePluggedIn', e.pending);
    } else if (authorized && this.signedStart(start)) this.start(e, 'SignedDataReceived', e.pending);
  }

  /** The cable is pulled at the EV side (E10): ends the transaction when a stop point says so. */
  unplug(e: Evse, connectorId: number): void {
    const c = e.connectors.find((x) => x.id === connectorId)!;
    c.plugged = false;
    e.meter.advance(this.s.now());
    if (!e.connectors.some((x) => x.plugged)) e.meter.ev = undefined;
    if (c.lockFailed) this.lockProblem(e, c, false);
    const tx = e.transaction;
    if (tx && tx.connectorId === connectorId) {
      const stop = this.points('TxStopPoint');
      // With a bay detector the EV leaving the bay ends it (parkingBay), not the cable.
      const leftBay = stop.has('ParkingBayOccupancy') && e.bayOccupied === undefined;
      // E10.FR.01 (StopTxOnEVSideDisconnect): the EV-side unplug deauthorizes, so Authorized ends it too (TC_E_17).
      const ends = stop.has('EVConnected') || stop.has('Authorized') || leftBay || (stop.has('PowerPathClosed') && tx.auth !== undefined) || stop.has('EnergyTransfer');
      if (ends && this.s.device.bool('TxCtrlr', 'StopTxOnEVSideDisconnect')) this.end(e, { trigger: 'EVCommunicationLost', reason: 'EVDisconnected' });
      else this.update(e, 'EVCommunicationLost');
    }
    this.s.refresh();
  }

  /**
   * The bay's vehicle detector reports an EV arriving or leaving (E01 / E06 ParkingBayOccupancy):
   * arriving starts a transaction when that is a start point (EVDetected, TC_E_12); leaving ends
   * it when it is a stop point (EVDeparted, stoppedReason EVDisconnected, TC_E_19), else the
   * running transaction is told (Updated EVDeparted).
   */
  parkingBay(e: Evse, occupied: boolean): void {
    if (e.bayOccupied === occupied) return;
    e.bayOccupied = occupied;
    const tx = e.transaction;
    if (occupied) {
      if (!tx && this.points('TxStartPoint').has('ParkingBayOccupancy')) this.start(e, 'EVDetected', e.pending);
      else if (tx) this.update(e, 'EVDetected');
    } else if (tx) {
      if (this.points('TxStopPoint').has('ParkingBayOccupancy')) this.end(e, { trigger: 'EVDeparted', reason: 'EVDisconnected' });
      else this.update(e, 'EVDeparted');
    }
    this.s.refresh();
  }

  /**
   * A driver authorization for an EVSE was accepted (local token or RequestStartTransaction):
   * starts the transaction when a start point is met, or joins the running one.
   */
  authorized(e: Evse, auth: Authorization, trigger: 'Authorized' | 'RemoteStart'): void {
    if (auth.reservationId !== undefined) e.reservation = undefined;
    const tx = e.transaction;
    if (tx) {
      tx.auth = auth;
      return this.update(e, trigger);
    }
    const start = this.points('TxStartPoint');
    const plugged = e.connectors.some((c) => c.plugged);
    const closable = e.connectors.some((c) => c.plugged && !c.lockFailed);
    if (start.has('Authorized') || (plugged && start.has('EVConnected')) || (closable && (start.has('PowerPathClosed') || start.has('EnergyTransfer')))) {
      this.start(e, trigger, auth);
    } else if (closable && this.signedStart(start)) {
      this.start(e, 'SignedDataReceived', auth);
    } else {
      e.pending = auth;
    }
    if (!plugged) this.awaitCable(e);
    this.s.refresh();
  }

  /**
   * E01 DataSigned (TC_E_11): the meter signs the session's start reading once the EV is
   * connected and authorized; without SignReadings it never does, so DataSigned alone starts nothing.
   */
  private signedStart(start: Set<string>): boolean {
    return start.has('DataSigned') && this.s.device.bool('SampledDataCtrlr', 'SignReadings');
  }

  /** E03.FR.05 / TC_E_..: no cable within EVConnectionTimeOut: the authorization lapses. */
  private awaitCable(e: Evse): void {
    const s = this.s.link.scheduler;
    s.cancel(this.connectTimers.get(e.id));
    this.connectTimers.set(e.id, s.after(this.s.device.int('TxCtrlr', 'EVConnectionTimeOut') * 1000, () => {
      if (e.connectors.some((c) => c.plugged)) return;
      e.pending = undefined;
      if (e.transaction) this.end(e, { trigger: 'EVConnectTimeout', reason: 'Timeout' });
      else this.s.refresh();
    }));
  }

  /**
   * The driver's authorization ends (a token stops it, RequestStopTransaction, the CSMS
   * deauthorizes it): ends the transaction when Authorized, PowerPathClosed or EnergyTransfer
   * is a stop point, else energy stops and the transaction waits for the cable (E07).
   */
  deauthorize(e: Evse, cause: StopCause): boolean {
    const tx = e.transaction;
    if (!tx) return false;
    const stop = this.points('TxStopPoint');
    if (stop.has('Authorized') || stop.has('PowerPathClosed') || stop.has('EnergyTransfer') || cause.trigger === 'RemoteStop') {
      this.end(e, cause);
    } else {
      tx.auth = undefined;
      this.update(e, cause.trigger);
    }
    return true;
  }

  /**
   * The cable lock of a connector failed (G05), or the failed lock's cable was pulled: the
   * ConnectorPlugRetentionLock.Problem change goes out as NotifyEvent (G05.FR.02).
   */
  lockProblem(e: Evse, c: Connector, failed: boolean): void {
    c.lockFailed = failed;
    void this.s.notifyEvent('ConnectorPlugRetentionLock', 'Problem', { evseId: e.id, connectorId: c.id });
  }

  /** Suspend energy transfer: by the EV (SuspendedEV) or the station (SuspendedEVSE). */
  suspend(e: Evse, by: 'EV' | 'EVSE'): void {
    e.suspended = by;
    if (e.transaction && this.points('TxStopPoint').has('EnergyTransfer')) return this.end(e, { trigger: 'ChargingStateChanged', reason: by === 'EV' ? 'StoppedByEV' : 'Other' });
    if (e.transaction) this.update(e, 'ChargingStateChanged');
  }

  /** Resume energy transfer after {@link TransactionEngine.suspend}. */
  resume(e: Evse): void {
    e.suspended = undefined;
    if (e.transaction) this.update(e, 'ChargingStateChanged');
  }

  // ---- the events ----

  /** What the EV side is doing now. */
  private chargingState(e: Evse): ChargingStateEnumType {
    const tx = e.transaction;
    const plugged = tx?.connectorId !== undefined && e.connectors.some((c) => c.id === tx.connectorId && c.plugged);
    if (!plugged) return 'Idle';
    if (!tx?.auth || e.connectors.some((c) => c.id === tx.connectorId && c.lockFailed)) return 'EVConnected';
    if (e.suspended === 'EV') return 'SuspendedEV';
    if (e.suspended === 'EVSE' || (tx.energyCapWh !== undefined && e.meter.registerWh >= tx.energyCapWh)) return 'SuspendedEVSE';
    return 'Charging';
  }

  /** One telemetry tick: the power follows the EV curve; an EV at its target SoC stops drawing (SuspendedEV). */
  private followEv(e: Evse): void {
    this.applyPower(e);
    if (e.meter.ev?.full && e.transaction?.chargingState === 'Charging') this.suspend(e, 'EV');
  }

  /** Set the meter's power for the EV side's state. */
  private applyPower(e: Evse): void {
    const now = this.s.now();
    e.meter.advance(now);
    e.meter.setPower(now, e.transaction?.chargingState === 'Charging' ? e.maxPowerW : 0, this.powerLimit(e));
    this.s.onLive?.();
  }

  /** The charging limit changed: the meter follows it at once, and a charging transaction says so (triggerReason ChargingRateChanged). */
  limitChanged(e: Evse): void {
    if (e.transaction?.chargingState === 'Charging') this.update(e, 'ChargingRateChanged');
    else this.applyPower(e);
  }

  private start(e: Evse, trigger: TriggerReasonEnumType, auth: Authorization | undefined): void {
    const plugged = e.connectors.find((c) => c.plugged);
    const tx: Transaction = { id: randomUUID(), seqNo: 0, startedAt: this.s.now(), connectorId: plugged?.id, auth, chargingState: 'Idle', meterStartWh: e.meter.registerWh };
    e.pending = undefined;
    e.transaction = tx;
    this.endedSamples.set(tx.id, []);
    this.send(e, 'Started', trigger, readMeter(e.meter, this.s.now(), this.s.device.list('SampledDataCtrlr', 'TxStartedMeasurands'), 'Transaction.Begin'));
    this.sampler.transactionStarted(e);
    this.sessionTelemetry().started(e.id);
    this.s.link.emit('transaction', { type: 'start', evseId: e.id, transactionId: tx.id });
  }

  /** An Updated event for a change of the transaction. */
  private update(e: Evse, trigger: TriggerReasonEnumType, meterValue?: MeterValueType): void {
    if (e.transaction) this.send(e, 'Updated', trigger, meterValue);
  }

  /** End the transaction on an EVSE (stop point reached, reset, remote stop). */
  end(e: Evse, cause: StopCause): void {
    const tx = e.transaction;
    if (!tx) return;
    tx.stoppedReason = cause.reason;
    this.sampler.transactionEnded(e);
    const now = this.s.now();
    const samples = this.endedSamples.get(tx.id) ?? [];
    this.endedSamples.delete(tx.id);
    const last = readMeter(e.meter, now, this.s.device.list('SampledDataCtrlr', 'TxEndedMeasurands'), 'Transaction.End');
    this.send(e, 'Ended', cause.trigger, ...samples, ...(last ? [last] : []));
    this.sessionTelemetry().ended(evseSample(this.s, e), { transactionId: tx.id, startedAt: tx.startedAt, reason: cause.reason });
    e.transaction = undefined;
    e.suspended = undefined;
    this.applyPower(e);
    this.s.link.emit('transaction', { type: 'stop', evseId: e.id, transactionId: tx.id, reason: cause.reason });
    this.onIdle?.(e);
    this.s.refresh();
  }

  /** Build, queue and account one TransactionEvent. */
  private send(e: Evse, eventType: TransactionEventEnumType, triggerReason: TriggerReasonEnumType, ...meterValue: (MeterValueType | undefined)[]): void {
    const tx = e.transaction!;
    const state = eventType === 'Ended' ? this.endState(e) : this.chargingState(e);
    const payload: TxEvent = {
      eventType,
      timestamp: new Date(this.s.now()).toISOString(),
      triggerReason,
      seqNo: tx.seqNo++,
      transactionInfo: { transactionId: tx.id },
    };
    const info = payload.transactionInfo;
    const changed = state !== tx.chargingState;
    if (changed || eventType === 'Started') info.chargingState = state;
    tx.chargingState = state;
    if (changed) this.chargingStateChanged(e);
    if (eventType === 'Ended') info.stoppedReason = tx.stoppedReason;
    if (tx.auth?.remoteStartId !== undefined && (eventType === 'Started' || triggerReason === 'RemoteStart')) info.remoteStartId = tx.auth.remoteStartId;
    // E01.FR.16: the EVSE (and connector, once the EV is connected); the token was presented at this EVSE.
    payload.evse = tx.connectorId !== undefined ? { id: e.id, connectorId: tx.connectorId } : { id: e.id };
    if (tx.auth && (eventType === 'Started' || triggerReason === 'Authorized' || triggerReason === 'RemoteStart')) payload.idToken = tx.auth.idToken;
    if (tx.auth?.reservationId !== undefined && (eventType === 'Started' || triggerReason === 'Authorized' || triggerReason === 'RemoteStart')) payload.reservationId = tx.auth.reservationId;
    const values = meterValue.filter((m): m is MeterValueType => m !== undefined);
    if (values.length) payload.meterValue = values.map((mv) => this.signer.apply(mv, tx.id, eventType === 'Started')) as TxEvent['meterValue'];
    if (!this.s.online) payload.offline = true;
    this.applyPower(e);
    this.s.enqueue('TransactionEvent', payload);
  }

  /** chargingState reported with Ended: what is left once the power path opened. */
  private endState(e: Evse): ChargingStateEnumType {
    const tx = e.transaction!;
    const plugged = tx.connectorId !== undefined && e.connectors.some((c) => c.id === tx.connectorId && c.plugged);
    return plugged ? 'EVConnected' : 'Idle';
  }

  // ---- meter values ----

  private sampled(e: Evse, trigger: TriggerReasonEnumType, context: 'Sample.Periodic' | 'Sample.Clock', measurands: string[]): void {
    this.checkEnergyCap(e);
    const mv = readMeter(e.meter, this.s.now(), measurands, context);
    if (mv) this.update(e, trigger, mv);
  }

  /** A clock-aligned sample: in the transaction's events, else MeterValues per EVSE and for evseId 0 (J01). */
  private aligned(): void {
    const d = this.s.device;
    const measurands = d.list('AlignedDataCtrlr', 'Measurands');
    if (measurands.length === 0) return;
    const duringIdleOnly = d.bool('AlignedDataCtrlr', 'SendDuringIdle');
    const now = this.s.now();
    for (const e of this.s.evses) {
      if (e.transaction) {
        if (!duringIdleOnly) this.sampled(e, 'MeterValueClock', 'Sample.Clock', measurands);
      } else {
        const mv = readMeter(e.meter, now, measurands, 'Sample.Clock');
        if (mv) void this.s.notify('MeterValues', { evseId: e.id, meterValue: [this.signer.apply(mv)] });
      }
    }
    if (duringIdleOnly && this.busy()) return;
    const main = this.stationMeter(now, measurands, 'Sample.Clock');
    if (main) void this.s.notify('MeterValues', { evseId: 0, meterValue: [this.signer.apply(main)] });
  }

  /** The station's main meter (evseId 0): the sum of the EVSEs' energy registers. */
  stationMeter(now: number, measurands: readonly string[], context: 'Sample.Clock' | 'Trigger'): MeterValueType | undefined {
    const first = this.s.evses[0]!;
    const mv = readMeter(first.meter, now, measurands, context);
    if (!mv) return undefined;
    const total = this.s.evses.reduce((sum, e) => sum + e.meter.registerWh, 0);
    for (const v of mv.sampledValue) if (v.measurand === undefined || v.measurand === 'Energy.Active.Import.Register') v.value = total;
    return mv;
  }

  private collect(e: Evse, context: 'Sample.Periodic' | 'Sample.Clock'): void {
    const tx = e.transaction;
    const list = tx && this.endedSamples.get(tx.id);
    if (!list) return;
    const measurands = this.s.device.list(context === 'Sample.Clock' ? 'AlignedDataCtrlr' : 'SampledDataCtrlr', 'TxEndedMeasurands');
    const mv = readMeter(e.meter, this.s.now(), measurands, context);
    if (mv) list.push(mv);
  }

  /** MaxEnergyOnInvalidId reached: the station suspends (E05.FR.03). */
  private checkEnergyCap(e: Evse): void {
    const tx = e.transaction;
    if (tx?.energyCapWh === undefined || tx.chargingState !== 'Charging') return;
    // The register as of now (the meter integrates lazily), else the periodic event reports the suspension first (TC_C_15).
    e.meter.advance(this.s.now());
    if (e.meter.registerWh >= tx.energyCapWh) this.update(e, 'EnergyLimitReached');
  }

  /** Read an EVSE's meter now. */
  read(e: Evse, measurands: readonly string[], context: 'Trigger' | 'Sample.Clock' | 'Sample.Periodic'): MeterValueType | undefined {
    const mv = readMeter(e.meter, this.s.now(), measurands, context);
    return mv && this.signer.apply(mv);
  }

  /** TriggerMessage TransactionEvent (F06.FR.07): an Updated with triggerReason Trigger. */
  triggered(e: Evse): void {
    const mv = readMeter(e.meter, this.s.now(), this.s.device.list('SampledDataCtrlr', 'TxUpdatedMeasurands'), 'Trigger');
    this.update(e, 'Trigger', mv);
  }

  // ---- answers ----

  /**
   * A TransactionEvent was answered: the idTokenInfo goes into the cache; a token the CSMS
   * refuses deauthorizes the transaction (StopTxOnInvalidId, E05.FR.02) or caps its energy at
   * MaxEnergyOnInvalidId (E05.FR.03).
   */
  private delivered(m: QueuedMessage, response: Payload): void {
    if (m.action !== 'TransactionEvent') return;
    const req = m.payload as unknown as TxEvent;
    const info = (response as { idTokenInfo?: IdTokenInfoType }).idTokenInfo;
    if (!info || !req.idToken) return;
    this.auth.learn(req.idToken, info);
    const e = this.evseOf(req.transactionInfo.transactionId);
    if (!e?.transaction || info.status === 'Accepted') return;
    if (this.s.device.bool('TxCtrlr', 'StopTxOnInvalidId')) {
      this.deauthorize(e, { trigger: 'Deauthorized', reason: 'DeAuthorized' });
      return;
    }
    const tx = e.transaction;
    tx.energyCapWh = tx.meterStartWh + this.s.device.int('TxCtrlr', 'MaxEnergyOnInvalidId');
    if (e.meter.registerWh >= tx.energyCapWh) this.update(e, 'ChargingStateChanged');
  }
}
