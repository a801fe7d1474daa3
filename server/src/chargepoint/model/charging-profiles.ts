/**
 * Smart Charging (OCPP 1.6 §3.13): the charging profiles a charge point has installed, the rules
 * SetChargingProfile (§5.16) and ClearChargingProfile (§5.7) apply to them, and the composite
 * schedule they add up to (§5.9). Pure: no I/O, no timers; time is passed in as epoch ms.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { composite, limitOf, wellFormed, type ElectricalSpec, type Stacks } from '../../charging/schedule';

export type { ElectricalSpec } from '../../charging/schedule';

/** A charging profile as carried by SetChargingProfile.req (§7.8 ChargingProfile). */
export type ChargingProfile = Ocpp16Messages['SetChargingProfile']['request']['csChargingProfiles'];

/** The schedule of a GetCompositeSchedule.conf (§5.9): the limits the charge point would apply. */
export type CompositeSchedule = NonNullable<Ocpp16Messages['GetCompositeSchedule']['response']['chargingSchedule']>;

/** The Smart Charging configuration keys (§9.4) that bound what a charge point accepts. */
export interface ChargingLimits {
  /** ChargeProfileMaxStackLevel: the highest stackLevel accepted. */
  maxStackLevel: number;
  /** MaxChargingProfilesInstalled: how many profiles may be installed at once. */
  maxProfiles: number;
  /** ChargingScheduleMaxPeriods: how many periods one schedule may have. */
  maxPeriods: number;
  /** ChargingScheduleAllowedChargingRateUnit: the units a schedule may use. */
  allowedUnits: ReadonlyArray<'A' | 'W'>;
}

/** The transaction running on a connector, which TxProfiles and Relative profiles depend on. */
export interface TransactionInfo {
  /** The transactionId the Central System assigned (StartTransaction.conf). */
  transactionId: number;
  /** When the transaction started, epoch ms: the origin of Relative schedules (§7.9). */
  startedAt: number;
}

/** An installed profile and the connector it was set on, as {@link ChargingProfiles.list} reports them. */
export interface InstalledProfile {
  /** 0 for the whole charge point, else the connector. */
  connectorId: number;
  /** The profile as stored (see {@link ChargingProfiles}). */
  profile: ChargingProfile;
}

type Purpose = ChargingProfile['chargingProfilePurpose'];

/** Higher stackLevel first (§3.13.2); at equal level a connector's own profile before connector 0's. */
const byPrecedence = (a: InstalledProfile, b: InstalledProfile): number =>
  b.profile.stackLevel - a.profile.stackLevel || b.connectorId - a.connectorId;

/**
 * The charging profiles of one charge point and the limits they impose.
 *
 * Profiles are stored as received, except that an Absolute or Recurring profile without startSchedule gets the
 * moment it was set as its startSchedule, and a TxProfile is bound to the transaction it was set for, so that
 * {@link ChargingProfiles.list} output restores to the same behaviour.
 */
export class ChargingProfiles {
  /** The Smart Charging configuration in force; replace it when a configuration key changes. */
  limits: ChargingLimits;
  private entries: InstalledProfile[] = [];

  /**
   * A charge point with no profiles installed.
   * @param connectors Number of connectors; valid connectorIds are 0 (the whole charge point) to this.
   * @param limits The Smart Charging configuration in force.
   */
  constructor(
    private readonly connectors: number,
    limits: ChargingLimits,
  ) {
    this.limits = limits;
  }

  /**
   * SetChargingProfile.req (§5.16). Rejected when the profile breaks a rule of §3.13 / §7.8 or a configured limit;
   * otherwise it replaces any profile with the same chargingProfileId, or with the same stackLevel and purpose on
   * the same connector. Never answers NotSupported: that is for a charge point without the Smart Charging feature
   * profile, which the caller decides.
   * @param tx The transaction running on `connectorId`, if any.
   * @param now When the profile was received, epoch ms: the start of an Absolute schedule without startSchedule.
   */
  set(
    connectorId: number,
    profile: ChargingProfile,
    tx: TransactionInfo | undefined,
    now: number = Date.now(),
  ): 'Accepted' | 'Rejected' | 'NotSupported' {
    if (!this.acceptable(connectorId, profile, tx)) return 'Rejected';
    const kept = this.entries.filter(
      (e) =>
        e.profile.chargingProfileId !== profile.chargingProfileId &&
        !(
          e.connectorId === connectorId &&
          e.profile.stackLevel === profile.stackLevel &&
          e.profile.chargingProfilePurpose === profile.chargingProfilePurpose
        ),
    );
    if (kept.length >= this.limits.maxProfiles) return 'Rejected';
    const stored = structuredClone(profile);
    if (stored.chargingProfileKind !== 'Relative' && stored.chargingSchedule.startSchedule === undefined) {
      stored.chargingSchedule.startSchedule = new Date(now).toISOString();
    }
    // A negative id is the placeholder for a transaction the CSMS has not numbered yet (a
    // RemoteStartTransaction's TxProfile, an offline start): leave the profile unbound, so it
    // still governs that transaction once StartTransaction.conf brings the real id (TC_059).
    if (stored.chargingProfilePurpose === 'TxProfile' && tx && tx.transactionId >= 0) stored.transactionId = tx.transactionId;
    this.entries = [...kept, { connectorId, profile: stored }];
    return 'Accepted';
  }

