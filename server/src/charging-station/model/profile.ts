/**
 * Identity and hardware of a simulated 2.0.1 charging station: what BootNotification reports
 * (`chargingStation{model, vendorName, serialNumber, firmwareVersion}`), its EVSEs with their
 * connectors and power, extra device-model components, and variable values. From options or a
 * JSON file (`--profile station.json`), like the 1.6 profile.
 * @module
 */
import type { ConnectorEnumType } from '../../ocpp/v201/types';
import { resolveEv, type EvSpec } from '../../ev/ev';
import { iso15118Specs, type VariableSpec } from './catalogue';

/** One EVSE of the profile. */
export interface EvseProfile {
  /** Connector types, one per connector (default one `cType2`). */
  connectors?: ConnectorEnumType[];
  /** Most power of the EVSE in W (default: the station's `maxPowerW`). */
  maxPowerW?: number;
  /** The EV that plugs in here (default: the station's `ev`). */
  ev?: EvSpec;
}

/** Identity and hardware of a charging station. Every field is optional; defaults are one 22 kW AC EVSE. */
export interface ChargingStationProfile {
  /** BootNotification vendorName (at most 50 characters). */
  vendor?: string;
  /** BootNotification model (at most 20 characters). */
  model?: string;
  /** BootNotification serialNumber (at most 25); default: the station id. */
  serialNumber?: string;
  /** BootNotification firmwareVersion (at most 50). */
  firmwareVersion?: string;
  /** The EVSEs (default one with one Type 2 connector); a number means that many default EVSEs. */
  evses?: EvseProfile[] | number;
  /** Default most power per EVSE in W (22000). */
  maxPowerW?: number;
  /** Phases: 1 or 3 (default 3). */
  phases?: 1 | 3;
  /** Voltage per phase in V (default 230). */
  voltage?: number;
  /** Initial energy register of each EVSE's meter in Wh (default 0). */
  meterStartWh?: number;
  /** Extra device-model variables (vendor components), as catalogue rows. */
  components?: VariableSpec[];
  /**
   * Initial values, `"Component.Variable"` or `"Component.Variable[Instance]"` → value, e.g.
   * `{"TxCtrlr.TxStartPoint": "EVConnected", "OCPPCommCtrlr.HeartbeatInterval": 60}`.
   */
  variables?: Record<string, string | number | boolean>;
  /** Simulated hardware faults from the start: the cable lock does not lock (G05) / does not open (UnlockFailed). */
  hardware?: { lockFails?: boolean; unlockFails?: boolean };
  /** The EV that plugs in at every EVSE without its own (default: 60 kWh at 20 %, 11 kW AC, 50 kW DC). */
  ev?: EvSpec;
  /**
   * Claim ISO 15118 support (default false): the device model gets ISO15118Ctrlr, TriggerMessage
   * SignV2GCertificate is Accepted and the station renews its V2G (SECC) certificate with an EC
   * P-256 key (A02 with certificateType V2GCertificate). Without it V2G requests are refused.
   */
  iso15118?: boolean;
}

/** The keys a 2.0.1 profile file may have. */
export const STATION_PROFILE_KEYS: readonly string[] = Object.keys({
  vendor: 0, model: 0, serialNumber: 0, firmwareVersion: 0, evses: 0, maxPowerW: 0, phases: 0,
  voltage: 0, meterStartWh: 0, components: 0, variables: 0, hardware: 0, ev: 0, iso15118: 0,
} satisfies Record<keyof ChargingStationProfile, 0>);

/** A profile with its defaults applied. */
export interface ResolvedStationProfile {
  /** vendorName. */
  vendor: string;
  /** model. */
  model: string;
  /** serialNumber. */
  serialNumber: string;
  /** firmwareVersion. */
  firmwareVersion: string;
  /** Phases. */
  phases: 1 | 3;
  /** Voltage per phase. */
  voltage: number;
  /** Initial meter register. */
  meterStartWh: number;
  /** EVSEs with defaults. */
  evses: { maxPowerW: number; connectors: ConnectorEnumType[]; ev?: EvSpec }[];
  /** Extra variables. */
  components: VariableSpec[];
  /** Initial values. */
  variables: Record<string, string>;
  /** Simulated hardware faults. */
  hardware: { lockFails: boolean; unlockFails: boolean };
  /** ISO 15118 support claimed (ISO15118Ctrlr, V2G certificate). */
  iso15118: boolean;
}

/** Fill in the defaults (serial number defaults to the station id). */
export function resolveStationProfile(id: string, p: ChargingStationProfile = {}): ResolvedStationProfile {
  const maxPowerW = p.maxPowerW ?? 22_000;
  const list: EvseProfile[] = typeof p.evses === 'number' ? Array.from({ length: p.evses }, () => ({})) : (p.evses ?? [{}]);
  if (list.length < 1) throw new Error('profile: a charging station needs at least one EVSE');
  const evses = list.map((e, i) => {
    const connectors = e.connectors ?? ['cType2'];
    if (connectors.length < 1) throw new Error(`profile: EVSE ${i + 1} needs at least one connector`);
    const ev = e.ev ?? p.ev;
    resolveEv(ev); // a bad EV fails here, naming the field
    return { maxPowerW: e.maxPowerW ?? maxPowerW, connectors, ...(ev ? { ev } : {}) };
  });
  return {
    vendor: p.vendor ?? 'ocpp-sim',
    model: p.model ?? 'Virtual AC 22',
    serialNumber: p.serialNumber ?? id.slice(0, 25),
    firmwareVersion: p.firmwareVersion ?? '1.0.0',
    phases: p.phases ?? 3,
    voltage: p.voltage ?? 230,
    meterStartWh: p.meterStartWh ?? 0,
    evses,
    components: [...(p.iso15118 === true ? iso15118Specs() : []), ...(p.components ?? [])],
    variables: Object.fromEntries(Object.entries(p.variables ?? {}).map(([k, v]) => [k, String(v)])),
    hardware: { lockFails: p.hardware?.lockFails === true, unlockFails: p.hardware?.unlockFails === true },
    iso15118: p.iso15118 === true,
  };
}
