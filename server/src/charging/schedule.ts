/**
 * The version-neutral part of smart charging (OCPP 1.6 §3.13, 2.0.1 K01/K08): when a charging
 * profile's schedule is in force (validity, Absolute / Recurring / Relative), which profile of a
 * stack wins (highest stackLevel with a period running), how the purposes combine (a transaction
 * limit capped by station-wide limits) and the composite schedule they add up to. Both the 1.6
 * charge point and the 2.0.1 station hand their profiles in as {@link ScheduledProfile} views.
 * Pure: no I/O, no timers; time is passed in as epoch ms.
 * @module
 */

/** One period of a schedule (1.6 §7.14, 2.0.1 ChargingSchedulePeriodType). */
export interface SchedulePeriod {
  /** Seconds from the start of the schedule. */
  startPeriod: number;
  /** The limit in the schedule's unit. */
  limit: number;
  /** Phases this period assumes; absent: the supply's. */
  numberPhases?: number;
}

/** A schedule as both versions carry it. */
export interface Schedule {
  /** Start of an Absolute or Recurring schedule (ISO). */
  startSchedule?: string;
  /** Length in seconds; absent: the last period lasts. */
  duration?: number;
  /** A (per phase) or W. */
  chargingRateUnit: 'A' | 'W';
  /** Periods in order, the first at 0. */
  chargingSchedulePeriod: readonly SchedulePeriod[];
}

/** What the evaluation reads of a profile (its schedule in force: 2.0.1 takes the first of its list). */
export interface ScheduledProfile {
  /** Not in force before (ISO). */
  validFrom?: string;
  /** Not in force from (ISO). */
  validTo?: string;
  /** Absolute, Recurring or Relative. */
  chargingProfileKind: string;
  /** Daily or Weekly, for Recurring. */
  recurrencyKind?: string;
  /** The schedule. */
  chargingSchedule: Schedule;
}

/** The supply of a connector or EVSE, used to convert between A and W (W = A × voltage × phases). */
export interface ElectricalSpec {
  /** Phase voltage in V. */
  voltage: number;
  /** Phases in use when a period does not state numberPhases. */
  phases: number;
  /** What the connector can deliver without any profile, in W. */
  maxPowerW: number;
}

/**
 * The profiles that may govern one connector or EVSE, each list ordered by precedence: a
 * transaction's limit comes from `tx`, else `txDefault`; every list of `caps` (1.6: the
 * ChargePointMaxProfile; 2.0.1: ChargingStationMaxProfile and ExternalConstraints) bounds it.
 */
export interface Stacks {
  /** TxProfiles of the running transaction. */
  tx: readonly ScheduledProfile[];
  /** TxDefaultProfiles that apply. */
  txDefault: readonly ScheduledProfile[];
  /** Station-wide limits, each a stack of its own. */
  caps: readonly (readonly ScheduledProfile[])[];
}

/** One evaluation: the moment asked about and the start of the transaction, the origin of Relative schedules. */
export interface Evaluation {
  /** Now, epoch ms; also the origin of a Relative schedule without a transaction. */
  now: number;
  /** When the running transaction started, epoch ms. */
  txStartedAt?: number;
  /** The supply. */
  elec: ElectricalSpec;
}

/** A limit in force, in W, with the numberPhases of the period that set it when that period states one. */
export interface Limit {
  /** Watts. */
  w: number;
  /** Phases of the period, when stated. */
  phases?: number;
}

/** A composite schedule (1.6 GetCompositeSchedule.conf chargingSchedule; 2.0.1 CompositeScheduleType without evseId). */
export interface Composite {
  /** When it starts (ISO). */
  startSchedule: string;
  /** Seconds. */
  duration: number;
  /** The unit of the limits. */
  chargingRateUnit: 'A' | 'W';
  /** Periods, equal neighbours merged, limits to one decimal. */
  chargingSchedulePeriod: SchedulePeriod[];
}

const DAY_MS = 86_400_000;
const RECURRENCE_MS: Record<string, number> = { Daily: DAY_MS, Weekly: 7 * DAY_MS };

const time = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The recurrence of a Recurring profile in ms; undefined for another kind or an unknown recurrencyKind. */
export function recurrence(p: ScheduledProfile): number | undefined {
  return p.recurrencyKind === undefined ? undefined : RECURRENCE_MS[p.recurrencyKind];
}

