// What the CSMS view shows of the embedded mock CSMS, per station it follows: the frames the CSMS
// exchanged with it, its event stream and the meter readings of its transactions (loaded once,
// then live over the bridge while followed); and the probe findings of every station (live).
import { defineStore } from 'pinia';
import { markRaw, reactive, ref } from 'vue';
import { http, seg } from '../api';
import type { CsmsEvent, CsmsFeedMessage, CsmsFinding, FrameRecord, MeterPoint, MeterSeriesRecord } from '../types';
import { firstAtOrAfter } from '../util';

/** Frames kept per station on the page (the server keeps its newest 300). */
const MAX_FRAMES = 2000;
const MAX_EVENTS = 500;
const MAX_FINDINGS = 500;

export interface CsmsStationLog {
  frames: FrameRecord[];
  events: CsmsEvent[];
  /** "Clear" is client side: frames up to this seq stay hidden. */
  clearedUpTo: number;
}

export interface TxSeries {
  cpId: string;
  transactionId: number | string;
  unit: number;
  /** Raw array (a chart reads it whole); `version` is what components watch. */
  points: MeterPoint[];
  version: number;
}

export const useCsmsLog = defineStore('csmsLog', () => {
  const logs = reactive<Record<string, CsmsStationLog>>({});
  const series = reactive<Record<string, TxSeries>>({});
  const findings = ref<CsmsFinding[]>([]);

  // Read back through the reactive record (an assignment's value is the raw object, which nothing would track).
  function logOf(id: string): CsmsStationLog {
    if (!logs[id]) logs[id] = { frames: [], events: [], clearedUpTo: 0 };
    return logs[id];
  }
  const seriesKey = (cpId: string, transactionId: number | string) => `${cpId}/${transactionId}`;
  function seriesOf(cpId: string, transactionId: number | string): TxSeries {
    const key = seriesKey(cpId, transactionId);
    if (!series[key]) series[key] = { cpId, transactionId, unit: 0, points: markRaw([]), version: 0 };
    return series[key];
  }

  function addFrames(id: string, frames: FrameRecord[]): void {
    const log = logOf(id);
    const last = log.frames.at(-1)?.seq ?? 0;
    const fresh = frames.filter((f) => f.seq > log.clearedUpTo && (f.seq > last || !log.frames.some((x) => x.seq === f.seq)));
    if (!fresh.length) return;
    log.frames.push(...fresh);
    if (fresh.some((f) => f.seq < last)) log.frames.sort((a, b) => a.seq - b.seq);
    if (log.frames.length > MAX_FRAMES) log.frames.splice(0, log.frames.length - MAX_FRAMES);
  }
  function addEvents(id: string, events: CsmsEvent[]): void {
    const log = logOf(id);
    const seen = new Set(log.events.map((e) => e.seq));
    const fresh = events.filter((e) => !seen.has(e.seq));
    if (!fresh.length) return;
    log.events.push(...fresh);
    log.events.sort((a, b) => a.seq - b.seq);
    if (log.events.length > MAX_EVENTS) log.events.splice(0, log.events.length - MAX_EVENTS);
  }
  function addPoints(record: MeterSeriesRecord): void {
    const s = seriesOf(record.cpId, record.transactionId);
    s.unit = record.unit;
    // Loaded and pushed readings arrive in either order (the page subscribes, then loads): merged
    // by time, so the first reading (meterStart) stays first; the same instant merges.
    for (const p of record.points) {
      const i = firstAtOrAfter(s.points, p.at);
      const same = s.points[i];
      if (same?.at === p.at) Object.assign(same, p);
      else s.points.splice(i, 0, p);
    }
    s.version++;
  }
  function addFinding(f: CsmsFinding): void {
    if (findings.value.some((x) => x.cpId === f.cpId && x.at === f.at && x.probe === f.probe && x.detail === f.detail)) return;
    findings.value.push(f);
    if (findings.value.length > MAX_FINDINGS) findings.value.splice(0, findings.value.length - MAX_FINDINGS);
  }

  /** A bridge message of the CSMS feed. */
  function take(msg: CsmsFeedMessage): void {
    switch (msg.type) {
      case 'csmsFrame': addFrames(msg.id, [msg.frame]); break;
      case 'csmsEvent': addEvents(msg.id, [msg.event]); break;
      case 'csmsPoints': addPoints(msg.series); break;
      case 'csmsFinding': addFinding(msg.finding); break;
    }
  }

  /** Load what the server kept of a station (after subscribing to its feed, so nothing is missed). */
  async function reload(id: string): Promise<void> {
    try {
      const [log, meter] = await Promise.all([
        http.get<{ frames: FrameRecord[]; events: CsmsEvent[] }>(`/api/csms/${seg(id)}/log`),
        http.get<MeterSeriesRecord[]>(`/api/csms/${seg(id)}/meter`),
      ]);
      addFrames(id, log.data.frames);
      addEvents(id, log.data.events);
      for (const s of meter.data) addPoints(s);
    } catch { /* the stations panel shows connection problems */ }
  }
  async function loadFindings(): Promise<void> {
    try {
      const { data } = await http.get<CsmsFinding[]>('/api/csms/findings');
      for (const f of data) addFinding(f);
      findings.value.sort((a, b) => a.at.localeCompare(b.at));
    } catch { /* no CSMS */ }
  }
  /** Drop what the page holds of a station (the bridge reconnected: the server may have restarted and numbers its frames anew). */
  function forget(id: string): void {
    delete logs[id];
    for (const [key, s] of Object.entries(series)) if (s.cpId === id) delete series[key];
  }
  function clearFrames(id: string): void {
    const log = logOf(id);
    log.clearedUpTo = log.frames.at(-1)?.seq ?? log.clearedUpTo;
    log.frames = [];
  }

  return { logs, series, findings, logOf, seriesOf, take, reload, loadFindings, forget, clearFrames };
});
