/**
 * Default answers of block G, Availability: ChangeAvailability for the station, an EVSE or a
 * connector (G03, G04): Accepted also when already in that state, Scheduled while a transaction
 * runs (applied when it ends), kept across reboots by the state store.
 * @module
 */
import type { Evse } from '../model/evse';
import type { StationContext } from '../station/context';
import type { Behaviours201 } from './types';

/** Apply an Inoperative that waited for the transaction on `e` (G03.FR.05, G04.FR.06). */
export function applyScheduledAvailability(ctx: StationContext, e: Evse): void {
  const s = ctx.station;
  for (const c of e.connectors) {
    if (c.scheduledInoperative !== undefined) [c.inoperative, c.scheduledInoperative] = [c.scheduledInoperative, undefined];
  }
  if (e.scheduledInoperative !== undefined) [e.inoperative, e.scheduledInoperative] = [e.scheduledInoperative, undefined];
  if (s.scheduledInoperative !== undefined && !ctx.transactions.busy()) [s.inoperative, s.scheduledInoperative] = [s.scheduledInoperative, undefined];
  s.refresh();
  ctx.reservations.removeUnusable();
}

/** Availability defaults. */
export const availability: Behaviours201 = {
  ChangeAvailability: (req, ctx) => {
    const s = ctx.station;
    const inoperative = req.operationalStatus === 'Inoperative';
    const done = { response: { status: 'Accepted' as const }, followUp: () => applyChange(ctx) };
    if (!req.evse || req.evse.id === 0) {
      if (inoperative && ctx.transactions.busy()) {
        s.scheduledInoperative = true;
        return { response: { status: 'Scheduled' } };
      }
      s.inoperative = inoperative;
      s.scheduledInoperative = undefined;
      return done;
    }
    const e = s.evse(req.evse.id);
    const target = req.evse.connectorId === undefined ? e : e?.connectors.find((c) => c.id === req.evse!.connectorId);
    if (!e || !target) return { response: { status: 'Rejected' } };
    if (inoperative && e.transaction && !target.inoperative) {
      target.scheduledInoperative = true;
      s.changed();
      return { response: { status: 'Scheduled' } };
    }
    target.inoperative = inoperative;
    target.scheduledInoperative = undefined;
    return done;
  },
};

function applyChange(ctx: StationContext): void {
  ctx.station.refresh();
  ctx.reservations.removeUnusable();
}
