/**
 * The seed mock CSMS's behaviour for OCPP 2.0.1 stations, through the real CLI: its eleven
 * periodic commands, its authorization modes (whitelist, blacklist, rate_limit → NotAtThisTime,
 * offline → no answer), Basic auth (HTTP 401), and the conformance probes' TransactionEvent
 * audit catching a raw client that breaks each rule.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import { BOOT_201, STATION_ANSWERS_201 } from './fixtures/ocpp201-samples';
import { freePort, pause, postJson, startCli, until } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Params = Record<string, any>;
const now = (): string => new Date().toISOString();
const SEED_COMMANDS = ['ClearCache', 'GetBaseReport', 'GetVariables', 'SetVariables', 'RequestStartTransaction', 'RequestStopTransaction', 'Reset', 'UnlockConnector', 'ChangeAvailability', 'TriggerMessage', 'DataTransfer'];

async function client(port: number, identity: string, extra: Params = {}): Promise<{ c: RPCClient; got: { action: string; at: number }[]; failures: unknown[] }> {
  const c = new RPCClient({ endpoint: `ws://127.0.0.1:${port}`, identity, protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false, callTimeoutMs: 3000, ...extra } as never);
  const got: { action: string; at: number }[] = [];
  const failures: unknown[] = [];
  c.on('strictValidationFailure', (e: unknown) => failures.push(e));
  for (const [action, answer] of Object.entries(STATION_ANSWERS_201)) {
    c.handle(action, (({ params }: { params: Params }) => {
      got.push({ action, at: Date.now() });
      return answer(params);
    }) as never);
  }
  await c.connect();
  return { c, got, failures };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-v201-modes-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('the seed\'s eleven periodic commands (--period 1) each reach a 2.0.1 station at least twice within 3 s', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', '--commands', SEED_COMMANDS.map((c) => `${c}:1`).join(',')]);
  try {
    await until(() => csms.out().includes('listening'), 'the CSMS');
    const { c, got, failures } = await client(port, 'PER201');
    await c.call('BootNotification', BOOT_201);
    await c.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    // RequestStopTransaction names the open transaction: open one.
    await c.call('TransactionEvent', { eventType: 'Started', timestamp: now(), triggerReason: 'CablePluggedIn', seqNo: 0, transactionInfo: { transactionId: 'P-1' }, evse: { id: 1, connectorId: 1 } });
    const from = Date.now();
    await pause(3_000);
    for (const command of SEED_COMMANDS) {
      const times = got.filter((g) => g.action === command && g.at >= from).length;
      assert.ok(times >= 2, `${command} arrived ${times} time(s) in 3 s`);
    }
    assert.deepEqual(failures, []);
    await c.close({ force: true });
  } finally {
    await csms.stop();
  }
});

test('--commands with every CSMS-initiated 2.0.1 action: each reaches a strict ocpp-rpc station with a valid payload, its answer valid too', { timeout: 40_000 }, async () => {
  const port = await freePort();
  const all = Object.keys(STATION_ANSWERS_201);
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', '--commands', all.map((c) => `${c}:1.5`).join(',')]);
  try {
    await until(() => csms.out().includes('listening'), 'the CSMS');
    const { c, got, failures } = await client(port, 'ALL201');
    await c.call('BootNotification', BOOT_201);
    await c.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    await c.call('TransactionEvent', { eventType: 'Started', timestamp: now(), triggerReason: 'CablePluggedIn', seqNo: 0, transactionInfo: { transactionId: 'ALL-1' }, evse: { id: 1, connectorId: 1 } });
    await until(() => all.every((a) => got.some((g) => g.action === a)), `every action (missing: ${all.filter((a) => !got.some((g) => g.action === a)).join(', ')})`, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${csms.out()}`);
    });
    assert.deepEqual(failures, []);
    assert.doesNotMatch(csms.out(), /invalid|violation|failed/i);
    await c.close({ force: true });
  } finally {
    await csms.stop();
  }
});

test('RequestStopTransaction with no open transaction is skipped with one line; a 1.6-only command is skipped once per station', { timeout: 20_000 }, async () => {
  const port = await freePort();
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', '--commands', 'RequestStopTransaction:0.5,GetConfiguration:0.5']);
  try {
    await until(() => csms.out().includes('listening'), 'the CSMS');
    const { c, got } = await client(port, 'SKIP201');
    await c.call('BootNotification', BOOT_201);
    await pause(1_800);
    assert.equal(got.filter((g) => g.action === 'RequestStopTransaction').length, 0);
    assert.ok(got.filter((g) => g.action === 'GetVariables').length >= 2, 'GetConfiguration reaches 2.0.1 as GetVariables');
    assert.match(csms.out(), /SKIP201: RequestStopTransaction skipped: nothing to send \(no open transaction\)/);
    await c.close({ force: true });
  } finally {
    await csms.stop();
  }
});

/** Authorize and a transaction's token under one auth mode; `offline` expects no answer at all. */
async function authorizeUnder(args: string[], tokens: string[]): Promise<(string | Error)[]> {
  const port = await freePort();
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', ...args]);
  try {
    await until(() => csms.out().includes('listening'), 'the CSMS');
    const { c, failures } = await client(port, `AUTH${args.join('').replace(/\W/g, '').slice(0, 20)}`, { callTimeoutMs: 1500 });
    await c.call('BootNotification', BOOT_201);
    const out: (string | Error)[] = [];
    for (const token of tokens) {
      out.push(await (c.call('Authorize', { idToken: { idToken: token, type: 'Central' } }) as Promise<Params>).then((r) => r.idTokenInfo.status as string, (err: Error) => err));
    }
    assert.deepEqual(failures, []);
    await c.close({ force: true });
    return out;
  } finally {
    await csms.stop();
  }
}

