/**
 * The mock CSMS's records: its state directory (snapshot and journal, 0600 files, the lock,
 * damaged files), idempotent booking of resent transaction messages, charge points it never
 * saw, and the CLI's `--state-dir` / `--no-state` in `--csms` mode.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { StateDirectory } from '../src/csms/state-store';
import type { TransactionRecord } from '../src/csms/transactions';
import { parseArgs } from '../src/runtime/args';
import { csmsStateDir } from '../src/runtime/csms-mode';
import { freePort, rawChargePoint, ROOT, runCli, waitUntil, type RawChargePoint } from './helpers';

let root: string;
let dirs = 0;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-csms-state-'));
});
after(() => rm(root, { recursive: true, force: true }));

const freshDir = (): string => path.join(root, `state-${++dirs}`);
const modeOf = (file: string): number => statSync(file).mode & 0o777;
const BOOT = { chargePointVendor: 'raw', chargePointModel: 'state-test', chargePointSerialNumber: 'SN-1' };
const start = (ts: string, meterStart = 100) => ({ connectorId: 1, idTag: 'TAG', meterStart, timestamp: ts });
const meter = (txId: number, ts: string, wh: number) => ({ connectorId: 1, transactionId: txId, meterValue: [{ timestamp: ts, sampledValue: [{ value: String(wh) }] }] });
const stop = (txId: number, ts: string, meterStop: number) => ({ transactionId: txId, meterStop, timestamp: ts });

async function csmsOn(stateDir?: string): Promise<{ csms: MockCsms; warnings: string[] }> {
  const csms = new MockCsms({ port: 0, stateDir });
  const warnings: string[] = [];
  csms.on('stateWarning', (line: string) => warnings.push(line));
  await csms.listen();
  return { csms, warnings };
}

async function booted(csms: MockCsms, id: string): Promise<RawChargePoint> {
  const cp = await rawChargePoint(`${csms.url}${id}`);
  assert.equal(((await cp.call('boot', 'BootNotification', BOOT))[2] as { status: string }).status, 'Accepted');
  return cp;
}

test('restarted on its state directory, the CSMS knows its charge points, transactions and counters; files 0600, directory 0700', async () => {
  const dir = freshDir();
  let { csms } = await csmsOn(dir);
  let cp = await booted(csms, 'CP1');
  await cp.call('s1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  const tx1 = ((await cp.call('t1', 'StartTransaction', start('2025-01-01T10:00:00.000Z')))[2] as { transactionId: number }).transactionId;
  await cp.call('m1', 'MeterValues', meter(tx1, '2025-01-01T10:01:00.000Z', 150));
  await cp.call('x1', 'StopTransaction', stop(tx1, '2025-01-01T10:02:00.000Z', 200));
  const tx2 = ((await cp.call('t2', 'StartTransaction', start('2025-01-01T11:00:00.000Z', 200)))[2] as { transactionId: number }).transactionId;
  await cp.call('m2a', 'MeterValues', meter(tx2, '2025-01-01T11:00:30.000Z', 230));
  const reservationId = csms.nextRequestId();
  await cp.close();
  await csms.close();
  assert.equal(modeOf(dir), 0o700);
  assert.deepEqual(readdirSync(dir).sort(), ['csms.journal', 'csms.json'], 'no lock or temporary file left');
  for (const f of ['csms.json', 'csms.journal']) assert.equal(modeOf(path.join(dir, f)), 0o600, f);

  ({ csms } = await csmsOn(dir));
  try {
    assert.deepEqual(csms.transactions.chargePoints().CP1?.boot, BOOT);
    assert.equal(csms.discipline.registrationOf('CP1'), 'Accepted');
    assert.equal(csms.transactions.availableConnector('CP1'), undefined, 'connector 1 is busy with transaction 2');
    assert.deepEqual(csms.transactions.open().map((t) => t.transactionId), [tx2]);
    // A plain reconnect, no BootNotification: its transaction messages are answered, and the
    // last ones resent (as if their answers had been lost) are recognised.
    cp = await rawChargePoint(`${csms.url}CP1`);
    assert.deepEqual((await cp.call('t2-again', 'StartTransaction', start('2025-01-01T11:00:00.000Z', 200)))[2], { transactionId: tx2, idTagInfo: { status: 'Accepted' } });
    assert.equal((await cp.call('m2a-again', 'MeterValues', meter(tx2, '2025-01-01T11:00:30.000Z', 230)))[0], 3);
    assert.equal((await cp.call('m2', 'MeterValues', meter(tx2, '2025-01-01T11:01:00.000Z', 260)))[0], 3);
    assert.equal((await cp.call('x2', 'StopTransaction', stop(tx2, '2025-01-01T11:02:00.000Z', 300)))[0], 3);
    const finished = csms.transactions.finished().map((t) => [t.transactionId, t.energyWh, t.meterValues]);
    assert.deepEqual(finished, [[tx1, 100, 1], [tx2, 100, 2]]);
    assert.equal(csms.nextRequestId(), reservationId + 1, 'request ids go on');
    const tx3 = ((await cp.call('t3', 'StartTransaction', start('2025-01-01T12:00:00.000Z', 300)))[2] as { transactionId: number }).transactionId;
    assert.equal(tx3, tx2 + 1, 'transaction ids go on');
    assert.deepEqual(csms.probes!.report(), {});
    await cp.close();
  } finally {
    await csms.close();
  }
});

test('resent transaction messages (their answer was lost) are booked once: the same transactionId, no second stop, MeterValues counted once', async () => {
  const { csms } = await csmsOn();
  const cp = await booted(csms, 'RESEND');
  try {
    const first = await cp.call('a', 'StartTransaction', start('2025-02-01T10:00:00.000Z'));
    const again = await cp.call('b', 'StartTransaction', start('2025-02-01T10:00:00.000Z'));
    assert.deepEqual(again[2], first[2], 'the resend gets the transaction it started');
    const txId = (first[2] as { transactionId: number }).transactionId;
    await cp.call('c', 'MeterValues', meter(txId, '2025-02-01T10:01:00.000Z', 110));
    await cp.call('d', 'MeterValues', meter(txId, '2025-02-01T10:01:00.000Z', 110));
    await cp.call('e', 'MeterValues', meter(txId, '2025-02-01T10:02:00.000Z', 120));
    assert.equal(csms.transactions.get(txId)?.meterValues, 2);
    assert.equal((await cp.call('f', 'StopTransaction', stop(txId, '2025-02-01T10:03:00.000Z', 130)))[0], 3);
    assert.equal((await cp.call('g', 'StopTransaction', stop(txId, '2025-02-01T10:03:00.000Z', 130)))[0], 3, 'the resent stop is answered');
    assert.deepEqual(csms.transactions.finished().map((t) => [t.transactionId, t.meterStop, t.meterValues]), [[txId, 130, 2]]);
    assert.deepEqual(csms.probes!.report(), {}, 'a resend is no order slip');
    await cp.call('h', 'StopTransaction', stop(txId, '2025-02-01T10:09:00.000Z', 190));
    assert.deepEqual(csms.probes!.report().RESEND?.map((f) => f.probe), ['transaction-order'], 'a different stop of a stopped transaction still is');
    const second = await cp.call('i', 'StartTransaction', start('2025-02-01T11:00:00.000Z'));
    assert.equal((second[2] as { transactionId: number }).transactionId, txId + 1, 'a new start gets a new id');
  } finally {
    await cp.close();
    await csms.close();
  }
});

test('a charge point the CSMS never saw: asked to boot first, its transaction messages answered with a probe finding; other CALLs still refused', async () => {
  const { csms } = await csmsOn();
  const cp = await rawChargePoint(`${csms.url}STRANGER`);
  const order: string[] = [];
  cp.ws.on('message', (d) => {
    const f = JSON.parse(d.toString()) as unknown[];
    order.push(f[0] === 2 ? `CALL ${String(f[2])}` : `answer ${String(f[1])}`);
  });
  try {
    const answer = await cp.call('t', 'StartTransaction', start('2025-03-01T10:00:00.000Z'));
    assert.equal(answer[0], 3, JSON.stringify(answer));
    const trigger = await cp.nextCall();
    assert.deepEqual([trigger[2], trigger[3]], ['TriggerMessage', { requestedMessage: 'BootNotification' }]);
    assert.deepEqual(order, ['CALL TriggerMessage', 'answer t'], 'the trigger goes out first');
    const txId = (answer[2] as { transactionId: number }).transactionId;
    assert.equal((await cp.call('m', 'MeterValues', meter(txId, '2025-03-01T10:01:00.000Z', 150)))[0], 3);
    const heartbeat = await cp.call('h', 'Heartbeat', {});
    assert.deepEqual([heartbeat[0], heartbeat[2]], [4, 'SecurityError']);
    assert.deepEqual(csms.probes!.report().STRANGER?.map((f) => f.probe), ['unknown-station', 'call-before-boot'], 'one unknown-station finding (one trigger per connection); the Heartbeat is a call before the boot');
    assert.equal(csms.transactions.get(txId)?.meterValues, 1);
    // It does as asked: answers the trigger, boots, and is registered.
    cp.send([3, trigger[1], { status: 'Accepted' }]);
    assert.equal(((await cp.call('b', 'BootNotification', BOOT))[2] as { status: string }).status, 'Accepted');
    assert.equal((await cp.call('h2', 'Heartbeat', {}))[0], 3);
  } finally {
    await cp.close();
    await csms.close();
  }
});

test('lenient order checks leave a charge point that never booted alone: no trigger', async () => {
  const csms = new MockCsms({ port: 0, discipline: false });
  await csms.listen();
  const cp = await rawChargePoint(`${csms.url}LENIENT`);
  try {
    assert.equal((await cp.call('t', 'StartTransaction', start('2025-03-02T10:00:00.000Z')))[0], 3);
    assert.equal((await cp.call('h', 'Heartbeat', {}))[0], 3);
    assert.deepEqual(csms.probes!.report(), {});
  } finally {
    await cp.close();
    await csms.close();
  }
});

test('the journal line of a StopTransaction is written before its CALLRESULT goes out', async () => {
  const dir = freshDir();
  const { csms } = await csmsOn(dir);
  const cp = await booted(csms, 'ORDER');
  const journal = path.join(dir, 'csms.journal');
  let onDiskAtAnswer = '';
  try {
    const txId = ((await cp.call('t', 'StartTransaction', start('2025-04-01T10:00:00.000Z')))[2] as { transactionId: number }).transactionId;
    // Read at the moment the CALLRESULT is handed to the socket.
    csms.on('frame', (_s, e: { direction: string; frame?: { type: number; id: string } }) => {
      if (e.direction === 'out' && e.frame?.type === 3 && e.frame.id === 'x') onDiskAtAnswer = readFileSync(journal, 'utf8');
    });
    await cp.call('x', 'StopTransaction', stop(txId, '2025-04-01T10:05:00.000Z', 150));
    assert.match(onDiskAtAnswer, /"action":"StopTransaction"/);
  } finally {
    await cp.close();
    await csms.close();
  }
});

test('SIGKILL right after an answered StopTransaction: the restarted CLI CSMS has the transaction finished', { timeout: 60_000 }, async (t) => {
  const dir = freshDir();
  const [port, http] = [await freePort(), await freePort()];
  const run = async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), '--csms', '--port', String(port), '--http-port', String(http), '--state-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    t.after(() => void child.kill('SIGKILL'));
    // The banner names the state directory.
    await waitUntil(`the CSMS:\n${out}`, () => out.includes(`records kept in ${dir} (--no-state for none)`), 20_000);
    return child;
  };
  const first = await run();
  const cp = await rawChargePoint(`ws://127.0.0.1:${port}/KILLED`);
  await cp.call('b', 'BootNotification', BOOT);
  const txId = ((await cp.call('t', 'StartTransaction', start('2025-05-01T10:00:00.000Z')))[2] as { transactionId: number }).transactionId;
  await cp.call('x', 'StopTransaction', stop(txId, '2025-05-01T10:05:00.000Z', 175));
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  await cp.close();
  await run();
  const book = (await (await fetch(`http://127.0.0.1:${http}/transactions`)).json()) as { open: TransactionRecord[]; finished: TransactionRecord[] };
  assert.deepEqual(book.open, []);
  assert.deepEqual(book.finished.map((tx) => [tx.transactionId, tx.cpId, tx.meterStop]), [[txId, 'KILLED', 175]]);
});

test('a damaged state file: one readable warning, an empty start, the file kept aside', async () => {
  const dir = freshDir();
  let { csms } = await csmsOn(dir);
  const cp = await booted(csms, 'DAMAGED');
  await cp.close();
  await csms.close();
  writeFileSync(path.join(dir, 'csms.json'), '{"version":1,"seq":3,"state":{"book":');
  let warnings: string[];
  ({ csms, warnings } = await csmsOn(dir));
  try {
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /csms\.json is damaged \(.+\): starting with an empty state; the file is kept as .+csms\.json\.damaged-/);
    assert.deepEqual(csms.transactions.chargePoints(), {});
    const aside = readdirSync(dir).find((f) => f.startsWith('csms.json.damaged-'))!;
    assert.equal(readFileSync(path.join(dir, aside), 'utf8'), '{"version":1,"seq":3,"state":{"book":');
    assert.equal((JSON.parse(readFileSync(path.join(dir, 'csms.json'), 'utf8')) as { version: number }).version, 1, 'a new, valid snapshot');
  } finally {
    await csms.close();
  }
});

test('a second CSMS on the same state directory is refused with a readable error; a lock left by a killed one is taken over', async () => {
  const dir = freshDir();
  const { csms } = await csmsOn(dir);
  try {
    await assert.rejects(csmsOn(dir), /state directory .* is in use by process \d+ \(another mock CSMS\?\)/);
  } finally {
    await csms.close();
  }
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  writeFileSync(path.join(dir, 'lock'), String(dead.pid));
  const second = await csmsOn(dir);
  await second.csms.close();
  assert.equal(existsSync(path.join(dir, 'lock')), false);
});

test('StateDirectory: changes of one turn written together, replayed after a crash, damaged journal lines skipped with one warning', async () => {
  const dir = freshDir();
  const warnings: string[] = [];
  const store = (items: number[]) =>
    new StateDirectory<number[], number>(dir, { snapshot: () => [...items], restore: (s) => items.splice(0, items.length, ...s), reset: () => items.splice(0), replay: (n) => items.push(n) }, { warn: (l) => warnings.push(l), snapshotDelayMs: 60_000 });
  const before: number[] = [];
  const a = store(before);
  a.open();
  before.push(1, 2, 3);
  await Promise.all([a.append(1), a.append(2), a.append(3)]);
  assert.deepEqual(readFileSync(a.journalFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { entry: number }).entry), [1, 2, 3]);
  // Killed: no close, no final snapshot; its lock names a process that is gone.
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  writeFileSync(path.join(dir, 'lock'), String(dead.pid));
  writeFileSync(a.journalFile, `${readFileSync(a.journalFile, 'utf8')}{"seq":4,"ent\n${JSON.stringify({ seq: 5, entry: 5 })}\n`);
  const after: number[] = [];
  const b = store(after);
  b.open();
  try {
    assert.deepEqual(after, [1, 2, 3, 5]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /csms\.journal: skipped 1 damaged line\(s\); the file is kept as .+damaged-/);
    assert.equal(readFileSync(b.journalFile, 'utf8'), '', 'a fresh snapshot holds everything');
  } finally {
    b.close();
  }
});

test('CLI: --state-dir / --no-state in --csms mode, the default directory per port', () => {
  const env = { XDG_STATE_HOME: '/var/state' };
  const original = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = '/var/state';
  try {
    assert.equal(csmsStateDir(parseArgs(['--csms'], env)), '/var/state/ocpp-sim/csms/8100');
    assert.equal(csmsStateDir(parseArgs(['--csms', '--port', '9000'], env)), '/var/state/ocpp-sim/csms/9000');
    assert.equal(csmsStateDir(parseArgs(['--csms', '--port', '0'], env)), undefined, 'a new port each run: nothing to come back to');
    assert.equal(csmsStateDir(parseArgs(['--csms', 'script.js'], env)), undefined, 'a CSMS script starts clean');
    assert.equal(csmsStateDir(parseArgs(['--csms', '--port', '0', '--state-dir', '/tmp/x'], env)), '/tmp/x');
    assert.equal(csmsStateDir(parseArgs(['--csms', '--no-state'], env)), undefined);
    assert.equal(csmsStateDir(parseArgs(['--with-csms', '--state-dir', '/tmp/cp', 'script.js'], env)), undefined, "with --with-csms it is the charge points' directory");
  } finally {
    if (original === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = original;
  }
});

test('CLI: --no-state is a usage error without --csms or with --state-dir', async () => {
  const alone = await runCli(['--no-state', 'script.js']);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--no-state is for the mock CSMS \(--csms\)/);
  const both = await runCli(['--csms', '--no-state', '--state-dir', '/tmp/x']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /either --state-dir DIR or --no-state/);
});
