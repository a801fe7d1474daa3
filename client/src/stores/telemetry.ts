// Live telemetry of the charge points this tab watches: per connector (1.6) or EVSE (2.0.1) the
// samples of the running (or last) session and the ended sessions. Samples live in plain arrays
// (not deep-reactive: a chart reads them whole); `version` is what components watch.
import { defineStore } from 'pinia';
import { markRaw, reactive } from 'vue';
import { http, seg } from '../api';
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

  function add(cpId: string, samples: TelemetrySample[], sessions: SessionRecord[]): void {
    for (const s of samples) {
      const p = of(cpId, s.point);
      const last = p.samples.at(-1);
      if (last && s.startedAt !== last.startedAt) p.samples.length = 0; // a new session, a new chart
      else if (last && s.at < last.at) continue; // already here (loaded and pushed)
      else if (last && s.at === last.at) p.samples.pop(); // the stop's reading replaces the tick's
      p.samples.push(s);
      if (p.samples.length > KEEP) p.samples.splice(0, p.samples.length - KEEP);
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
