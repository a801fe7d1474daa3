// Live telemetry of the charge points this tab watches: per connector (1.6) or EVSE (2.0.1) the
// samples of the running (or last) session and the ended sessions. Samples live in plain arrays
// (not deep-reactive: a chart reads them whole); `version` is what components watch.
import { defineStore } from 'pinia';
import { markRaw, reactive } from 'vue';
import { http, seg } from '../api';
import { firstAtOrAfter } from '../util';
import type { SessionRecord, TelemetryBatch, TelemetrySample } from '../types';

/** Samples kept per point (an hour at one a second). */
const KEEP = 3600;

export interface PointTelemetry {
  /** Samples of the running or last session, oldest first (raw array). */
  samples: TelemetrySample[];
  /** Ended sessions, oldest first. */
  sessions: SessionRecord[];
  /** Bumped on every change. */
  version: number;
}

export const useTelemetry = defineStore('telemetry', () => {
  const points = reactive<Record<string, PointTelemetry>>({});
  const key = (cpId: string, point: number) => `${cpId}/${point}`;

  function of(cpId: string, point: number): PointTelemetry {
    const k = key(cpId, point);
    // Read back through the reactive record: an assignment's value is the raw object, whose changes nothing tracks.
    if (!points[k]) points[k] = { samples: markRaw([]), sessions: [], version: 0 };
    return points[k];
  }

  // Samples come live over the bridge and, for what this tab missed (opened mid-session, away on
  // another view), from the server's store: merged by time, each second once.
  function add(cpId: string, samples: TelemetrySample[], sessions: SessionRecord[]): void {
    for (const s of samples) {
      const p = of(cpId, s.point);
      const list = p.samples;
      const last = list.at(-1);
      if (last && s.startedAt !== last.startedAt) {
        if (s.startedAt < last.startedAt) continue; // an earlier session's, loaded late
        list.length = 0; // a new session, a new chart
      }
      const i = firstAtOrAfter(list, s.at);
      if (list[i]?.at === s.at) {
        if (i < list.length - 1) continue; // already here
        list[i] = s; // the stop's reading replaces the tick's
      } else list.splice(i, 0, s);
      if (list.length > KEEP) list.splice(0, list.length - KEEP);
      p.version++;
    }
    for (const r of sessions) {
      const p = of(cpId, r.point);
      if (!p.sessions.some((x) => x.startedAt === r.startedAt && x.point === r.point)) p.sessions.push(r);
      p.version++;
    }
  }

  /** A bridge `telemetry` message. */
  function take(batch: TelemetryBatch[]): void {
    for (const b of batch) add(b.id, b.samples, b.sessions);
  }

  /** Load what the server kept (a tab opened mid-session, a reload). */
  async function load(cpId: string): Promise<void> {
    try {
      const { data } = await http.get<{ samples: Record<string, TelemetrySample[]>; sessions: SessionRecord[] }>(`/api/chargepoints/${seg(cpId)}/telemetry`);
      for (const list of Object.values(data.samples)) add(cpId, list, []);
      add(cpId, [], data.sessions);
    } catch { /* not created yet (a draft), or gone: the bridge brings what comes */ }
  }

  return { points, of, take, load };
});
