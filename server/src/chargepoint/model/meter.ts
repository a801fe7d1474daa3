/**
 * An energy meter for one connector: integrates the drawn power into a monotonic register and
 * renders MeterValue entries (OCPP 1.6 §4.7 MeterValues, §7.45 SampledValue, §7.31 Measurand).
 *
 * Pure and clock-free: every call takes the time as epoch milliseconds, so the same model runs
 * under the real and the virtual scheduler. The noise on the drawn power comes from a seeded
 * xorshift generator, so a scenario replays to the same readings.
 * @module
 */
import { Ev } from '../../ev/ev';
import type { Ocpp16Messages } from '../../ocpp/v16/types';

/** One entry of MeterValues.req `meterValue` (§7.45 MeterValue). */
export type MeterValue = Ocpp16Messages['MeterValues']['request']['meterValue'][number];
/** One reading of a {@link MeterValue} (§7.45 SampledValue). */
export type SampledValue = MeterValue['sampledValue'][number];

/** A measurand of 1.6 §7.31, as used in the MeterValues*Data keys. */
export type Measurand = NonNullable<SampledValue['measurand']>;

/** A Record over the union, so the compiler proves the list complete and correct. */
const MEASURAND_SET: Record<Measurand, true> = {
  'Energy.Active.Export.Register': true, 'Energy.Active.Import.Register': true,
  'Energy.Reactive.Export.Register': true, 'Energy.Reactive.Import.Register': true,
  'Energy.Active.Export.Interval': true, 'Energy.Active.Import.Interval': true,
  'Energy.Reactive.Export.Interval': true, 'Energy.Reactive.Import.Interval': true,
  'Power.Active.Export': true, 'Power.Active.Import': true, 'Power.Offered': true,
  'Power.Reactive.Export': true, 'Power.Reactive.Import': true, 'Power.Factor': true,
  'Current.Import': true, 'Current.Export': true, 'Current.Offered': true,
  Voltage: true, Frequency: true, Temperature: true, SoC: true, RPM: true,
};

/** Every 1.6 measurand (§7.31), e.g. the allowed members of the MeterValues*Data configuration keys. */
export const MEASURANDS: readonly Measurand[] = Object.freeze(Object.keys(MEASURAND_SET) as Measurand[]);

/** ReadingContext (1.6 §7 data types): why a sample was taken. */
export type ReadingContext = NonNullable<SampledValue['context']>;

/** The electrical side of a connector. */
export interface MeterSpec {
  /** Phases in use. */
  phases: 1 | 3;
  /** Nominal voltage per phase (line to neutral), e.g. 230. */
  voltage: number;
  /** Most power the connector can deliver. */
  maxPowerW: number;
  /** Seed of the power noise; the same seed replays the same readings. */
  seed?: number;
  /** Usable battery of an EV made by assigning {@link Meter.soc} (default 50 kWh). */
  capacityWh?: number;
  /** A DC connector: a plugged EV takes its DC maximum, else its AC one (on these phases). */
  dc?: boolean;
}

/** An EV that takes whatever is offered up to 100 % (the meter's own SoC model, {@link Meter.soc}). */
const ANY_POWER = { maxAcPowerW: Infinity, acPhases: 1, maxDcPowerW: Infinity, taperFromPercent: 100, targetSocPercent: 100 } as const;

/** Relative noise on a non-zero drawn power: ±2 %. */
const NOISE = 0.02;
const MS_PER_HOUR = 3_600_000;
const PHASES = ['L1', 'L2', 'L3'] as const;
const PHASE_VOLTAGES = ['L1-N', 'L2-N', 'L3-N'] as const;

