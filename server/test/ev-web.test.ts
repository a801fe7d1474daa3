/**
 * Server mode's EV and telemetry (docs/web-api.md): the EV per connector over REST, bad EVs
 * refused with the field named, GET /telemetry, and the bridge's telemetry only for the tab that
 * watches the charge point. Real sockets: the web server, the bridge and the mock CSMS on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { MockCsms } from '../src/csms/mock-csms';
import type { TelemetryBatch } from '../src/web/telemetry-relay';
import { startWebServer } from '../src/web/server';
import { freePortPair, until } from './helpers';

/** A bridge tab that keeps its telemetry batches. */
async function tab(url: string, origin: string): Promise<{ ws: WebSocket; batches: TelemetryBatch[] }> {
  const ws = new WebSocket(url, { headers: { origin } });
  const batches: TelemetryBatch[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { type: string; batch?: TelemetryBatch[] };
    if (m.type === 'telemetry') batches.push(...m.batch!);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, batches };
}

/** Server mode with the mock CSMS and EV1 connected and Available; `call` is its REST API under /api/chargepoints. */
async function serveEv1(t: { after: (fn: () => unknown) => void }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-ev-'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ version: '0.0.0' }));
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const port = await freePortPair();
  const web = await startWebServer({ port, bind: '127.0.0.1', csms, root, scriptTimeoutMs: 3000 });
  const tabs: WebSocket[] = [];
  t.after(async () => {
    for (const ws of tabs) ws.close();
    await web.close();
    await csms.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}/api/chargepoints`;
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(base + route, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  };
  assert.equal((await call('POST', '', { id: 'EV1', url: `${csms.url}EV1`, connect: true })).status, 201);
  await until(async () => (await call('GET', '/EV1')).body.connectors[1]?.status === 'Available', 'EV1 booted and Available');
  return { port, tabs, call };
}

test('the EV over REST, GET /telemetry, and telemetry only to the tab that watches', async (t) => {
  const { port, tabs, call } = await serveEv1(t);

  const bad = await call('POST', '/EV1/connectors/1/ev', { ev: { socPercent: 120 } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /socPercent is out of range: 120/);
  assert.match((await call('POST', '/EV1/connectors/1/ev', { ev: { capacityKwh: 2 } })).body.error, /unknown key 'capacityKwh'/);
  const set = await call('POST', '/EV1/connectors/1/ev', { ev: { capacityKWh: 2, socPercent: 50 } });
  assert.equal(set.status, 200);
  assert.deepEqual([set.body.connectors[1].ev.capacityKWh, set.body.connectors[1].ev.socPercent, set.body.connectors[1].ev.maxAcPowerW], [2, 50, 11_000]);

  const bridge = `ws://127.0.0.1:${port + 1}/`;
  const watching = await tab(bridge, `http://127.0.0.1:${port}`);
  const other = await tab(bridge, `http://127.0.0.1:${port}`);
  tabs.push(watching.ws, other.ws);
  watching.ws.send(JSON.stringify({ type: 'watch', ids: ['EV1'] }));
  other.ws.send('not json'); // ignored, the tab stays open
  other.ws.send(JSON.stringify({ type: 'watch', ids: ['SOMEONE-ELSE'] }));

  assert.equal((await call('POST', '/EV1/connectors/1/start', { idTag: 'T1' })).status, 200);
  await until(() => watching.batches.reduce((n, b) => n + b.samples.length, 0) >= 3, 'three samples on the watching tab', 15_000);
  const samples = watching.batches.flatMap((b) => b.samples);
  assert.ok(watching.batches.every((b) => b.id === 'EV1'));
  assert.ok(samples.every((s) => s.point === 1 && s.soc! >= 50 && s.limitW === 22_000));
  assert.ok(samples.at(-1)!.soc! > 50 && samples.at(-1)!.powerW > 10_000, JSON.stringify(samples.at(-1)));
  assert.equal(samples.at(-1)!.sessionWh >= samples[0]!.sessionWh, true);
  const summary = (await call('GET', '/EV1')).body.connectors[1];
  assert.ok(summary.soc > 50, `summary SoC ${summary.soc}`);

  const kept = (await call('GET', '/EV1/telemetry')).body;
  assert.ok(kept.samples['1'].length >= 3);
  assert.deepEqual(kept.sessions, []);

  assert.equal((await call('POST', '/EV1/connectors/1/stop')).status, 200);
  await until(() => watching.batches.some((b) => b.sessions.length > 0), 'the ended session on the watching tab', 15_000);
  const session = watching.batches.flatMap((b) => b.sessions)[0]!;
  const frames = (await call('GET', '/EV1/frames')).body as { text: string; messageType?: number; action?: string; direction: string }[];
  const sent = (action: string) => (JSON.parse(frames.find((f) => f.direction === 'out' && f.messageType === 2 && f.action === action)!.text) as [number, string, string, Record<string, number>])[3];
  assert.equal(session.energyWh, sent('StopTransaction').meterStop! - sent('StartTransaction').meterStart!);
  assert.equal((await call('GET', '/EV1/telemetry')).body.sessions.length, 1);
  assert.equal(other.batches.length, 0, 'a tab that does not watch EV1 gets none of its telemetry');
  assert.equal(other.ws.readyState, WebSocket.OPEN);
});

test('telemetry samples every second only while a tab watches the charge point', async (t) => {
  const { port, tabs, call } = await serveEv1(t);
  const sampled = async (): Promise<number> => ((await call('GET', '/EV1/telemetry')).body.samples['1'] ?? []).length;
  assert.equal((await call('POST', '/EV1/connectors/1/start', { idTag: 'T1' })).status, 200);
  const atStart = await sampled();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  // Nobody watches: the model ticks every 30 s (UNWATCHED_INTERVAL_MS), not every second.
  assert.equal(await sampled(), atStart, 'no per-second samples while nobody watches');

  const watching = await tab(`ws://127.0.0.1:${port + 1}/`, `http://127.0.0.1:${port}`);
  tabs.push(watching.ws);
  watching.ws.send(JSON.stringify({ type: 'subscribe', ids: ['EV1'] }));
  await until(() => watching.batches.reduce((n, b) => n + b.samples.length, 0) >= 3, 'three samples once a tab watches', 15_000);
  assert.ok((await sampled()) >= atStart + 3);

  watching.ws.send(JSON.stringify({ type: 'unsubscribe', ids: ['EV1'] }));
  await until(async () => {
    const before = await sampled();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return (await sampled()) === before;
  }, 'sampling slow again after the tab left', 20_000);
  assert.equal((await call('POST', '/EV1/connectors/1/stop')).status, 200);
});
