/**
 * Glue between a WebSocket and an {@link RpcEndpoint}: text frames in, text frames out, and the
 * endpoint detached when the socket closes. Shared by both roles, and so is what a misbehaving
 * peer gets: a frame that breaks RFC 6455 closes the connection with its code and one warning
 * line, and a peer that stops reading is dropped before its unread frames grow without bound.
 * @module
 */
import type WebSocket from 'ws';
import type { RpcEndpoint } from '../ocpp/endpoint';
import { realScheduler } from '../ocpp/scheduler';

/** Largest frame the WebSocket layer accepts before closing with 1009 (Message Too Big). */
export const MAX_WS_PAYLOAD = 16 * 1024 * 1024;

/**
 * A peer with this much of our frames still unsent (it stopped reading, or floods us with CALLs
 * faster than it reads their answers) is disconnected. A peer that keeps to one CALL at a time
 * (OCPP-J §4.1.1) never has more than a frame or two waiting.
 */
export const MAX_SEND_BUFFER = 8 * 1024 * 1024;

/** After a protocol error, how long the peer gets to close its end before the socket is dropped. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The close code `ws` sends for each of its frame errors (its documented `WS_ERR_*` codes;
 * RFC 6455 §7.4.1): 1007 for text that is not UTF-8, 1009 for a frame over {@link MAX_WS_PAYLOAD},
 * 1008 for a message split into too many fragments, 1002 for every other protocol error.
 */
function closeCodeOf(code: string | undefined): number {
  switch (code) {
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return 1009;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return 1008;
    default:
      return 1002;
  }
}

/**
 * One line for an `error` event of an open WebSocket. `ws` emits one for a frame that breaks the
 * protocol (`WS_ERR_*`), after it sent the close frame with the code named; socket errors end in
 * `close` without one.
 * @param err The error.
 */
function describeSocketError(err: Error & { code?: string }): string {
  if (!err.code?.startsWith('WS_ERR_')) return `WebSocket error: ${err.message}; connection closed`;
  return `peer broke the WebSocket protocol (${err.message}): closed with ${closeCodeOf(err.code)}`;
}

/** Wire `ws` to `endpoint` until the socket closes; the endpoint's `warning` event reports what the peer did wrong. */
export function bindSocket(ws: WebSocket, endpoint: RpcEndpoint): void {
  ws.on('message', (data, isBinary) => {
    // OCPP-J uses text frames only; a binary frame is read as UTF-8 all the same.
    endpoint.receive(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
  });
  ws.on('error', (err) => {
    endpoint.warn(describeSocketError(err));
    // ws sent the close frame and ended its side. Failing the connection (RFC 6455 §7.1.7) does
    // not wait for the peer's close frame: one that never closes its end must not hold the
    // socket (and delay a charge point's reconnect) for ws's 30 s close timeout.
    const timer = realScheduler.after(CLOSE_GRACE_MS, () => ws.terminate());
    ws.once('close', () => realScheduler.cancel(timer));
  });
  ws.once('close', (code, reason) => {
    endpoint.detach(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
  });
  endpoint.attach({
    send: (text) => {
      if (ws.bufferedAmount <= MAX_SEND_BUFFER) return ws.send(text);
      if (ws.readyState !== ws.OPEN) return;
      // A close frame would wait behind what it does not read: drop the connection instead.
      endpoint.warn(`peer does not read: over ${MAX_SEND_BUFFER / 1024 / 1024} MiB of frames waiting for it; connection dropped`);
      ws.terminate();
    },
  });
}
