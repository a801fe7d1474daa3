/**
 * Server mode: the web UI (`client/dist`), the REST API (`/api`) and the API docs (`/docs`) on
 * `http://BIND:PORT/`, and the WebSocket bridge on `ws://BIND:PORT+1/`.
 * @module
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import express from 'express';
import type { MockCsms } from '../csms/mock-csms';
import { createBoundedServer, isLoopback, newToken, refuse, refuseBody, sendRefusal, type AccessPolicy } from '../security/http-access';
import { startBridge } from './bridge';
import { ConsoleScripts } from './console-script';
import { CsmsWatch } from './csms-watch';
import { legacyScriptRouter } from './legacy-script-route';
import { Registry, type RegistryOptions } from './registry';
import { RegistryStore, type RestoreReport } from './registry-store';
import { API_BODY_LIMIT, apiRouter, authorizeRfidHandler } from './rest';

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  /** HTTP port; the bridge takes the next one. */
  port: number;
  /** Address to bind (default 127.0.0.1). */
  bind?: string;
  /**
   * Access token (default: a random one). Console scripts need it on every address, everything
   * else on a non-loopback bind. `false` (`--no-token`, loopback only): no token at all, so
   * anyone on this machine may run console scripts.
   */
  token?: string | false;
  /** The embedded mock CSMS (`--with-csms`): enables `/api/csms…`. */
  csms?: MockCsms;
  /** Options of every charge point created (validation, TLS, profile, logging observer). */
  chargepoint?: RegistryOptions;
  /** Repository root holding `client/dist` and `docs/api` (default: this package's). */
  root?: string;
  /** Console scripts are stopped after this long (default 60 s). */
  scriptTimeoutMs?: number;
  /**
   * Keep the charge points across restarts in this state directory (`--state-dir`; see
   * {@link RegistryStore}) and restore them now; `keepFrames` keeps their recent frames too.
   */
  state?: { dir: string; keepFrames?: boolean };
  /** Where a state problem is reported, one line each (default stderr). */
  warn?: (line: string) => void;
}

