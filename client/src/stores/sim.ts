import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, watch } from 'vue';
import { http, seg, apiError } from '../api';
import { Bridge } from '../bridge';
import { useTelemetry } from './telemetry';
import { useCsmsLog } from './csms-log';
import { applyTemplate, urlRequest } from '../util';
import { applyFleet, resyncFleet } from '../fleet/rows';
import type {
  Automation, BridgeMessage, BridgeState, ChargepointSummary, CsmsStation, Draft, FrameRecord, Info, LogRecord, PendingCall, Protocol,
} from '../types';

export interface CpEntry {
  id: string;
  summary: ChargepointSummary | null;   // null: only a draft (not on the server yet)
  draft: Draft | null;
  frames: FrameRecord[];                // ordered by seq, deduplicated
  lastSeq: number;
  clearedUpTo: number;                  // "clear" is client side: frames up to this seq stay hidden
  logs: LogRecord[];
  pending: PendingCall[];
  busy: Record<string, boolean>;        // which buttons wait for the server
}

export interface Toast { id: number; kind: 'info' | 'success' | 'warning' | 'danger'; text: string }

const MAX_FRAMES = 5000;
const MAX_LOGS = 2000;
/** Up to this many charge points, every one's history loads at start; above, each when selected. */
const EAGER_HISTORY = 50;

