/**
 * Helpers of the 2.0.1 smart-charging tests: profiles built from `[startPeriod, limit]` pairs, the
 * CSMS calls of block K, a charging transaction on an EVSE.
 */
import assert from 'node:assert/strict';
import { withBench201, type Bench201 } from './cs201-harness';

/** A JSON payload. */
export type Params = Record<string, any>;

/** An EV that takes the EVSE's full 22 kW (the default EV stops at 11 kW), with room in its battery: the limits are the only cap. */
export const BIG_EV = { maxAcPowerW: 22_000, capacityKWh: 200, taperFromPercent: 100 };
/** A bench on a virtual clock whose EV takes the EVSE's full power. */
export const withBench = (t: { after: (fn: () => unknown) => void }, options: Parameters<typeof withBench201>[1] = {}): Promise<Bench201> =>
  withBench201(t, { virtual: true, ...options, profile: { ev: BIG_EV, ...options.profile } });
/** ISO text of epoch ms. */
export const iso = (ms: number): string => new Date(ms).toISOString();
/** The bench's clock. */
export const now = (b: Bench201): number => b.clock?.now() ?? Date.now();

/** A profile with one schedule of `[startPeriod, limit]` periods starting now (Absolute), with overrides. */
export function profile(b: Bench201, id: number, purpose: string, stackLevel: number, periods: [number, number][], extra: Params = {}, schedule: Params = {}): Params {
  return {
    id,
    stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    ...extra,
    chargingSchedule: [{ id, startSchedule: iso(now(b)), chargingRateUnit: 'A', chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })), ...schedule }],
  };
}

/** SetChargingProfile → its status. */
export const set = async (b: Bench201, evseId: number, p: Params): Promise<string> => (await b.call('SetChargingProfile', { evseId, chargingProfile: p })).status;
/** ClearChargingProfile → its status. */
export const clear = async (b: Bench201, req: Params): Promise<string> => (await b.call('ClearChargingProfile', req)).status;
/** A schedule's periods as [startPeriod, limit]. */
export const steps = (schedule: Params): [number, number][] => schedule.chargingSchedulePeriod.map((p: Params) => [p.startPeriod, p.limit]);

/** GetCompositeSchedule → its periods as [startPeriod, limit]. */
export async function compositeOf(b: Bench201, evseId: number, duration: number, chargingRateUnit?: string): Promise<[number, number][]> {
  const answer = await b.call('GetCompositeSchedule', { evseId, duration, ...(chargingRateUnit && { chargingRateUnit }) });
  assert.equal(answer.status, 'Accepted');
  assert.equal(answer.schedule.evseId, evseId);
  assert.equal(answer.schedule.duration, duration);
  return steps(answer.schedule);
}

/** GetChargingProfiles: the status and what ReportChargingProfiles said, as `evseId/source/id` (all with the requestId). */
export async function reported(b: Bench201, request: Params = {}): Promise<{ status: string; profiles: string[]; reports: Params[] }> {
  const from = b.calls.length;
  const requestId = 900 + from;
  const { status } = await b.call('GetChargingProfiles', { requestId, chargingProfile: {}, ...request });
  if (status !== 'Accepted') {
    await b.settle(20);
    assert.equal(b.since(from, 'ReportChargingProfiles').length, 0, 'no report after NoProfiles');
    return { status, profiles: [], reports: [] };
  }
  const reports: Params[] = [];
  for (;;) {
    const got = (await b.waitFor('ReportChargingProfiles', { from, count: reports.length + 1 }))[reports.length]!.params;
    reports.push(got);
    assert.equal(got.requestId, requestId);
    if (!got.tbc) break;
  }
  const profiles = reports.flatMap((r) => r.chargingProfile.map((p: Params) => `${r.evseId}/${r.chargingLimitSource}/${p.id}`));
  return { status, profiles, reports };
}

/** Start a local transaction on an EVSE and return its id. */
export async function charge(b: Bench201, evseId = 1): Promise<string> {
  assert.equal(await b.cs.startCharging(evseId, 'DRIVER1'), true);
  await b.waitFor('TransactionEvent', { match: (p) => p.transactionInfo.chargingState === 'Charging' && p.evse?.id === evseId });
  return b.cs.station.mustEvse(evseId).transaction!.id;
}

