/**
 * Server mode keeps its charge points across restarts (issue 16 item 4): the real CLI restarted
 * on the same state directory brings back a 1.6 charge point and a 2.0.1 station with their
 * settings, reconnects them, and delivers the open transaction's StopTransaction /
 * TransactionEvent Ended exactly once, through the queue.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { MockCsms } from '../src/csms/mock-csms';
import type { InboundCall } from '../src/ocpp/endpoint';
import { freePortPair, scratchDir, startServerMode, until, type ServerMode } from './helpers';

interface Api {
  get(url: string): Promise<any>;
  send(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
}

function api(server: ServerMode): Api {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.token}` };
  const send = async (method: string, url: string, body: unknown = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.ui}${url}`, { method, headers, body: JSON.stringify(body) });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  };
  return { send, get: async (url) => (await fetch(`${server.ui}${url}`, { headers })).json() };
}

test('server mode: a restart restores the charge points and delivers the open transactions\' ends exactly once', { timeout: 90_000 }, async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(() => csms.close());
  const calls: { id: string; action: string; payload: any }[] = [];
  csms.on('call', (station: { id: string }, call: InboundCall) => calls.push({ id: station.id, action: call.action, payload: call.payload }));
  const stops = (): unknown[] => calls.filter((c) => (c.id === 'KEEP16' && c.action === 'StopTransaction') || (c.id === 'KEEP201' && c.action === 'TransactionEvent' && c.payload.eventType === 'Ended'));

  const home = scratchDir();
  const stateDir = path.join(home, 'server-state');
  const port = await freePortPair();
  const servers: ServerMode[] = [];
  const start = async (): Promise<{ server: ServerMode; rest: Api }> => {
    const server = await startServerMode(port, ['--state-dir', stateDir], { XDG_STATE_HOME: home });
    servers.push(server);
    return { server, rest: api(server) };
  };
  t.after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
  });

  // First life: a 1.6 charge point and a 2.0.1 station, configured, connected, charging.
  const first = await start();
  assert.match(first.server.output(), /restored 0 charge point/);
  for (const [id, protocol] of [['KEEP16', '1.6'], ['KEEP201', '2.0.1']]) {
    const created = await first.rest.send('POST', '/api/chargepoints', { id, url: csms.url, protocol, connect: true });
    assert.equal(created.body.bootState, 'Accepted', JSON.stringify(created.body));
  }
  assert.equal((await first.rest.send('PUT', '/api/chargepoints/KEEP16/configuration/MeterValueSampleInterval', { value: '42' })).status, 200);
  assert.equal((await first.rest.send('PATCH', '/api/chargepoints/KEEP16/automation', { heartbeat: false })).status, 200);
  assert.equal((await first.rest.send('POST', '/api/chargepoints/KEEP16/connectors/1/start', { idTag: 'KEEPTAG' })).status, 200);
  assert.equal((await first.rest.send('POST', '/api/chargepoints/KEEP201/evses/1/start', { idToken: '04A1B2C3D4E5F6' })).status, 200);
  await until(() => calls.some((c) => c.action === 'StartTransaction') && calls.some((c) => c.action === 'TransactionEvent' && c.payload.eventType === 'Started'), 'both transactions started');
  const list = path.join(stateDir, 'chargepoints.server.json');
  await until(() => fs.existsSync(list) && fs.readFileSync(list, 'utf8').includes('KEEP201'), 'the list file');
  for (const file of fs.readdirSync(stateDir)) assert.equal(fs.statSync(path.join(stateDir, file)).mode & 0o777, 0o600, file);
  assert.equal((await first.server.stop('SIGINT')), 0);
  assert.deepEqual(stops(), [], 'no transaction ended before the restart');

  // Second life: both come back, reconnect, and end their transactions (PowerLoss) once.
  const second = await start();
  assert.match(second.server.output(), /restored 2 charge point\(s\) \(2 reconnecting/);
  const info = await second.rest.get('/api/info');
  assert.deepEqual(info.restored.ids, ['KEEP16', 'KEEP201']);
  await until(() => stops().length === 2, 'StopTransaction and TransactionEvent Ended after the restart', 30_000);
  const stop16 = calls.find((c) => c.action === 'StopTransaction')!;
  const started16 = calls.find((c) => c.action === 'StartTransaction')!;
  assert.equal(stop16.payload.reason, 'PowerLoss');
  assert.ok(stop16.payload.meterStop >= started16.payload.meterStart);
  const summary16 = await second.rest.get('/api/chargepoints/KEEP16');
  assert.equal(summary16.state, 'connected');
  assert.equal(summary16.automation.heartbeat, false, 'automation switches kept');
  const config = await second.rest.get('/api/chargepoints/KEEP16/configuration');
  assert.equal(JSON.stringify(config).includes('"42"'), true, 'configuration kept');
  assert.equal((await second.rest.get('/api/chargepoints/KEEP201')).protocol, 'ocpp2.0.1');
  // The page says what came back (Debian's Chromium, as the UI tests).
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${second.server.ui}/?token=${encodeURIComponent(second.server.token!)}`);
    const notice = page.getByTestId('restored');
    await notice.waitFor();
    assert.match((await notice.textContent())!.replace(/\s+/g, ' '), /Restored 2 charge points from .*server-state.*2 reconnecting.*\(KEEP16, KEEP201\)/);
  } finally {
    await browser.close();
  }
  // Both answers processed (so the emptied queues are saved) before the next restart.
  for (const [id, action] of [['KEEP16', 'StopTransaction'], ['KEEP201', 'TransactionEvent']]) {
    await until(async () => ((await second.rest.get(`/api/chargepoints/${id}/frames`)) as any[]).some((f) => f.direction === 'in' && f.messageType === 3 && f.action === action), `${id}'s ${action} answered`);
  }
  await second.server.stop('SIGKILL');

  // Third life, after a kill: everything comes back, nothing is sent twice.
  const booted = calls.filter((c) => c.action === 'BootNotification').length;
  const third = await start();
  await until(() => calls.filter((c) => c.action === 'BootNotification').length >= booted + 2, 'both booted again', 30_000);
  await until(async () => ((await third.rest.get('/api/chargepoints')) as any[]).every((s) => s.bootState === 'Accepted'), 'both Accepted');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(stops().length, 2, 'each transaction ended exactly once');

  // Removing a charge point forgets it and its files.
  assert.equal((await third.rest.send('DELETE', '/api/chargepoints/KEEP16')).status, 204);
  await until(() => !fs.readFileSync(list, 'utf8').includes('KEEP16'), 'KEEP16 gone from the list');
  assert.equal(fs.existsSync(path.join(stateDir, 'KEEP16.json')), false);
});

test('server mode: --no-state keeps nothing, --keep-frames brings the frames back', { timeout: 60_000 }, async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(() => csms.close());
  const home = scratchDir();
  const port = await freePortPair();
  const servers: ServerMode[] = [];
  t.after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
  });
  const start = async (args: string[]): Promise<Api> => {
    const server = await startServerMode(port, args, { XDG_STATE_HOME: home });
    servers.push(server);
    return api(server);
  };

  // The default directory under XDG_STATE_HOME, with frames kept.
  let rest = await start(['--keep-frames']);
  assert.match(servers[0]!.output(), new RegExp(`state in ${path.join(home, 'ocpp-sim', 'server', String(port))}`));
  assert.equal((await rest.send('POST', '/api/chargepoints', { id: 'FRAMES1', url: csms.url, connect: true })).body.bootState, 'Accepted');
  const before = (await rest.get('/api/chargepoints/FRAMES1/frames')) as { text: string }[];
  assert.ok(before.some((f) => f.text.includes('BootNotification')));
  assert.equal(await servers[0]!.stop('SIGINT'), 0);

  rest = await start(['--keep-frames']);
  assert.match(servers[1]!.output(), /restored 1 charge point\(s\) \(1 reconnecting, 0 queued transaction message\(s\), frames of 1\)/);
  const after = (await rest.get('/api/chargepoints/FRAMES1/frames')) as { text: string; seq: number }[];
  assert.deepEqual(after.slice(0, before.length).map((f) => f.text), before.map((f) => f.text), 'the old frames first');
  assert.equal(await servers[1]!.stop('SIGINT'), 0);

  rest = await start(['--no-state']);
  assert.match(servers[2]!.output(), /kept in memory only/);
  assert.deepEqual(await rest.get('/api/chargepoints'), []);
});
