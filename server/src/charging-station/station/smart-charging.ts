/**
 * Smart charging of a 2.0.1 station at work (block K): the installed profiles
 * ({@link StationProfiles}) drive the simulated meter of every EVSE, re-evaluated when a profile
 * changes and when the next period begins (one timer on the station's scheduler); a charging
 * transaction whose rate changes says so with triggerReason ChargingRateChanged. TxProfiles end
 * with their transaction; a RequestStartTransaction's profile binds to the transaction it starts
 * (K05). External limits (an EMS, K12) come in through {@link SmartCharging.setExternalLimit} and
 * are reported with NotifyChargingLimit / ClearedChargingLimit.
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { ElectricalSpec } from '../../charging/schedule';
import type { TimerHandle } from '../../ocpp/scheduler';
import type { ChargingLimitSourceEnumType, ChargingProfileType, ChargingSchedulePeriodType, ClearChargingProfileRequest, CompositeScheduleType } from '../../ocpp/v201/types';
import { StationProfiles, type ProfileLimits, type RunningTx, type SetOutcome } from '../model/charging-profiles';
import { compositeAt, limitAt, type StationView } from '../model/load-sharing';
import type { Evse } from '../model/evse';
import type { StationModel } from './station';
import type { TransactionEngine } from './transactions';

/** Profile ids of external limits, out of the CSMS's way (per EVSE). */
const EXTERNAL_ID_BASE = 2_000_000_000;
const DAY_S = 86_400;

/** The smart-charging state of one station. */
export class SmartCharging {
  /** The installed profiles. */
  readonly profiles: StationProfiles;
  private appliedMade: Map<number, number | undefined> | undefined;
  /** The limit each EVSE was last driven with, in W (undefined: none). Made on first use. */
  private get applied(): Map<number, number | undefined> {
    return (this.appliedMade ??= new Map());
  }
  private forNextTransactionMade: Map<number, ChargingProfileType> | undefined;
  /** RequestStartTransaction profiles waiting for their transaction, by EVSE (K05). Made on first use. */
  private get forNextTransaction(): Map<number, ChargingProfileType> {
    return (this.forNextTransactionMade ??= new Map());
  }
  private notifiedMade: Map<string, number> | undefined;
  /** The external limit last notified, per EVSE and source (LimitChangeSignificance). Made on first use. */
  private get notified(): Map<string, number> {
    return (this.notifiedMade ??= new Map());
  }
  private timer: TimerHandle | undefined;

  /**
   * Smart charging for a station, wired to its transactions' meters and `transaction` events.
   * @param s The station.
   * @param transactions Its transactions: their meters obey the limit.
   * @param events Where the station emits `transaction` ({type, evseId, transactionId}).
   */
  constructor(private readonly s: StationModel, private readonly transactions: TransactionEngine, events: EventEmitter) {
    this.profiles = new StationProfiles(s.evses.length, () => this.limits());
    transactions.powerLimit = (e) => this.limitOf(e);
    // Deferred: the share changes while the TransactionEvent that reported the new state is still being built.
    transactions.chargingStateChanged = () => queueMicrotask(() => this.reapply());
    s.chargingProfileCount = () => this.profiles.size;
    events.on('transaction', (t: { type: string; evseId: number; transactionId: string }) => {
      const e = s.mustEvse(t.evseId);
      if (t.type === 'start') this.bindWaiting(e);
      // K01: a TxProfile lasts as long as its transaction.
      else if (t.type === 'stop') this.profiles.remove((x) => x.profile.chargingProfilePurpose === 'TxProfile' && x.profile.transactionId === t.transactionId);
      this.reapply();
    });
  }

  /** SmartChargingCtrlr.Enabled (off: SetChargingProfile is NotSupported, K01.FR.29; a RequestStart profile is ignored, F01.FR.12). */
  get enabled(): boolean {
    return this.s.device.bool('SmartChargingCtrlr', 'Enabled');
  }