test('auth modes for 2.0.1 through the CLI: whitelist → Invalid for others, blacklist → Blocked, rate_limit → NotAtThisTime, offline → no answer', { timeout: 40_000 }, async () => {
  assert.deepEqual(await authorizeUnder(['--auth-mode', 'whitelist'], ['valid_token', 'stranger']), ['Accepted', 'Invalid']);
  assert.deepEqual(await authorizeUnder(['--auth-mode', 'whitelist', '--whitelist', 'only_me'], ['only_me', 'valid_token']), ['Accepted', 'Invalid']);
  assert.deepEqual(await authorizeUnder(['--auth-mode', 'blacklist'], ['blocked_token', 'anyone']), ['Blocked', 'Accepted']);
  assert.deepEqual(await authorizeUnder(['--auth-mode', 'rate_limit'], ['valid_token', 'other']), ['NotAtThisTime', 'NotAtThisTime']);
  const offline = await authorizeUnder(['--offline'], ['valid_token']);
  assert.ok(offline[0] instanceof Error && /timed? ?out/i.test(offline[0].message), String(offline[0]));
});

test('Basic auth for 2.0.1: the wrong password is refused with HTTP 401 before the upgrade, the right one connects', { timeout: 20_000 }, async () => {
  const port = await freePort();
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', '--password', 'correct horse battery']);
  try {
    await until(() => csms.out().includes('listening'), 'the CSMS');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://PW201:wrong-password-xx@127.0.0.1:${port}/PW201`, ['ocpp2.0.1']);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => undefined);
    });
    assert.equal(status, 401);
    const { c } = await client(port, 'PW201', { password: 'correct horse battery' });
    assert.equal(((await c.call('BootNotification', BOOT_201)) as Params).status, 'Accepted');
    await c.close({ force: true });
  } finally {
    await csms.stop();
  }
});

