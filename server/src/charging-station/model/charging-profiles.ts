/**
 * The charging profiles of a 2.0.1 station (block K): the rules of SetChargingProfile (K01),
 * GetChargingProfiles criteria (K09), ClearChargingProfile (K10) and the stacks the shared
 * schedule evaluation works on (`load-sharing.ts` combines them). Pure: no I/O, no timers.
 * @module
 */
import { wellFormed, type ScheduledProfile, type Stacks } from '../../charging/schedule';
import type { ChargingLimitSourceEnumType, ChargingProfileCriterionType, ChargingProfilePurposeEnumType, ChargingProfileType, ClearChargingProfileRequest } from '../../ocpp/v201/types';

/** What SmartChargingCtrlr allows (ProfileStackLevel, PeriodsPerSchedule, Entries maxLimit, RateUnit). */
export interface ProfileLimits {
  /** Highest stackLevel. */
  maxStackLevel: number;
  /** Periods per schedule. */
  maxPeriods: number;
  /** Profiles installed at once. */
  maxEntries: number;
  /** Units a schedule may use. */
  units: readonly string[];
}

/** An installed profile, where it applies and who set it. */
export interface InstalledProfile201 {
  /** 0 for the station (grid connection), else the EVSE. */
  evseId: number;
  /** As stored: TxProfiles carry their transactionId, Absolute ones a startSchedule. */
  profile: ChargingProfileType;
  /** CSO for the CSMS's profiles, EMS/SO/Other for external limits (K12). */
  source: ChargingLimitSourceEnumType;
}

/** The running transaction of an EVSE, as TxProfiles and Relative schedules need it. */
export interface RunningTx {
  /** Station-generated transactionId. */
  id: string;
  /** Start, epoch ms. */
  startedAt: number;
}

/** SetChargingProfile's verdict and, when Rejected, why (statusInfo). */
export interface SetOutcome {
  /** Accepted or Rejected. */
  status: 'Accepted' | 'Rejected';
  /** Why it was rejected. */
  reason?: string;
}

/** The schedule the evaluation uses: the first of the list (more come only with ISO 15118, K15). */
const view = (p: ChargingProfileType): ScheduledProfile => ({ ...p, chargingSchedule: p.chargingSchedule[0] });
/** Two profiles' validity periods share a moment (absent bounds are open). */
const overlap = (a: ChargingProfileType, b: ChargingProfileType): boolean =>
  Date.parse(a.validFrom ?? '0000') < Date.parse(b.validTo ?? '9999') && Date.parse(b.validFrom ?? '0000') < Date.parse(a.validTo ?? '9999');
/** Higher stackLevel first; at equal level an EVSE's own profile before the station's. */
const byPrecedence = (a: InstalledProfile201, b: InstalledProfile201): number => b.profile.stackLevel - a.profile.stackLevel || b.evseId - a.evseId;

/** The profiles of one 2.0.1 station. */
export class StationProfiles {
  private entries: InstalledProfile201[] = [];

  /**
   * No profiles installed.
   * @param evseCount EVSEs 1..N exist.
   * @param limits The SmartChargingCtrlr values in force, read at each SetChargingProfile.
   */
  constructor(private readonly evseCount: number, private readonly limits: () => ProfileLimits) {}

  /**
   * SetChargingProfile (K01), or an external limit (`source` other than CSO, K12). A profile with
   * the same id is replaced (K01.FR.05); Absolute and Recurring ones without startSchedule start now.
   * @param tx The transaction running on `evseId`.
   */
  set(evseId: number, profile: ChargingProfileType, tx: RunningTx | undefined, now: number, source: ChargingLimitSourceEnumType = 'CSO'): SetOutcome {
    const reason = this.refusal(evseId, profile, tx, source);
    if (reason) return { status: 'Rejected', reason };
    const kept = this.entries.filter((e) => e.profile.id !== profile.id);
    // Same purpose and stackLevel at the same place (and transaction) with overlapping validity cannot stack: the CSMS must replace by id.
    const clash = kept.find((e) => e.evseId === evseId && e.profile.chargingProfilePurpose === profile.chargingProfilePurpose && e.profile.stackLevel === profile.stackLevel && e.profile.transactionId === profile.transactionId && overlap(e.profile, profile));
    if (clash) return { status: 'Rejected', reason: `profile ${clash.profile.id} has the same purpose and stackLevel here` };
    if (kept.length >= this.limits().maxEntries) return { status: 'Rejected', reason: `no room: SmartChargingCtrlr.Entries maxLimit is ${this.limits().maxEntries}` };
    const stored = structuredClone(profile);
    const schedule = stored.chargingSchedule[0];
    if (stored.chargingProfileKind !== 'Relative' && schedule.startSchedule === undefined) schedule.startSchedule = new Date(now).toISOString();
    this.entries = [...kept, { evseId, profile: stored, source }];
    return { status: 'Accepted' };
  }

