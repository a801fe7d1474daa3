/**
 * The mock CSMS's REST API (JSON, `--http-port`, default 8080), for test rigs that drive the
 * CSMS from outside:
 *
 * | route | does |
 * | --- | --- |
 * | `GET /list` | `{"cp_ids": [...]}` |
 * | `POST /reserve/:cp` `{idTag?, connectorId?, expiryDate?}` | ReserveNow for an available connector → `{"status", "connectorId", "reservationId"}`; 503 `{"error_code": 503, "message": "No such Charge Point. [cp]"}` when not connected or nothing is available |
 * | `POST /remote-start/:cp` `{idTag?, connectorId?}` | RemoteStartTransaction → the charge point's answer |
 * | `POST /remote-stop/:cp` `{transactionId?}` | RemoteStopTransaction (default: its open transaction) |
 * | `POST /reset/:cp` `{type}` | Reset Soft or Hard |
 * | `POST /trigger/:cp` `{requestedMessage, connectorId?}` | TriggerMessage |
 * | `POST /command/:cp/:action` `{...payload}` | any CSMS-initiated action (an empty body sends the default payload) |
 * | `GET /transactions` | `{"open": [...], "finished": [...]}` |
 * | `GET /meter-values` | latest meter values: `{cpId: {connectorId: reading}}` |
 * | `GET /probes` | the conformance report |
 *
 * Every error is JSON `{"error_code": status, "message": …}`: 400 bad request or invalid
 * payload, 401 no or wrong token, 403 foreign Origin or Host, 404 unknown route, 409 nothing to
 * stop, 413 body too large, 415 body not JSON, 502 the charge point answered CALLERROR
 * (`ocpp_error` names the code), 503 not connected, 504 no answer in time. No request waits
 * longer than the call timeout.
 *
 * It has the web UI's access rules (security/http-access.ts): a request from a web page of another
 * origin is refused, and so is a body that is not JSON (what a cross-site form sends), so no page
 * can start a transaction through the user's browser; on a loopback address the `Host` must be a
 * loopback name (no DNS rebinding); on any other address every request needs the token.
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { OcppCallError, OcppConnectionError, OcppTimeoutError, OcppValidationError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import { createBoundedServer, isLoopback, newToken, refuse, refuseBody, sendRefusal, type AccessPolicy } from '../security/http-access';
import { CSMS_ACTIONS, defaultCommandPayload } from './commands';
import type { MockCsms } from './mock-csms';

/** Options of the REST API. */
export interface HttpApiOptions {
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Address to bind (default: the CSMS's host). */
  host?: string;
  /** Timeout of each call to a charge point in ms (default 10000). */
  timeoutMs?: number;
  /** Base URL for file transfers in default payloads (see `DEFAULT_FILE_SERVER_URL`). */
  fileServerUrl?: string;
  /** Access token, needed on a non-loopback address (default there: a random one, see {@link HttpApi.token}). */
  token?: string;
}

/** The largest request body (JSON) the REST API reads. */
const BODY_LIMIT = 1024 * 1024;

/** A running REST API. */
export interface HttpApi {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Bound port. */
  port: number;
  /** The token every request needs (on a non-loopback address), else undefined. */
  token?: string;
  /** Stop listening (open requests are cut). */
  close(): Promise<void>;
}

/** An error with the HTTP status it answers. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const noSuchChargePoint = (cp: string, reason?: string): HttpError =>
  new HttpError(503, `No such Charge Point. [${cp}]`, reason ? { reason } : {});

/** The HTTP status and body of any error a route throws. */
function errorBody(err: unknown): { status: number; body: Record<string, unknown> } {
  const as = (status: number, message: string, extra: Record<string, unknown> = {}) => ({ status, body: { error_code: status, message, ...extra } });
  if (err instanceof HttpError) return as(err.status, err.message, err.extra);
  if (err instanceof OcppValidationError) return as(400, err.description, { ocpp_error: err.code });
  if (err instanceof OcppTimeoutError) return as(504, err.message);
  if (err instanceof OcppCallError) return as(502, `the charge point answered ${err.code}${err.description ? `: ${err.description}` : ''}`, { ocpp_error: err.code });
  if (err instanceof OcppConnectionError) return as(503, err.description, { ocpp_error: err.code });
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.parse.failed') return as(400, `the body is not JSON: ${e.message}`);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return as(e.status, e.message ?? 'bad request');
  return as(500, String(e?.message ?? err));
}

/** The token is needed on a non-loopback address only (a random one when none is given). */
function accessPolicy(host: string, token: string | undefined): AccessPolicy {
  const required = !isLoopback(host);
  return { required, token: required ? token ?? newToken() : undefined };
}

/**
 * The express application of the REST API (to mount it elsewhere); {@link startHttpApi} serves it.
 * @param csms The CSMS it operates.
 * @param options See {@link HttpApiOptions}.
 */
export function createHttpApp(csms: MockCsms, options: HttpApiOptions = {}): express.Express {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const access = accessPolicy(options.host ?? csms.host, options.token);
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const refused = refuse(req, access, 'rest') ?? refuseBody(req, BODY_LIMIT);
    if (refused) return sendRefusal(res, refused.status, { error_code: refused.status, message: refused.error });
    next();
  });
  app.use(express.json({ limit: BODY_LIMIT }));

  const connected = (req: Request): string => {
    const cp = String(req.params.cp);
    if (!csms.stations.has(cp)) throw noSuchChargePoint(cp);
    return cp;
  };
  const body = (req: Request): Payload => {
    const b: unknown = req.body ?? {};
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new HttpError(400, 'the body must be a JSON object');
    return b as Payload;
  };
  const integer = (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new HttpError(400, `${name} must be an integer`);
    return value;
  };
  const call = (cp: string, action: string, payload: Payload) => csms.call(cp, action, payload, { timeoutMs });
  const idTagOf = (b: Payload): string => {
    if (b.idTag !== undefined && (typeof b.idTag !== 'string' || b.idTag.length === 0)) throw new HttpError(400, 'idTag must be a non-empty string');
    return (b.idTag as string | undefined) ?? [...csms.policy.whitelist][0] ?? 'valid_token';
  };

  app.get('/list', (_req, res) => {
    res.json({ cp_ids: csms.chargePointIds });
  });

  app.post('/reserve/:cp', async (req, res) => {
    const cp = connected(req);
    const b = body(req);
    const connectorId = integer(b.connectorId, 'connectorId') ?? csms.transactions.availableConnector(cp);
    if (connectorId === undefined) throw noSuchChargePoint(cp, 'no available connector');
    const payload: Payload = {
      connectorId,
      expiryDate: typeof b.expiryDate === 'string' ? b.expiryDate : new Date(Date.now() + 15 * 60_000).toISOString(),
      idTag: idTagOf(b),
      reservationId: csms.nextRequestId(),
    };
    const response = await call(cp, 'ReserveNow', payload);
    res.json({ status: response.status, connectorId, reservationId: payload.reservationId });
  });

  app.post('/remote-start/:cp', async (req, res) => {
    const cp = connected(req);
    const b = body(req);
    const payload: Payload = { idTag: idTagOf(b) };
    const connectorId = integer(b.connectorId, 'connectorId') ?? csms.transactions.availableConnector(cp);
    if (connectorId !== undefined) payload.connectorId = connectorId;
    res.json(await call(cp, 'RemoteStartTransaction', payload));
  });

  app.post('/remote-stop/:cp', async (req, res) => {
    const cp = connected(req);
    const transactionId = integer(body(req).transactionId, 'transactionId') ?? csms.transactions.open(cp)[0]?.transactionId;
    if (transactionId === undefined) throw new HttpError(409, `${cp} has no open transaction (give transactionId)`);
    res.json({ transactionId, ...(await call(cp, 'RemoteStopTransaction', { transactionId })) });
  });

  app.post('/reset/:cp', async (req, res) => {
    const cp = connected(req);
    const type = body(req).type;
    if (type !== 'Soft' && type !== 'Hard') throw new HttpError(400, "type must be 'Soft' or 'Hard'");
    res.json(await call(cp, 'Reset', { type }));
  });

  app.post('/trigger/:cp', async (req, res) => {
    const cp = connected(req);
    const b = body(req);
    if (typeof b.requestedMessage !== 'string') throw new HttpError(400, 'requestedMessage is required');
    const payload: Payload = { requestedMessage: b.requestedMessage };
    const connectorId = integer(b.connectorId, 'connectorId');
    if (connectorId !== undefined) payload.connectorId = connectorId;
    res.json(await call(cp, 'TriggerMessage', payload));
  });

  app.post('/command/:cp/:action', async (req, res) => {
    const action = CSMS_ACTIONS.find((a) => a.toLowerCase() === String(req.params.action).toLowerCase());
    if (!action) throw new HttpError(400, `${String(req.params.action)} is not a CSMS-initiated 1.6 action`);
    const cp = connected(req);
    const b = body(req);
    const payload = Object.keys(b).length > 0 ? b : defaultCommandPayload(csms, cp, action, options.fileServerUrl);
    if (!payload) throw new HttpError(409, `no default ${action} for ${cp} now (e.g. no open transaction): give a payload`);
    res.json(await call(cp, action, payload));
  });

  app.get('/transactions', (_req, res) => {
    res.json({ open: csms.transactions.open(), finished: csms.transactions.finished() });
  });

  app.get('/meter-values', (_req, res) => {
    res.json(csms.transactions.latestMeterValues());
  });

  app.get('/probes', (_req, res) => {
    res.json(csms.probes ? csms.probes.report() : {});
  });

  app.use((req: Request) => {
    throw new HttpError(404, `no route ${req.method} ${req.path}`);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body: payload } = errorBody(err);
    res.status(status).json(payload);
  });
  return app;
}

/**
 * Serve the REST API.
 * @param csms The CSMS it operates.
 * @param options See {@link HttpApiOptions}.
 */
export async function startHttpApi(csms: MockCsms, options: HttpApiOptions = {}): Promise<HttpApi> {
  const host = options.host ?? csms.host;
  const token = isLoopback(host) ? undefined : options.token ?? newToken();
  // Calls time out on their own; the server bounds a client that never finishes its request.
  const server: Server = createBoundedServer(createHttpApp(csms, { ...options, token }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