  /**
   * ClearChargingProfile.req (§5.7): by id, or every profile matching the given connectorId, purpose and
   * stackLevel, where an omitted field matches all (so no fields clear everything).
   * @returns Accepted when at least one profile was removed, else Unknown.
   */
  clear(criteria: Ocpp16Messages['ClearChargingProfile']['request']): 'Accepted' | 'Unknown' {
    const { id, connectorId, chargingProfilePurpose, stackLevel } = criteria;
    const matches = (e: InstalledProfile): boolean =>
      id !== undefined
        ? e.profile.chargingProfileId === id
        : (connectorId === undefined || e.connectorId === connectorId) &&
          (chargingProfilePurpose === undefined || e.profile.chargingProfilePurpose === chargingProfilePurpose) &&
          (stackLevel === undefined || e.profile.stackLevel === stackLevel);
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !matches(e));
    return this.entries.length < before ? 'Accepted' : 'Unknown';
  }

  /** A transaction ended on a connector: its TxProfiles go, as they last only as long as the transaction (§3.13.1). */
  endTransaction(connectorId: number): void {
    this.entries = this.entries.filter(
      (e) => !(e.connectorId === connectorId && e.profile.chargingProfilePurpose === 'TxProfile'),
    );
  }

  /**
   * GetCompositeSchedule (§5.9): the limit the charge point would apply on a connector from `now` for `durationS`
   * seconds. The limit is evaluated at every moment one could change (period starts, schedule ends, validity
   * bounds, recurrences), rounded up to whole seconds; equal consecutive periods are merged and limits rounded to
   * one decimal. Connector 0 reports the ChargePointMaxProfile only. Without any limit the connector's maxPowerW
   * applies.
   * @param unit The unit asked for; when absent, the unit all governing profiles share, else W.
   * @returns undefined when the connectorId is out of range (the caller answers Rejected).
   */
  composite(
    connectorId: number,
    durationS: number,
    now: number,
    unit: 'A' | 'W' | undefined,
    elec: ElectricalSpec,
    tx: TransactionInfo | undefined,
  ): CompositeSchedule | undefined {
    if (!this.inRange(connectorId)) return undefined;
    return composite(this.stacks(connectorId, tx), durationS, unit, { now, txStartedAt: tx?.startedAt, elec });
  }

  /** The limit in W in force at `now` on a connector (for the meter's power); undefined when no profile limits it. */
  limitAt(connectorId: number, now: number, elec: ElectricalSpec, tx: TransactionInfo | undefined): number | undefined {
    if (!this.inRange(connectorId)) return undefined;
    return limitOf(this.stacks(connectorId, tx), now, { now, txStartedAt: tx?.startedAt, elec })?.w;
  }

  /** All installed profiles with their connector (for persistence and the UI). */
  list(): InstalledProfile[] {
    return this.entries.map((e) => ({ connectorId: e.connectorId, profile: structuredClone(e.profile) }));
  }

  /** Replace the installed profiles with {@link ChargingProfiles.list} output, dropping unknown connectors. */
  restore(entries: InstalledProfile[]): void {
    this.entries = entries
      .filter((e) => this.inRange(e.connectorId))
      .map((e) => ({ connectorId: e.connectorId, profile: structuredClone(e.profile) }));
  }

  private inRange(connectorId: number): boolean {
    return Number.isInteger(connectorId) && connectorId >= 0 && connectorId <= this.connectors;
  }

  /** The checks of §5.16 / §7.8 and the configured limits; false means Rejected. */
  private acceptable(connectorId: number, p: ChargingProfile, tx: TransactionInfo | undefined): boolean {
    if (!this.inRange(connectorId) || !wellFormed(p, this.limits.maxPeriods)) return false;
    if (!Number.isInteger(p.stackLevel) || p.stackLevel < 0 || p.stackLevel > this.limits.maxStackLevel) return false;
    if (!this.limits.allowedUnits.includes(p.chargingSchedule.chargingRateUnit)) return false;
    switch (p.chargingProfilePurpose) {
      case 'ChargePointMaxProfile':
        return connectorId === 0;
      case 'TxDefaultProfile':
        return true;
      case 'TxProfile': // §5.16: only on a connector with a transaction, and that transaction if one is named
        return (
          connectorId > 0 && tx !== undefined && (p.transactionId === undefined || p.transactionId === tx.transactionId)
        );
      default:
        return false;
    }
  }

  /**
   * The candidates per purpose (§3.13.1), each ordered by precedence (§3.13.2): TxProfiles of the running
   * transaction, TxDefaultProfiles of the connector and of connector 0 (the connector's own first at equal
   * stackLevel), and the ChargePointMaxProfiles of connector 0 as the cap.
   */
  private stacks(connectorId: number, tx: TransactionInfo | undefined): Stacks {
    const pick = (purpose: Purpose, where: (e: InstalledProfile) => boolean): ChargingProfile[] =>
      this.entries
        .filter((e) => e.profile.chargingProfilePurpose === purpose && where(e))
        .sort(byPrecedence)
        .map((e) => e.profile);
    const own = (e: InstalledProfile): boolean => connectorId > 0 && e.connectorId === connectorId;
    return {
      tx: pick(
        'TxProfile',
        (e) => own(e) && tx !== undefined && (e.profile.transactionId ?? tx.transactionId) === tx.transactionId,
      ),
      txDefault: pick('TxDefaultProfile', (e) => connectorId > 0 && (own(e) || e.connectorId === 0)),
      caps: [pick('ChargePointMaxProfile', (e) => e.connectorId === 0)],
    };
  }
}
