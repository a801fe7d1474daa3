/**
 * What a tab sends on the bridge: small JSON objects (which charge points it watches, which
 * stations' CSMS logs it follows). Each reader takes the ones it knows.
 * @module
 */
import type { WebSocket } from 'ws';

/**
 * Call `fn` with every JSON object a tab sends; anything else is ignored (the bridge answers
 * nothing, and each reader ignores the types it does not know).
 * @param ws The tab.
 * @param fn The reader.
 */
export function onTabMessage(ws: WebSocket, fn: (message: Record<string, unknown>) => void): void {
  ws.on('message', (data) => {
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof message === 'object' && message !== null) fn(message as Record<string, unknown>);
  });
}
