/**
 * Smart Charging (OCPP 1.6 §3.13): the charging profiles a charge point has installed, the rules
 * SetChargingProfile (§5.16) and ClearChargingProfile (§5.7) apply to them, and the composite
 * schedule they add up to (§5.9). Pure: no I/O, no timers; time is passed in as epoch ms.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';

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

/** The supply of a connector, used to convert between A and W (W = A × voltage × phases). */
export interface ElectricalSpec {
  /** Phase voltage in V. */
  voltage: number;
  /** Phases in use when a period does not state numberPhases. */
  phases: number;
  /** What the connector can deliver without any profile, in W. */
  maxPowerW: number;
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
type Period = CompositeSchedule['chargingSchedulePeriod'][number];

/** A limit in force, in W, with the numberPhases of the period that set it when that period states one. */
interface Limit {
  w: number;
  phases?: number;
}

/** One evaluation: a connector, its transaction, the supply and the moment a Relative profile starts without one. */
interface Context {
  connectorId: number;
  now: number;
  tx: TransactionInfo | undefined;
  elec: ElectricalSpec;
}

/** The profiles that may govern a connector, per purpose, each ordered by precedence (§3.13.2). */
interface Stacks {
  tx: InstalledProfile[];
  txDefault: InstalledProfile[];
  max: InstalledProfile[];
}

const DAY_MS = 86_400_000;
const RECURRENCE_MS = { Daily: DAY_MS, Weekly: 7 * DAY_MS } as const;

const time = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const recurrence = (p: ChargingProfile): number | undefined =>
  p.recurrencyKind === 'Daily' || p.recurrencyKind === 'Weekly' ? RECURRENCE_MS[p.recurrencyKind] : undefined;
const round1 = (x: number): number => Math.round(x * 10) / 10;
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
    const ctx: Context = { connectorId, now, tx, elec };
    const stacks = this.stacks(ctx);
    const governing = [...stacks.tx, ...stacks.txDefault, ...stacks.max];
    const units = new Set(governing.map((e) => e.profile.chargingSchedule.chargingRateUnit));
    const rateUnit = unit ?? (units.size === 1 ? [...units][0] : 'W');
    const offsets = new Set([0]);
    for (const e of governing) {
      for (const edge of this.edges(e.profile, ctx, now + durationS * 1000)) {
        const offset = Math.ceil((edge - now) / 1000);
        if (offset > 0 && offset < durationS) offsets.add(offset);
      }
    }
    const periods: Period[] = [];
    for (const startPeriod of [...offsets].sort((a, b) => a - b)) {
      const limit = this.limitOf(stacks, now + startPeriod * 1000, ctx) ?? { w: elec.maxPowerW };
      const phases = limit.phases ?? elec.phases;
      const value = round1(rateUnit === 'W' ? limit.w : limit.w / (elec.voltage * phases));
      const last = periods.at(-1);
      if (last && last.limit === value && last.numberPhases === limit.phases) continue;
      periods.push({ startPeriod, limit: value, ...(limit.phases !== undefined && { numberPhases: limit.phases }) });
    }
    return {
      startSchedule: new Date(now).toISOString(),
      duration: durationS,
      chargingRateUnit: rateUnit,
      chargingSchedulePeriod: periods,
    };
  }

  /** The limit in W in force at `now` on a connector (for the meter's power); undefined when no profile limits it. */
  limitAt(connectorId: number, now: number, elec: ElectricalSpec, tx: TransactionInfo | undefined): number | undefined {
    if (!this.inRange(connectorId)) return undefined;
    const ctx: Context = { connectorId, now, tx, elec };
    return this.limitOf(this.stacks(ctx), now, ctx)?.w;
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
    const s = p.chargingSchedule;
    const periods = s?.chargingSchedulePeriod;
    if (!this.inRange(connectorId) || !s || !Array.isArray(periods)) return false;
    if (!Number.isInteger(p.stackLevel) || p.stackLevel < 0 || p.stackLevel > this.limits.maxStackLevel) return false;
    if (!this.limits.allowedUnits.includes(s.chargingRateUnit)) return false;
    if (periods.length === 0 || periods.length > this.limits.maxPeriods) return false;
    // §7.13: the first period starts at 0 and later ones follow in order, each ending the one before.
    const sane = periods.every(
      (q, i) =>
        (i === 0 ? q.startPeriod === 0 : q.startPeriod > periods[i - 1].startPeriod) &&
        q.limit >= 0 &&
        (q.numberPhases === undefined || [1, 2, 3].includes(q.numberPhases)),
    );
    if (!sane) return false;
    if (s.duration !== undefined && !(s.duration >= 0)) return false;
    const dates = [p.validFrom, p.validTo, s.startSchedule];
    if (dates.some((v) => v !== undefined && Number.isNaN(Date.parse(v)))) return false;
    if (!['Absolute', 'Relative', 'Recurring'].includes(p.chargingProfileKind)) return false;
    if (p.chargingProfileKind === 'Recurring' && recurrence(p) === undefined) return false;
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
   * The candidates per purpose (§3.13.1): TxProfiles of the running transaction, TxDefaultProfiles of the connector
   * and of connector 0 (the connector's own first at equal stackLevel), and the ChargePointMaxProfiles of connector 0.
   */
  private stacks({ connectorId, tx }: Context): Stacks {
    const pick = (purpose: Purpose, where: (e: InstalledProfile) => boolean): InstalledProfile[] =>
      this.entries.filter((e) => e.profile.chargingProfilePurpose === purpose && where(e)).sort(byPrecedence);
    const own = (e: InstalledProfile): boolean => connectorId > 0 && e.connectorId === connectorId;
    return {
      tx: pick(
        'TxProfile',
        (e) => own(e) && tx !== undefined && (e.profile.transactionId ?? tx.transactionId) === tx.transactionId,
      ),
      txDefault: pick('TxDefaultProfile', (e) => connectorId > 0 && (own(e) || e.connectorId === 0)),
      max: pick('ChargePointMaxProfile', (e) => e.connectorId === 0),
    };
  }

  /**
   * The limit at `t` (§3.13.3): a TxProfile with a period in force replaces the TxDefaultProfiles, and the
   * ChargePointMaxProfile caps the result. Within a purpose the highest stackLevel with a period in force wins.
   */
  private limitOf(stacks: Stacks, t: number, ctx: Context): Limit | undefined {
    const top = (stack: InstalledProfile[]): Limit | undefined => {
      for (const e of stack) {
        const limit = this.profileLimit(e.profile, t, ctx);
        if (limit) return limit;
      }
      return undefined;
    };
    const tx = top(stacks.tx) ?? top(stacks.txDefault);
    const max = top(stacks.max);
    return tx && max ? (max.w < tx.w ? max : tx) : (tx ?? max);
  }

  /** The limit one profile sets at `t`, in W, or undefined when it is not valid or its schedule is not running. */
  private profileLimit(p: ChargingProfile, t: number, ctx: Context): Limit | undefined {
    if (t < (time(p.validFrom) ?? -Infinity) || t >= (time(p.validTo) ?? Infinity)) return undefined;
    const start = this.scheduleStart(p, t, ctx);
    const s = p.chargingSchedule;
    const offset = (t - (start ?? Infinity)) / 1000;
    if (!(offset >= 0) || (s.duration !== undefined && offset >= s.duration)) return undefined;
    const period = s.chargingSchedulePeriod.filter((q) => q.startPeriod <= offset).pop();
    if (!period) return undefined;
    const w =
      s.chargingRateUnit === 'W'
        ? period.limit
        : period.limit * ctx.elec.voltage * (period.numberPhases ?? ctx.elec.phases);
    return period.numberPhases === undefined ? { w } : { w, phases: period.numberPhases };
  }

  /**
   * When the schedule in force at `t` started (§7.9): startSchedule for Absolute, the transaction start (else the
   * evaluation's `now`) for Relative, and the latest recurrence of startSchedule not after `t` for Recurring, which
   * has not begun before startSchedule.
   */
  private scheduleStart(p: ChargingProfile, t: number, ctx: Context): number | undefined {
    if (p.chargingProfileKind === 'Relative') return ctx.tx?.startedAt ?? ctx.now;
    const base = time(p.chargingSchedule.startSchedule) ?? ctx.now;
    const every = p.chargingProfileKind === 'Recurring' ? recurrence(p) : undefined;
    if (every === undefined) return base;
    return t < base ? undefined : base + Math.floor((t - base) / every) * every;
  }

  /** Every moment before `end` at which a profile's limit may change: validity bounds, period starts, schedule ends. */
  private *edges(p: ChargingProfile, ctx: Context, end: number): Generator<number> {
    for (const bound of [time(p.validFrom), time(p.validTo)]) if (bound !== undefined) yield bound;
    const s = p.chargingSchedule;
    const every = p.chargingProfileKind === 'Recurring' ? (recurrence(p) ?? Infinity) : Infinity;
    const first = this.scheduleStart(p, ctx.now, ctx) ?? time(s.startSchedule) ?? ctx.now;
    for (let start = first; start < end; start += every) {
      for (const q of s.chargingSchedulePeriod) yield start + q.startPeriod * 1000;
      if (s.duration !== undefined) yield start + s.duration * 1000;
    }
  }
}