/** A connector's meter: energy register, drawn power, offered power and an optional EV SoC. */
export class Meter {
  /** The electrical spec this meter was made with. */
  readonly spec: MeterSpec;
  /** The EV plugged in, when one is: it caps the drawn power by its curve and its SoC follows the energy. */
  ev: Ev | undefined;
  private energy: number;
  private power = 0;
  private limitW: number | undefined;
  private last: number | undefined;
  private rng: number;
  /** Register at the previous Energy.Active.Import.Interval sample, per reading context. */
  private intervalBase: Map<string, number> | undefined;
  private readonly startWh: number;

  /** A meter drawing nothing, its register at `energyWh` (default 0). */
  constructor(spec: MeterSpec, energyWh = 0) {
    if (spec.phases !== 1 && spec.phases !== 3) throw new RangeError(`phases must be 1 or 3, not ${String(spec.phases)}`);
    if (!(spec.voltage > 0) || !(spec.maxPowerW >= 0)) throw new RangeError('voltage must be positive and maxPowerW not negative');
    if (!(energyWh >= 0)) throw new RangeError(`energyWh must not be negative: ${energyWh}`);
    this.spec = Object.freeze({ ...spec });
    this.energy = energyWh;
    this.startWh = Math.floor(energyWh);
    // xorshift32 needs a non-zero state; fold any seed into 32 bits.
    this.rng = (spec.seed ?? 0x2545f491) >>> 0 || 0x2545f491;
  }

  /** Register in Wh (fractional). Never decreases: assigning a lower value throws a RangeError. */
  get energyWh(): number {
    return this.energy;
  }

  /** Move the register forward (e.g. a script's starting reading); a lower value throws a RangeError. */
  set energyWh(value: number) {
    if (!(value >= this.energy)) throw new RangeError(`the energy register never decreases (${this.energy} → ${value})`);
    this.energy = value;
  }

  /** EV state of charge in percent, when an EV is known; rises with the imported energy, capped at 100. */
  get soc(): number | undefined {
    return this.ev?.soc;
  }

  /** Put an EV of `capacityWh` (spec) at this SoC on the meter; undefined takes it away. */
  set soc(value: number | undefined) {
    this.ev = value === undefined ? undefined : new Ev({ ...ANY_POWER, capacityKWh: (this.spec.capacityWh ?? 50_000) / 1000, socPercent: value });
  }

  /** Import power being drawn, in W; change it with {@link setPower}. */
  get powerW(): number {
    return this.power;
  }

  /** Power on offer to the EV: maxPowerW, or the limit of the last {@link setPower} if lower. */
  get offeredW(): number {
    return Math.min(this.spec.maxPowerW, this.limitW ?? Infinity);
  }

  /** Whole Wh, rounded down, for StartTransaction.meterStart and StopTransaction.meterStop. */
  get registerWh(): number {
    return Math.floor(this.energy);
  }

  /**
   * Integrate the energy drawn at the current power since the last update up to `now` (epoch
   * ms). A time earlier than the last update is ignored, so the register stays monotonic.
   */
  advance(now: number): void {
    if (this.last === undefined) {
      this.last = now;
      return;
    }
    if (!(now > this.last)) return;
    const wh = (this.power * (now - this.last)) / MS_PER_HOUR;
    this.last = now;
    this.energy += wh;
    this.ev?.absorb(wh);
  }

  /**
   * Draw `powerW` from `now` on: the energy up to `now` is integrated first, then the power is
   * clamped to [0, maxPowerW] and to `limitW` (e.g. a smart-charging limit, which also becomes
   * the offered power) and to what a plugged {@link ev} takes at its SoC. A non-zero power gets
   * ±2 % seeded noise, never above the cap.
   */
  setPower(now: number, powerW: number, limitW?: number): void {
    this.advance(now);
    this.limitW = limitW;
    const cap = Math.max(0, this.offeredW);
    const evW = this.ev?.demandW({ dc: this.spec.dc === true, phases: this.spec.phases }) ?? Infinity;
    const wanted = Math.min(Math.max(0, Number.isFinite(powerW) ? powerW : 0), cap, evW);
    this.power = wanted > 0 ? Math.min(cap, wanted * (1 + NOISE * (2 * this.random() - 1))) : 0;
  }

