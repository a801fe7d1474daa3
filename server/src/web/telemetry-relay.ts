/**
 * Telemetry to the tabs that watch (see `subscriptions.ts`): only they get a charge point's
 * per-second samples and ended sessions, batched (one message per tab per {@link FLUSH_MS}).
 * Nobody watching costs a Map lookup per sample.
 * @module
 */
import type { WebSocket } from 'ws';
import type { SessionRecord, TelemetrySample } from '../ev/telemetry';
import type { Registry } from './registry';

/** Samples are held this long and sent together. */
export const FLUSH_MS = 250;

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
  /** Stop listening to the registry. */
  close(): void;
}

/**
 * Relay the registry's `telemetry` and `session` events to the tabs that watch.
 * @param registry Source of the events.
 * @param tabsOf The tabs that watch a charge point.
 * @param send Send one bridge message to one tab.
 */
export function telemetryRelay(
  registry: Registry,
  tabsOf: (id: string) => ReadonlySet<WebSocket> | undefined,
  send: (ws: WebSocket, message: { type: 'telemetry'; batch: TelemetryBatch[] }) => void,
): TelemetryRelay {
  let pending = new Map<string, TelemetryBatch>();
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    const batches = pending;
    pending = new Map();
    const perTab = new Map<WebSocket, TelemetryBatch[]>();
    for (const [id, batch] of batches) {
      for (const ws of tabsOf(id) ?? []) {
        let list = perTab.get(ws);
        if (!list) perTab.set(ws, (list = []));
        list.push(batch);
      }
    }
    for (const [ws, batch] of perTab) send(ws, { type: 'telemetry', batch });
  };
  const take = (id: string): TelemetryBatch | undefined => {
    if (!tabsOf(id)) return undefined;
    let batch = pending.get(id);
    if (!batch) pending.set(id, (batch = { id, samples: [], sessions: [] }));
    timer ??= setTimeout(flush, FLUSH_MS);
    return batch;
  };
  const onTelemetry = (id: string, samples: TelemetrySample[]): void => void take(id)?.samples.push(...samples);
  const onSession = (id: string, record: SessionRecord): void => void take(id)?.sessions.push(record);
  registry.on('telemetry', onTelemetry);
  registry.on('session', onSession);
  return {
    close() {
      registry.off('telemetry', onTelemetry);
      registry.off('session', onSession);
      if (timer) clearTimeout(timer);
    },
  };
}