export const useSim = defineStore('sim', () => {
  const info = ref<Info | null>(null);
  const infoError = ref<string | null>(null);
  const entries = reactive<Record<string, CpEntry>>({});
  const order = ref<string[]>([]);
  const selectedId = ref<string | null>(null);
  const view = ref<'chargepoints' | 'csms' | 'fleet'>('chargepoints');
  const bridgeState = ref<BridgeState>('connecting');
  const bridgeRetryAt = ref<number | null>(null);
  const bridgeAttempt = ref(0);
  const csmsStations = ref<CsmsStation[]>([]);
  const csmsUrl = ref<string | null>(null);
  const toasts = ref<Toast[]>([]);
  const lastTemplate = ref<string>(localStorage.getItem('ocpp-sim.template') ?? '');

  // not reactive: per charge point, the seqs already held (dedupe) and the log keys
  const seenSeq = new Map<string, Set<number>>();
  const seenLog = new Map<string, Set<string>>();

  const list = computed(() => order.value.map((id) => entries[id]).filter((e): e is CpEntry => !!e && (!!e.summary || !!e.draft)));
  const selected = computed(() => (selectedId.value ? entries[selectedId.value] ?? null : null));
  const csmsEnabled = computed(() => !!info.value?.csms);

  let toastSeq = 0;
  function toast(kind: Toast['kind'], text: string, ms = 6000): void {
    const t = { id: ++toastSeq, kind, text };
    toasts.value.push(t);
    if (toasts.value.length > 6) toasts.value.shift();
    setTimeout(() => dismiss(t.id), ms);
  }
  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function entry(id: string): CpEntry {
    let e = entries[id];
    if (!e) {
      entries[id] = {
        id, summary: null, draft: null, frames: [], lastSeq: 0, clearedUpTo: 0, logs: [], pending: [], busy: {},
      };
      e = entries[id];
      order.value.push(id);
      seenSeq.set(id, new Set());
      seenLog.set(id, new Set());
    }
    return e;
  }

  function ensureSelection(): void {
    if (selectedId.value && list.value.some((e) => e.id === selectedId.value)) return;
    selectedId.value = list.value[0]?.id ?? null;
  }

  function upsert(s: ChargepointSummary): void {
    const e = entry(s.id);
    e.summary = s;
    e.draft = null;
    ensureSelection();
  }

  /** Take a summary from a REST answer: the bridge is the source of truth while it is up. */
  function fromRest(s: unknown): void {
    if (!s || typeof s !== 'object' || !('id' in s) || !('state' in s)) return;
    const cp = s as ChargepointSummary;
    if (bridgeState.value !== 'connected' || !entries[cp.id]?.summary) upsert(cp);
  }

  function removeLocal(id: string): void {
    const e = entries[id];
    if (!e) return;
    if (e.draft) { e.summary = null; return; }
    delete entries[id];
    order.value = order.value.filter((x) => x !== id);
    seenSeq.delete(id);
    seenLog.delete(id);
    ensureSelection();
  }

  function addFrame(id: string, f: FrameRecord): void {
    const e = entry(id);
    const seen = seenSeq.get(id)!;
    if (seen.has(f.seq)) return;
    seen.add(f.seq);
    if (f.seq > e.lastSeq) e.lastSeq = f.seq;
    if (f.direction === 'out' && (f.messageType === 3 || f.messageType === 4) && f.uniqueId) {
      const i = e.pending.findIndex((p) => p.uniqueId === f.uniqueId);
      if (i >= 0) e.pending.splice(i, 1);
    }
    if (f.seq <= e.clearedUpTo) return;
    const raw = markRaw(f);
    const arr = e.frames;
    if (!arr.length || arr[arr.length - 1].seq < f.seq) arr.push(raw);
    else {
      let lo = 0, hi = arr.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid].seq < f.seq) lo = mid + 1; else hi = mid; }
      arr.splice(lo, 0, raw);
    }
    if (arr.length > MAX_FRAMES) arr.splice(0, arr.length - MAX_FRAMES);
  }

  function addLog(id: string, l: LogRecord): void {
    const e = entry(id);
    const key = `${l.at}|${l.level}|${l.text}`;
    const seen = seenLog.get(id)!;
    if (seen.has(key)) return;
    seen.add(key);
    e.logs.push(markRaw(l));
    if (e.logs.length > MAX_LOGS) e.logs.splice(0, e.logs.length - MAX_LOGS);
  }

  function addPending(id: string, c: PendingCall): void {
    const e = entry(id);
    if (e.pending.some((p) => p.uniqueId === c.uniqueId)) return;
    // already answered (its answer frame is here)?
    if (e.frames.some((f) => f.direction === 'out' && f.uniqueId === c.uniqueId && f.messageType !== 2)) return;
    e.pending.push(c);
  }

  function onBridge(msg: BridgeMessage): void {
    switch (msg.type) {
      case 'hello': {
        const ids = new Set(msg.chargepoints.map((c) => c.id));
        for (const e of Object.values(entries)) if (e.summary && !ids.has(e.id)) removeLocal(e.id);
        for (const c of msg.chargepoints) upsert(c);
        for (const c of historyNow(msg.chargepoints)) void loadHistory(c.id);
        resyncFleet();
        break;
      }
      case 'chargepoint': upsert(msg.cp); break;
      case 'removed': removeLocal(msg.id); break;
      case 'frame': addFrame(msg.id, msg.frame); break;
      case 'log': addLog(msg.id, msg.log); break;
      case 'pending': addPending(msg.id, msg.call); break;
      case 'csms': csmsStations.value = msg.stations; break;
      case 'telemetry': useTelemetry().take(msg.batch); break;
      case 'fleet': applyFleet(msg.rows, msg.removed); break;
      case 'csmsFrame': case 'csmsEvent': case 'csmsPoints': case 'csmsFinding': useCsmsLog().take(msg); break;
      case 'subscribed': break; // the bridge's confirmation; the page fetched the history itself
    }
  }

  const bridge = new Bridge({
    onMessage: onBridge,
    onState: (s, retryAt, attempt) => { bridgeState.value = s; bridgeRetryAt.value = retryAt; bridgeAttempt.value = attempt; },
  });

  /**
   * Whose frames and logs to fetch now: all of a few charge points, only the selected one of a
   * fleet (three requests each would be thousands for 1,000); the others load when selected.
   */
  function historyNow(cps: ChargepointSummary[]): ChargepointSummary[] {
    return cps.length <= EAGER_HISTORY ? cps : cps.filter((c) => c.id === selectedId.value);
  }
  const historyLoaded = new Set<string>();
  /**
   * The charge point whose page is open: the bridge sends this tab its frames, logs and telemetry
   * only while it watches; on opening the page (again), what came meanwhile is fetched, telemetry
   * samples included.
   */
  const watchedId = computed(() => (view.value === 'chargepoints' && selectedId.value && entries[selectedId.value]?.summary ? selectedId.value : null));
  watch(watchedId, (id) => {
    bridge.watch(id ? [id] : []);
    if (id) {
      void loadHistory(id);
      void useTelemetry().load(id);
    }
  }, { immediate: true });

  async function loadHistory(id: string): Promise<void> {
    const e = entries[id];
    if (!e?.summary) return;
    // The first load takes everything (frames that came over the bridge meanwhile are deduplicated).
    const since = historyLoaded.has(id) ? e.lastSeq : 0;
    historyLoaded.add(id);
    const [frames, logs, pending] = await Promise.allSettled([
      http.get<FrameRecord[]>(`/api/chargepoints/${seg(id)}/frames`, { params: since ? { since } : {} }),
      http.get<LogRecord[]>(`/api/chargepoints/${seg(id)}/logs`),
      http.get<PendingCall[]>(`/api/chargepoints/${seg(id)}/pending`),
    ]);
    if (frames.status === 'fulfilled' && Array.isArray(frames.value.data)) for (const f of frames.value.data) addFrame(id, f);
    if (logs.status === 'fulfilled' && Array.isArray(logs.value.data)) for (const l of logs.value.data) addLog(id, l);
    if (pending.status === 'fulfilled' && Array.isArray(pending.value.data)) {
      const e2 = entries[id];
      if (e2) {
        const live = new Set(pending.value.data.map((p) => p.uniqueId));
        e2.pending = e2.pending.filter((p) => live.has(p.uniqueId));
        for (const p of pending.value.data) addPending(id, p);
      }
    }
  }

  async function loadChargepoints(): Promise<void> {
    const { data } = await http.get<ChargepointSummary[]>('/api/chargepoints');
    for (const c of data) upsert(c);
    await Promise.all(historyNow(data).map((c) => loadHistory(c.id)));
  }

  async function loadCsms(): Promise<void> {
    if (!info.value?.csms) return;
    try {
      const { data } = await http.get<{ url: string; stations: CsmsStation[] }>('/api/csms');
      csmsStations.value = data.stations;
      csmsUrl.value = data.url;
    } catch (err) {
      toast('warning', `CSMS: ${apiError(err).message}`);
    }
  }

  function defaultTemplate(): string {
    if (lastTemplate.value) return lastTemplate.value;
    const u = info.value?.csms?.url;
    return u ? `${u.replace(/\/+$/, '')}/{cp}` : 'ws://127.0.0.1:8100/{cp}';
  }

  function rememberTemplate(t: string): void {
    lastTemplate.value = t;
    try { localStorage.setItem('ocpp-sim.template', t); } catch { /* storage off */ }
  }

  /** Charge points named in the page URL: prefilled cards, connected only on click. */
  function applyUrlRequest(): void {
    const req = urlRequest();
    if (!req.ids.length) return;
    const template = req.template ?? (info.value?.csms?.url ? `${info.value.csms.url.replace(/\/+$/, '')}/{cp}` : '');
    for (const id of req.ids) {
      const e = entry(id);
      if (!e.summary) e.draft = { url: applyTemplate(template, id), bootOnConnect: true, protocol: req.protocol };
    }
    selectedId.value = req.ids[0];
    view.value = 'chargepoints';
  }

  async function init(): Promise<void> {
    bridge.start();
    try {
      const { data } = await http.get<Info>('/api/info');
      info.value = data;
      infoError.value = null;
    } catch (err) {
      infoError.value = apiError(err).message;
    }
    try {
      await loadChargepoints();
    } catch (err) {
      toast('danger', `Could not load the charge points: ${apiError(err).message}`);
    }
    applyUrlRequest();
    ensureSelection();
    void loadCsms();
  }

  // ---- actions on charge points -------------------------------------------------------------

  async function withBusy<T>(id: string, key: string, fn: () => Promise<T>): Promise<T> {
    const e = entries[id];
    if (e) e.busy[key] = true;
    try { return await fn(); } finally { const e2 = entries[id]; if (e2) e2.busy[key] = false; }
  }

  /** The actions of a charge point's OCPP version (1.6 until the server says otherwise). */
  function actionsOf(id: string): { chargePoint: string[]; csms: string[] } | undefined {
    const protocol = entries[id]?.summary?.protocol ?? 'ocpp1.6';
    return info.value?.actionsByProtocol?.[protocol] ?? info.value?.actions;
  }

  async function create(body: { id: string; url: string; password?: string; bootOnConnect: boolean; connect?: boolean; protocol?: Protocol; iso15118?: boolean }): Promise<ChargepointSummary> {
    const { data } = await http.post<ChargepointSummary>('/api/chargepoints', { ...body, connect: body.connect ?? false });
    const e = entry(data.id);
    e.summary = data;
    e.draft = null;
    void loadHistory(data.id);
    return data;
  }

  function addDraft(id: string, draft: Draft): void {
    const e = entry(id);
    if (!e.summary) e.draft = draft;
    selectedId.value = id;
  }

  async function connect(id: string): Promise<void> {
    await withBusy(id, 'connect', async () => {
      try {
        const e = entries[id];
        if (e && !e.summary && e.draft) {
          const d = e.draft;
          try {
            await create({ id, url: d.url, bootOnConnect: d.bootOnConnect, ...(d.password ? { password: d.password } : {}), ...(d.protocol ? { protocol: d.protocol } : {}) });
          } catch (err) {
            if (apiError(err).status !== 409) throw err;   // exists already: just connect it
          }
        }
        const { data } = await http.post(`/api/chargepoints/${seg(id)}/connect`);
        fromRest(data);
      } catch (err) {
        toast('danger', `${id}: connect failed: ${apiError(err).message}`);
      }
    });
  }

  async function simple(id: string, key: string, method: 'post' | 'delete', path: string, label: string, body?: unknown): Promise<unknown> {
    return withBusy(id, key, async () => {
      try {
        const { data } = await http.request({ method, url: `/api/chargepoints/${seg(id)}${path}`, data: body });
        fromRest(data);
        return data;
      } catch (err) {
        toast('danger', `${id}: ${label}: ${apiError(err).message}`);
        throw err;
      }
    });
  }

  const disconnect = (id: string) => simple(id, 'disconnect', 'post', '/disconnect', 'disconnect').catch(() => undefined);
  async function boot(id: string): Promise<void> {
    try {
      const data = (await simple(id, 'boot', 'post', '/boot', 'boot')) as { status?: string };
      if (data?.status) toast(data.status === 'Accepted' ? 'success' : 'warning', `${id}: BootNotification ${data.status}`, 3000);
    } catch { /* toasted */ }
  }
  async function remove(id: string): Promise<void> {
    const e = entries[id];
    if (e && !e.summary) { delete entries[id]; order.value = order.value.filter((x) => x !== id); ensureSelection(); return; }
    try {
      await simple(id, 'remove', 'delete', '', 'remove');
      const e2 = entries[id];
      if (e2) e2.draft = null;
      removeLocal(id);
    } catch { /* toasted */ }
  }

  async function connectorOp(id: string, n: number, op: string, body: object = {}): Promise<boolean> {
    try {
      await simple(id, `${op}-${n}`, 'post', `/connectors/${n}/${op}`, `connector ${n} ${op}`, body);
      return true;
    } catch { return false; }
  }

  /** A 2.0.1 EVSE operation (`connectorId` in the body for plug-in, unplug, fault, clear-fault). */
  async function evseOp(id: string, evseId: number, op: string, body: object = {}): Promise<boolean> {
    try {
      await simple(id, `evse-${op}-${evseId}`, 'post', `/evses/${evseId}/${op}`, `EVSE ${evseId} ${op}`, body);
      return true;
    } catch { return false; }
  }

  async function setAutomation(id: string, patch: Partial<Automation> & { defaults?: boolean }): Promise<boolean> {
    return withBusy(id, 'automation', async () => {
      try {
        const { data } = await http.patch(`/api/chargepoints/${seg(id)}/automation`, patch);
        fromRest(data);
        return true;
      } catch (err) { toast('danger', `${id}: automation: ${apiError(err).message}`); return false; }
    });
  }

  async function setManualAnswer(id: string, action: string, on: boolean): Promise<boolean> {
    try {
      const { data } = await http.put(`/api/chargepoints/${seg(id)}/manual-answers/${seg(action)}`, { on });
      fromRest(data);
      return true;
    } catch (err) { toast('danger', `${id}: manual answers for ${action}: ${apiError(err).message}`); return false; }
  }

  function clearFrames(id: string): void {
    const e = entries[id];
    if (!e) return;
    e.clearedUpTo = e.lastSeq;
    e.frames.splice(0);
  }

  function clearLogs(id: string): void {
    const e = entries[id];
    if (e) e.logs.splice(0);
  }

  function dropPending(id: string, uniqueId: string): void {
    const e = entries[id];
    if (e) e.pending = e.pending.filter((p) => p.uniqueId !== uniqueId);
  }

  return {
    info, infoError, entries, order, list, selected, selectedId, view, bridgeState, bridgeRetryAt, bridgeAttempt,
    csmsStations, csmsUrl, csmsEnabled, toasts, lastTemplate,
    toast, dismiss, init, loadCsms, loadHistory, defaultTemplate, rememberTemplate,
    create, addDraft, connect, disconnect, boot, remove, connectorOp, evseOp, setAutomation, setManualAnswer, actionsOf,
    clearFrames, clearLogs, dropPending, retryBridge: () => bridge.retryNow(),
    csmsSubscribe: (id: string, on: boolean) => bridge.csmsSubscribe(id, on),
  };
});
