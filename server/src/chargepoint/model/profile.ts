/**
 * Identity and hardware of a simulated charge point: what BootNotification reports and what the
 * model simulates (connectors, power, cable). Comes from options or a small JSON file
 * (`--profile station.json`).
 * @module
 */
import fs from 'node:fs';
import type { EvSpec } from '../../ev/ev';
import type { FeatureProfile } from './configuration';

/** Identity and hardware of a charge point. Every field is optional; defaults are a 22 kW AC wallbox. */
export interface StationProfile {
  /** BootNotification chargePointVendor (at most 20 characters). */
  vendor?: string;
  /** BootNotification chargePointModel (at most 20 characters). */
  model?: string;
  /** BootNotification chargePointSerialNumber; default: the charge point id. */
  serialNumber?: string;
  /** BootNotification firmwareVersion. */
  firmwareVersion?: string;
  /** Number of connectors (connector 0, the whole station, comes on top). Default 1. */
  connectors?: number;
  /** Maximum power per connector in W. Default 22000. */
  maxPowerW?: number;
  /** Phases: 1 or 3 (default 3). */
  phases?: 1 | 3;
  /** Voltage per phase in V (default 230). */
  voltage?: number;
  /** True for a tethered cable: UnlockConnector answers NotSupported (TC_017_2). */
  fixedCable?: boolean;
  /** Initial energy register in Wh (default 0). */
  meterStartWh?: number;
  /** Feature profiles supported (default all; e.g. leave out `Reservation` for TC_048_4). */
  featureProfiles?: FeatureProfile[];
  /** Further configuration values, e.g. `{"MeterValueSampleInterval": 30}`. */
  configuration?: Record<string, string | number | boolean>;
  /** The EV that plugs in: one for every connector, or a list, one per connector (default: 60 kWh at 20 %, 11 kW AC). */
  ev?: EvSpec | EvSpec[];
}

/** The keys a 1.6 profile file may have (a typo must not pass unnoticed as a default). */
export const PROFILE_KEYS: readonly string[] = Object.keys({
  vendor: 0, model: 0, serialNumber: 0, firmwareVersion: 0, connectors: 0, maxPowerW: 0, phases: 0,
  voltage: 0, fixedCable: 0, meterStartWh: 0, featureProfiles: 0, configuration: 0, ev: 0,
} satisfies Record<keyof StationProfile, 0>);

/** A profile with every default applied. */
export type ResolvedProfile = Required<Omit<StationProfile, 'configuration' | 'featureProfiles' | 'ev'>> & Pick<StationProfile, 'configuration' | 'featureProfiles' | 'ev'>;

/** Fill in the defaults (serial number defaults to the charge point id). */
export function resolveProfile(id: string, p: StationProfile = {}): ResolvedProfile {
  const connectors = p.connectors ?? 1;
  if (!Number.isInteger(connectors) || connectors < 1) throw new Error(`profile: connectors must be a positive integer, got ${String(connectors)}`);
  return {
    vendor: p.vendor ?? 'ocpp-sim',
    model: p.model ?? 'Virtual AC 22',
    serialNumber: p.serialNumber ?? id.slice(0, 25),
    firmwareVersion: p.firmwareVersion ?? '1.0.0',
    connectors,
    maxPowerW: p.maxPowerW ?? 22_000,
    phases: p.phases ?? 3,
    voltage: p.voltage ?? 230,
    fixedCable: p.fixedCable ?? false,
    meterStartWh: p.meterStartWh ?? 0,
    configuration: p.configuration,
    featureProfiles: p.featureProfiles,
    ev: p.ev,
  };
}

/**
 * Read a profile from a JSON file, with a readable error naming the file; a key it does not know
 * is refused, naming the known ones.
 * @param file The JSON file.
 * @param known The keys a profile may have (the 2.0.1 station's differ).
 */
export function readProfile(file: string, known: readonly string[] = PROFILE_KEYS): StationProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read profile ${file}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
    const unknown = Object.keys(value).filter((key) => !known.includes(key));
    if (unknown.length > 0) {
      throw new Error(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${known.join(', ')})`);
    }
    return value as StationProfile;
  } catch (err) {
    throw new Error(`profile ${file} is not valid: ${(err as Error).message}`);
  }
}
