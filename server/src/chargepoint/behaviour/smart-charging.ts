/**
 * Default answers of the SmartCharging profile (OCPP 1.6 §3.13, §5.16 SetChargingProfile, §5.7
 * ClearChargingProfile, §5.9 GetCompositeSchedule). Stacking and composition live in the
 * charging-profile model.
 * @module
 */
import type { Connector } from '../model/connector';
import type { TransactionInfo } from '../model/charging-profiles';
import { supports, type Behaviours } from './types';

function txInfo(c: Connector | undefined): TransactionInfo | undefined {
  const tx = c?.transaction;
  return tx && { transactionId: tx.id ?? -1, startedAt: tx.startedAt };
}

/** SmartCharging behaviours. */
export const smartCharging: Behaviours = {
  SetChargingProfile({ connectorId, csChargingProfiles }, { station }) {
    if (!supports(station, 'SmartCharging')) return { response: { status: 'NotSupported' } };
    const c = station.connector(connectorId);
    if (!c) return { response: { status: 'Rejected' } };
    const status = station.chargingProfiles.set(connectorId, csChargingProfiles, txInfo(c), station.now());
    // A new limit applies to running transactions at once.
    const followUp = (): void => {
      for (const x of station.connectors) if (x.transaction) station.applyPower(x);
    };
    return { response: { status }, followUp };
  },

  ClearChargingProfile(req, { station }) {
    const status = supports(station, 'SmartCharging') ? station.chargingProfiles.clear(req) : 'Unknown';
    const followUp = (): void => {
      for (const x of station.connectors) if (x.transaction) station.applyPower(x);
    };
    return { response: { status }, followUp };
  },

  GetCompositeSchedule({ connectorId, duration, chargingRateUnit }, { station }) {
    const now = station.now();
    const c = station.connector(connectorId);
    const schedule = supports(station, 'SmartCharging') && c
      ? station.chargingProfiles.composite(connectorId, duration, now, chargingRateUnit, station.electrical, txInfo(c))
      : undefined;
    if (!schedule) return { response: { status: 'Rejected' } };
    return { response: { status: 'Accepted', connectorId, scheduleStart: new Date(now).toISOString(), chargingSchedule: schedule } };
  },
};
