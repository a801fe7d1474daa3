/**
 * The REST API of server mode (`/api/…`, see docs/web-api.md): charge points, actions,
 * connectors, configuration, frames, logs, manual answers, console scripts and the embedded
 * CSMS. Every error is `{error: "one line", …}`.
 * @module
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { DEFAULT_BEHAVIOURS } from '../chargepoint/behaviour/index';
import type { Chargepoint } from '../chargepoint/chargepoint';
import type { ChargingStation } from '../charging-station/charging-station';
import type { ConnectorErrorCode } from '../chargepoint/model/connector';
import type { StopReason } from '../chargepoint/station/station';
import type { MockCsms } from '../csms/mock-csms';
import { Operator, OperationError } from '../csms/operations';
import type { CsmsStation } from './bridge';
import { OcppCallError, OcppConnectionError, OcppError, OcppTimeoutError, OcppValidationError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import { maySend, type ProtocolVersion } from '../ocpp/protocol';
import { ocpp16 } from '../ocpp/v16/protocol';
import { SchemaValidator } from '../ocpp/validator';
import { refuse, sendRefusal, type AccessPolicy } from '../security/http-access';
import { RegistryError, bodyOf, type Registry } from './registry';
import type { ConsoleScripts } from './console-script';
import { CHARGE_POINT_ACTIONS, CSMS_ACTIONS, templatesFor } from './templates';
import { iso14443Problem, readCard } from './rfid';

/** What the API serves besides the registry. */
export interface RestContext {
  /** The charge points. */
  registry: Registry;
  /** The embedded mock CSMS (`--with-csms`). */
  csms?: MockCsms;
  /** Package version. */
  version: string;
  /** Port of the WebSocket bridge. */
  bridgePort: number;
  /** The token and who needs it. */
  access: AccessPolicy;
  /** Runs console scripts. */
  scripts: ConsoleScripts;
  /** Their time limit (shown in `/api/info`). */
  scriptTimeoutMs: number;
}

/** The largest request body (JSON) the API reads. */
export const API_BODY_LIMIT = 2 * 1024 * 1024;

type Handler = (req: Request, res: Response) => unknown;

/** Wraps async handlers: their rejections reach the error handler. */
const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction): void => {
  Promise.resolve()
    .then(() => fn(req, res))
    .catch(next);
};

const param = (req: Request, name: string): string => String(req.params[name]);

/** HTTP status and body for an error from the protocol core or the registry. */
function errorAnswer(err: unknown): { status: number; body: Record<string, unknown> } {
  const line = (err as Error)?.message?.split('\n')[0] ?? String(err);
  if (err instanceof RegistryError) return { status: err.status, body: { error: line } };
  if (err instanceof OcppConnectionError) return { status: 409, body: { error: line, code: err.code } };
  if (err instanceof OcppTimeoutError) return { status: 504, body: { error: line, code: err.code } };
  if (err instanceof OcppCallError) return { status: 502, body: { error: line, code: err.code, description: err.description, details: err.details } };
  // Our own payloads are checked before sending, so a validation error here is the peer's invalid answer.
  if (err instanceof OcppValidationError) return { status: 502, body: { error: line, code: err.code } };
  if (err instanceof OcppError) return { status: 502, body: { error: line, code: err.code } };
  if (err instanceof RangeError || err instanceof TypeError) return { status: 400, body: { error: line } };
  return { status: 500, body: { error: line } };
}

/**
 * The request payload as it would go on the wire, or a 400 answer naming the violation. The
 * endpoint's own repairs (a number where a string is due) are applied first, as on a real send.
 */
function checkPayload(action: string, payload: unknown, res: Response, protocol: ProtocolVersion = ocpp16): payload is Payload {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    res.status(400).json({ error: 'payload must be a JSON object' });
    return false;
  }
  const normalized = protocol.normalizeOutbound?.(action, 'request', payload as Payload) ?? (payload as Payload);
  const { violation } = SchemaValidator.for(protocol).repair(action, 'request', normalized);
  if (!violation) return true;
  res.status(400).json({ error: violation.message, violation: { code: violation.code, message: violation.message, errors: violation.errors } });
  return false;
}

const CONNECTOR_OPS = new Set(['plug-in', 'unplug', 'start', 'stop', 'suspend', 'resume', 'fault', 'clear-fault']);

/** A card at a 2.0.1 station's reader: 400 with the reason for a bad UID, else the Authorize verdict. */
export async function rfid201(station: ChargingStation, uid: unknown, res: Response): Promise<unknown> {
  const problem = iso14443Problem(uid);
  if (problem) return res.status(400).json({ error: problem });
  if (!station.connected) return res.status(409).json({ error: `${station.id} is not connected`, code: 'NotConnected' });
  return res.json(await readCard(station, uid as string));
}

