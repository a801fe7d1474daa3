/** The mock CSMS's REST API: every endpoint, the 503 of /reserve, and the error cases. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect, connectMany } from '../src/chargepoint/connect';
import { startHttpApi, type HttpApi } from '../src/csms/http-api';
import { MockCsms } from '../src/csms/mock-csms';
import { announceHugeBody, waitUntil as until } from './helpers';

let csms: MockCsms;
let api: HttpApi;
let cp: Chargepoint;

before(async () => {
  csms = new MockCsms({ port: 0 });
  await csms.listen();
  api = await startHttpApi(csms, { port: 0, timeoutMs: 1000, fileServerUrl: 'ftp://ocpp:ocpp@127.0.0.1:1/' });
  [cp] = (await connectMany(csms.url, 1, { idPrefix: 'HTTP', profile: { connectors: 1 } })) as [Chargepoint];
  await until('boot', () => csms.transactions.availableConnector('HTTP001') !== undefined);
});
after(async () => {
  await cp.close();
  await api.close();
  await csms.close();
});

async function request(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${method} ${path} answers JSON`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('binds the CSMS host and lists the connected charge points', async () => {
  assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await request('GET', '/list'), { status: 200, json: { cp_ids: ['HTTP001'] } });
});

test('reserve: ReserveNow on an available connector; 503 when not connected or nothing is available', async () => {
  const ok = await request('POST', '/reserve/HTTP001', {});
  assert.equal(ok.status, 200);
  assert.equal(ok.json.status, 'Accepted');
  assert.equal(ok.json.connectorId, 1);
  await until('Reserved', () => csms.transactions.connectorStatuses('HTTP001').get(1)?.status === 'Reserved');
  assert.deepEqual(await request('POST', '/reserve/HTTP001'), {
    status: 503,
    json: { error_code: 503, message: 'No such Charge Point. [HTTP001]', reason: 'no available connector' },
  });
  assert.deepEqual(await request('POST', '/reserve/GHOST'), { status: 503, json: { error_code: 503, message: 'No such Charge Point. [GHOST]' } });
  assert.deepEqual((await request('POST', '/command/HTTP001/CancelReservation', { reservationId: ok.json.reservationId })).json, { status: 'Accepted' });
  await until('Available', () => csms.transactions.availableConnector('HTTP001') === 1);
});

test('remote-start, transactions, meter-values, remote-stop', async () => {
  assert.deepEqual(await request('POST', '/remote-start/HTTP001', { idTag: 'valid_token', connectorId: 1 }), { status: 200, json: { status: 'Accepted' } });
  await until('the transaction', () => csms.transactions.open('HTTP001').length === 1);
  await request('POST', '/trigger/HTTP001', { requestedMessage: 'MeterValues', connectorId: 1 });
  await until('meter values', () => csms.transactions.latestMeterValues().HTTP001?.['1'] !== undefined);
  const txs = await request('GET', '/transactions');
  assert.equal(txs.status, 200);
  const open = txs.json.open as { transactionId: number; cpId: string; idTag: string }[];
  assert.equal(open.length, 1);
  assert.deepEqual([open[0]!.cpId, open[0]!.idTag], ['HTTP001', 'valid_token']);
  const mv = await request('GET', '/meter-values');
  const reading = (mv.json.HTTP001 as Record<string, { transactionId: number; energyWh: number }>)['1']!;
  assert.equal(reading.transactionId, open[0]!.transactionId);
  assert.equal(typeof reading.energyWh, 'number');
  assert.deepEqual(await request('POST', '/remote-stop/HTTP001', {}), { status: 200, json: { transactionId: open[0]!.transactionId, status: 'Accepted' } });
  await until('the stop', () => csms.transactions.finished('HTTP001').length === 1);
  const after = await request('GET', '/transactions');
  assert.equal((after.json.finished as unknown[]).length, 1);
  assert.deepEqual(await request('POST', '/remote-stop/HTTP001'), { status: 409, json: { error_code: 409, message: 'HTTP001 has no open transaction (give transactionId)' } });
});

test('trigger and command, with payload or default', async () => {
  assert.deepEqual(await request('POST', '/trigger/HTTP001', { requestedMessage: 'Heartbeat' }), { status: 200, json: { status: 'Accepted' } });
  const conf = await request('POST', '/command/HTTP001/GetConfiguration', { key: ['HeartbeatInterval'] });
  assert.equal(conf.status, 200);
  assert.equal((conf.json.configurationKey as { key: string }[])[0]!.key, 'HeartbeatInterval');
  assert.deepEqual(await request('POST', '/command/HTTP001/clearcache'), { status: 200, json: { status: 'Accepted' } }, 'an empty body sends the default');
  assert.deepEqual((await request('GET', '/probes')).json, {});
});

test('error cases: bad JSON, invalid payloads, unknown actions and routes, CALLERROR, timeout', async () => {
  assert.equal((await request('POST', '/reset/HTTP001', undefined, '{oops')).status, 400);
  assert.deepEqual(await request('POST', '/reset/HTTP001', { type: 'Medium' }), { status: 400, json: { error_code: 400, message: "type must be 'Soft' or 'Hard'" } });
  const invalid = await request('POST', '/trigger/HTTP001', { requestedMessage: 'Coffee' });
  assert.equal(invalid.status, 400);
  assert.match(String(invalid.json.message), /field 'requestedMessage' must be one of/);
  assert.equal((await request('POST', '/trigger/HTTP001', {})).status, 400);
  assert.equal((await request('POST', '/remote-start/HTTP001', { connectorId: 'one' })).status, 400);
  assert.equal((await request('POST', '/command/HTTP001/Heartbeat', {})).status, 400, 'not CSMS-initiated');
  assert.deepEqual(await request('GET', '/nowhere'), { status: 404, json: { error_code: 404, message: 'no route GET /nowhere' } });
  assert.equal((await request('POST', '/remote-start/GHOST', {})).status, 503);
  // A charge point that answers CALLERROR, and one that never answers.
  const rude = await connect(`${csms.url}RUDE`);
  await rude.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
  rude.answer('ClearCache', (req) => rude.sendError(req.uniqueId, 'InternalError', 'broken'));
  rude.answer('GetLocalListVersion', () => new Promise(() => undefined));
  try {
    const callError = await request('POST', '/command/RUDE/ClearCache');
    assert.deepEqual(callError, { status: 502, json: { error_code: 502, message: 'the charge point answered InternalError: broken', ocpp_error: 'InternalError' } });
    const started = Date.now();
    const timeout = await request('POST', '/command/RUDE/GetLocalListVersion');
    assert.equal(timeout.status, 504);
    assert.ok(Date.now() - started < 3000, 'no request hangs');
  } finally {
    await rude.close();
  }
});

/** A request with a Host header of the test's choosing (fetch may not set one). */
function withHost(port: number, method: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

test("the web UI's rules: no cross-site form POST, no foreign Host, no 10 GB body; the token on a non-loopback address", async () => {
  const form = await fetch(`${api.url}/remote-start/HTTP001`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'idTag=valid_token' });
  assert.deepEqual({ status: form.status, json: await form.json() }, { status: 403, json: { error_code: 403, message: 'origin http://evil.example refused: only the ocpp-sim UI may use this API' } });
  for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
    const res = await fetch(`${api.url}/remote-start/HTTP001`, { method: 'POST', headers: { 'content-type': type }, body: 'idTag=valid_token' });
    assert.equal(res.status, 415, `a ${type} body without an Origin is refused too`);
  }
  assert.equal(csms.transactions.open('HTTP001').length, 0, 'no transaction was started');
  // DNS rebinding: the page's requests carry the attacker's host name.
  assert.equal(await withHost(api.port, 'GET', '/list', 'evil.example:8080'), 403);
  assert.equal(await withHost(api.port, 'POST', '/remote-start/HTTP001', `evil.example:${api.port}`), 403);
  assert.equal(await withHost(api.port, 'GET', '/list', `localhost:${api.port}`), 200);
  const huge = await announceHugeBody(api.port, '/remote-start/HTTP001');
  assert.equal(huge.status, 413);
  assert.ok(huge.ms < 1000, `answered and closed after ${huge.ms} ms`);
  assert.equal(api.token, undefined, 'no token on loopback');

  const wide = await startHttpApi(csms, { port: 0, host: '0.0.0.0' });
  try {
    assert.match(wide.token ?? '', /^[\w-]{24}$/);
    const base = `http://127.0.0.1:${wide.port}`;
    const none = await fetch(`${base}/list`);
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { message: string }).message, /token required/);
    assert.equal((await fetch(`${base}/list`, { headers: { authorization: `bearer ${wide.token}` } })).status, 200);
    assert.equal((await fetch(`${base}/list?token=${wide.token}`)).status, 200);
    assert.equal((await fetch(`${base}/list`, { headers: { authorization: 'Bearer x' } })).status, 401);
  } finally {
    await wide.close();
  }
});

test('reset (last: the charge point reboots)', async () => {
  assert.deepEqual(await request('POST', '/reset/HTTP001', { type: 'Soft' }), { status: 200, json: { status: 'Accepted' } });
});
