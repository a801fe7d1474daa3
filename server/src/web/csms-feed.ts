/**
 * The CSMS view's live feed over the bridge: a tab subscribes to a station's CSMS log
 * (`{"type":"csmsSubscribe","id":"CP1"}`, undone by `csmsUnsubscribe`) and gets that station's
 * frames, events and transaction meter readings as they happen; probe findings go to every tab
 * (they are rare). A station nobody subscribes to costs one Map lookup per frame here.
 * @module
 */
import type { WebSocket } from 'ws';
import type { MeterSeriesRecord } from '../csms/meter-series';
import type { CsmsEvent, CsmsFinding, CsmsWatch } from './csms-watch';
import type { FrameRecord } from './records';
import { onTabMessage } from './tab-messages';

/** A tab subscribes to at most this many stations' CSMS logs. */
const MAX_SUBSCRIBED = 100;

/** What the feed sends. */
export type CsmsFeedMessage =
  | { type: 'csmsFrame'; id: string; frame: FrameRecord }
  | { type: 'csmsEvent'; id: string; event: CsmsEvent }
  | { type: 'csmsPoints'; id: string; series: MeterSeriesRecord }
  | { type: 'csmsFinding'; finding: CsmsFinding };

/** The feed between a {@link CsmsWatch} and the tabs. */
export interface CsmsFeed {
  /** Listen to a tab's subscriptions. @param ws The tab. */
  attach(ws: WebSocket): void;
  /** Stop listening to the watch. */
  close(): void;
}

/**
 * Relay a CSMS watch to the tabs that subscribe.
 * @param watch The CSMS watch.
 * @param send Send one message to one tab.
 * @param broadcast Send one message to every tab.
 */
export function csmsFeed(watch: CsmsWatch, send: (ws: WebSocket, message: CsmsFeedMessage) => void, broadcast: (message: CsmsFeedMessage) => void): CsmsFeed {
  const subscribers = new Map<string, Set<WebSocket>>();
  const subscribed = new Map<WebSocket, Set<string>>();
  const toSubscribers = (id: string, message: () => CsmsFeedMessage): void => {
    const tabs = subscribers.get(id);
    if (!tabs) return;
    const built = message();
    for (const ws of tabs) send(ws, built);
  };
  const listeners = {
    frame: (id: string, frame: FrameRecord) => toSubscribers(id, () => ({ type: 'csmsFrame', id, frame })),
    event: (id: string, event: CsmsEvent) => toSubscribers(id, () => ({ type: 'csmsEvent', id, event })),
    points: (id: string, series: MeterSeriesRecord) => toSubscribers(id, () => ({ type: 'csmsPoints', id, series })),
    finding: (finding: CsmsFinding) => broadcast({ type: 'csmsFinding', finding }),
  };
  for (const [event, fn] of Object.entries(listeners)) watch.on(event, fn);

  const unsubscribe = (ws: WebSocket, id: string): void => {
    subscribed.get(ws)?.delete(id);
    const tabs = subscribers.get(id);
    tabs?.delete(ws);
    if (tabs?.size === 0) subscribers.delete(id);
  };
  return {
    attach(ws) {
      onTabMessage(ws, ({ type, id }) => {
        if (typeof id !== 'string') return;
        if (type === 'csmsUnsubscribe') return unsubscribe(ws, id);
        if (type !== 'csmsSubscribe') return;
        let ids = subscribed.get(ws);
        if (!ids) subscribed.set(ws, (ids = new Set()));
        if (ids.size >= MAX_SUBSCRIBED) return;
        ids.add(id);
        let tabs = subscribers.get(id);
        if (!tabs) subscribers.set(id, (tabs = new Set()));
        tabs.add(ws);
      });
      ws.on('close', () => {
        for (const id of subscribed.get(ws) ?? []) unsubscribe(ws, id);
        subscribed.delete(ws);
      });
    },
    close() {
      for (const [event, fn] of Object.entries(listeners)) watch.off(event, fn);
    },
  };
}