test('the TransactionEvent audit catches each broken rule by name; --assert-clean fails the run', { timeout: 20_000 }, async () => {
  const port = await freePort();
  const report = path.join(dir, 'audit.json');
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', '--report', report, '--assert-clean']);
  await until(() => csms.out().includes('listening'), 'the CSMS');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/AUDIT201`, ['ocpp2.0.1']);
  await new Promise((r) => ws.once('open', r));
  const answered: unknown[][] = [];
  ws.on('message', (d) => answered.push(JSON.parse(d.toString()) as unknown[]));
  let n = 0;
  const send = async (action: string, payload: Params): Promise<void> => {
    const expected = answered.length + 1;
    ws.send(JSON.stringify([2, `a${++n}`, action, payload]));
    await until(() => answered.length >= expected, `answer to ${action}`);
  };
  const event = (eventType: string, seqNo: number, transactionId: string, extra: Params = {}) =>
    send('TransactionEvent', { eventType, timestamp: now(), triggerReason: 'Trigger', seqNo, transactionInfo: { transactionId }, ...extra });
  await send('BootNotification', BOOT_201);
  await event('Updated', 0, 'NEVER-STARTED'); // transaction-order: never Started
  await event('Started', 0, 'T1');
  await event('Updated', 3, 'T1'); // transaction-seqno: 3 after 0
  await event('Started', 4, 'T1'); // transaction-order: a second Started
  await event('Ended', 5, 'T1');
  await event('Updated', 6, 'T1'); // transaction-order: after Ended
  await event('Started', 0, 'T1'); // transaction-order: reused
  await event('Started', 0, 'T2', { timestamp: new Date(Date.now() - 3_600_000).toISOString() }); // happened before this connection: offline flag missing
  ws.close();
  assert.equal(await csms.stop(), 1, csms.out());
  const findings = (JSON.parse(await readFile(report, 'utf8')) as Record<string, { probe: string; detail: string }[]>).AUDIT201!;
  const by = (probe: string) => findings.filter((f) => f.probe === probe).map((f) => f.detail);
  assert.equal(by('transaction-order').length, 4, JSON.stringify(findings));
  assert.ok(by('transaction-order').some((d) => /NEVER-STARTED, which never Started/.test(d)));
  assert.ok(by('transaction-order').some((d) => /second Started/.test(d)));
  assert.ok(by('transaction-order').some((d) => /after its Ended/.test(d)));
  assert.ok(by('transaction-order').some((d) => /reused/.test(d)));
  assert.equal(by('transaction-seqno').length, 2, 'seqNo 3 after 0, then 4 after 3 is fine, 0 after 6 on reuse'); 
  assert.equal(by('transaction-offline-flag').length, 1);
  assert.match(csms.out(), /conformance: \d+ finding\(s\) in 1 charge point\(s\)/);
});

test('a mixed fleet on one CSMS (our 1.6 and 2.0.1 fleets, remote-started transactions in both) ends with an empty --assert-clean report', { timeout: 60_000 }, async () => {
  const [port, http] = [await freePort(), await freePort()];
  const report = path.join(dir, 'mixed.json');
  const api = `http://127.0.0.1:${http}`;
  const list = async (): Promise<{ id: string; version: string }[]> => ((await (await fetch(`${api}/list`)).json()) as { charge_points: { id: string; version: string }[] }).charge_points;
  type Book = { open: { cpId: string; version: string }[]; finished: { cpId: string; version: string }[] };
  const book = async (): Promise<Book> => (await (await fetch(`${api}/transactions`)).json()) as Book;
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--http-port', String(http), '--commands', 'TriggerMessage:1,GetVariables:2', '--report', report, '--assert-clean']);
  await until(() => csms.out().includes('REST API'), 'the CSMS');
  const url = `ws://127.0.0.1:${port}/`;
  let exit: number | null = null;
  const fleets = [startCli(['--cps', '2', '--url', url, '--id-prefix', 'MIX16-']), startCli(['--protocol', '2.0.1', '--cps', '2', '--url', url, '--id-prefix', 'MIX201-'])];
  try {
    await until(async () => (await list()).length === 4, 'four stations on one port', 20_000);
    assert.deepEqual((await list()).map((c) => `${c.id} ${c.version}`).sort(), ['MIX16-001 1.6', 'MIX16-002 1.6', 'MIX201-001 2.0.1', 'MIX201-002 2.0.1']);
    // Each station in its own version: RemoteStart for 1.6, RequestStartTransaction for 2.0.1.
    for (const { id } of await list()) assert.equal((await postJson(`${api}/command/${id}/RequestStartTransaction`)).status, 200, id);
    await until(async () => (await book()).open.length === 4, 'four open transactions', 20_000);
    await pause(2_500); // periodic commands and meter values cross the sessions
    for (const { id } of await list()) assert.equal((await postJson(`${api}/command/${id}/RequestStopTransaction`)).status, 200, id);
    await until(async () => (await book()).finished.length === 4, 'four finished transactions', 20_000);
    assert.deepEqual((await book()).finished.map((t) => `${t.cpId} ${t.version}`).sort(), ['MIX16-001 1.6', 'MIX16-002 1.6', 'MIX201-001 2.0.1', 'MIX201-002 2.0.1']);
    assert.equal((await book()).open.length, 0);
  } finally {
    for (const f of fleets) await f.stop();
    exit = await csms.stop();
  }
  assert.deepEqual(JSON.parse(await readFile(report, 'utf8')), {}, csms.out());
  assert.equal(exit, 0, csms.out());
});

test('1.6: a second StopTransaction sent right behind the first (before its answer) is caught as transaction-order', { timeout: 20_000 }, async () => {
  const port = await freePort();
  const report = path.join(dir, 'double-stop.json');
  const csms = startCli(['--csms', '--no-state', '--port', String(port), '--no-http', '--report', report]);
  await until(() => csms.out().includes('listening'), 'the CSMS');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/STOP2`, ['ocpp1.6']);
  await new Promise((r) => ws.once('open', r));
  const answers: unknown[][] = [];
  ws.on('message', (d) => answers.push(JSON.parse(d.toString()) as unknown[]));
  ws.send(JSON.stringify([2, 's1', 'BootNotification', { chargePointVendor: 'raw', chargePointModel: 'm' }]));
  await until(() => answers.length === 1, 'the boot answer');
  ws.send(JSON.stringify([2, 's2', 'StartTransaction', { connectorId: 1, idTag: 'valid_token', meterStart: 0, timestamp: now() }]));
  await until(() => answers.length === 2, 'the start answer');
  const transactionId = (answers[1]![2] as Params).transactionId as number;
  const stop = { transactionId, meterStop: 100, timestamp: now() };
  ws.send(JSON.stringify([2, 's3', 'StopTransaction', stop]));
  ws.send(JSON.stringify([2, 's4', 'StopTransaction', { ...stop, meterStop: 200 }]));
  await until(() => answers.length === 4, 'both stop answers');
  ws.close();
  await csms.stop();
  const findings = (JSON.parse(await readFile(report, 'utf8')) as Record<string, { probe: string; detail: string }[]>).STOP2!;
  // Which words depend on whether the first stop was booked before the second arrived; either way it is caught.
  assert.equal(findings.filter((f) => f.probe === 'transaction-order' && /after a StopTransaction for it on this connection|already stopped/.test(f.detail)).length, 1, JSON.stringify(findings));
});