  /** The rule a profile breaks, or undefined. */
  private refusal(evseId: number, p: ChargingProfileType, tx: RunningTx | undefined, source: ChargingLimitSourceEnumType): string | undefined {
    const l = this.limits();
    if (!Number.isInteger(evseId) || evseId < 0 || evseId > this.evseCount) return `EVSE ${evseId} does not exist`; // K01.FR.28
    // ChargingProfileType: up to three schedules are for ISO 15118 schedule negotiation (a TxProfile in an ISO 15118 session, K15), which this station does not do.
    if (p.chargingSchedule.length !== 1) return 'one chargingSchedule only: more are offered to an EV in ISO 15118 schedule negotiation, which this station does not support';
    if (!wellFormed(view(p), l.maxPeriods)) return `malformed schedule (periods from 0 in order, at most ${l.maxPeriods}; dates; kind)`;
    if (p.stackLevel > l.maxStackLevel) return `stackLevel above ProfileStackLevel ${l.maxStackLevel}`;
    if (!l.units.includes(p.chargingSchedule[0].chargingRateUnit)) return `chargingRateUnit ${p.chargingSchedule[0].chargingRateUnit} not in RateUnit`; // K01.FR.26
    switch (p.chargingProfilePurpose) {
      case 'ChargingStationExternalConstraints':
        return source === 'CSO' ? 'ChargingStationExternalConstraints are set by external systems, not the CSMS' : undefined; // K01.FR.22
      case 'ChargingStationMaxProfile':
        if (evseId !== 0) return 'ChargingStationMaxProfile only on evseId 0';
        return p.chargingProfileKind === 'Relative' ? 'ChargingStationMaxProfile cannot be Relative' : undefined;
      case 'TxDefaultProfile':
        return undefined;
      case 'TxProfile':
        if (evseId === 0) return 'TxProfile needs an EVSE'; // K01.FR.16
        if (p.transactionId === undefined) return 'TxProfile without transactionId';
        return tx?.id === p.transactionId ? undefined : `no transaction ${p.transactionId} on EVSE ${evseId}`; // K01.FR.09/33
    }
  }

  /**
   * ClearChargingProfile (K10): by id, or every profile matching evseId, purpose and stackLevel
   * (omitted fields match all). External limits are not the CSMS's to clear.
   * @returns Accepted when at least one went, else Unknown (K10.FR.01).
   */
  clear(req: ClearChargingProfileRequest): 'Accepted' | 'Unknown' {
    const c = req.chargingProfileCriteria;
    const matches = (e: InstalledProfile201): boolean =>
      e.source === 'CSO' &&
      (req.chargingProfileId !== undefined
        ? e.profile.id === req.chargingProfileId
        : (c?.evseId === undefined || e.evseId === c.evseId) && (c?.chargingProfilePurpose === undefined || e.profile.chargingProfilePurpose === c.chargingProfilePurpose) && (c?.stackLevel === undefined || e.profile.stackLevel === c.stackLevel));
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !matches(e));
    return this.entries.length < before ? 'Accepted' : 'Unknown';
  }

  /** Remove profiles that match (external limits of a source, a transaction's TxProfiles); true when any went. */
  remove(where: (e: InstalledProfile201) => boolean): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !where(e));
    return this.entries.length < before;
  }

  /** GetChargingProfiles (K09): evseId undefined = all, 0 = the station's own, else that EVSE's; then the criterion. */
  find(evseId: number | undefined, k: ChargingProfileCriterionType): InstalledProfile201[] {
    return this.entries.filter(
      (e) =>
        (evseId === undefined || e.evseId === evseId) &&
        (k.chargingProfilePurpose === undefined || e.profile.chargingProfilePurpose === k.chargingProfilePurpose) &&
        (k.stackLevel === undefined || e.profile.stackLevel === k.stackLevel) &&
        (k.chargingProfileId === undefined || k.chargingProfileId.includes(e.profile.id)) &&
        (k.chargingLimitSource === undefined || k.chargingLimitSource.includes(e.source)),
    );
  }

  /**
   * The stacks an EVSE governs itself with (K01): its transaction's TxProfiles, its own and the
   * station's TxDefaultProfiles (evseId 0 = every EVSE, K01.FR.14), its own external limits as cap.
   * The station-wide limits ({@link StationProfiles.stationStacks}) are shared over the EVSEs on top.
   */
  stacks(evseId: number, tx: RunningTx | undefined): Stacks {
    return {
      tx: this.pick('TxProfile', (e) => e.evseId === evseId && tx !== undefined && e.profile.transactionId === tx.id),
      txDefault: this.pick('TxDefaultProfile', (e) => e.evseId === 0 || e.evseId === evseId),
      caps: [this.pick('ChargingStationExternalConstraints', (e) => e.evseId === evseId)],
    };
  }

  /** The limits of the whole station (grid connection): ChargingStationMaxProfile and external limits on evseId 0. */
  stationStacks(): Stacks {
    const station = (e: InstalledProfile201): boolean => e.evseId === 0;
    return { tx: [], txDefault: [], caps: [this.pick('ChargingStationMaxProfile', station), this.pick('ChargingStationExternalConstraints', station)] };
  }

  /** Every installed profile as the schedule evaluation sees it (the moments a limit may change). */
  views(): ScheduledProfile[] {
    return this.entries.map((e) => view(e.profile));
  }

  private pick(purpose: ChargingProfilePurposeEnumType, where: (e: InstalledProfile201) => boolean): ScheduledProfile[] {
    return this.entries.filter((e) => e.profile.chargingProfilePurpose === purpose && where(e)).sort(byPrecedence).map((e) => view(e.profile));
  }

  /** How many profiles are installed (SmartChargingCtrlr.Entries). */
  get size(): number {
    return this.entries.length;
  }

  /** Every installed profile (persistence, the UI). */
  list(): InstalledProfile201[] {
    return structuredClone(this.entries);
  }

  /** Replace the installed profiles with {@link StationProfiles.list} output (K01.FR.27), dropping unknown EVSEs. */
  restore(entries: InstalledProfile201[]): void {
    this.entries = structuredClone(entries.filter((e) => Number.isInteger(e.evseId) && e.evseId >= 0 && e.evseId <= this.evseCount));
  }
}
