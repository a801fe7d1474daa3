/**
 * Example payloads for every station-initiated OCPP 2.0.1 action, prefilled from the station's
 * state (identity, the EVSE in use, its transaction, meter and connector status), so the UI's send
 * form starts from something the schema and the CSMS accept.
 * @module
 */
import type { ChargingStation } from '../charging-station/charging-station';
import type { Evse } from '../charging-station/model/evse';
import { readMeter } from '../charging-station/station/sampling';
import { maySend } from '../ocpp/protocol';
import { ocpp201 } from '../ocpp/v201/protocol';
import type { MeterValueType, Ocpp201Messages } from '../ocpp/v201/types';
import { PLACEHOLDER_CSR } from './templates';

/** Actions a 2.0.1 station may send. */
export const STATION_ACTIONS_201: readonly string[] = Object.keys(ocpp201.actions).filter((a) => maySend(ocpp201, a, 'ChargePoint'));
/** Actions a 2.0.1 CSMS may send. */
export const CSMS_ACTIONS_201: readonly string[] = Object.keys(ocpp201.actions).filter((a) => maySend(ocpp201, a, 'CSMS'));

/** The sample card of Authorize and TransactionEvent: a 7-byte ISO 14443 UID. */
const SAMPLE_ID_TOKEN = { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' } as const;

type Templates201 = { [A in keyof Ocpp201Messages]?: Ocpp201Messages[A]['request'] };

/** The meter reading of an EVSE: the sampled measurands, or at least the register. */
function meterValueOf(cs: ChargingStation, e: Evse, timestamp: string): MeterValueType {
  const measurands = cs.station.device.list('SampledDataCtrlr', 'TxUpdatedMeasurands');
  const read = readMeter(e.meter, cs.scheduler.now(), measurands.length ? measurands : ['Energy.Active.Import.Register'], 'Trigger');
  return read ?? { timestamp, sampledValue: [{ value: Math.floor(e.meter.registerWh), measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] };
}

/**
 * A schema-valid payload per station-initiated 2.0.1 action, from the station's state: the EVSE
 * with a transaction (else EVSE 1) and its first connector.
 * @param cs The station.
 */
export function templatesFor201(cs: ChargingStation): Record<string, object> {
  const s = cs.station;
  const timestamp = new Date(cs.scheduler.now()).toISOString();
  const e = s.evses.find((x) => x.transaction) ?? s.evses[0]!;
  const c = e.connectors.find((x) => x.plugged) ?? e.connectors[0]!;
  const tx = e.transaction;
  const idToken = tx?.auth?.idToken ?? SAMPLE_ID_TOKEN;
  const evse = { id: e.id, connectorId: c.id };
  const meterValue = meterValueOf(cs, e, timestamp);
  const schedule = { id: 1, chargingRateUnit: 'W' as const, chargingSchedulePeriod: [{ startPeriod: 0, limit: e.maxPowerW }] as [{ startPeriod: number; limit: number }] };
  const t: Templates201 = {
    Authorize: { idToken },
    BootNotification: s.bootRequest() as unknown as Ocpp201Messages['BootNotification']['request'],
    ClearedChargingLimit: { chargingLimitSource: 'EMS', evseId: e.id },
    DataTransfer: { vendorId: s.profile.vendor, messageId: 'Example', data: 'hello' },
    FirmwareStatusNotification: { status: 'Idle' },
    Get15118EVCertificate: { iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'replace with the EV\'s base64 EXI request' },
    GetCertificateStatus: {
      ocspRequestData: { hashAlgorithm: 'SHA256', issuerNameHash: 'replace-with-the-issuer-name-hash', issuerKeyHash: 'replace-with-the-issuer-key-hash', serialNumber: '01', responderURL: 'http://ocsp.example.com' },
    },
    Heartbeat: {},
    LogStatusNotification: { status: 'Idle' },
    MeterValues: { evseId: e.id, meterValue: [meterValue] },
    NotifyChargingLimit: { chargingLimit: { chargingLimitSource: 'EMS' }, evseId: e.id },
    NotifyCustomerInformation: { data: 'no customer data', seqNo: 0, generatedAt: timestamp, requestId: 1 },
    NotifyDisplayMessages: { requestId: 1 },
    NotifyEVChargingNeeds: { evseId: e.id, chargingNeeds: { requestedEnergyTransfer: s.profile.phases === 3 ? 'AC_three_phase' : 'AC_single_phase' } },
    NotifyEVChargingSchedule: { timeBase: timestamp, evseId: e.id, chargingSchedule: schedule },
    NotifyEvent: {
      generatedAt: timestamp,
      seqNo: 0,
      eventData: [{ eventId: 1, timestamp, trigger: 'Delta', actualValue: c.status, eventNotificationType: 'HardWiredNotification', component: { name: 'Connector', evse }, variable: { name: 'AvailabilityState' } }],
    },
    NotifyMonitoringReport: { requestId: 1, seqNo: 0, generatedAt: timestamp },
    NotifyReport: { requestId: 1, generatedAt: timestamp, seqNo: 0, reportData: [s.device.reportEntry(0)] },
    PublishFirmwareStatusNotification: { status: 'Idle' },
    ReportChargingProfiles: {
      requestId: 1,
      chargingLimitSource: 'CSO',
      evseId: e.id,
      chargingProfile: [{ id: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative', chargingSchedule: [schedule] }],
    },
    ReservationStatusUpdate: { reservationId: e.reservation?.id ?? 1, reservationUpdateStatus: 'Expired' },
    SecurityEventNotification: { type: 'SettingSystemTime', timestamp, techInfo: 'sent by hand from the ocpp-sim UI' },
    SignCertificate: { csr: PLACEHOLDER_CSR },
    StatusNotification: { timestamp, connectorStatus: c.status, evseId: e.id, connectorId: c.id },
    TransactionEvent: tx
      ? { eventType: 'Updated', timestamp, triggerReason: 'MeterValuePeriodic', seqNo: tx.seqNo, transactionInfo: { transactionId: tx.id, chargingState: tx.chargingState }, evse, meterValue: [meterValue] }
      : { eventType: 'Started', timestamp, triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: `UI-${Date.now().toString(36)}` }, evse, idToken, meterValue: [meterValue] },
  };
  const out: Record<string, object> = {};
  for (const action of STATION_ACTIONS_201) out[action] = (t as Record<string, object>)[action] ?? {};
  return out;
}