  private limits(): ProfileLimits {
    const d = this.s.device;
    const entries = d.spec(d.catalogue.index('SmartChargingCtrlr', 'Entries', 'ChargingProfiles')!);
    return { maxStackLevel: d.int('SmartChargingCtrlr', 'ProfileStackLevel'), maxPeriods: d.int('SmartChargingCtrlr', 'PeriodsPerSchedule'), maxEntries: entries.maxLimit ?? 0, units: d.list('SmartChargingCtrlr', 'RateUnit') };
  }

  /** The supply of an EVSE, or of the grid connection (evseId 0: every EVSE's power together). */
  private elec(evseId: number): ElectricalSpec {
    const p = this.s.profile;
    const maxPowerW = evseId === 0 ? this.s.evses.reduce((w, e) => w + e.maxPowerW, 0) : this.s.mustEvse(evseId).maxPowerW;
    return { voltage: p.voltage, phases: p.phases, maxPowerW };
  }

  private running(evseId: number): RunningTx | undefined {
    const tx = this.s.evse(evseId)?.transaction;
    return tx && { id: tx.id, startedAt: tx.startedAt };
  }

  /** The station now, for sharing its limits over the EVSEs that draw power. */
  private view(): StationView {
    const drawing = this.s.evses.filter((e) => e.transaction?.chargingState === 'Charging').map((e) => e.id);
    return { now: this.s.now(), evseCount: this.s.evses.length, elec: (id) => this.elec(id), tx: (id) => this.running(id), drawing };
  }

  private limitOf(e: Evse): number | undefined {
    const v = this.view();
    return limitAt(this.profiles, e.id, v.now, v)?.w;
  }

  /** SetChargingProfile (K01) from the CSMS, or an external limit (`source` ≠ CSO). */
  set(evseId: number, profile: ChargingProfileType, source: ChargingLimitSourceEnumType = 'CSO'): SetOutcome {
    const outcome = this.profiles.set(evseId, profile, this.running(evseId), this.s.now(), source);
    if (outcome.status === 'Accepted') this.changed();
    return outcome;
  }

  /** ClearChargingProfile (K10). */
  clear(req: ClearChargingProfileRequest): 'Accepted' | 'Unknown' {
    const status = this.profiles.clear(req);
    if (status === 'Accepted') this.changed();
    return status;
  }

  /**
   * GetCompositeSchedule (K08) in the unit asked for (converted with the supply's voltage and
   * phases), from now: an EVSE's share, or the grid total for evseId 0; undefined for an unknown EVSE (K08.FR.05).
   */
  composite(evseId: number, durationS: number, unit: 'A' | 'W' | undefined): CompositeScheduleType | undefined {
    if (!Number.isInteger(evseId) || evseId < 0 || evseId > this.s.evses.length) return undefined;
    const c = compositeAt(this.profiles, evseId, durationS, unit, this.view());
    return { evseId, duration: c.duration, scheduleStart: c.startSchedule, chargingRateUnit: c.chargingRateUnit, chargingSchedulePeriod: c.chargingSchedulePeriod as [ChargingSchedulePeriodType, ...ChargingSchedulePeriodType[]] };
  }

  /** A RequestStartTransaction's TxProfile (K05): bound to the transaction the remote start makes (now, when one already runs). */
  startWith(evseId: number, profile: ChargingProfileType): void {
    this.forNextTransaction.set(evseId, profile);
    const e = this.s.mustEvse(evseId);
    if (e.transaction) this.bindWaiting(e);
  }

  private bindWaiting(e: Evse): void {
    const profile = this.forNextTransaction.get(e.id);
    if (!profile || !e.transaction) return;
    this.forNextTransaction.delete(e.id);
    const { status, reason } = this.set(e.id, { ...profile, transactionId: e.transaction.id });
    if (reason) this.s.warn(`RequestStartTransaction chargingProfile ${profile.id} ${status}: ${reason}`);
  }