  /**
   * One MeterValue (§7.45) at `now`, after integrating up to it. Per measurand: the
   * Energy.*.Register and .Interval in Wh/varh (the import interval counts from the previous
   * interval sample of the same context, or from the start), Power.* in W, Current.Import and
   * Current.Export per phase (L1..L3), Voltage per phase (L1-N..), Current.Offered, Power.Offered,
   * Power.Factor, Frequency (no unit: 1.6 has no Hz), Temperature in 'Celcius' (the 1.6
   * spelling) and SoC at the EV when {@link soc} is set. Measurands it cannot model (RPM,
   * anything unknown, SoC without a soc) are skipped, so the list can be empty.
   */
  sample(now: number, measurands: readonly string[], context: ReadingContext): MeterValue {
    this.advance(now);
    const sampledValue: SampledValue[] = [];
    const add = (measurand: SampledValue['measurand'], value: string, unit?: SampledValue['unit'], phase?: SampledValue['phase'], location: SampledValue['location'] = 'Outlet'): void => {
      const v: SampledValue = { value, context, measurand, location };
      if (phase) v.phase = phase;
      if (unit) v.unit = unit;
      sampledValue.push(v);
    };
    const { phases, voltage, maxPowerW } = this.spec;
    const amps = (w: number): number => w / (voltage * phases);
    for (const m of measurands) {
      switch (m) {
        case 'Energy.Active.Import.Register':
          add(m, String(this.registerWh), 'Wh');
          break;
        case 'Energy.Active.Import.Interval': {
          const base = (this.intervalBase ??= new Map());
          add(m, String(this.registerWh - (base.get(context) ?? this.startWh)), 'Wh');
          base.set(context, this.registerWh);
          break;
        }
        case 'Energy.Active.Export.Register':
        case 'Energy.Active.Export.Interval':
          add(m, '0', 'Wh');
          break;
        case 'Energy.Reactive.Import.Register':
        case 'Energy.Reactive.Export.Register':
        case 'Energy.Reactive.Import.Interval':
        case 'Energy.Reactive.Export.Interval':
          add(m, '0', 'varh');
          break;
        case 'Power.Active.Import':
          add(m, this.power.toFixed(1), 'W');
          break;
        case 'Power.Active.Export':
          add(m, '0.0', 'W');
          break;
        case 'Power.Reactive.Import':
        case 'Power.Reactive.Export':
          add(m, '0.0', 'var');
          break;
        case 'Power.Offered':
          add(m, this.offeredW.toFixed(1), 'W');
          break;
        case 'Power.Factor':
          add(m, '1.00'); // a resistive-looking load: no reactive power in this model
          break;
        case 'Current.Import':
        case 'Current.Export': {
          const a = m === 'Current.Import' ? amps(this.power).toFixed(2) : '0.00';
          for (let i = 0; i < phases; i++) add(m, a, 'A', PHASES[i]);
          break;
        }
        case 'Current.Offered':
          add(m, amps(this.offeredW).toFixed(1), 'A');
          break;
        case 'Voltage':
          for (let i = 0; i < phases; i++) add(m, voltage.toFixed(1), 'V', PHASE_VOLTAGES[i]);
          break;
        case 'Frequency':
          add(m, '50.00');
          break;
        case 'Temperature':
          // Warms with the load: 25 °C idle, 40 °C at full power.
          add(m, (25 + (maxPowerW > 0 ? (15 * this.power) / maxPowerW : 0)).toFixed(1), 'Celcius');
          break;
        case 'SoC':
          if (this.soc !== undefined) add(m, String(Math.floor(this.soc)), 'Percent', undefined, 'EV');
          break;
        default:
          break;
      }
    }
    return { timestamp: new Date(now).toISOString(), sampledValue };
  }

  /** Next xorshift32 draw in [0, 1). */
  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 0x1_0000_0000;
  }
}
