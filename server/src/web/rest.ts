/**
 * The REST API of server mode (`/api/…`, see docs/web-api.md): charge points, actions,
 * connectors, configuration, frames, logs, manual answers, console scripts and the embedded
 * CSMS. Every error is `{error: "one line", …}`.
 * @module
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Chargepoint } from '../chargepoint/chargepoint';
import type { ChargingStation } from '../charging-station/charging-station';
import type { MockCsms } from '../csms/mock-csms';
import { Operator, OperationError } from '../csms/operations';
import type { CsmsStation } from './bridge';
import { OcppCallError, OcppConnectionError, OcppError, OcppTimeoutError, OcppValidationError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import { maySend, type ProtocolVersion } from '../ocpp/protocol';
import { SchemaValidator } from '../ocpp/validator';
import { refuse, sendRefusal, type AccessPolicy } from '../security/http-access';
import { RegistryError, bodyOf, type Registry } from './registry';
import type { ConsoleScripts } from './console-script';
import type { BoardAddress, SettingsKind, StationView } from './station-view';
import { CHARGE_POINT_ACTIONS, CSMS_ACTIONS } from './templates';
import { CSMS_ACTIONS_201, STATION_ACTIONS_201 } from './templates-v201';
import { iso14443Problem, readCard } from './rfid';
import { stationState201 } from './station-state-201';
import { externalLimitOf } from './external-limit';
import type { RestoreReport } from './registry-store';
import { BULK_OPS, fleetRow, runBulk, type BulkOp, type BulkPoint } from './fleet';
import type { CsmsWatch } from './csms-watch';
import { csmsViewRouter } from './csms-routes';

/** What the API serves besides the registry. */
export interface RestContext {
  /** The charge points. */
  registry: Registry;
  /** The embedded mock CSMS (`--with-csms`). */
  csms?: MockCsms;
  /** What the CSMS view shows of it (frame logs, events, meter readings, findings). */
  csmsWatch?: CsmsWatch;
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
  /** What the start restored from the state directory (shown in `/api/info`). */
  restored?: () => RestoreReport | undefined;
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
function checkPayload(action: string, payload: unknown, res: Response, protocol: ProtocolVersion, note?: (line: string) => void): payload is Payload {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    note?.(`${action} not sent: the payload must be a JSON object`);
    res.status(400).json({ error: 'payload must be a JSON object' });
    return false;
  }
  const normalized = protocol.normalizeOutbound?.(action, 'request', payload as Payload) ?? (payload as Payload);
  const { violation } = SchemaValidator.for(protocol).repair(action, 'request', normalized);
  if (!violation) return true;
  note?.(`${action} not sent: payload refused (${violation.code}): ${violation.message}`);
  res.status(400).json({ error: violation.message, violation: { code: violation.code, message: violation.message, errors: violation.errors } });
  return false;
}

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
  const view = (req: Request): StationView => registry.view(param(req, 'id'));
  /** The charge point's view when its settings are of that kind (configuration keys or device model), else a 400 naming the right route. */
  const settingsOf = (req: Request, kind: SettingsKind): StationView => {
    const v = view(req);
    if (v.settingsKind !== kind) throw new RegistryError(400, `${param(req, 'id')} speaks ${v.protocol}: its settings are at /api/chargepoints/${param(req, 'id')}/${v.settingsKind}`);
    return v;
  };
  /** The 2.0.1 station of the request (404 unknown id, 400 for a 1.6 charge point). */
  const station201Of = (req: Request): ChargingStation => {
    registry.get(param(req, 'id')); // 404 for an unknown id
    const station = registry.station201(param(req, 'id'));
    if (!station) throw new RegistryError(400, `${param(req, 'id')} is not an OCPP 2.0.1 station`);
    return station;
  };
  /** A connector-board operation; a refused token answers 409 with the summary. */
  const operate = async (req: Request, res: Response, address: BoardAddress): Promise<unknown> => {
    const id = param(req, 'id');
    try {
      await view(req).operate(address, param(req, 'op'), bodyOf(req.body));
    } catch (err) {
      if (err instanceof RegistryError && err.status === 409) return res.status(409).json({ error: err.message, cp: registry.summary(id) });
      throw err;
    }
    return res.json(registry.summary(id));
  };

  r.get('/info', (_req, res) => {
    res.json({
      version: ctx.version,
      protocol: 'ocpp1.6',
      bridgePort: ctx.bridgePort,
      tokenRequired: ctx.access.required,
      scriptsNeedToken: ctx.access.token !== undefined,
      scriptTimeoutS: ctx.scriptTimeoutMs / 1000,
      csms: ctx.csms ? { url: ctx.csms.url } : null,
      restored: ctx.restored?.() ?? null,
      actions: { chargePoint: CHARGE_POINT_ACTIONS, csms: CSMS_ACTIONS },
      actionsByProtocol: { 'ocpp1.6': { chargePoint: CHARGE_POINT_ACTIONS, csms: CSMS_ACTIONS }, 'ocpp2.0.1': { chargePoint: STATION_ACTIONS_201, csms: CSMS_ACTIONS_201 } },
    });
  });

  r.get('/chargepoints', (_req, res) => {
    res.json(registry.summaries());
  });

  r.post('/chargepoints', h(async (req, res) => {
    const b = bodyOf(req.body);
    const protocol = b.protocol === undefined ? undefined : String(b.protocol);
    const summary = registry.create({ id: b.id as string, url: b.url as string, password: b.password as string | undefined, bootOnConnect: b.bootOnConnect !== false, protocol, iso15118: b.iso15118 as boolean | undefined });
    if (b.connect !== true) return res.status(201).json(summary);
    try {
      return res.status(201).json(await registry.connect(summary.id));
    } catch {
      // Created all the same: the failure is in lastError, and the UI can retry.
      return res.status(201).json(registry.summary(summary.id));
    }
  }));

  // The fleet grid: one compact row per charge point, and operations on a selection.
  r.get('/fleet', (_req, res) => {
    res.json(registry.summaries().map(fleetRow));
  });

  r.post('/fleet/bulk', h(async (req, res) => {
    const b = bodyOf(req.body);
    const op = b.op as BulkOp;
    if (!BULK_OPS.includes(op)) return res.status(400).json({ error: `op must be one of ${BULK_OPS.join(', ')}` });
    if (!Array.isArray(b.ids) || b.ids.some((id) => typeof id !== 'string')) return res.status(400).json({ error: 'ids must be an array of charge point ids' });
    if (b.idTag !== undefined && (typeof b.idTag !== 'string' || b.idTag === '' || b.idTag.length > 20)) return res.status(400).json({ error: 'idTag must be 1 to 20 characters' });
    const point = b.point ?? 1;
    if (point !== 'all' && !(Number.isInteger(point) && (point as number) >= 1)) return res.status(400).json({ error: 'point must be a connector / EVSE number (1, 2, …) or "all"' });
    return res.json({ results: await runBulk(registry, b.ids as string[], op, b.idTag as string | undefined, point as BulkPoint) });
  }));

  r.get('/chargepoints/:id', (req, res) => {
    res.json(registry.summary(param(req, 'id')));
  });

  r.delete('/chargepoints/:id', h(async (req, res) => {
    await registry.remove(param(req, 'id'));
    res.status(204).end();
  }));

  r.post('/chargepoints/:id/connect', h(async (req, res) => {
    const id = param(req, 'id');
    registry.get(id);
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
    const c = registry.get(param(req, 'id'));
    if (!c.connected) return res.status(409).json({ error: `${c.id} is not connected` });
    await c.boot();
    return res.json({ status: c.station.bootState });
  }));

  r.get('/chargepoints/:id/templates', (req, res) => {
    res.json(view(req).templates());
  });

  r.post('/chargepoints/:id/actions/:action', h(async (req, res) => {
    const c = registry.get(param(req, 'id'));
    const v = view(req);
    const action = param(req, 'action');
    if (!v.stationActions.includes(action)) return res.status(400).json({ error: `${action} is not a charge-point-initiated ${v.protocol} action` });
    const b = bodyOf(req.body);
    const payload = b.payload ?? {};
    const force = b.force === true;
    // Refusals and failures also go to the charge point's log, so the Errors tab has them once.
    const note = (line: string): void => registry.log(c.id, 'error', line);
    if (!force && !checkPayload(action, payload, res, v.table, note)) return undefined;
    if (!c.connected) return res.status(409).json({ error: `${c.id} is not connected`, code: 'NotConnected' });
    try {
      return res.json({ response: await c.call(action, payload as Payload, force ? { validation: 'off' } : undefined) });
    } catch (err) {
      note(`${action} failed: ${errorAnswer(err).body.error}`);
      throw err;
    }
  }));

  // An RFID card held to the reader: Authorize with its UID, the CSMS's answer returned as is.
  r.post('/chargepoints/:id/rfid', h(async (req, res) => {
    const station = registry.station201(param(req, 'id'));
    if (station) return rfid201(station, bodyOf(req.body).uid, res);
    const c = registry.get(param(req, 'id')) as Chargepoint; // a 2.0.1 station was answered above
    const uid = bodyOf(req.body).uid;
    if (typeof uid !== 'string' || !ISO14443_UID.test(uid)) {
      return res.status(400).json({ error: `uid must be an ISO 14443 UID: 4, 7 or 10 bytes as hex (8, 14 or 20 hex digits), got ${JSON.stringify(uid)}` });
    }
    if (!c.connected) return res.status(409).json({ error: `${c.id} is not connected`, code: 'NotConnected' });
    const response = await c.sendAuthorize({ idTag: uid.toUpperCase() });
    return res.json({ idTag: uid.toUpperCase(), response });
  }));

  r.post('/chargepoints/:id/connectors/:n/:op', h((req, res) => operate(req, res, { connector: Number(param(req, 'n')) })));

  // 2.0.1: per EVSE; plug-in, unplug, fault and clear-fault take `connectorId` (default 1).
  r.post('/chargepoints/:id/evses/:evseId/:op', h((req, res) => {
    const connectorId = bodyOf(req.body).connectorId;
    return operate(req, res, { evse: Number(param(req, 'evseId')), connector: connectorId === undefined ? undefined : Number(connectorId) });
  }));

  r.patch('/chargepoints/:id/automation', (req, res) => {
    const id = param(req, 'id');
    const c = registry.get(id);
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
    res.json(settingsOf(req, 'configuration').readSettings());
  });

  r.put('/chargepoints/:id/configuration/:key', h(async (req, res) => {
    const outcome = await settingsOf(req, 'configuration').writeSetting(bodyOf(req.body), param(req, 'key'));
    if (outcome.followUp) {
      Promise.resolve()
        .then(outcome.followUp)
        .catch((err: unknown) => registry.log(param(req, 'id'), 'warning', `configuration follow-up failed: ${(err as Error).message}`));
    }
    return res.json({ status: outcome.status });
  }));

  r.get('/chargepoints/:id/variables', (req, res) => {
    res.json(settingsOf(req, 'variables').readSettings());
  });

  // One device-model attribute, written as a SetVariables from the CSMS would (B05).
  r.put('/chargepoints/:id/variables', h(async (req, res) => {
    const { status, reason } = await settingsOf(req, 'variables').writeSetting(bodyOf(req.body));
    return res.json(reason === undefined ? { status } : { status, reason });
  }));

  // 2.0.1: security, firmware / log status, limits per EVSE, monitors, display messages (the UI's Station tab).
  r.get('/chargepoints/:id/station', h(async (req, res) => res.json(await stationState201(station201Of(req)))));

  // 2.0.1 K12/K13: an external system (EMS, SO…) sets or releases a ChargingStationExternalConstraints limit.
  r.put('/chargepoints/:id/external-limit', (req, res) => {
    const station = station201Of(req);
    const { evseId, source, limit, unit, isGridCritical } = externalLimitOf(bodyOf(req.body), station);
    const { status, reason } = station.smartCharging.setExternalLimit(evseId, limit, unit, source, isGridCritical);
    res.status(status === 'Accepted' ? 200 : 409).json(reason === undefined ? { status } : { status, reason });
  });

  r.delete('/chargepoints/:id/external-limit', (req, res) => {
    const station = station201Of(req);
    const { evseId, source } = externalLimitOf({ ...req.query, limit: 0 }, station);
    if (!station.smartCharging.clearExternalLimit(evseId, source)) return res.status(404).json({ error: `no ${source} limit on evseId ${evseId}` });
    return res.status(204).end();
  });

  r.get('/chargepoints/:id/telemetry', (req, res) => {
    res.json(registry.telemetry(param(req, 'id')));
  });

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
    registry.setManual(id, param(req, 'action'), bodyOf(req.body).on !== false);
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
    registry.get(id);
    const code = bodyOf(req.body).code;
    if (typeof code !== 'string') return res.status(400).json({ error: 'code is required (a string)', output: [] });
    const outcome = await ctx.scripts.run(id, code);
    if (outcome.error !== undefined) {
      registry.log(id, 'error', `script ${outcome.stopped ? 'stopped' : 'failed'}: ${outcome.error}`);
      return res.status(400).json({ error: outcome.error, output: outcome.output, ...(outcome.stopped ? { stopped: true } : {}) });
    }
    return res.json(outcome.result === undefined ? { output: outcome.output } : { output: outcome.output, result: outcome.result });
  }));

  r.get('/csms', (_req, res) => {
    const csms = ctx.csms;
    if (!csms) return res.status(404).json({ error: 'no embedded CSMS: start with --with-csms' });
    return res.json({ url: csms.url, stations: csmsStations(csms), calls: csms.calls.list(), transactions: { open: csms.transactions.open(), finished: csms.transactions.finished().slice(-50) } });
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

  if (ctx.csmsWatch) r.use(csmsViewRouter(ctx.csmsWatch));
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