/** The seeds' `POST /authorize_rfid {"cp", "uid"}` for 2.0.1 stations (mounted at the root, behind the same access checks). */
export function authorizeRfidHandler(registry: Registry): (req: Request, res: Response, next: NextFunction) => void {
  return h(async (req, res) => {
    const b = bodyOf(req.body);
    const station = typeof b.cp === 'string' ? registry.station201(b.cp) : undefined;
    if (!station) return res.status(404).json({ error: `no OCPP 2.0.1 station ${JSON.stringify(b.cp)}` });
    return rfid201(station, b.uid, res);
  });
}

/** The `/api` router. */
/** ISO/IEC 14443 UIDs are 4 (single), 7 (double) or 10 (triple size) bytes. */
const ISO14443_UID = /^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}|[0-9A-Fa-f]{20})$/;

/** The `/api` router. @param ctx What it serves. */
export function apiRouter(ctx: RestContext): Router {
  const { registry } = ctx;
  const r = express.Router();
  // Running a script is running code as this user: the token is needed on every address, checked
  // before the body is read (the route itself comes below).
  r.all('/chargepoints/:id/script', (req, res, next) => {
    const refused = refuse(req, ctx.access, 'script');
    if (refused) return sendRefusal(res, refused.status, { error: refused.error });
    next();
  });
  r.use(express.json({ limit: API_BODY_LIMIT }));
  const cp = (req: Request): Chargepoint => registry.get(param(req, 'id'));

  r.get('/info', (_req, res) => {
    res.json({
      version: ctx.version,
      protocol: 'ocpp1.6',
      bridgePort: ctx.bridgePort,
      tokenRequired: ctx.access.required,
      scriptsNeedToken: ctx.access.token !== undefined,
      scriptTimeoutS: ctx.scriptTimeoutMs / 1000,
      csms: ctx.csms ? { url: ctx.csms.url } : null,
      actions: { chargePoint: CHARGE_POINT_ACTIONS, csms: CSMS_ACTIONS },
    });
  });

  r.get('/chargepoints', (_req, res) => {
    res.json(registry.summaries());
  });

  r.post('/chargepoints', h(async (req, res) => {
    const b = bodyOf(req.body);
    if (b.protocol === '2.0.1' || b.protocol === 'ocpp2.0.1') {
      const cs = registry.create201({ id: b.id as string, url: b.url as string, password: b.password as string | undefined, bootOnConnect: b.bootOnConnect !== false });
      if (b.connect === true) await cs.connect();
      return res.status(201).json({ id: cs.id, url: cs.url, protocol: 'ocpp2.0.1', state: cs.connected ? 'connected' : 'disconnected', bootState: cs.station.bootState });
    }
    const summary = registry.create({ id: b.id as string, url: b.url as string, password: b.password as string | undefined, bootOnConnect: b.bootOnConnect !== false });
    if (b.connect !== true) return res.status(201).json(summary);
    try {
      return res.status(201).json(await registry.connect(summary.id));
    } catch {
      // Created all the same: the failure is in lastError, and the UI can retry.
      return res.status(201).json(registry.summary(summary.id));
    }
  }));

  r.get('/chargepoints/:id', (req, res) => {
    res.json(registry.summary(param(req, 'id')));
  });

  r.delete('/chargepoints/:id', h(async (req, res) => {
    const id = param(req, 'id');
    await (registry.station201(id) ? registry.remove201(id) : registry.remove(id));
    res.status(204).end();
  }));

  r.post('/chargepoints/:id/connect', h(async (req, res) => {
    const id = param(req, 'id');
    cp(req);
    try {
      res.json(await registry.connect(id));
    } catch (err) {
      res.status(502).json({ error: (err as Error).message.split('\n')[0], code: (err as OcppError).code, cp: registry.summary(id) });
    }
  }));

  r.post('/chargepoints/:id/disconnect', h(async (req, res) => {
    res.json(await registry.disconnect(param(req, 'id')));
  }));

  r.post('/chargepoints/:id/boot', h(async (req, res) => {
    const c = cp(req);
    if (!c.connected) return res.status(409).json({ error: `${c.id} is not connected` });
    await c.boot();
    return res.json({ status: c.station.bootState });
  }));

  r.get('/chargepoints/:id/templates', (req, res) => {
    res.json(templatesFor(cp(req)));
  });

  r.post('/chargepoints/:id/actions/:action', h(async (req, res) => {
    const c = cp(req);
    const action = param(req, 'action');
    if (!CHARGE_POINT_ACTIONS.includes(action)) return res.status(400).json({ error: `${action} is not a charge-point-initiated action` });
    const b = bodyOf(req.body);
    const payload = b.payload ?? {};
    const force = b.force === true;
    if (!force && !checkPayload(action, payload, res)) return undefined;
    if (!c.connected) return res.status(409).json({ error: `${c.id} is not connected`, code: 'NotConnected' });
    const response = await c.call(action, payload as Payload, force ? { validation: 'off' } : undefined);
    return res.json({ response });
  }));

  // An RFID card held to the reader: Authorize with its UID, the CSMS's answer returned as is.
  r.post('/chargepoints/:id/rfid', h(async (req, res) => {
    const station = registry.station201(param(req, 'id'));
    if (station) return rfid201(station, bodyOf(req.body).uid, res);
    const c = cp(req);
    const uid = bodyOf(req.body).uid;
    if (typeof uid !== 'string' || !ISO14443_UID.test(uid)) {
      return res.status(400).json({ error: `uid must be an ISO 14443 UID: 4, 7 or 10 bytes as hex (8, 14 or 20 hex digits), got ${JSON.stringify(uid)}` });
    }
    if (!c.connected) return res.status(409).json({ error: `${c.id} is not connected`, code: 'NotConnected' });
    const response = await c.sendAuthorize({ idTag: uid.toUpperCase() });
    return res.json({ idTag: uid.toUpperCase(), response });
  }));

  r.post('/chargepoints/:id/connectors/:n/:op', h(async (req, res) => {
    const id = param(req, 'id');
    const c = cp(req);
    const op = param(req, 'op');
    const n = Number(param(req, 'n'));
    if (!CONNECTOR_OPS.has(op)) return res.status(400).json({ error: `unknown operation ${op}: ${[...CONNECTOR_OPS].join(', ')}` });
    const station0 = op === 'fault' || op === 'clear-fault';
    if (!Number.isInteger(n) || n < (station0 ? 0 : 1) || n >= c.station.connectors.length) {
      return res.status(400).json({ error: `connector ${param(req, 'n')} does not exist (this charge point has ${c.station.connectors.length - 1})` });
    }
    const b = bodyOf(req.body);
    switch (op) {
      case 'plug-in': c.plugIn(n); break;
      case 'unplug': c.unplug(n); break;
      case 'start': {
        if (typeof b.idTag !== 'string' || b.idTag === '' || b.idTag.length > 20) return res.status(400).json({ error: 'idTag is required (1 to 20 characters)' });
        if (!(await c.startCharging(n, b.idTag))) return res.status(409).json({ error: `idTag ${b.idTag} was refused`, cp: registry.summary(id) });
        break;
      }
      case 'stop': c.stopCharging(n, (typeof b.reason === 'string' ? b.reason : 'Local') as StopReason); break;
      case 'suspend': c.suspend(n, b.by === 'EVSE' ? 'EVSE' : 'EV'); break;
      case 'resume': c.resume(n); break;
      case 'fault': c.fault(n, (typeof b.errorCode === 'string' ? b.errorCode : 'OtherError') as ConnectorErrorCode); break;
      case 'clear-fault': c.clearFault(n); break;
    }
    return res.json(registry.summary(id));
  }));

  r.patch('/chargepoints/:id/automation', (req, res) => {
    const id = param(req, 'id');
    const c = cp(req);
    const b = bodyOf(req.body);
    for (const key of ['heartbeat', 'meterValues', 'reconnect', 'autoPlugIn', 'securityEvents'] as const) {
      if (typeof b[key] === 'boolean') c.automation[key] = b[key];
    }
    // Switching timers on again takes effect now, not at the next boot.
    if (b.heartbeat === true) c.lifecycle.armHeartbeat();
    if (typeof b.defaults === 'boolean') registry.setDefaults(id, b.defaults);
    registry.changed(id);
    res.json(registry.summary(id));
  });

  r.get('/chargepoints/:id/configuration', (req, res) => {
    res.json({ configurationKey: cp(req).station.config.get().configurationKey });
  });

  r.put('/chargepoints/:id/configuration/:key', h(async (req, res) => {
    const c = cp(req);
    const value = bodyOf(req.body).value;
    if (!['string', 'number', 'boolean'].includes(typeof value)) return res.status(400).json({ error: 'value is required (a string)' });
    // Exactly what a ChangeConfiguration from the CSMS would do, follow-ups included (heartbeat re-armed, reconnect on new credentials).
    const outcome = await DEFAULT_BEHAVIOURS.ChangeConfiguration!({ key: param(req, 'key'), value: String(value) }, { station: c.station, lifecycle: c.lifecycle });
    if (outcome.followUp) {
      Promise.resolve()
        .then(outcome.followUp)
        .catch((err: unknown) => registry.log(param(req, 'id'), 'warning', `configuration follow-up failed: ${(err as Error).message}`));
    }
    return res.json({ status: outcome.response.status });
  }));

  r.get('/chargepoints/:id/frames', (req, res) => {
    const since = Number(req.query.since ?? 0);
    const limit = Number(req.query.limit ?? 1000);
    res.json(registry.frames(param(req, 'id'), Number.isFinite(since) ? since : 0, Number.isInteger(limit) && limit > 0 ? limit : 1000));
  });

  r.get('/chargepoints/:id/logs', (req, res) => {
    res.json(registry.logs(param(req, 'id')));
  });

  r.put('/chargepoints/:id/manual-answers/:action', (req, res) => {
    const id = param(req, 'id');
    cp(req);
    const action = param(req, 'action');
    if (!CSMS_ACTIONS.includes(action)) return res.status(400).json({ error: `${action} is not a CSMS-initiated action` });
    registry.setManual(id, action, bodyOf(req.body).on !== false);
    return res.json(registry.summary(id));
  });

  r.get('/chargepoints/:id/pending', (req, res) => {
    res.json(registry.pending(param(req, 'id')));
  });

  r.post('/chargepoints/:id/pending/:uniqueId', (req, res) => {
    const b = bodyOf(req.body);
    try {
      registry.answerPending(param(req, 'id'), param(req, 'uniqueId'), { payload: b.payload, error: b.error as { code?: unknown } | undefined });
    } catch (err) {
      if (err instanceof OcppValidationError) return res.status(400).json({ error: err.description || err.message, violation: { code: err.code, message: err.description, errors: err.details.errors } });
      throw err;
    }
    return res.json({});
  });

  r.post('/chargepoints/:id/script', h(async (req, res) => {
    const id = param(req, 'id');
    cp(req);
    const code = bodyOf(req.body).code;
    if (typeof code !== 'string') return res.status(400).json({ error: 'code is required (a string)', output: [] });
    const outcome = await ctx.scripts.run(id, code);
    if (outcome.error !== undefined) return res.status(400).json({ error: outcome.error, output: outcome.output, ...(outcome.stopped ? { stopped: true } : {}) });
    return res.json(outcome.result === undefined ? { output: outcome.output } : { output: outcome.output, result: outcome.result });
  }));

  r.get('/csms', (_req, res) => {
    const csms = ctx.csms;
    if (!csms) return res.status(404).json({ error: 'no embedded CSMS: start with --with-csms' });
    return res.json({ url: csms.url, stations: csmsStations(csms), transactions: { open: csms.transactions.open(), finished: csms.transactions.finished().slice(-50) } });
  });

  // The CSMS's default request of an action for one station, in its version (the CSMS view prefills its form with it).
  r.get('/csms/:cpId/defaults/:action', (req, res) => {
    const csms = ctx.csms;
    if (!csms) return res.status(404).json({ error: 'no embedded CSMS: start with --with-csms' });
    try {
      const request = new Operator(csms).request(param(req, 'cpId'), param(req, 'action'));
      if (!request.payload) return res.status(409).json({ error: `no default ${request.action} for ${param(req, 'cpId')} now (e.g. no open transaction)` });
      return res.json(request);
    } catch (err) {
      if (err instanceof OperationError) return res.status(err.status).json({ error: err.message });
      throw err;
    }
  });

  r.post('/csms/:cpId/actions/:action', h(async (req, res) => {
    const csms = ctx.csms;
    if (!csms) return res.status(404).json({ error: 'no embedded CSMS: start with --with-csms' });
    const action = param(req, 'action');
    const station = csms.stations.get(param(req, 'cpId'));
    if (!station) return res.status(409).json({ error: `${param(req, 'cpId')} is not connected to the CSMS`, code: 'NotConnected' });
    if (!maySend(station.protocol, action, 'CSMS')) return res.status(400).json({ error: `${action} is not a CSMS-initiated OCPP ${station.version} action` });
    const b = bodyOf(req.body);
    const payload = b.payload ?? {};
    const force = b.force === true;
    if (!force && !checkPayload(action, payload, res, station.protocol)) return undefined;
    const response = await csms.call(station.id, action, payload as Payload, force ? { validation: 'off' } : undefined);
    return res.json({ response });
  }));

  r.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'no such API endpoint (see docs/web-api.md)' });
  });
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    // body-parser: malformed JSON, too large.
    if (e?.type === 'entity.parse.failed' || e?.type === 'entity.too.large') return res.status(e.status ?? 400).json({ error: `bad request body: ${e.message}` });
    const { status, body } = errorAnswer(err);
    return res.status(status).json(body);
  });
  return r;
}

/** The embedded CSMS's connections, as the API and the bridge show them. */
export function csmsStations(csms: MockCsms): CsmsStation[] {
  return [...csms.stations.values()].map((s) => ({
    id: s.id,
    connectedAt: new Date(s.connectedAt).toISOString(),
    version: s.version,
    actions: Object.keys(s.protocol.actions).filter((a) => maySend(s.protocol, a, 'CSMS')),
  }));
}
