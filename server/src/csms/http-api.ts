/**
 * The mock CSMS's REST API (JSON, `--http-port`, default 8080), for test rigs that drive the
 * CSMS from outside:
 *
 * | route | does |
 * | --- | --- |
 * Each station is spoken to in the version it negotiated (1.6 or 2.0.1); connector ids of 1.6
 * are EVSE ids in 2.0.1 (`connectorId` and `evseId` are accepted alike), tokens are `idTag` or
 * `idToken`.
 *
 * | route | does |
 * | --- | --- |
 * | `GET /list` | `{"cp_ids": [...], "charge_points": [{"id", "version"}]}` |
 * | `POST /reserve/:cp` `{idTag?, evseId?, expiryDate?}` | ReserveNow (1.6: connectorId, 2.0.1: evseId) for a free connector / EVSE → `{"status", "reservationId", "evseId"}`; 503 `{"error_code": 503, "message": "No such Charge Point. [cp]"}` when not connected, 503 `no available EVSE on cp` when nothing is free |
 * | `POST /remote-start/:cp` `{idTag?, evseId?}` | RemoteStartTransaction / RequestStartTransaction → the station's answer |
 * | `POST /remote-stop/:cp` `{transactionId?}` | RemoteStopTransaction / RequestStopTransaction (default: its open transaction) |
 * | `POST /reset/:cp` `{type}` | Reset: Soft / OnIdle or Hard / Immediate |
 * | `POST /trigger/:cp` `{requestedMessage, evseId?}` | TriggerMessage |
 * | `POST /command/:cp/:action` `{...payload}` | any CSMS-initiated action (an empty body sends the default payload; a 1.6 name reaches a 2.0.1 station as its twin) |
 * | `GET /transactions` | `{"open": [...], "finished": [...]}` |
 * | `GET /meter-values` | latest meter values: `{cpId: {connectorId: reading}}` |
 * | `GET /probes` | the conformance report |
 *
 * Every error is JSON `{"error_code": status, "message": …}`: 400 bad request or invalid
 * payload, 401 no or wrong token, 403 foreign Origin or Host, 404 unknown route, 409 nothing to
 * stop or cancel, 413 body too large, 415 body not JSON, 502 the charge point answered CALLERROR
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
import type { MockCsms } from './mock-csms';
import { Operator, OperationError, csmsAction } from './operations';

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

/** The HTTP status and body of any error a route throws. */
function errorBody(err: unknown): { status: number; body: Record<string, unknown> } {
  const as = (status: number, message: string, extra: Record<string, unknown> = {}) => ({ status, body: { error_code: status, message, ...extra } });
  if (err instanceof HttpError) return as(err.status, err.message, err.extra);
  if (err instanceof OperationError) return as(err.status, err.message);
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

  const operator = new Operator(csms, { timeoutMs, fileServerUrl: options.fileServerUrl });
  const cpOf = (req: Request): string => operator.station(String(req.params.cp)).id;
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
  /** `evseId` (2.0.1) or `connectorId` (1.6): the same thing to the operator. */
  const unitOf = (b: Payload): number | undefined => integer(b.evseId, 'evseId') ?? integer(b.connectorId, 'connectorId');
  const tokenOf = (b: Payload): string | undefined => {
    const token = b.idToken ?? b.idTag;
    if (token !== undefined && (typeof token !== 'string' || token.length === 0)) throw new HttpError(400, 'idTag / idToken must be a non-empty string');
    return token as string | undefined;
  };

  app.get('/list', (_req, res) => {
    const stations = [...csms.stations.values()];
    res.json({ cp_ids: stations.map((s) => s.id), charge_points: stations.map((s) => ({ id: s.id, version: s.version })) });
  });

  app.post('/reserve/:cp', async (req, res) => {
    const cp = cpOf(req);
    const b = body(req);
    const expiry = b.expiryDateTime ?? b.expiryDate;
    const sent = await operator.reserve(cp, { token: tokenOf(b), unit: unitOf(b), expiry: typeof expiry === 'string' ? expiry : undefined });
    const p = sent.payload;
    // The unit in the station's own word: connectorId (1.6) or evseId (2.0.1).
    res.json({ ...sent.response, reservationId: p.reservationId ?? p.id, ...(p.connectorId === undefined ? { evseId: p.evseId } : { connectorId: p.connectorId }) });
  });

  app.post('/remote-start/:cp', async (req, res) => {
    const b = body(req);
    res.json((await operator.remoteStart(cpOf(req), { token: tokenOf(b), unit: unitOf(b) })).response);
  });

  app.post('/remote-stop/:cp', async (req, res) => {
    const given = body(req).transactionId;
    if (given !== undefined && typeof given !== 'string' && !Number.isInteger(given)) throw new HttpError(400, 'transactionId must be an integer (1.6) or a string (2.0.1)');
    const sent = await operator.remoteStop(cpOf(req), given as number | string | undefined);
    res.json({ transactionId: sent.payload.transactionId, ...sent.response });
  });

  app.post('/reset/:cp', async (req, res) => {
    const cp = cpOf(req);
    const type = body(req).type;
    if (typeof type !== 'string') throw new HttpError(400, 'type is required: Soft or Hard (1.6), OnIdle or Immediate (2.0.1)');
    res.json((await operator.reset(cp, type)).response);
  });

  app.post('/trigger/:cp', async (req, res) => {
    const cp = cpOf(req);
    const b = body(req);
    if (typeof b.requestedMessage !== 'string') throw new HttpError(400, 'requestedMessage is required');
    res.json((await operator.trigger(cp, b.requestedMessage, unitOf(b))).response);
  });

  app.post('/command/:cp/:action', async (req, res) => {
    const action = csmsAction(String(req.params.action));
    if (!action) throw new HttpError(400, `${String(req.params.action)} is not a CSMS-initiated OCPP action`);
    const cp = cpOf(req);
    const b = body(req);
    const request = operator.request(cp, action, Object.keys(b).length > 0 ? b : undefined);
    if (!request.payload) throw new HttpError(409, `no default ${request.action} for ${cp} now (e.g. no open transaction): give a payload`);
    res.json((await operator.send(cp, { action: request.action, payload: request.payload })).response);
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
