/**
 * Default answers of block K, SmartCharging: SetChargingProfile (K01), GetChargingProfiles →
 * ReportChargingProfiles (K09), ClearChargingProfile (K10), GetCompositeSchedule (K08). The rules
 * live in the station's profile model, the limits' effect in `station/smart-charging.ts`.
 * @module
 */
import { OcppError } from '../../ocpp/errors';
import { ocpp201 } from '../../ocpp/v201/protocol';
import type { ChargingProfileType } from '../../ocpp/v201/types';
import type { InstalledProfile201 } from '../model/charging-profiles';
import type { StationContext } from '../station/context';
import { sendInParts } from './parts';
import type { Behaviours201 } from './types';

/** K01.FR.29: a station with smart charging switched off answers NotSupported. */
function mustBeEnabled(ctx: StationContext, action: string): void {
  if (!ctx.smartCharging.enabled) throw new OcppError(ocpp201.errors.notSupported, `${action}: SmartChargingCtrlr.Enabled is false`);
}

/** ReportChargingProfiles (K09.FR.02): one message per EVSE and source, in parts, tbc on all but the very last. */
async function report(ctx: StationContext, requestId: number, found: InstalledProfile201[]): Promise<void> {
  const groups = new Map<string, InstalledProfile201[]>();
  for (const e of found) groups.set(`${e.evseId}/${e.source}`, [...(groups.get(`${e.evseId}/${e.source}`) ?? []), e]);
  const all = [...groups.values()];
  for (const [g, group] of all.entries()) {
    const { evseId, source } = group[0]!;
    await sendInParts(ctx, group.map((e) => e.profile), (chargingProfile: [ChargingProfileType, ...ChargingProfileType[]], _seqNo, more) =>
      ctx.station.notify('ReportChargingProfiles', { requestId, chargingLimitSource: source, evseId, chargingProfile, tbc: more || g < all.length - 1 }),
    );
  }
}

/** Smart-charging defaults. */
export const smartCharging: Behaviours201 = {
  SetChargingProfile: (req, ctx) => {
    mustBeEnabled(ctx, 'SetChargingProfile');
    const { status, reason } = ctx.smartCharging.set(req.evseId, req.chargingProfile);
    if (reason) ctx.station.warn(`SetChargingProfile ${req.chargingProfile.id} ${status}: ${reason}`);
    return { response: reason ? { status, statusInfo: { reasonCode: 'InvalidProfile', additionalInfo: reason.slice(0, 512) } } : { status } };
  },

  GetChargingProfiles: (req, ctx) => {
    mustBeEnabled(ctx, 'GetChargingProfiles');
    const found = ctx.smartCharging.profiles.find(req.evseId, req.chargingProfile);
    // K09: nothing matches → NoProfiles, and no report.
    if (found.length === 0) return { response: { status: 'NoProfiles' } };
    return { response: { status: 'Accepted' }, followUp: () => report(ctx, req.requestId, found) };
  },

  ClearChargingProfile: (req, ctx) => {
    mustBeEnabled(ctx, 'ClearChargingProfile');
    return { response: { status: ctx.smartCharging.clear(req) } };
  },

  GetCompositeSchedule: (req, ctx) => {
    mustBeEnabled(ctx, 'GetCompositeSchedule');
    const units = ctx.station.device.list('SmartChargingCtrlr', 'RateUnit');
    // K08.FR.07: a unit the station does not support; K08.FR.05: an unknown EVSE.
    if (req.chargingRateUnit !== undefined && !units.includes(req.chargingRateUnit)) return { response: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit' } } };
    const schedule = ctx.smartCharging.composite(req.evseId, req.duration, req.chargingRateUnit);
    if (!schedule) return { response: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } } };
    return { response: { status: 'Accepted', schedule } };
  },
};
