/**
 * Transaction messages survive connection loss, CSMS errors and a simulator restart (OCPP-J
 * 1.6 §4.7 and errata): TC_036 / TC_038 / TC_039, TransactionMessageAttempts, --state-dir.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { OcppError } from '../src/ocpp/errors';
import { ROOT } from './helpers';
import { scenario, type SentCall } from './tc-harness';

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: () => boolean, label: string, ms = 8000): Promise<void> {
  for (let waited = 0; !what(); waited += 10) {
    if (waited > ms) throw new Error(`timed out waiting for ${label}`);
    await pause(10);
  }
}

/**
 * A mock CSMS that records every CALL it receives. Order checks off: a restarted mock CSMS has
 * forgotten that the charge point booted, which a real central system (with a database) has not.
 */
async function recordingCsms(port = 0): Promise<{ csms: MockCsms; sent: SentCall[] }> {
  const csms = new MockCsms({ port, discipline: false });
  const sent: SentCall[] = [];
  csms.on('frame', (_s, e) => {
    const f = e.frame;
    if (e.direction === 'in' && f && f.type === 2) sent.push({ action: f.action, payload: f.payload as Record<string, unknown> });
  });
  await csms.listen();
  return { csms, sent };
}

const TX_ACTIONS = new Set(['StartTransaction', 'MeterValues', 'StopTransaction']);
const stamp = (c: SentCall): string =>
  c.action === 'MeterValues' ? String((c.payload.meterValue as { timestamp: string }[])[0]!.timestamp) : String(c.payload.timestamp);

test('TC_036 / TC_038: the CSMS goes away mid-transaction; every StartTransaction, MeterValues and StopTransaction arrives exactly once, in order', async () => {
  const s = await scenario({
    virtual: true,
    backoff: { minMs: 1000, maxMs: 30_000 },
    profile: { configuration: { MeterValueSampleInterval: 60, HeartbeatInterval: 3600 } },
  });
  let second: Awaited<ReturnType<typeof recordingCsms>> | undefined;
  try {
    await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'OFFLINE' });
    await s.waitFor('StartTransaction');
    await s.advance(125_000);
    await s.waitFor('MeterValues', undefined, 2);
    const port = s.csms.port;
    await s.csms.close();
    await until(() => !s.cp.connected, 'the charge point noticing the loss');

    // Offline for five minutes: sampling goes on, then the driver stops the session.
    await s.advance(300_000);
    assert.equal(s.cp.station.connectors[1]!.status, 'Charging');
    assert.ok(s.cp.stopCharging(1));
    assert.equal(s.cp.station.queue.length, 6, 'five MeterValues and the StopTransaction wait');

    second = await recordingCsms(port);
    await s.advance(60_000);
    await until(() => second!.sent.some((c) => c.action === 'StopTransaction'), 'the queued StopTransaction');
    // A plain reconnect: no BootNotification (OCPP-J §3 / ocpp16-rules "Connection").
    assert.equal(second.sent.filter((c) => c.action === 'BootNotification').length, 0);

    const all = [...s.sent, ...second.sent].filter((c) => TX_ACTIONS.has(c.action));
    assert.deepEqual(all.map((c) => c.action), ['StartTransaction', ...Array(7).fill('MeterValues'), 'StopTransaction']);
    const stamps = all.map(stamp);
    assert.deepEqual([...stamps].sort(), stamps, 'oldest first');
    assert.equal(new Set(stamps).size, stamps.length, 'each message once');
    const ids = all.slice(1).map((c) => c.payload.transactionId);
    assert.ok(ids.every((id) => id === ids[0] && typeof id === 'number'), JSON.stringify(ids));
    const registers = all.slice(1, -1).map((c) => Number((c.payload.meterValue as { sampledValue: { value: string }[] }[])[0]!.sampledValue[0]!.value));
    assert.deepEqual([...registers].sort((a, b) => a - b), registers, 'the register only grows');
    assert.equal(s.cp.station.queue.length, 0);
  } finally {
    await s.cp.close();
    await second?.csms.close();
  }
});

