/**
 * The fleet at a glance (issue 16 item 3): one compact row per charge point for the overview
 * grid, a batched stream of the rows that changed (at most one bridge message per
 * {@link FLEET_BATCH_MS}, not one per frame, so 1,000 charge points do not flood a tab), and bulk
 * operations on a selection through the same registry calls as the single-charge-point routes.
 * @module
 */
import type { ChargepointSummary, Registry } from './registry';

/** One charge point in the fleet grid. */
export interface FleetRow {
  /** Charge point id. */
  id: string;
  /** `ocpp1.6` or `ocpp2.0.1`. */
  protocol: ChargepointSummary['protocol'];
  /** Connection state. */
  state: ChargepointSummary['state'];
  /** Boot state. */
  bootState: ChargepointSummary['bootState'];
  /** Status per connector (1.6) or per EVSE's connectors (2.0.1, `evse/connector`), in order. */
  statuses: { at: string; status: string; transaction: boolean }[];
  /** Power drawn now, W (all connectors / EVSEs). */
  powerW: number;
  /** Meter registers, Wh (all connectors / EVSEs). */
  energyWh: number;
  /** The last connection error. */
  lastError?: string;
}

/** How often the bridge sends the rows that changed. */
export const FLEET_BATCH_MS = 500;

/** The fleet row of a summary. @param s The charge point's summary. */
export function fleetRow(s: ChargepointSummary): FleetRow {
  const row: FleetRow = { id: s.id, protocol: s.protocol, state: s.state, bootState: s.bootState, statuses: [], powerW: 0, energyWh: 0 };
  if (s.evses) {
    for (const e of s.evses) {
      row.powerW += e.powerW;
      row.energyWh += e.energyWh;
      for (const c of e.connectors) row.statuses.push({ at: `${e.id}/${c.id}`, status: c.status, transaction: e.transaction !== undefined });
    }
  } else {
    for (const c of s.connectors) {
      if (c.id === 0) continue; // connector 0 is the charge point itself
      row.powerW += c.powerW ?? 0;
      row.energyWh += c.energyWh ?? 0;
      row.statuses.push({ at: String(c.id), status: c.status, transaction: c.transaction !== undefined });
    }
  }
  if (s.lastError !== undefined) row.lastError = s.lastError;
  return row;
}

/**
 * Collects the charge points that changed and hands their rows over at most once per
 * {@link FLEET_BATCH_MS}; nothing runs while nothing changes.
 */
export class FleetBatcher {
  private readonly changed = new Map<string, FleetRow | null>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param registry The charge points.
   * @param flush Receives the changed rows and the removed ids of one batch.
   */
  constructor(private readonly registry: Registry, private readonly flush: (rows: FleetRow[], removed: string[]) => void) {
    registry.on('chargepoint', this.onSummary);
    registry.on('removed', this.onRemoved);
  }

  /** Stop listening and drop what is pending. */
  close(): void {
    this.registry.off('chargepoint', this.onSummary);
    this.registry.off('removed', this.onRemoved);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onSummary = (s: ChargepointSummary): void => this.mark(s.id, fleetRow(s));
  private readonly onRemoved = (id: string): void => this.mark(id, null);

  private mark(id: string, row: FleetRow | null): void {
    this.changed.set(id, row);
    // A bridge-side batch timer, not a model timer: the Scheduler drives charge points, not tabs.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const rows: FleetRow[] = [];
      const removed: string[] = [];
      for (const [key, value] of this.changed) value ? rows.push(value) : removed.push(key);
      this.changed.clear();
      this.flush(rows, removed);
    }, FLEET_BATCH_MS);
  }
}

/** Operations `POST /api/fleet/bulk` runs on each selected charge point. */
export const BULK_OPS = ['connect', 'boot', 'start', 'stop', 'disconnect'] as const;

/** One of {@link BULK_OPS}. */
export type BulkOp = (typeof BULK_OPS)[number];

/** The outcome of a bulk operation on one charge point. */
export interface BulkResult {
  /** Charge point id. */
  id: string;
  /** Done. */
  ok: boolean;
  /** Why not (one line). */
  error?: string;
  /** The connectors (1.6) / EVSEs (2.0.1) a start or stop acted on. */
  points?: number[];
}

/** How many charge points a bulk operation works on at once. */
const BULK_CONCURRENCY = 64;

/** Where a bulk start / stop applies: one connector (1.6) / EVSE (2.0.1) by id, or every one that can. */
export type BulkPoint = number | 'all';

/** Statuses a 1.6 connector / 2.0.1 connector accepts a new session in (the EV may plug in after the start). */
const STARTABLE = new Set(['Available', 'Preparing', 'Occupied']);

/**
 * The connectors (1.6) or EVSEs (2.0.1) where `op` can act now: those without a transaction and
 * in a startable status for `start`, those with one for `stop`.
 * @param s The charge point's summary.
 * @param op `start` or `stop`.
 */
export function pointsFor(s: ChargepointSummary, op: 'start' | 'stop'): number[] {
  const points = s.evses
    ? s.evses.map((e) => ({ id: e.id, transaction: e.transaction !== undefined, startable: e.connectors.some((c) => STARTABLE.has(c.status)) }))
    : s.connectors.filter((c) => c.id > 0).map((c) => ({ id: c.id, transaction: c.transaction !== undefined, startable: STARTABLE.has(c.status) }));
  return points.filter((p) => (op === 'stop' ? p.transaction : !p.transaction && p.startable)).map((p) => p.id);
}

/**
 * Run one operation on each selected charge point, a few dozen at a time; one failure is that
 * charge point's result, not the request's. Start and stop act on `point` (default 1), or with
 * `all` on every connector / EVSE that can (see {@link pointsFor}).
 * @param registry The charge points.
 * @param ids The selection.
 * @param op The operation.
 * @param token idTag (1.6) / Central idToken (2.0.1) for `start`.
 * @param point The connector (1.6) / EVSE (2.0.1) of `start` and `stop`, or `all`.
 */
export async function runBulk(registry: Registry, ids: string[], op: BulkOp, token = 'FLEET', point: BulkPoint = 1): Promise<BulkResult[]> {
  const one = async (id: string): Promise<number[] | undefined> => {
    switch (op) {
      case 'connect': await registry.connect(id); return undefined;
      case 'disconnect': await registry.disconnect(id); return undefined;
      case 'boot': {
        const cp = registry.get(id);
        if (!cp.connected) throw new Error('not connected');
        await cp.boot();
        return undefined;
      }
      default: {
        const view = registry.view(id);
        const points = point === 'all' ? pointsFor(registry.summary(id), op) : [point];
        if (!points.length) throw new Error(op === 'start' ? 'no connector or EVSE free to start' : 'no transaction to stop');
        const params = { idTag: token, idToken: token, type: 'Central' };
        for (const n of points) await view.operate(view.protocol === 'ocpp2.0.1' ? { evse: n } : { connector: n }, op, params);
        return points;
      }
    }
  };
  const results: BulkResult[] = new Array(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < ids.length; i = next++) {
      try {
        const points = await one(ids[i]!);
        results[i] = points ? { id: ids[i]!, ok: true, points } : { id: ids[i]!, ok: true };
      } catch (err) {
        results[i] = { id: ids[i]!, ok: false, error: ((err as Error).message ?? String(err)).split('\n')[0] };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, ids.length) }, worker));
  return results;
}
