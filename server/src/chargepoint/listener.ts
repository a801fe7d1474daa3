/**
 * A small HTTP app a script can add routes to, e.g. to serve firmware or receive uploads.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';

/** An express app that is already listening; add routes to it at any time. */
export type Listener = Express & {
  /** Close the server and every open connection, keep-alive ones included. */
  terminate(): void;
  /** The underlying server; listen errors (e.g. EADDRINUSE) are emitted on it. */
  server: Server;
  /** The port passed to `startListener` (0: any free one; the bound one is `server.address().port`). */
  requestedPort: number;
};

/**
 * The listeners of this thread that are started and not yet closed. The CLI keeps a script run
 * going while one is open, as the earlier tool did (its example waits for an HTTP call to stop);
 * `closed` is emitted when one closes (terminated, or its port could not be bound).
 */
export const openListeners = Object.assign(new EventEmitter(), {
  /** The open listeners. */
  all: new Set<Listener>(),
  /** `listener :8085` (the bound port, or the one asked for while binding). */
  describe(listener: Listener): string {
    const bound = listener.server.address() as AddressInfo | null;
    return `listener :${bound?.port ?? listener.requestedPort}`;
  },
});

/** Hashing first makes the comparison constant-time regardless of the lengths. */
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function basicAuth(users: Record<string, string>): RequestHandler {
  return (req, res, next) => {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    if (colon >= 0 && Object.hasOwn(users, user)) {
      if (timingSafeEqual(digest(decoded.slice(colon + 1)), digest(users[user]))) return next();
    }
    res.set('WWW-Authenticate', 'Basic realm="ocpp-sim", charset="UTF-8"').status(401).end();
  };
}

/**
 * Start an HTTP app. Returns at once; the port is bound shortly after (`server` emits
 * `listening`), so routes added right away are served. JSON request bodies are parsed into
 * `req.body` (express.json, up to 100 kB).
 * @param port Port to listen on (0 for any free one).
 * @param bind Address to bind.
 * @param users Basic-auth users `{name: password}`; when given, every route requires one.
 */
export function startListener(port: number, bind = 'localhost', users?: Record<string, string>): Listener {
  // Loaded on first use: express costs ~100 ms of start-up every charge point run would pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as typeof import('express');
  const app = express();
  if (users) app.use(basicAuth(users));
  // JSON bodies arrive parsed in req.body, as with the earlier tool (after the password check: a stranger's body is never read).
  app.use(express.json());
  const server = createServer(app);
  const terminate = (): void => {
    server.close();
    server.closeAllConnections();
  };
  const listener = Object.assign(app, { server, terminate, requestedPort: port });
  const forget = (): void => {
    if (openListeners.all.delete(listener)) openListeners.emit('closed', listener);
  };
  server.once('close', forget);
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (!server.listening) forget();
    if (err.code === 'EADDRINUSE') err.message = `startListener: port ${port} on ${bind} is already in use (EADDRINUSE); pick another port, or 0 for any free one`;
    // Watching must not swallow it: with no listener of the script's, fail as an unhandled 'error' does.
    if (server.listenerCount('error') === 1) throw err;
  });
  openListeners.all.add(listener);
  server.listen(port, bind);
  return listener;
}
