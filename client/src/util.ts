import type { FrameRecord, Protocol } from './types';

export const CP_ID_RE = /^[A-Za-z0-9_-]+$/;

/** `{cp}` in the template is replaced; otherwise the id is appended as the last path segment (unless it is already there). */
export function applyTemplate(template: string, id: string): string {
  const t = template.trim();
  if (!t) return '';
  if (t.includes('{cp}')) return t.split('{cp}').join(id);
  const [head, ...rest] = t.split(/(?=[?#])/);
  const query = rest.join('');
  const trimmed = head.replace(/\/+$/, '');
  const last = trimmed.split('/').pop();
  if (last === id && !/^[a-z]+:\/\/[^/]*$/i.test(trimmed)) return t;
  return `${trimmed}/${id}${query}`;
}

/**
 * `cp=A,B` or repeated `cp`, `connectTemplate`, and `protocol=2.0.1` (or `ocpp2.0.1`; 1.6 when
 * absent): the charge points the page URL asks for.
 */
export function urlRequest(search = location.search): { template: string | null; ids: string[]; protocol: Protocol } {
  const p = new URLSearchParams(search);
  const ids: string[] = [];
  for (const v of p.getAll('cp')) {
    for (const part of v.split(',')) {
      const id = part.trim();
      if (id && CP_ID_RE.test(id) && !ids.includes(id)) ids.push(id);
    }
  }
  const protocol: Protocol = /^(ocpp)?2\.0\.1$/.test(p.get('protocol') ?? '') ? 'ocpp2.0.1' : 'ocpp1.6';
  return { template: p.get('connectTemplate'), ids, protocol };
}

export function fmtTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function fmtDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleDateString()} ${fmtTime(iso)}`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function pretty(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Pretty-printed JSON as HTML with token classes (escaped: safe for v-html). */
export function highlightJson(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v, null, 2) ?? 'undefined';
  return esc(text).replace(
    /("(?:\\u[a-fA-F0-9]{4}|\\[^u]|[^\\"])*"(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/g,
    (m) => {
      let cls = 'j-num';
      if (m.startsWith('"')) cls = m.trimEnd().endsWith(':') ? 'j-key' : 'j-str';
      else if (m === 'true' || m === 'false') cls = 'j-bool';
      else if (m === 'null') cls = 'j-null';
      return `<span class="${cls}">${m}</span>`;
    },
  );
}

export interface ParsedFrame {
  ok: boolean;
  payload: unknown;          // CALL / CALLRESULT payload; CALLERROR: {errorCode, errorDescription, errorDetails}
  errorCode?: string;
  errorDescription?: string;
}

const parseCache = new WeakMap<FrameRecord, ParsedFrame>();

export function parseFrame(f: FrameRecord): ParsedFrame {
  const hit = parseCache.get(f);
  if (hit) return hit;
  let res: ParsedFrame;
  try {
    const arr = JSON.parse(f.text) as unknown[];
    if (!Array.isArray(arr)) throw new Error('not an array');
    const type = f.messageType ?? arr[0];
    if (type === 2) res = { ok: true, payload: arr[3] };
    else if (type === 3) res = { ok: true, payload: arr[2] };
    else if (type === 4) {
      res = {
        ok: true,
        payload: { errorCode: arr[2], errorDescription: arr[3], errorDetails: arr[4] },
        errorCode: String(arr[2]),
        errorDescription: String(arr[3] ?? ''),
      };
    } else res = { ok: true, payload: arr };
  } catch {
    res = { ok: false, payload: f.text };
  }
  parseCache.set(f, res);
  return res;
}

export function oneLine(v: unknown, max = 140): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function downloadJson(filename: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Bulma colour class of a connector status. */
export function statusClass(status: string): string {
  switch (status) {
    case 'Available': return 'st-available';
    case 'Preparing':
    case 'Occupied': return 'st-preparing';   // 2.0.1: a cable in (G01)
    case 'Charging': return 'st-charging';
    case 'EVConnected':
    case 'Idle': return 'st-finishing';      // 2.0.1 chargingState without energy
    case 'SuspendedEV':
    case 'SuspendedEVSE': return 'st-suspended';
    case 'Finishing': return 'st-finishing';
    case 'Reserved': return 'st-reserved';
    case 'Unavailable': return 'st-unavailable';
    case 'Faulted': return 'st-faulted';
    default: return 'st-unknown';
  }
}

export function stateClass(state: string): string {
  return state === 'connected' ? 'is-success' : state === 'connecting' ? 'is-warning' : 'is-light';
}

/** A duration as `m:ss` or `h:mm:ss`. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return `${h ? `${h}:` : ''}${String(m).padStart(h ? 2 : 1, '0')}:${String(sec).padStart(2, '0')}`;
}

/**
 * Index of the first element at or after `at` in a list in time order: where a reading goes when
 * what a page loaded and what the bridge pushed meanwhile arrive in either order.
 */
export function firstAtOrAfter(list: readonly { at: number }[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