/**
 * The shape checks both versions share (1.6 §7.13, 2.0.1 K01.FR.19/31): at least one and at most
 * `maxPeriods` periods, the first at 0 and later ones in increasing order, limits ≥ 0, 1-3 phases,
 * a duration ≥ 0, parseable dates, a known kind and a Recurring profile with its recurrencyKind.
 */
export function wellFormed(p: ScheduledProfile, maxPeriods: number): boolean {
  const s = p.chargingSchedule;
  const periods = s?.chargingSchedulePeriod;
  if (!s || !Array.isArray(periods) || periods.length === 0 || periods.length > maxPeriods) return false;
  const sane = periods.every(
    (q, i) =>
      (i === 0 ? q.startPeriod === 0 : q.startPeriod > periods[i - 1]!.startPeriod) &&
      q.limit >= 0 &&
      (q.numberPhases === undefined || [1, 2, 3].includes(q.numberPhases)),
  );
  if (!sane) return false;
  if (s.duration !== undefined && !(s.duration >= 0)) return false;
  if ([p.validFrom, p.validTo, s.startSchedule].some((v) => v !== undefined && Number.isNaN(Date.parse(v)))) return false;
  if (!['Absolute', 'Relative', 'Recurring'].includes(p.chargingProfileKind)) return false;
  return p.chargingProfileKind !== 'Recurring' || recurrence(p) !== undefined;
}

/**
 * When the schedule in force at `t` started (1.6 §7.9, 2.0.1 K01): startSchedule for Absolute, the
 * transaction start (else `now`) for Relative, and the latest recurrence of startSchedule not
 * after `t` for Recurring, which has not begun before startSchedule.
 */
function scheduleStart(p: ScheduledProfile, t: number, ev: Evaluation): number | undefined {
  if (p.chargingProfileKind === 'Relative') return ev.txStartedAt ?? ev.now;
  const base = time(p.chargingSchedule.startSchedule) ?? ev.now;
  const every = p.chargingProfileKind === 'Recurring' ? recurrence(p) : undefined;
  if (every === undefined) return base;
  return t < base ? undefined : base + Math.floor((t - base) / every) * every;
}

/** The limit one profile sets at `t`, in W, or undefined when it is not valid or its schedule is not running. */
export function profileLimit(p: ScheduledProfile, t: number, ev: Evaluation): Limit | undefined {
  if (t < (time(p.validFrom) ?? -Infinity) || t >= (time(p.validTo) ?? Infinity)) return undefined;
  const s = p.chargingSchedule;
  const offset = (t - (scheduleStart(p, t, ev) ?? Infinity)) / 1000;
  if (!(offset >= 0) || (s.duration !== undefined && offset >= s.duration)) return undefined;
  const period = s.chargingSchedulePeriod.filter((q) => q.startPeriod <= offset).pop();
  if (!period) return undefined;
  const w = s.chargingRateUnit === 'W' ? period.limit : period.limit * ev.elec.voltage * (period.numberPhases ?? ev.elec.phases);
  return period.numberPhases === undefined ? { w } : { w, phases: period.numberPhases };
}

/** The first profile of a stack with a period in force at `t` sets the stack's limit. */
function top(stack: readonly ScheduledProfile[], t: number, ev: Evaluation): Limit | undefined {
  for (const p of stack) {
    const limit = profileLimit(p, t, ev);
    if (limit) return limit;
  }
  return undefined;
}

/**
 * The limit at `t` (1.6 §3.13.3, 2.0.1 K01 "combining purposes"): a TxProfile with a period in
 * force replaces the TxDefaultProfiles, and every cap bounds the result (the lowest wins).
 */
export function limitOf(stacks: Stacks, t: number, ev: Evaluation): Limit | undefined {
  let limit = top(stacks.tx, t, ev) ?? top(stacks.txDefault, t, ev);
  for (const cap of stacks.caps) {
    const c = top(cap, t, ev);
    if (c && !(limit && limit.w <= c.w)) limit = c;
  }
  return limit;
}

