/**
 * The electric vehicle on a connector, whatever the OCPP version: its battery, what it accepts
 * (AC with its phases, DC) and its charging curve. The simulated meter draws
 * `min(curve at SoC, connector maximum, charging limit in force)`; the imported energy raises the
 * SoC; at the target SoC the EV stops drawing (1.6 SuspendedEV, 2.0.1 chargingState SuspendedEV).
 *
 * Pure and clock-free, like the meter it rides on: the meter hands it each integrated step.
 * @module
 */

/** What an EV is; every field is optional, defaults are a mid-size car. */
export interface EvSpec {
  /** Usable battery capacity in kWh (default 60). */
  capacityKWh?: number;
  /** State of charge when plugged in, percent (default 20). */
  socPercent?: number;
  /** The EV stops drawing at this SoC, percent (default 100; e.g. 80 for a daily charge). */
  targetSocPercent?: number;
  /** Most AC power its on-board charger takes, W (default 11000). */
  maxAcPowerW?: number;
  /** Phases its on-board charger uses, 1 or 3 (default 3). */
  acPhases?: 1 | 3;
  /** Most DC power it takes, W (default 50000). */
  maxDcPowerW?: number;
  /** From this SoC on the power tapers linearly, percent (default 80). */
  taperFromPercent?: number;
}

/** An {@link EvSpec} with every default applied. */
export type ResolvedEv = Required<EvSpec>;

/** The defaults of {@link EvSpec}: 60 kWh at 20 %, 11 kW AC on 3 phases, 50 kW DC, taper from 80 %. */
export const DEFAULT_EV: Readonly<ResolvedEv> = Object.freeze({
  capacityKWh: 60,
  socPercent: 20,
  targetSocPercent: 100,
  maxAcPowerW: 11_000,
  acPhases: 3,
  maxDcPowerW: 50_000,
  taperFromPercent: 80,
});

/** The keys an EV spec may have (a typo in a profile or request must not pass as a default). */
export const EV_KEYS: readonly string[] = Object.keys(DEFAULT_EV);

/** At 100 % SoC the tapered curve still accepts this share of its maximum (a trickle, as real packs do). */
const TRICKLE = 0.1;

const percent = (v: number): boolean => v >= 0 && v <= 100;

/**
 * Fill in the defaults and check the values; a bad one throws a RangeError naming the field.
 * @param spec What is given (a profile's `ev`, a script's or a request's).
 */
export function resolveEv(spec: EvSpec = {}): ResolvedEv {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new RangeError('ev must be an object');
  const unknown = Object.keys(spec).filter((k) => !EV_KEYS.includes(k));
  if (unknown.length) throw new RangeError(`ev: unknown key ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${EV_KEYS.join(', ')})`);
  const ev: ResolvedEv = { ...DEFAULT_EV, ...spec };
  const checks: [keyof EvSpec, boolean][] = [
    ['capacityKWh', ev.capacityKWh > 0],
    ['socPercent', percent(ev.socPercent)],
    ['targetSocPercent', percent(ev.targetSocPercent)],
    ['maxAcPowerW', ev.maxAcPowerW >= 0],
    ['acPhases', ev.acPhases === 1 || ev.acPhases === 3],
    ['maxDcPowerW', ev.maxDcPowerW >= 0],
    ['taperFromPercent', percent(ev.taperFromPercent)],
  ];
  for (const [key, ok] of checks) {
    if (!ok || typeof ev[key] !== 'number') throw new RangeError(`ev: ${key} is out of range: ${JSON.stringify(ev[key])}`);
  }
  return ev;
}

/** How the EV is fed: AC (its on-board charger, over the station's phases) or DC. */
export interface Supply {
  /** DC charging (CCS, CHAdeMO); AC otherwise. */
  dc: boolean;
  /** Phases the station supplies on AC. */
  phases: 1 | 3;
}

/**
 * The EV's charging curve: the power it accepts at a SoC. Flat up to `taperFromPercent`, then
 * falling linearly to a 10 % trickle at 100 %. On AC the on-board charger is limited to the
 * phases both sides have (a 3-phase EV on a 1-phase station takes a third).
 * @param ev The EV.
 * @param soc State of charge, percent.
 * @param supply AC or DC.
 */
export function curvePowerW(ev: ResolvedEv, soc: number, supply: Supply): number {
  const max = supply.dc ? ev.maxDcPowerW : (ev.maxAcPowerW * Math.min(ev.acPhases, supply.phases)) / ev.acPhases;
  if (soc <= ev.taperFromPercent || ev.taperFromPercent >= 100) return max;
  const share = 1 - ((1 - TRICKLE) * (Math.min(soc, 100) - ev.taperFromPercent)) / (100 - ev.taperFromPercent);
  return max * share;
}

/** An EV plugged into a connector: its spec and its state of charge, which the imported energy raises. */
export class Ev {
  /** What the EV is. */
  readonly spec: ResolvedEv;
  private socNow: number;

  /**
   * An EV at its `socPercent`.
   * @param spec The EV (defaults filled in; throws a RangeError on a bad value).
   */
  constructor(spec: EvSpec = {}) {
    this.spec = Object.freeze(resolveEv(spec));
    this.socNow = this.spec.socPercent;
  }

  /** State of charge, percent (fractional, at most 100). */
  get soc(): number {
    return this.socNow;
  }

  /** The target SoC is reached: the EV draws nothing more. */
  get full(): boolean {
    return this.socNow >= this.spec.targetSocPercent;
  }

  /** The power the EV takes now: its curve at the SoC, nothing once full. @param supply AC or DC. */
  demandW(supply: Supply): number {
    return this.full ? 0 : curvePowerW(this.spec, this.socNow, supply);
  }

  /** Take `wh` of energy into the battery. @param wh Energy, Wh. */
  absorb(wh: number): void {
    if (wh > 0) this.socNow = Math.min(100, this.socNow + (wh * 100) / (this.spec.capacityKWh * 1000));
  }
}
