/**
 * How the station-wide limits of a 2.0.1 station bind its EVSEs (K01, ChargingStationMaxProfile:
 * "the maximum power or current available for an entire Charging Station"): the limit on evseId 0
 * caps the SUM over the EVSEs, so it is shared over the EVSEs drawing power, each given at most
 * what its own profiles allow and the rest split evenly among the others (max-min fair). An EVSE
 * that draws nothing is offered the whole station limit (what it would get if it started alone).
 * GetCompositeSchedule for evseId 0 is the grid connection's total (K08): every EVSE's own limit
 * added up, capped by the station-wide limits. Pure: no I/O, no timers.
 * @module
 */
import { changes, compositeOf, limitOf, rateUnitOf, type Composite, type ElectricalSpec, type Evaluation, type Limit } from '../../charging/schedule';
import type { RunningTx, StationProfiles } from './charging-profiles';

/** What sharing needs to know of the station at one moment. */
export interface StationView {
  /** Now, epoch ms. */
  now: number;
  /** Number of EVSEs (1..N). */
  evseCount: number;
  /** The supply of an EVSE, or of the grid connection (0). */
  elec(evseId: number): ElectricalSpec;
  /** The transaction running on an EVSE. */
  tx(evseId: number): RunningTx | undefined;
  /** EVSEs whose transaction is charging: they share the station-wide limits. */
  drawing: readonly number[];
}

const evaluation = (v: StationView, evseId: number, t = v.now): Evaluation => ({ now: t, txStartedAt: v.tx(evseId)?.startedAt, elec: v.elec(evseId) });

/** An EVSE's limit from its own profiles (transaction, defaults, its external limits), station-wide ones aside. */
function ownLimit(profiles: StationProfiles, evseId: number, t: number, v: StationView): Limit | undefined {
  return limitOf(profiles.stacks(evseId, v.tx(evseId)), t, evaluation(v, evseId));
}

/** What an EVSE would draw without station-wide limits, in W. */
const demandW = (profiles: StationProfiles, evseId: number, t: number, v: StationView): number => ownLimit(profiles, evseId, t, v)?.w ?? v.elec(evseId).maxPowerW;

/**
 * The share of `capW` each drawing EVSE gets: the smallest demands are met first, what they leave
 * is split evenly among the rest.
 */
function shares(profiles: StationProfiles, capW: number, t: number, v: StationView): Map<number, number> {
  const demands = v.drawing.map((id) => ({ id, w: demandW(profiles, id, t, v) })).sort((a, b) => a.w - b.w);
  const given = new Map<number, number>();
  let left = capW;
  for (const [i, d] of demands.entries()) {
    const w = Math.min(d.w, left / (demands.length - i));
    given.set(d.id, w);
    left -= w;
  }
  return given;
}

/**
 * The limit on an EVSE at `t` (evseId 0: the grid connection's total), in W; undefined when nothing limits it.
 * @param profiles The installed profiles.
 * @param evseId The EVSE, or 0.
 * @param t The instant, epoch ms.
 * @param v The station now.
 */
export function limitAt(profiles: StationProfiles, evseId: number, t: number, v: StationView): Limit | undefined {
  const cap = limitOf(profiles.stationStacks(), t, evaluation(v, 0));
  if (evseId === 0) {
    let sum = 0;
    for (let id = 1; id <= v.evseCount; id++) sum += demandW(profiles, id, t, v);
    return cap && cap.w < sum ? cap : { w: sum };
  }
  const own = ownLimit(profiles, evseId, t, v);
  if (!cap) return own;
  const share = v.drawing.includes(evseId) ? shares(profiles, cap.w, t, v).get(evseId)! : Math.min(demandW(profiles, evseId, t, v), cap.w);
  return own && own.w <= share ? own : { ...cap, w: share };
}

/**
 * GetCompositeSchedule (K08) for an EVSE or, with evseId 0, the grid connection.
 * @param profiles The installed profiles.
 * @param evseId The EVSE, or 0.
 * @param durationS Seconds from now.
 * @param unit The unit asked for (else the one the governing profiles share, else W).
 * @param v The station now.
 */
export function compositeAt(profiles: StationProfiles, evseId: number, durationS: number, unit: 'A' | 'W' | undefined, v: StationView): Composite {
  const station = profiles.stationStacks();
  const own = evseId === 0 ? { tx: [], txDefault: [], caps: [] } : profiles.stacks(evseId, v.tx(evseId));
  const governing = [...own.tx, ...own.txDefault, ...own.caps.flat(), ...station.caps.flat()];
  // Any EVSE's profiles may move a share or the total: each EVSE's moments, from its own transaction start.
  const offsets = changes(station.caps.flat(), evaluation(v, 0), durationS);
  for (let id = 1; id <= v.evseCount; id++) {
    const s = profiles.stacks(id, v.tx(id));
    offsets.push(...changes([...s.tx, ...s.txDefault, ...s.caps.flat()], evaluation(v, id), durationS));
  }
  const unitFrom = evseId === 0 ? profiles.views() : governing;
  return compositeOf((t) => limitAt(profiles, evseId, t, v), offsets, durationS, rateUnitOf(unitFrom, unit), evaluation(v, evseId));
}
