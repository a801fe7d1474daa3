/**
 * A small HTTP app a script can add routes to, e.g. to serve firmware or receive uploads.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Express, RequestHandler } from 'express';

/** An express app that is already listening; add routes to it at any time. */
export type Listener = Express & {
  /** Close the server and every open connection, keep-alive ones included. */
  terminate(): void;
  /** The underlying server; listen errors (e.g. EADDRINUSE) are emitted on it. */
  server: Server;
};

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
  server.listen(port, bind);
  const terminate = (): void => {
    server.close();
    server.closeAllConnections();
  };
  return Object.assign(app, { server, terminate });
}
