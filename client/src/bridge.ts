import { accessToken } from './api';
import type { BridgeMessage, BridgeState } from './types';

export function bridgeUrl(): string {
  const secure = location.protocol === 'https:';
  const port = Number(location.port || (secure ? 443 : 80)) + 1;
  const token = accessToken();
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${secure ? 'wss' : 'ws'}://${host}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export interface BridgeHandlers {
  onMessage(msg: BridgeMessage): void;
  onState(state: BridgeState, retryAt: number | null, attempt: number): void;
}

/** The bridge socket: reconnects with exponential back-off (0.5 s doubling to 10 s, with jitter). */
export class Bridge {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private watched = new Set<string>();
  private csmsLogs = new Set<string>();

  constructor(private readonly handlers: BridgeHandlers) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Reconnect now (skips the remaining back-off). */
  retryNow(): void {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.open();
  }

  /**
   * The charge points whose frames, logs and telemetry this tab wants: the change goes out as
   * subscribe / unsubscribe, and the whole list again after every reconnect.
   */
  watch(ids: string[]): void {
    const next = new Set(ids);
    const left = [...this.watched].filter((id) => !next.has(id));
    const added = ids.filter((id) => !this.watched.has(id));
    this.watched = next;
    if (left.length) this.sendIfOpen({ type: 'unsubscribe', ids: left });
    if (added.length) this.sendIfOpen({ type: 'subscribe', ids: added });
  }

  private sendIfOpen(message: { type: 'subscribe' | 'unsubscribe'; ids: string[] }): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** Follow (or stop following) a station's CSMS log: its frames, events and meter readings (sent again after every reconnect). */
  csmsSubscribe(id: string, on: boolean): void {
    if (on) this.csmsLogs.add(id); else this.csmsLogs.delete(id);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: on ? 'csmsSubscribe' : 'csmsUnsubscribe', id }));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }

  private open(): void {
    this.handlers.onState('connecting', null, this.attempt);
    let ws: WebSocket;
    try {
      ws = new WebSocket(bridgeUrl());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      if (this.watched.size) ws.send(JSON.stringify({ type: 'subscribe', ids: [...this.watched] }));
      for (const id of this.csmsLogs) ws.send(JSON.stringify({ type: 'csmsSubscribe', id }));
      this.handlers.onState('connected', null, 0);
    };
    ws.onmessage = (ev) => {
      let msg: BridgeMessage;
      try { msg = JSON.parse(String(ev.data)) as BridgeMessage; } catch { return; }
      if (msg && typeof msg === 'object' && 'type' in msg) this.handlers.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.stopped) this.scheduleRetry();
      else this.handlers.onState('disconnected', null, this.attempt);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  private scheduleRetry(): void {
    const base = Math.min(10_000, 500 * 2 ** this.attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    const retryAt = Date.now() + delay;
    this.handlers.onState('disconnected', retryAt, this.attempt);
    this.timer = setTimeout(() => { this.timer = null; this.open(); }, delay);
  }
}
