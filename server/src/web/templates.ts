/**
 * Example payloads for every charge-point-initiated action, prefilled from the charge point's
 * state, so the UI's send form starts from something the CSMS will accept.
 * @module
 */
import type { Chargepoint, RequestOf } from '../chargepoint/chargepoint';
import type { MeterValue } from '../chargepoint/model/meter';
import { maySend } from '../ocpp/protocol';
import { ocpp16 } from '../ocpp/v16/protocol';
import type { Ocpp16Messages } from '../ocpp/v16/types';

/** Actions a 1.6 charge point may send (security extension included). */
export const CHARGE_POINT_ACTIONS: readonly string[] = Object.keys(ocpp16.actions).filter((a) => maySend(ocpp16, a, 'ChargePoint'));
/** Actions a 1.6 central system may send. */
export const CSMS_ACTIONS: readonly string[] = Object.keys(ocpp16.actions).filter((a) => maySend(ocpp16, a, 'CSMS'));

/** The sample idTag of Authorize and StartTransaction. */
export const SAMPLE_ID_TAG = 'TAG-0001';

/** Not a real CSR: a form to edit (the schemas of both versions only limit its length). */
export const PLACEHOLDER_CSR = '-----BEGIN CERTIFICATE REQUEST-----\nreplace with a PEM CSR (cp.generateCsr() makes one)\n-----END CERTIFICATE REQUEST-----';

type Templates = { [A in keyof Ocpp16Messages]?: RequestOf<A> };

/**
 * A valid payload per charge-point-initiated action, from the charge point's state: identity
 * from the profile, connector 1's status, the running transaction, the meter register.
 * @param cp The charge point.
 */
export function templatesFor(cp: Chargepoint): Record<string, object> {
  const station = cp.station;
  const now = cp.scheduler.now();
  const timestamp = new Date(now).toISOString();
  const p = station.profile;
  const c1 = station.connector(1)!;
  // Prefer the connector that is charging: that is where StopTransaction and MeterValues belong.
  const active = station.connectors.find((c) => c.transaction) ?? c1;
  const tx = active.transaction;
  const register = active.meter?.registerWh ?? 0;
  const measurands = station.config.list('MeterValuesSampledData');
  const meterValue: MeterValue = active.meter
    ? active.meter.sample(now, measurands.length ? measurands : ['Energy.Active.Import.Register'], 'Sample.Periodic')
    : { timestamp, sampledValue: [{ value: String(register) }] };
  if (meterValue.sampledValue.length === 0) meterValue.sampledValue.push({ value: String(register), measurand: 'Energy.Active.Import.Register', unit: 'Wh' });
  const t: Templates = {
    Authorize: { idTag: tx?.idTag ?? SAMPLE_ID_TAG },
    BootNotification: {
      chargePointVendor: p.vendor,
      chargePointModel: p.model,
      chargePointSerialNumber: p.serialNumber,
      firmwareVersion: p.firmwareVersion,
    },
    DataTransfer: { vendorId: p.vendor, messageId: 'Example', data: 'hello' },
    DiagnosticsStatusNotification: { status: station.diagnosticsStatus },
    FirmwareStatusNotification: { status: station.firmwareStatus },
    Heartbeat: {},
    MeterValues: tx?.id !== undefined ? { connectorId: active.id, transactionId: tx.id, meterValue: [meterValue] } : { connectorId: active.id, meterValue: [meterValue] },
    StartTransaction: { connectorId: active.id, idTag: SAMPLE_ID_TAG, meterStart: register, timestamp },
    StatusNotification: { connectorId: c1.id, errorCode: c1.fault ?? 'NoError', status: c1.status, timestamp },
    StopTransaction: tx
      ? { transactionId: tx.id ?? 0, idTag: tx.idTag, meterStop: Math.max(register, tx.meterStart), timestamp, reason: 'Local' }
      : { transactionId: 0, meterStop: register, timestamp, reason: 'Local' },
    SignCertificate: { csr: PLACEHOLDER_CSR },
    SecurityEventNotification: { type: 'SettingSystemTime', timestamp, techInfo: 'sent by hand from the ocpp-sim UI' },
    LogStatusNotification: { status: 'Idle' },
    SignedFirmwareStatusNotification: { status: 'Idle' },
  };
  const out: Record<string, object> = {};
  for (const action of CHARGE_POINT_ACTIONS) out[action] = (t as Record<string, object>)[action] ?? {};
  return out;
}
