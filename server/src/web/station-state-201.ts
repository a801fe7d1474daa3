/**
 * What the web UI's "Station" tab shows of a 2.0.1 station beyond the connector board: its
 * security state (profile, installed certificates with type and serial, a renewal under way),
 * firmware and log upload status, the charging limit over the next hour per EVSE (composite
 * schedules, K08), the variable monitors (N) and the configured display messages (O).
 * @module
 */
import { X509Certificate } from 'node:crypto';
import type { ChargingStation } from '../charging-station/charging-station';
import { addressOf } from '../charging-station/station/monitoring';
import type { ChargingSchedulePeriodType, MessageInfoType } from '../ocpp/v201/types';
import { keystoreFor, readKeyStoreElement } from '../security/keystore';

/** One certificate the station holds. */
export interface CertificateRow {
  /** InstallCertificate type, ChargingStationCertificate for the station's own (keystore), V2GCertificateChain for its ISO 15118 one. */
  type: string;
  /** Serial number, hex as certificateHashData carries it. */
  serialNumber: string;
  /** Subject (CN=…, one per line as Node prints it, joined by ", "). */
  subject: string;
  /** End of validity (ISO). */
  validTo: string;
  /** The old CSMS root kept as fallback during a root renewal (AdditionalRootCertificateCheck). */
  fallback?: boolean;
}

/** The charging limit of one EVSE (0: the grid connection) over the coming hour, in W. */
export interface LimitCurve {
  /** 0 for the station, else the EVSE. */
  evseId: number;
  /** Periods from `StationState201.limits.from`. */
  periods: ChargingSchedulePeriodType[];
}

/** The 2.0.1 station's state for the UI. */
export interface StationState201 {
  /** Security profile in use, installed certificates, a CSR awaiting CertificateSigned. */
  security: { profile: number; certificates: CertificateRow[]; renewalPending: boolean };
  /** The last firmware update's status. */
  firmware: { status: string; requestId?: number };
  /** The last log upload's status. */
  logUpload: { status: string; requestId?: number };
  /** Composite schedules per EVSE and for the station, in W from `from` for `durationS` (absent when smart charging is off). */
  limits?: { from: string; durationS: number; curves: LimitCurve[] };
  /** Every installed monitor. */
  monitors: { id: number; component: string; variable: string; type: string; value: number; severity: number; origin: string }[];
  /** Configured display messages (also those not shown now). */
  displayMessages: MessageInfoType[];
}

const HOUR_S = 3600;

function row(type: string, pem: string, fallback: boolean): CertificateRow | undefined {
  try {
    const x = new X509Certificate(pem);
    return { type, serialNumber: x.serialNumber.toLowerCase(), subject: x.subject.split('\n').join(', '), validTo: new Date(x.validTo).toISOString(), ...(fallback && { fallback }) };
  } catch {
    return undefined;
  }
}

/** The station's own certificate from the keystore (the leaf of its chain), if it has one. */
async function ownCertificate(cs: ChargingStation): Promise<CertificateRow | undefined> {
  const element = keystoreFor(cs.id).get();
  if (!element) return undefined;
  try {
    return row('ChargingStationCertificate', (await readKeyStoreElement(element)).cert, false);
  } catch {
    return undefined;
  }
}

/**
 * The state the UI's Station tab shows.
 * @param cs The station.
 */
export async function stationState201(cs: ChargingStation): Promise<StationState201> {
  const s = cs.station;
  const certificates = s.certificates.all.map((c) => row(c.type, c.pem, c.pem === s.fallbackRoot)).filter((c): c is CertificateRow => !!c);
  const own = await ownCertificate(cs);
  const v2g = s.v2gCertificate && row('V2GCertificateChain', s.v2gCertificate.chain, false);
  certificates.unshift(...[own, v2g].filter((c): c is CertificateRow => !!c));
  const state: StationState201 = {
    security: { profile: s.device.int('SecurityCtrlr', 'SecurityProfile'), certificates, renewalPending: Object.keys(s.pendingCsrs).length > 0 },
    firmware: { ...s.firmware },
    logUpload: { ...s.logUpload },
    monitors: [...cs.monitoring.monitors.values()].map((m) => {
      const { component, variable } = addressOf(s, m.variable);
      const name = (x: { name: string; instance?: string }) => (x.instance ? `${x.name}[${x.instance}]` : x.name);
      return { id: m.id, component: `${name(component)}${component.evse ? `@${component.evse.id}` : ''}`, variable: name(variable), type: m.type, value: m.value, severity: m.severity, origin: m.origin };
    }),
    displayMessages: cs.display.snapshot(),
  };
  if (cs.smartCharging.enabled) {
    const curves: LimitCurve[] = [];
    for (let evseId = 0; evseId <= s.evses.length; evseId++) curves.push({ evseId, periods: cs.smartCharging.composite(evseId, HOUR_S, 'W')!.chargingSchedulePeriod });
    state.limits = { from: new Date(s.now()).toISOString(), durationS: HOUR_S, curves };
  }
  return state;
}