  /**
   * An external system (EMS, DSO…) limits an EVSE or the station (K12): installed as a
   * ChargingStationExternalConstraints profile and, when ExternalControlSignalsEnabled, reported
   * with NotifyChargingLimit once it moved by more than LimitChangeSignificance percent,
   * with the schedule when NotifyChargingLimitWithSchedules.
   * @param evseId 0 for the station.
   * @param limit The limit (in `unit`) from now on.
   */
  setExternalLimit(evseId: number, limit: number, unit: 'A' | 'W' = 'W', source: Exclude<ChargingLimitSourceEnumType, 'CSO'> = 'EMS', isGridCritical?: boolean): SetOutcome {
    if (!this.s.device.bool('SmartChargingCtrlr', 'ExternalControlSignalsEnabled')) return { status: 'Rejected', reason: 'SmartChargingCtrlr.ExternalControlSignalsEnabled is false' };
    const schedule = { id: 1, chargingRateUnit: unit, startSchedule: new Date(this.s.now()).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit }] as [ChargingSchedulePeriodType] };
    const profile: ChargingProfileType = { id: EXTERNAL_ID_BASE + evseId, stackLevel: 0, chargingProfilePurpose: 'ChargingStationExternalConstraints', chargingProfileKind: 'Absolute', chargingSchedule: [schedule] };
    const outcome = this.set(evseId, profile, source);
    if (outcome.status !== 'Accepted') return outcome;
    const key = `${evseId}/${source}`;
    const before = this.notified.get(key);
    const significance = Number(this.s.device.str('SmartChargingCtrlr', 'LimitChangeSignificance')) || 0;
    if (before !== undefined && Math.abs(limit - before) * 100 <= significance * Math.abs(before)) return outcome;
    this.notified.set(key, limit);
    const withSchedule = this.s.device.bool('SmartChargingCtrlr', 'NotifyChargingLimitWithSchedules');
    void this.s.notify('NotifyChargingLimit', {
      chargingLimit: isGridCritical === undefined ? { chargingLimitSource: source } : { chargingLimitSource: source, isGridCritical },
      ...(evseId > 0 && { evseId }),
      ...(withSchedule && { chargingSchedule: [schedule] as [typeof schedule] }),
    });
    return outcome;
  }

  /** The external limit is released (K13): the profile goes and ClearedChargingLimit is sent. @returns false when there was none. */
  clearExternalLimit(evseId: number, source: Exclude<ChargingLimitSourceEnumType, 'CSO'> = 'EMS'): boolean {
    if (!this.profiles.remove((x) => x.evseId === evseId && x.source === source)) return false;
    this.notified.delete(`${evseId}/${source}`);
    this.changed();
    void this.s.notify('ClearedChargingLimit', evseId > 0 ? { chargingLimitSource: source, evseId } : { chargingLimitSource: source });
    return true;
  }

  /** Profiles changed: persist, and drive the meters with the new limits. */
  private changed(): void {
    this.s.changed();
    this.reapply();
  }

  /**
   * Drive every EVSE with its limit now; a changed limit reaches the meter (and the CSMS, during a
   * transaction). Then wait for the next moment a limit can change, within a day.
   */
  reapply(): void {
    this.s.link.scheduler.cancel(this.timer);
    this.timer = undefined;
    let nextS = Infinity;
    for (const e of this.s.evses) {
      const limit = this.limitOf(e);
      if (this.applied.get(e.id) !== limit) {
        this.applied.set(e.id, limit);
        this.transactions.limitChanged(e);
      }
      if (!e.transaction) continue;
      const periods = compositeAt(this.profiles, e.id, DAY_S, 'W', this.view()).chargingSchedulePeriod;
      if (periods[1]) nextS = Math.min(nextS, periods[1].startPeriod);
    }
    if (nextS < Infinity) this.timer = this.s.link.scheduler.after(nextS * 1000, () => this.reapply());
  }

  /** Stop the timer (the station closes). */
  stop(): void {
    this.s.link.scheduler.cancel(this.timer);
    this.timer = undefined;
  }
}