test('TransactionMessageAttempts: a MeterValues answered with CALLERRORs is retried after 1×, 2× the interval, then dropped; the queue moves on', async () => {
  const s = await scenario({
    virtual: true,
    profile: { configuration: { MeterValueSampleInterval: 0, TransactionMessageAttempts: 3, TransactionMessageRetryInterval: 10, HeartbeatInterval: 3600 } },
  });
  try {
    await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'RETRY' });
    await s.waitFor('StartTransaction');
    const attempts: number[] = [];
    s.csms.answer('MeterValues', () => {
      attempts.push(s.clock!.now());
      throw new OcppError('InternalError', 'database down');
    });
    s.cp.station.sendMeterValues(s.cp.station.connectors[1]!, ['Energy.Active.Import.Register'], 'Sample.Periodic');
    s.cp.stopCharging(1);
    await s.advance(1_000);
    await s.advance(10_000);
    await s.advance(20_000);
    await s.waitFor('StopTransaction');
    assert.equal(attempts.length, 3);
    assert.deepEqual([attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!], [10_000, 20_000]);
    assert.ok(s.warnings.some((w) => /dropped MeterValues after 3 attempt/.test(w)), s.warnings.join('\n'));
    const order = s.sent.filter((c) => TX_ACTIONS.has(c.action)).map((c) => c.action);
    assert.deepEqual(order, ['StartTransaction', 'MeterValues', 'MeterValues', 'MeterValues', 'StopTransaction']);
  } finally {
    await s.close();
  }
});

test('--state-dir: a StopTransaction queued offline survives killing the simulator and is delivered after the restart', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-state-'));
  let { csms, sent } = await recordingCsms();
  const port = csms.port;
  const url = `ws://127.0.0.1:${port}/`;
  const script = path.join(dir, 'offline-stop.js');
  await writeFile(script, `const cp = await connect('${url}CP001', undefined, undefined, { boot: 'auto' });
await cp.startCharging(1, 'PERSIST');
while (cp.station.connectors[1].transaction?.id === undefined) await cp.sleep(10);
console.log('CHARGING');
cp.onClose(() => { cp.stopCharging(1); console.log('STOPPED-OFFLINE'); });
await new Promise(() => {});
`);
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), '--state-dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return { child, output: () => out };
  };
  const first = run([script]);
  try {
    await until(() => first.output().includes('CHARGING'), `the session to start:\n${first.output()}`, 15_000);
    const started = sent.find((c) => c.action === 'StartTransaction')!;
    assert.ok(started);
    await csms.close();
    await until(() => first.output().includes('STOPPED-OFFLINE'), `the offline stop:\n${first.output()}`);
    await pause(100);
    first.child.kill('SIGKILL');
    const saved = JSON.parse(await readFile(path.join(dir, 'CP001.json'), 'utf8')) as { queue: { action: string }[] };
    assert.deepEqual(saved.queue.map((m) => m.action), ['StopTransaction']);

    ({ csms, sent } = await recordingCsms(port));
    const second = run(['--cps', '1', '--url', url]);
    try {
      await until(() => sent.some((c) => c.action === 'StopTransaction'), `the StopTransaction after restart:\n${second.output()}`, 15_000);
      const stop = sent.find((c) => c.action === 'StopTransaction')!;
      assert.equal(stop.payload.transactionId, 1, 'the id the first CSMS gave');
      assert.equal(stop.payload.reason, 'Local');
      assert.ok(Number(stop.payload.meterStop) >= Number(started.payload.meterStart));
      assert.equal(sent.filter((c) => c.action === 'StopTransaction').length, 1);
      assert.equal(sent[0]!.action, 'BootNotification', 'a restarted charge point boots first');
    } finally {
      second.child.kill('SIGTERM');
    }
  } finally {
    first.child.kill('SIGKILL');
    await csms.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('one simulated hour of charging with 60-second meter values runs on the virtual clock in well under a second', async () => {
  const s = await scenario({ virtual: true, profile: { configuration: { MeterValueSampleInterval: 60 } } });
  try {
    const wall = Date.now();
    await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'HOUR' });
    await s.waitFor('StartTransaction');
    await s.advance(3_600_000);
    s.cp.stopCharging(1);
    await s.waitFor('StopTransaction');
    const elapsed = Date.now() - wall;
    const meterValues = s.sent.filter((c) => c.action === 'MeterValues');
    assert.equal(meterValues.length, 60);
    const stop = s.sent.find((c) => c.action === 'StopTransaction')!;
    // The default EV's 11 kW on-board charger (below the 22 kW connector) for an hour, give or take the meter's ±2 % noise.
    assert.ok(Math.abs(Number(stop.payload.meterStop) - 11_000) < 11_000 * 0.03, String(stop.payload.meterStop));
    assert.ok(elapsed < 1000, `took ${elapsed} ms of wall time`);
  } finally {
    await s.close();
  }
});
