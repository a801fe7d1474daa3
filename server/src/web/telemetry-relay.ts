/**
 * Telemetry to the tabs that watch: a tab tells the bridge which charge points it shows
 * (`{"type":"watch","ids":["CP1"]}`), and only those get their per-second samples and ended
 * sessions, batched (one message per tab per {@link FLUSH_MS}). Nobody watching costs a Map
 * lookup per sample.
 * @module
 */
import type { WebSocket } from 'ws';
import type { SessionRecord, TelemetrySample } from '../ev/telemetry';
import type { Registry } from './registry';
import { onTabMessage } from './tab-messages';

/** Samples are held this long and sent together. */
export const FLUSH_MS = 250;
/** A tab watches at most this many charge points (the dashboard shows one; the fleet grid a page). */
const MAX_WATCHED = 1000;

/** The telemetry of one charge point in one bridge message. */
export interface TelemetryBatch {
  /** Charge point id. */
  id: string;
  /** Samples, oldest first. */
  samples: TelemetrySample[];
  /** Sessions that ended. */
  sessions: SessionRecord[];
}

/** The relay between the registry's telemetry and the watching tabs. */
export interface TelemetryRelay {
  /** Listen to a tab's `watch` messages. @param ws The tab. */
  attach(ws: WebSocket): void;
  /** Stop listening to the registry. */
  close(): void;
}

/**
 * Relay the registry's `telemetry` and `session` events to the tabs that watch.
 * @param registry Source of the events.
 * @param send Send one bridge message to one tab.
 */
export function telemetryRelay(registry: Registry, send: (ws: WebSocket, message: { type: 'telemetry'; batch: TelemetryBatch[] }) => void): TelemetryRelay {
  const watchers = new Map<string, Set<WebSocket>>();
  const watching = new Map<WebSocket, Set<string>>();
  let pending = new Map<string, TelemetryBatch>();
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    const batches = pending;
    pending = new Map();
    const perTab = new Map<WebSocket, TelemetryBatch[]>();
    for (const [id, batch] of batches) {
      for (const ws of watchers.get(id) ?? []) {
        let list = perTab.get(ws);
        if (!list) perTab.set(ws, (list = []));
        list.push(batch);
      }
    }
    for (const [ws, batch] of perTab) send(ws, { type: 'telemetry', batch });
  };
  const take = (id: string): TelemetryBatch | undefined => {
    if (!watchers.has(id)) return undefined;
    let batch = pending.get(id);
    if (!batch) pending.set(id, (batch = { id, samples: [], sessions: [] }));
    timer ??= setTimeout(flush, FLUSH_MS);
    return batch;
  };
  const onTelemetry = (id: string, samples: TelemetrySample[]): void => void take(id)?.samples.push(...samples);
  const onSession = (id: string, record: SessionRecord): void => void take(id)?.sessions.push(record);
  registry.on('telemetry', onTelemetry);
  registry.on('session', onSession);

  const unwatch = (ws: WebSocket): void => {
    for (const id of watching.get(ws) ?? []) {
      const set = watchers.get(id);
      set?.delete(ws);
      if (set?.size === 0) watchers.delete(id);
    }
    watching.delete(ws);
  };
  return {
    attach(ws) {
      onTabMessage(ws, ({ type, ids }) => {
        if (type !== 'watch' || !Array.isArray(ids)) return;
        unwatch(ws);
        const wanted = new Set(ids.filter((id): id is string => typeof id === 'string').slice(0, MAX_WATCHED));
        watching.set(ws, wanted);
        for (const id of wanted) {
          let set = watchers.get(id);
          if (!set) watchers.set(id, (set = new Set()));
          set.add(ws);
        }
      });
      ws.on('close', () => unwatch(ws));
    },
    close() {
      registry.off('telemetry', onTelemetry);
      registry.off('session', onSession);
      if (timer) clearTimeout(timer);
    },
  };
}
