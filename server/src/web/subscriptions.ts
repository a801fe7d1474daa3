/**
 * Which tab watches which charge point. A tab says so on the bridge when it opens a charge point's
 * page (`{"type":"subscribe","ids":["CP1"]}`) and when it leaves it (`{"type":"unsubscribe",…}`);
 * `{"type":"watch","ids":[…]}` replaces its whole list; each is confirmed with the tab's list now
 * (`{"type":"subscribed","ids":[…]}`, after which it misses nothing). Only watching tabs get that charge point's
 * frames, logs and telemetry, so a charge point nobody watches costs one Map lookup per frame.
 * @module
 */
import type { WebSocket } from 'ws';
import { onTabMessage } from './tab-messages';

/** A tab watches at most this many charge points (the dashboard shows one; a script may ask for a page). */
const MAX_WATCHED = 1000;

/** The subscriptions of every open tab. */
export class Subscriptions {
  private readonly tabsById = new Map<string, Set<WebSocket>>();
  private readonly idsByTab = new Map<WebSocket, Set<string>>();

  /**
   * @param watched Told when the first tab starts watching a charge point (true) and when the
   * last one stops (false): the registry samples telemetry every second only in between.
   * @param confirm Tells a tab what it watches now, after each of its messages.
   */
  constructor(private readonly watched: (id: string, on: boolean) => void, private readonly confirm: (ws: WebSocket, ids: string[]) => void) {}

  /** The tabs that watch a charge point (undefined: none). @param id Charge point id. */
  tabsOf(id: string): ReadonlySet<WebSocket> | undefined {
    return this.tabsById.get(id);
  }

  /** Listen to a tab's subscription messages; its subscriptions end with it. @param ws The tab. */
  attach(ws: WebSocket): void {
    onTabMessage(ws, ({ type, ids }) => {
      if (!Array.isArray(ids) || !['subscribe', 'unsubscribe', 'watch'].includes(type as string)) return;
      const named = ids.filter((id): id is string => typeof id === 'string');
      if (type === 'watch') this.drop(ws, [...(this.idsByTab.get(ws) ?? [])]);
      if (type === 'unsubscribe') this.drop(ws, named);
      else this.add(ws, named);
      this.confirm(ws, [...(this.idsByTab.get(ws) ?? [])]);
    });
    ws.on('close', () => this.drop(ws, [...(this.idsByTab.get(ws) ?? [])]));
  }

  /** Forget every tab (the bridge closes): the registry is told that nobody watches any more. */
  close(): void {
    for (const ws of [...this.idsByTab.keys()]) this.drop(ws, [...this.idsByTab.get(ws)!]);
  }

  private add(ws: WebSocket, ids: string[]): void {
    let mine = this.idsByTab.get(ws);
    if (!mine) this.idsByTab.set(ws, (mine = new Set()));
    for (const id of ids) {
      if (mine.size >= MAX_WATCHED) break;
      mine.add(id);
      let tabs = this.tabsById.get(id);
      if (!tabs) this.tabsById.set(id, (tabs = new Set()));
      if (tabs.has(ws)) continue;
      tabs.add(ws);
      if (tabs.size === 1) this.watched(id, true);
    }
  }

  private drop(ws: WebSocket, ids: string[]): void {
    const mine = this.idsByTab.get(ws);
    if (!mine) return;
    for (const id of ids) {
      mine.delete(id);
      const tabs = this.tabsById.get(id);
      if (!tabs?.delete(ws) || tabs.size > 0) continue;
      this.tabsById.delete(id);
      this.watched(id, false);
    }
    if (mine.size === 0) this.idsByTab.delete(ws);
  }
}