/** Every moment before `end` at which a profile's limit may change: validity bounds, period starts, schedule ends. */
function* edges(p: ScheduledProfile, ev: Evaluation, end: number): Generator<number> {
  for (const bound of [time(p.validFrom), time(p.validTo)]) if (bound !== undefined) yield bound;
  const s = p.chargingSchedule;
  const every = p.chargingProfileKind === 'Recurring' ? (recurrence(p) ?? Infinity) : Infinity;
  const first = scheduleStart(p, ev.now, ev) ?? time(s.startSchedule) ?? ev.now;
  for (let start = first; start < end; start += every) {
    for (const q of s.chargingSchedulePeriod) yield start + q.startPeriod * 1000;
    if (s.duration !== undefined) yield start + s.duration * 1000;
  }
}

/**
 * The composite schedule (1.6 §5.9, 2.0.1 K08) from `ev.now` for `durationS` seconds: the limit is
 * evaluated at every moment one could change, rounded up to whole seconds; equal consecutive
 * periods are merged and limits rounded to one decimal. Without any limit `ev.elec.maxPowerW` applies.
 * @param unit The unit asked for; when absent, the unit all governing profiles share, else W.
 */
export function composite(stacks: Stacks, durationS: number, unit: 'A' | 'W' | undefined, ev: Evaluation): Composite {
  const governing = [...stacks.tx, ...stacks.txDefault, ...stacks.caps.flat()];
  return compositeOf((t) => limitOf(stacks, t, ev), changes(governing, ev, durationS), durationS, rateUnitOf(governing, unit), ev);
}

/**
 * The unit of a composite schedule: the one asked for, else the unit all governing profiles share, else W.
 * @param governing The profiles that govern it.
 * @param unit The unit asked for.
 */
export function rateUnitOf(governing: readonly ScheduledProfile[], unit: 'A' | 'W' | undefined): 'A' | 'W' {
  const units = new Set(governing.map((p) => p.chargingSchedule.chargingRateUnit));
  return unit ?? (units.size === 1 ? [...units][0]! : 'W');
}

/**
 * The moments within `durationS` seconds from `ev.now` at which one of `profiles` may change its
 * limit, as whole seconds from `ev.now` (rounded up).
 * @param profiles The profiles.
 * @param ev The evaluation (now, the transaction start of Relative schedules).
 * @param durationS Seconds.
 */
export function changes(profiles: readonly ScheduledProfile[], ev: Evaluation, durationS: number): number[] {
  const offsets: number[] = [];
  for (const p of profiles) {
    for (const edge of edges(p, ev, ev.now + durationS * 1000)) {
      const offset = Math.ceil((edge - ev.now) / 1000);
      if (offset > 0 && offset < durationS) offsets.push(offset);
    }
  }
  return offsets;
}

/**
 * A composite schedule of any limit function (a station-wide limit shared over EVSEs, a grid
 * total), evaluated from `ev.now` and at each of `offsets` (see {@link changes}).
 * @param limitAt The limit at an instant (epoch ms); undefined: `ev.elec.maxPowerW`.
 * @param offsets Seconds from `ev.now` at which the limit may change.
 * @param durationS Seconds from `ev.now`.
 * @param rateUnit The unit of the result.
 * @param ev The evaluation (now, supply for the A ↔ W conversion).
 */
export function compositeOf(limitAt: (t: number) => Limit | undefined, offsets: readonly number[], durationS: number, rateUnit: 'A' | 'W', ev: Evaluation): Composite {
  const periods: SchedulePeriod[] = [];
  for (const startPeriod of [...new Set([0, ...offsets])].sort((a, b) => a - b)) {
    const limit = limitAt(ev.now + startPeriod * 1000) ?? { w: ev.elec.maxPowerW };
    const phases = limit.phases ?? ev.elec.phases;
    const value = round1(rateUnit === 'W' ? limit.w : limit.w / (ev.elec.voltage * phases));
    const last = periods.at(-1);
    if (last && last.limit === value && last.numberPhases === limit.phases) continue;
    periods.push({ startPeriod, limit: value, ...(limit.phases !== undefined && { numberPhases: limit.phases }) });
  }
  return { startSchedule: new Date(ev.now).toISOString(), duration: durationS, chargingRateUnit: rateUnit, chargingSchedulePeriod: periods };
}
