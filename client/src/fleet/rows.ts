// The fleet grid's data (issue 16 item 3): one compact row per charge point, loaded once from
// GET /api/fleet and then patched by the bridge's batched `fleet` messages (only changed rows,
// at most every 500 ms). Rows live outside Vue's deep reactivity: 1,000 objects made reactive
// cost more than the grid that shows 30 of them; one version counter tells the grid to look again.
import { markRaw, ref } from 'vue';
import { http } from '../api';
import type { FleetRow } from '../types';

const rows = new Map<string, FleetRow>();
let loaded = false;
/** Batches that arrive while a load is in flight: newer than its answer may be, so applied after it. */
let inFlight: [FleetRow[], string[]][] | null = null;
/** Bumped whenever a row changes. */
export const fleetVersion = ref(0);

/** Every row, in the server's (creation) order. */
export function fleetRows(): FleetRow[] {
  return [...rows.values()];
}

/** Replace everything with the server's current rows. */
export async function loadFleet(): Promise<void> {
  const batches: [FleetRow[], string[]][] = [];
  inFlight = batches;
  try {
    const { data } = await http.get<FleetRow[]>('/api/fleet');
    if (inFlight !== batches) return; // a later load answers
    rows.clear();
    for (const r of data) rows.set(r.id, markRaw(r));
    for (const [changed, removed] of batches) patch(changed, removed);
    loaded = true;
    fleetVersion.value++;
  } finally {
    if (inFlight === batches) inFlight = null;
  }
}

function patch(changed: FleetRow[], removed: string[]): void {
  for (const r of changed) rows.set(r.id, markRaw(r));
  for (const id of removed) rows.delete(id);
}

/** The bridge (re)connected: batches sent while it was down are lost, so a grid shown before reloads. */
export function resyncFleet(): void {
  if (loaded) void loadFleet().catch(() => undefined);
}

/** Apply one batched bridge message. */
export function applyFleet(changed: FleetRow[], removed: string[]): void {
  inFlight?.push([changed, removed]);
  patch(changed, removed);
  fleetVersion.value++;
}

/**
 * Run an operation on a selection (POST /api/fleet/bulk); start / stop act on `point`, a
 * connector (1.6) / EVSE (2.0.1) number, or `all` of them that can.
 */
export async function bulk(ids: string[], op: string, idTag?: string, point: number | 'all' = 1): Promise<{ id: string; ok: boolean; error?: string }[]> {
  const { data } = await http.post<{ results: { id: string; ok: boolean; error?: string }[] }>('/api/fleet/bulk', { ids, op, idTag, point });
  return data.results;
}
