/** Server mode: the REST API, the WebSocket bridge, token and Origin rules (docs/web-api.md), over real sockets. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { MockCsms } from '../src/csms/mock-csms';
import { OcppError } from '../src/ocpp/errors';
import { ocpp16 } from '../src/ocpp/v16/protocol';
import { SchemaValidator } from '../src/ocpp/validator';
import { startWebServer, type WebServer } from '../src/web/server';
import { freePortPair, ROOT } from './helpers';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-web-'));
fs.writeFileSync(path.join(tmpRoot, 'package.json'), JSON.stringify({ version: '9.9.9' }));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

function client(base: string) {
  return async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(base + url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
}

/** A bridge tab recording every message. */
interface Tab {
  ws: WebSocket;
  messages: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  waitFor(pred: (m: any) => boolean, ms?: number): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): void;
}

function openTab(url: string, headers: Record<string, string> = {}): Promise<Tab> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: unknown[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (d) => {
      messages.push(JSON.parse(d.toString()));
      for (const w of waiters.splice(0)) w();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        close: () => ws.close(),
        waitFor: (pred, ms = 5000) =>
          new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error(`bridge: no matching message within ${ms} ms`)), ms);
            const check = (): void => {
              const m = messages.find(pred);
              if (m) {
                clearTimeout(t);
                res(m);
              } else waiters.push(check);
            };
            check();
          }),
      }),
    );
  });
}