/** A running server. */
export interface WebServer {
  /** `http://BIND:PORT/`. */
  url: string;
  /** `ws://BIND:PORT+1/`. */
  bridgeUrl: string;
  /** The access token (undefined with `token: false`). */
  token: string | undefined;
  /** Whether every request needs it (non-loopback bind); console scripts always do. */
  tokenRequired: boolean;
  /** The URL to open: the UI with `?token=…` (on `0.0.0.0` / `::` as 127.0.0.1 / [::1]). */
  pageUrl: string;
  /** The charge points. */
  registry: Registry;
  /** What was restored from the state directory (undefined without one). */
  restored?: RestoreReport;
  /** Close the charge points, the bridge and the HTTP server. */
  close(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../../../..');

function hintPage(title: string, command: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>ocpp-sim: ${title}</title></head>` +
    `<body style="font-family: sans-serif; margin: 3em"><h1>${title}</h1><p>Run <code>${command}</code> in the ocpp-sim directory, then reload this page.</p></body></html>`;
}

function packageVersion(root: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function listen(server: http.Server, port: number, bind: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, port, what)));
    server.listen(port, bind, () => resolve());
  });
}

function portError(err: NodeJS.ErrnoException, port: number, what: string): Error {
  if (err.code === 'EADDRINUSE') return new Error(`${what}: port ${port} is in use (another ocpp-sim running? pick a free one with PORT=…)`);
  if (err.code === 'EACCES') return new Error(`${what}: no permission to listen on port ${port}`);
  if (err.code === 'EADDRNOTAVAIL') return new Error(`${what}: address not available on this machine`);
  return new Error(`${what}: ${err.message}`);
}

const hostUrl = (scheme: string, bind: string, port: number): string => `${scheme}://${bind.includes(':') ? `[${bind}]` : bind}:${port}/`;

/** The UI's URL with the token, on an address a browser on this machine can open. */
function pageUrlOf(bind: string, port: number, token: string | undefined): string {
  const host = bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '::1' : bind;
  return `${hostUrl('http', host, port)}${token !== undefined ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/**
 * Start server mode. Fails with one readable line when a port is taken.
 * @param options Port, bind address, token, CSMS.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const bind = options.bind ?? '127.0.0.1';
  const port = options.port;
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new Error(`PORT must be 1 to 65534 (the bridge takes PORT+1), got ${port}`);
  const root = options.root ?? ROOT;
  const tokenRequired = !isLoopback(bind);
  if (options.token === false && tokenRequired) throw new Error(`a token is required on ${bind}: --no-token is for loopback addresses only`);
  const token = options.token === false ? undefined : options.token ?? newToken();
  const policy: AccessPolicy = { token, required: tokenRequired, uiPort: port };
  const registry = new Registry({ ...options.chargepoint, ...(options.state ? { stateDir: options.state.dir } : {}) });
  const warn = options.warn ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  const store = options.state ? new RegistryStore(registry, options.state.dir, options.state.keepFrames === true, warn) : undefined;
  let restored: RestoreReport | undefined;
  const scriptTimeoutMs = options.scriptTimeoutMs ?? 60_000;
  const scripts = new ConsoleScripts(registry, scriptTimeoutMs);

  const app = express();
  app.disable('x-powered-by');
  // Checked before anything reads the body; the script route checks its token itself (rest.ts).
  app.use('/api', (req, res, next) => {
    const refused = refuse(req, policy, 'rest') ?? refuseBody(req, API_BODY_LIMIT);
    if (refused) return sendRefusal(res, refused.status, { error: refused.error });
    next();
  });
  // The seeds' RFID route, outside /api but behind the same checks.
  app.post('/authorize_rfid', (req, res, next) => {
    const refused = refuse(req, policy, 'rest') ?? refuseBody(req, API_BODY_LIMIT);
    if (refused) return sendRefusal(res, refused.status, { error: refused.error });
    next();
  }, express.json({ limit: '16kb' }), authorizeRfidHandler(registry));
  const csmsWatch = options.csms && new CsmsWatch(options.csms);
  app.use('/api', apiRouter({ registry, csms: options.csms, csmsWatch, version: packageVersion(root), bridgePort: port + 1, access: policy, scripts, scriptTimeoutMs, restored: () => restored }));
  // The earlier tool's `POST /cp/:cpName` with a raw script body (docs/web-api.md).
  app.use('/cp', legacyScriptRouter(scripts, policy, API_BODY_LIMIT));
  // Looked up per request, so `npm run docs` / `npm run build:client` take effect without a restart.
  const docs = path.join(root, 'docs/api');
  app.use('/docs', express.static(docs));
  app.use('/docs', (_req, res) => {
    if (fs.existsSync(path.join(docs, 'index.html'))) return void res.status(404).type('text').send('not found');
    res.type('html').send(hintPage('API docs not built yet', 'npm run docs'));
  });
  const dist = path.join(root, 'client/dist');
  app.use(express.static(dist, { index: 'index.html' }));
  // The UI is a single page: any other page URL gets its index.html.
  app.get(/.*/, (req, res) => {
    const index = path.join(dist, 'index.html');
    if (fs.existsSync(index)) return res.sendFile(index);
    return res.status(req.path === '/' ? 200 : 404).type('html').send(hintPage('Web UI not built yet', 'npm run build:client'));
  });

  const server: http.Server = createBoundedServer(app);
  await listen(server, port, bind, 'web UI');
  let bridge;
  try {
    bridge = await startBridge(registry, policy, port + 1, bind, options.csms, csmsWatch).catch((err: NodeJS.ErrnoException) => {
      throw portError(err, port + 1, 'WebSocket bridge');
    });
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    scripts.close();
    csmsWatch?.close();
    throw err;
  }
  const openBridge = bridge;
  restored = store?.restore();
  return {
    url: hostUrl('http', bind, port),
    bridgeUrl: hostUrl('ws', bind, port + 1),
    token,
    tokenRequired,
    pageUrl: pageUrlOf(bind, port, token),
    registry,
    restored,
    close: async () => {
      scripts.close();
      try {
        store?.saveFrames();
      } catch (err) {
        warn(`could not keep the frames: ${(err as Error).message}`);
      }
      await registry.close();
      await openBridge.close();
      csmsWatch?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
