/**
 * Glue between a WebSocket and an {@link RpcEndpoint}: text frames in, text frames out, and the
 * endpoint detached when the socket closes. Shared by both roles.
 * @module
 */
import type WebSocket from 'ws';
import type { RpcEndpoint } from '../ocpp/endpoint';

/** Largest frame the WebSocket layer accepts before closing with 1009 (Message Too Big). */
export const MAX_WS_PAYLOAD = 16 * 1024 * 1024;

/** Wire `ws` to `endpoint` until the socket closes. */
export function bindSocket(ws: WebSocket, endpoint: RpcEndpoint): void {
  ws.on('message', (data, isBinary) => {
    // OCPP-J uses text frames only; a binary frame is read as UTF-8 all the same.
    endpoint.receive(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
  });
  ws.once('close', (code, reason) => {
    endpoint.detach(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
  });
  endpoint.attach({ send: (text) => ws.send(text) });
}