const until = async (fn: () => Promise<boolean> | boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('server mode on loopback with the embedded CSMS', () => {
  let csms: MockCsms;
  let web: WebServer;
  let port: number;
  let api: ReturnType<typeof client>;

  before(async () => {
    csms = new MockCsms({ port: 0 });
    await csms.listen();
    port = await freePortPair();
    web = await startWebServer({ port, bind: '127.0.0.1', csms, root: tmpRoot, scriptTimeoutMs: 3000 });
    api = client(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    await web.close();
    await csms.close();
  });

  test('start-up: URLs, no token needed but for scripts, info', async () => {
    assert.equal(web.url, `http://127.0.0.1:${port}/`);
    assert.equal(web.bridgeUrl, `ws://127.0.0.1:${port + 1}/`);
    assert.equal(web.tokenRequired, false);
    assert.equal(web.pageUrl, `http://127.0.0.1:${port}/?token=${web.token}`);
    const info = await api('GET', '/api/info');
    assert.equal(info.status, 200);
    assert.equal(info.body.version, '9.9.9');
    assert.equal(info.body.protocol, 'ocpp1.6');
    assert.equal(info.body.bridgePort, port + 1);
    assert.equal(info.body.tokenRequired, false);
    assert.equal(info.body.scriptsNeedToken, true);
    assert.equal(info.body.scriptTimeoutS, 3);
    assert.deepEqual(info.body.csms, { url: csms.url });
    assert.ok(info.body.actions.chargePoint.includes('BootNotification'));
    assert.ok(info.body.actions.csms.includes('RemoteStartTransaction'));
  });

  test('without client/dist and docs/api, / and /docs tell how to build them', async () => {
    const page = await api('GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /npm run build:client/);
    const docs = await api('GET', '/docs/');
    assert.match(docs.body, /npm run docs/);
    const unknown = await api('GET', '/api/nope');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /no such API endpoint/);
  });

  test('create: 201, 400 bad id or URL, 409 duplicate, 404 unknown id', async () => {
    const created = await api('POST', '/api/chargepoints', { id: 'CPX', url: `${csms.url}` });
    assert.equal(created.status, 201);
    assert.equal(created.body.url, `${csms.url}CPX`);
    assert.equal(created.body.state, 'disconnected');
    assert.equal(created.body.bootState, 'None');
    assert.deepEqual(created.body.connectors.map((c: { id: number }) => c.id), [0, 1]);
    assert.equal((await api('POST', '/api/chargepoints', { id: 'CPX', url: csms.url })).status, 409);
    assert.equal((await api('POST', '/api/chargepoints', { id: 'a/b', url: csms.url })).status, 400);
    const badUrl = await api('POST', '/api/chargepoints', { id: 'CPY', url: 'http://x/' });
    assert.equal(badUrl.status, 400);
    assert.match(badUrl.body.error, /ws:\/\//);
    assert.equal((await api('POST', '/api/chargepoints', { id: 'CPT', url: 'ws://127.0.0.1:1/{cp}/x' })).body.url, 'ws://127.0.0.1:1/CPT/x');
    for (const [m, u] of [['GET', '/api/chargepoints/NOPE'], ['DELETE', '/api/chargepoints/NOPE'], ['POST', '/api/chargepoints/NOPE/connect'], ['GET', '/api/chargepoints/NOPE/frames']] as const) {
      const r = await api(m, u);
      assert.equal(r.status, 404, `${m} ${u}`);
      assert.match(r.body.error, /NOPE/);
    }
    const list = await api('GET', '/api/chargepoints');
    assert.deepEqual(list.body.map((c: { id: string }) => c.id), ['CPX', 'CPT']);
    assert.equal((await api('DELETE', '/api/chargepoints/CPX')).status, 204);
    assert.equal((await api('DELETE', '/api/chargepoints/CPT')).status, 204);
  });

  test('a failing connection answers 502 and keeps lastError; actions then answer 409', async () => {
    await api('POST', '/api/chargepoints', { id: 'OFF1', url: 'ws://127.0.0.1:1/' });
    const r = await api('POST', '/api/chargepoints/OFF1/connect');
    assert.equal(r.status, 502);
    assert.match(r.body.error, /ECONNREFUSED|refused/i);
    assert.ok((await api('GET', '/api/chargepoints/OFF1')).body.lastError);
    const sent = await api('POST', '/api/chargepoints/OFF1/actions/Heartbeat', { payload: {} });
    assert.equal(sent.status, 409);
    assert.equal((await api('POST', '/api/chargepoints/OFF1/boot')).status, 409);
    await api('DELETE', '/api/chargepoints/OFF1');
  });

  test('connect boots; actions: 200, 400 with violation, force sends it (502 CALLERROR), unknown action 400', async () => {
    const created = await api('POST', '/api/chargepoints', { id: 'CP001', url: csms.url, connect: true });
    assert.equal(created.status, 201);
    assert.equal(created.body.state, 'connected');
    assert.equal(created.body.bootState, 'Accepted');
    await until(() => csms.stations.has('CP001'));
    const hb = await api('POST', '/api/chargepoints/CP001/actions/Heartbeat', { payload: {} });
    assert.equal(hb.status, 200);
    assert.ok(hb.body.response.currentTime);
    const bad = await api('POST', '/api/chargepoints/CP001/actions/Authorize', { payload: { extra: true } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.violation.code);
    assert.match(bad.body.error, /Authorize request: field/);
    const before = (await api('GET', '/api/chargepoints/CP001/frames')).body.length;
    const forced = await api('POST', '/api/chargepoints/CP001/actions/Authorize', { payload: { extra: true }, force: true });
    assert.equal(forced.status, 502);
    assert.ok(forced.body.code);
    const frames = (await api('GET', '/api/chargepoints/CP001/frames')).body;
    assert.ok(frames.length >= before + 2);
    assert.match(frames.find((f: { text: string }) => f.text.includes('"extra":true')).text, /"Authorize"/);
    assert.equal((await api('POST', '/api/chargepoints/CP001/actions/Reset', { payload: {} })).status, 400);
    // A CALLERROR the CSMS chooses.
    csms.answer('DataTransfer', () => {
      throw new OcppError('NotSupported', 'no vendor here');
    });
    const dt = await api('POST', '/api/chargepoints/CP001/actions/DataTransfer', { payload: { vendorId: 'x' } });
    csms.answer('DataTransfer', undefined);
    assert.equal(dt.status, 502);
    assert.equal(dt.body.code, 'NotSupported');
    assert.equal((await api('POST', '/api/chargepoints/CP001/boot')).body.status, 'Accepted');
  });

  test('templates: one valid payload for every charge-point-initiated action, prefilled', async () => {
    const t = (await api('GET', '/api/chargepoints/CP001/templates')).body;
    const validator = SchemaValidator.for(ocpp16);
    assert.deepEqual(Object.keys(t).sort(), [...(await api('GET', '/api/info')).body.actions.chargePoint].sort());
    for (const [action, payload] of Object.entries(t)) assert.equal(validator.check(action, 'request', payload)?.message, undefined, action);
    assert.equal(t.BootNotification.chargePointSerialNumber, 'CP001');
    assert.equal(t.StatusNotification.connectorId, 1);
    assert.equal(t.StatusNotification.status, 'Available');
    assert.ok(t.MeterValues.meterValue[0].sampledValue.length > 0);
  });

  test('connectors, frames with rttMs, logs, automation, configuration', async () => {
    let r = await api('POST', '/api/chargepoints/CP001/connectors/1/start', { idTag: 'TAG1' });
    assert.equal(r.status, 200);
    await until(async () => (await api('GET', '/api/chargepoints/CP001')).body.connectors[1].transaction?.id !== undefined);
    const s = (await api('GET', '/api/chargepoints/CP001')).body;
    assert.equal(s.connectors[1].status, 'Charging');
    assert.equal(s.connectors[1].transaction.idTag, 'TAG1');
    assert.equal((await api('POST', '/api/chargepoints/CP001/connectors/9/plug-in')).status, 400);
    assert.equal((await api('POST', '/api/chargepoints/CP001/connectors/1/explode')).status, 400);
    const t = (await api('GET', '/api/chargepoints/CP001/templates')).body;
    assert.equal(t.StopTransaction.transactionId, s.connectors[1].transaction.id);
    r = await api('POST', '/api/chargepoints/CP001/connectors/1/stop', { reason: 'Local' });
    assert.equal(r.status, 200);
    await until(async () => (await api('GET', '/api/chargepoints/CP001')).body.connectors[1].transaction === undefined);
    csms.answer('Authorize', () => ({ idTagInfo: { status: 'Blocked' } }));
    r = await api('POST', '/api/chargepoints/CP001/connectors/1/start', { idTag: 'BAD' });
    csms.answer('Authorize', undefined);
    assert.equal(r.status, 409);
    await api('POST', '/api/chargepoints/CP001/connectors/1/unplug');

    const frames = (await api('GET', '/api/chargepoints/CP001/frames')).body;
    const start = frames.find((f: { action?: string; messageType?: number; direction: string }) => f.action === 'StartTransaction' && f.messageType === 3 && f.direction === 'in');
    assert.ok(start, 'StartTransaction answer recorded');
    assert.equal(typeof start.rttMs, 'number');
    assert.ok(frames.every((f: { seq: number }, i: number) => i === 0 || f.seq > frames[i - 1].seq));
    const since = frames[frames.length - 3].seq;
    assert.deepEqual((await api('GET', `/api/chargepoints/CP001/frames?since=${since}`)).body.map((f: { seq: number }) => f.seq), frames.slice(-2).map((f: { seq: number }) => f.seq));
    assert.equal((await api('GET', '/api/chargepoints/CP001/frames?limit=1')).body.length, 1);

    r = await api('PATCH', '/api/chargepoints/CP001/automation', { heartbeat: false, defaults: false });
    assert.equal(r.body.automation.heartbeat, false);
    assert.equal(r.body.defaults, false);
    r = await api('PATCH', '/api/chargepoints/CP001/automation', { heartbeat: true, defaults: true });
    assert.equal(r.body.defaults, true);

    const conf = (await api('GET', '/api/chargepoints/CP001/configuration')).body.configurationKey;
    assert.ok(conf.find((k: { key: string }) => k.key === 'HeartbeatInterval').value);
    assert.equal(conf.find((k: { key: string }) => k.key === 'AuthorizationKey').value, undefined);
    assert.equal((await api('PUT', '/api/chargepoints/CP001/configuration/MeterValueSampleInterval', { value: '30' })).body.status, 'Accepted');
    assert.equal((await api('PUT', '/api/chargepoints/CP001/configuration/NumberOfConnectors', { value: '3' })).body.status, 'Rejected');
    assert.equal((await api('PUT', '/api/chargepoints/CP001/configuration/NoSuchKey', { value: '3' })).body.status, 'NotSupported');
    assert.equal((await api('GET', '/api/chargepoints/CP001/configuration')).body.configurationKey.find((k: { key: string }) => k.key === 'MeterValueSampleInterval').value, '30');
    assert.ok(Array.isArray((await api('GET', '/api/chargepoints/CP001/logs')).body));
  });

  test('manual answers: a CSMS call waits, shows in /pending and on the bridge, the REST answer reaches the CSMS', async () => {
    const tab = await openTab(web.bridgeUrl);
    let r = await api('PUT', '/api/chargepoints/CP001/manual-answers/GetConfiguration', { on: true });
    assert.deepEqual(r.body.manualAnswers, ['GetConfiguration']);
    const call = csms.call('CP001', 'GetConfiguration', { key: ['HeartbeatInterval'] });
    const msg = await tab.waitFor((m) => m.type === 'pending' && m.id === 'CP001');
    assert.equal(msg.call.action, 'GetConfiguration');
    const pending = (await api('GET', '/api/chargepoints/CP001/pending')).body;
    assert.equal(pending.length, 1);
    assert.deepEqual(pending[0].payload, { key: ['HeartbeatInterval'] });
    const uid = pending[0].uniqueId;
    r = await api('POST', `/api/chargepoints/CP001/pending/${uid}`, { payload: { configurationKey: 'nope' } });
    assert.equal(r.status, 400);
    assert.ok(r.body.violation);
    r = await api('POST', `/api/chargepoints/CP001/pending/${uid}`, { payload: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '42' }] } });
    assert.equal(r.status, 200);
    assert.deepEqual(await call, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '42' }] });
    assert.equal((await api('POST', `/api/chargepoints/CP001/pending/${uid}`, { payload: {} })).status, 404);
    assert.deepEqual((await api('GET', '/api/chargepoints/CP001/pending')).body, []);
    // A CALLERROR by hand.
    const refused = csms.call('CP001', 'GetConfiguration', {});
    refused.catch(() => undefined); // asserted below
    await tab.waitFor((m) => m.type === 'pending' && m.call.uniqueId !== uid);
    const uid2 = (await api('GET', '/api/chargepoints/CP001/pending')).body[0].uniqueId;
    assert.equal((await api('POST', `/api/chargepoints/CP001/pending/${uid2}`, { error: { code: 'NotSupported', description: 'by hand' } })).status, 200);
    await assert.rejects(refused, /NotSupported/);
    // Off again: the built-in answer is back.
    r = await api('PUT', '/api/chargepoints/CP001/manual-answers/GetConfiguration', { on: false });
    assert.deepEqual(r.body.manualAnswers, []);
    assert.ok(((await csms.call('CP001', 'GetConfiguration', {})) as { configurationKey: unknown[] }).configurationKey.length > 5);
    tab.close();
  });

  test('console script (with the token): output, result, error line with console.js:LINE, assigning cp, stopped at its limit', async () => {
    const script = (cp: string, code: string): Promise<Answer> => api('POST', `/api/chargepoints/${cp}/script`, { code }, { authorization: `Bearer ${web.token}` });
    let r = await script('CP001', "console.log('hello', 1);\ncp.log('via cp');\nconst hb = await cp.sendHeartbeat();\nreturn typeof hb.currentTime;");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.output, ['hello 1', 'via cp']);
    assert.equal(r.body.result, 'string');
    const logs = (await api('GET', '/api/chargepoints/CP001/logs')).body.map((l: { text: string }) => l.text);
    assert.ok(logs.includes('hello 1') && logs.includes('via cp'));
    r = await script('CP001', "console.log('before');\nconst x = null;\nx.foo();");
    assert.equal(r.status, 400);
    assert.match(r.body.error, /^console\.js:3:3: TypeError: /);
    assert.deepEqual(r.body.output, ['before']);
    r = await script('CP001', 'const a = 1;\nconst = 2;');
    assert.equal(r.status, 400);
    assert.match(r.body.error, /^console\.js:2:\d+: SyntaxError/);
    await api('POST', '/api/chargepoints', { id: 'CP002', url: 'ws://127.0.0.1:1/' });
    r = await script('CP002', `cp = await connect('${csms.url}CP002');\nawait cp.sendBootnotification({chargePointVendor: 'v', chargePointModel: 'm'});`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const s = (await api('GET', '/api/chargepoints/CP002')).body;
    assert.equal(s.state, 'connected');
    assert.equal(s.url, `${csms.url}CP002`);
    assert.equal(s.bootState, 'Accepted');
    r = await script('CP002', "console.log('early');\nawait new Promise((r) => setTimeout(r, 3500));\nconsole.log('late');");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'console script stopped after 3 s (the time limit, --script-timeout), with the handlers its thread held', output: ['early'], stopped: true });
    assert.equal((await script('CP002', 'return cp.id')).body.result, 'CP002', 'the next script gets a new thread');
  });

  test('bridge: hello, each frame exactly once to each of two subscribed tabs, chargepoint and removed', async () => {
    const [a, b] = await Promise.all([openTab(web.bridgeUrl), openTab(web.bridgeUrl)]);
    for (const tab of [a, b]) {
      const hello = await tab.waitFor((m) => m.type === 'hello');
      assert.deepEqual(hello.chargepoints.map((c: { id: string }) => c.id).sort(), ['CP001', 'CP002']);
      tab.ws.send(JSON.stringify({ type: 'subscribe', ids: ['CP001'] }));
      assert.deepEqual((await tab.waitFor((m) => m.type === 'subscribed')).ids, ['CP001']);
    }
    for (let i = 0; i < 3; i++) assert.equal((await api('POST', '/api/chargepoints/CP001/actions/Heartbeat', { payload: {} })).status, 200);
    const last = (await api('GET', '/api/chargepoints/CP001/frames?limit=1')).body[0].seq;
    for (const tab of [a, b]) {
      await tab.waitFor((m) => m.type === 'frame' && m.id === 'CP001' && m.frame.seq === last);
      const seqs = tab.messages.filter((m) => m.type === 'frame' && m.id === 'CP001').map((m) => m.frame.seq);
      assert.equal(new Set(seqs).size, seqs.length, 'no frame twice');
      assert.equal(seqs.length, 6, 'three calls, three answers');
    }
    await api('POST', '/api/chargepoints', { id: 'CP003', url: csms.url });
    for (const tab of [a, b]) await tab.waitFor((m) => m.type === 'chargepoint' && m.cp.id === 'CP003');
    await api('DELETE', '/api/chargepoints/CP003');
    for (const tab of [a, b]) await tab.waitFor((m) => m.type === 'removed' && m.id === 'CP003');
    await api('POST', '/api/chargepoints/CP001/disconnect');
    for (const tab of [a, b]) await tab.waitFor((m) => m.type === 'csms' && !m.stations.some((s: { id: string }) => s.id === 'CP001'));
    a.close();
    b.close();
  });

  test('bridge: a tab gets the frames and logs only of the charge points it watches, until it unsubscribes', async () => {
    await api('POST', '/api/chargepoints/CP001/connect');
    const [watching, elsewhere, leaving] = await Promise.all([openTab(web.bridgeUrl), openTab(web.bridgeUrl), openTab(web.bridgeUrl)]);
    const subscribe = async (tab: Tab, type: string, ids: string[], now: string[]): Promise<void> => {
      const before = tab.messages.length;
      tab.ws.send(JSON.stringify({ type, ids }));
      assert.deepEqual((await tab.waitFor((m) => m.type === 'subscribed' && tab.messages.indexOf(m) >= before)).ids, now);
    };
    await subscribe(watching, 'subscribe', ['CP001'], ['CP001']);
    await subscribe(elsewhere, 'subscribe', ['CP002'], ['CP002']);
    await subscribe(leaving, 'subscribe', ['CP001', 'CP002'], ['CP001', 'CP002']);
    await subscribe(leaving, 'unsubscribe', ['CP001'], ['CP002']);
    leaving.ws.send('not json'); // ignored, the tab stays open
    assert.equal((await api('POST', '/api/chargepoints/CP001/actions/Heartbeat', { payload: {} })).status, 200);
    const last = (await api('GET', '/api/chargepoints/CP001/frames?limit=1')).body[0].seq;
    await watching.waitFor((m) => m.type === 'frame' && m.id === 'CP001' && m.frame.seq === last);
    // A message to every tab after the frame: a tab that had been sent the frame has it by then.
    await api('POST', '/api/chargepoints', { id: 'CP004', url: csms.url });
    for (const tab of [watching, elsewhere, leaving]) await tab.waitFor((m) => m.type === 'chargepoint' && m.cp.id === 'CP004');
    for (const tab of [elsewhere, leaving]) {
      assert.deepEqual(tab.messages.filter((m) => (m.type === 'frame' || m.type === 'log') && m.id === 'CP001'), [], 'nothing of CP001');
    }
    await api('DELETE', '/api/chargepoints/CP004');
    for (const tab of [watching, elsewhere, leaving]) tab.close();
  });

  test('CSMS endpoints: stations and CSMS-initiated calls', async () => {
    await api('POST', '/api/chargepoints/CP001/connect');
    await until(() => csms.stations.has('CP001'));
    const view = (await api('GET', '/api/csms')).body;
    assert.equal(view.url, csms.url);
    assert.ok(view.stations.some((s: { id: string; connectedAt: string }) => s.id === 'CP001' && !Number.isNaN(Date.parse(s.connectedAt))));
    const r = await api('POST', '/api/csms/CP001/actions/ChangeAvailability', { payload: { connectorId: 1, type: 'Inoperative' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.response.status, 'Accepted');
    assert.equal((await api('POST', '/api/csms/CP001/actions/ChangeAvailability', { payload: { connectorId: 'x' } })).status, 400);
    assert.equal((await api('POST', '/api/csms/NOPE/actions/Reset', { payload: { type: 'Soft' } })).status, 409);
    assert.equal((await api('POST', '/api/csms/CP001/actions/Heartbeat', { payload: {} })).status, 400);
  });

  test('RFID: Authorize with an ISO 14443 UID returns the CSMS\'s answer; anything else is 400', async () => {
    await api('POST', '/api/chargepoints/CP001/connect');
    csms.answer('Authorize', (req) => ({ idTagInfo: { status: req.payload.idTag === '04A1B2C3D4E5F6' ? 'Blocked' : 'Accepted' } }));
    try {
      const four = await api('POST', '/api/chargepoints/CP001/rfid', { uid: 'a1b2c3d4' });
      assert.equal(four.status, 200);
      assert.deepEqual(four.body, { idTag: 'A1B2C3D4', response: { idTagInfo: { status: 'Accepted' } } });
      const seven = await api('POST', '/api/chargepoints/CP001/rfid', { uid: '04A1B2C3D4E5F6' });
      assert.deepEqual(seven.body.response, { idTagInfo: { status: 'Blocked' } }, 'the CSMS answer as it came');
      assert.equal((await api('POST', '/api/chargepoints/CP001/rfid', { uid: '0123456789ABCDEF0123' })).status, 200, '10 bytes');
      for (const uid of ['A1B2C3', 'A1B2C3D4E5', 'not-hex!', 'A1B2C3D4E5F60708091011', 42, undefined]) {
        const bad = await api('POST', '/api/chargepoints/CP001/rfid', { uid });
        assert.equal(bad.status, 400, String(uid));
        assert.match(bad.body.error, /ISO 14443 UID: 4, 7 or 10 bytes/);
      }
    } finally {
      csms.answer('Authorize', undefined);
    }
  });

  test('Origin rules: a foreign page may not POST, nor open the bridge', async () => {
    const foreign = await api('POST', '/api/chargepoints', { id: 'EVIL', url: csms.url }, { origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    const otherPort = await api('GET', '/api/chargepoints', undefined, { origin: `http://127.0.0.1:${port + 5}` });
    assert.equal(otherPort.status, 403);
    const own = await api('GET', '/api/chargepoints', undefined, { origin: `http://127.0.0.1:${port}` });
    assert.equal(own.status, 200);
    // DNS rebinding: the browser sends the attacker's host name (fetch cannot set Host, http can).
    const rebound = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/chargepoints', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    assert.equal(rebound, 403);
    await assert.rejects(openTab(web.bridgeUrl, { origin: 'http://evil.example' }), /HTTP 403/);
    await assert.rejects(openTab(web.bridgeUrl, { origin: `http://127.0.0.1:${port + 1}` }), /HTTP 403/);
    const tab = await openTab(web.bridgeUrl, { origin: `http://127.0.0.1:${port}` });
    await tab.waitFor((m) => m.type === 'hello');
    tab.close();
  });

  test('a taken port is one readable error', async () => {
    await assert.rejects(startWebServer({ port, bind: '127.0.0.1', root: tmpRoot }), /web UI: port \d+ is in use/);
  });
});

describe('server mode on a non-loopback bind needs the token', () => {
  let web: WebServer;
  let base: string;
  let api: ReturnType<typeof client>;

  before(async () => {
    const port = await freePortPair();
    fs.mkdirSync(path.join(tmpRoot, 'client/dist'), { recursive: true });
    fs.writeFileSync(path.join(tmpRoot, 'client/dist/index.html'), '<html>the UI</html>');
    web = await startWebServer({ port, bind: '0.0.0.0', root: tmpRoot });
    base = `http://127.0.0.1:${port}`;
    api = client(base);
  });
  after(() => web.close());

  test('401 without, 200 with Bearer, X-Ocpp-Sim-Token or ?token; the UI itself is public', async () => {
    assert.equal(web.tokenRequired, true);
    assert.ok(web.token!.length >= 20);
    const none = await api('GET', '/api/chargepoints');
    assert.equal(none.status, 401);
    assert.match(none.body.error, /token/);
    assert.equal((await api('GET', '/api/chargepoints', undefined, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await api('GET', '/api/chargepoints', undefined, { authorization: `Bearer ${web.token}` })).status, 200);
    assert.equal((await api('GET', '/api/chargepoints', undefined, { 'x-ocpp-sim-token': web.token! })).status, 200);
    assert.equal((await api('GET', `/api/info?token=${web.token}`)).body.tokenRequired, true);
    assert.equal((await api('GET', `/api/csms?token=${web.token}`)).status, 404);
    assert.match((await api('GET', '/?token=x')).body, /the UI/);
    assert.match((await api('GET', '/some/page')).body, /the UI/);
  });

  test('the bridge needs the token too', async () => {
    const bridge = web.bridgeUrl.replace('0.0.0.0', '127.0.0.1');
    await assert.rejects(openTab(bridge), /HTTP 401/);
    const tab = await openTab(`${bridge}?token=${web.token}`);
    await tab.waitFor((m) => m.type === 'hello');
    tab.close();
  });
});

test('CLI: no script starts server mode and prints the UI line and the URL with a fresh token; SIGTERM stops it', async () => {
  const port = await freePortPair();
  const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js')], { env: { ...process.env, PORT: String(port), BIND: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  await until(() => out.split('\n').length > 2 || child.exitCode !== null, 10_000).catch(() => undefined);
  const [line, open] = out.trim().split('\n');
  assert.equal(line, `ocpp-sim UI on http://127.0.0.1:${port}/ (bridge ws://127.0.0.1:${port + 1}/)`, err);
  assert.match(open!, new RegExp(`^  open http://127\\.0\\.0\\.1:${port}/\\?token=[\\w-]{24} \\(the page keeps the token; console scripts need it\\)$`));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  // The same port again: one readable line, exit 1.
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  const again = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js')], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err2 = '';
  again.stderr.on('data', (d) => (err2 += d));
  const code = await new Promise<number | null>((r) => again.once('exit', r));
  blocker.close();
  assert.equal(code, 1);
  assert.match(err2, /^error: web UI: port \d+ is in use/);
  assert.equal(err2.trim().split('\n').length, 1);
});
