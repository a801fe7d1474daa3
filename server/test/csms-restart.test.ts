/**
 * The mock CSMS keeps its records like a central system's database: killed with SIGKILL ten
 * times while 20 charge points charge with meter values, and restarted each time on the same
 * port and state directory (the real CLI), it books every StartTransaction, MeterValues and
 * StopTransaction exactly once and in order, and still knows the transactions opened before
 * the last kill (the REST API's remote stop finds them).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connectMany } from '../src/chargepoint/connect';
import type { TransactionRecord } from '../src/csms/transactions';
import type { Payload } from '../src/ocpp/frames';
import { freePort, pause, ROOT, waitUntil } from './helpers';

const MAIN = path.join(ROOT, 'server/dist/src/runtime/main.js');
const TX_ACTIONS = new Set(['StartTransaction', 'MeterValues', 'StopTransaction']);
const CHARGE_POINTS = 20;
const KILLS = 10;

/** What one charge point had acknowledged by the CSMS, per transaction id. */
interface Ledger {
  start?: { cpId: string; connectorId: number; meterStart: number; timestamp: string };
  meterValues: number;
  stop?: { meterStop: number; timestamp: string };
}

/** The charge points' own account: every transaction message the CSMS answered with a CALLRESULT. */
function keepLedger(fleet: Chargepoint[]): { ledger: Map<number, Ledger>; errors: string[]; cutOff: () => number } {
  const ledger = new Map<number, Ledger>();
  const errors: string[] = [];
  let cutOff = 0;
  const entry = (id: number): Ledger => ledger.get(id) ?? ledger.set(id, { meterValues: 0 }).get(id)!;
  for (const cp of fleet) {
    const sent = new Map<string, { action: string; payload: Payload }>();
    cp.on('frame', (e: { direction: string; frame?: { type: number; id: string; action?: string; payload?: Payload; code?: string } }) => {
      const f = e.frame;
      if (!f) return;
      if (e.direction === 'out' && f.type === 2 && TX_ACTIONS.has(f.action!)) sent.set(f.id, { action: f.action!, payload: f.payload! });
      if (e.direction !== 'in' || (f.type !== 3 && f.type !== 4)) return;
      const call = sent.get(f.id);
      if (!call) return;
      sent.delete(f.id);
      if (f.type === 4) return void errors.push(`${cp.id}: ${call.action} answered ${f.code}`);
      const p = call.payload;
      if (call.action === 'StartTransaction') {
        entry(Number(f.payload!.transactionId)).start = { cpId: cp.id, connectorId: Number(p.connectorId), meterStart: Number(p.meterStart), timestamp: String(p.timestamp) };
      } else if (call.action === 'MeterValues' && typeof p.transactionId === 'number') {
        entry(p.transactionId).meterValues++;
      } else if (call.action === 'StopTransaction') {
        entry(Number(p.transactionId)).stop = { meterStop: Number(p.meterStop), timestamp: String(p.timestamp) };
      }
    });
    // A kill cut these off before their answer: the charge point sends them again.
    cp.on('close', () => {
      cutOff += sent.size;
      sent.clear();
    });
    cp.on('warning', (line: string) => {
      if (/dropped/.test(line)) errors.push(`${cp.id}: ${line}`);
    });
  }
  return { ledger, errors, cutOff: () => cutOff };
}

/** One run of the real CLI's mock CSMS; resolves once it listens. Its output is readable through `outputs`. */
async function startCsms(args: string[], outputs: (() => string)[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, '--csms', ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  outputs.push(() => out);
  await waitUntil(`the mock CSMS to listen:\n${out}`, () => out.includes('mock CSMS listening') || child.exitCode !== null, 20_000);
  assert.equal(child.exitCode, null, out);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const idle = (cp: Chargepoint): boolean => cp.connected && cp.station.queue.length === 0;

test('ten SIGKILLs of the mock CSMS under 20 charging charge points: every transaction message booked exactly once, in order', { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-csms-restart-'));
  const [port, httpPort] = [await freePort(), await freePort()];
  const args = ['--port', String(port), '--http-port', String(httpPort), '--state-dir', path.join(dir, 'csms')];
  const api = `http://127.0.0.1:${httpPort}`;
  const outputs: (() => string)[] = [];
  let csms = await startCsms(args, outputs);
  let fleet: Chargepoint[] = [];
  let driving = true;
  t.after(async () => {
    driving = false;
    await Promise.all(fleet.map((cp) => cp.close()));
    await kill(csms);
    await rm(dir, { recursive: true, force: true });
  });

  fleet = await connectMany(`ws://127.0.0.1:${port}/`, CHARGE_POINTS, {
    idPrefix: 'KILL',
    backoff: { minMs: 50, maxMs: 300 },
    profile: { configuration: { MeterValueSampleInterval: 1, HeartbeatInterval: 3600, TransactionMessageRetryInterval: 1 } },
  });
  const { ledger, errors, cutOff } = keepLedger(fleet);
  await waitUntil('every charge point booted', () => fleet.every(idle), 20_000);

  // Sessions of 0.6 to 2 s (one to two MeterValues each), started online or offline, stopped
  // online or offline, on every charge point, out of step with each other and with the kills.
  const drive = async (cp: Chargepoint, i: number): Promise<void> => {
    for (let round = 0; driving; round++) {
      if (!cp.station.connectors[1]!.transaction) await cp.startCharging(1, `TAG-${i}`).catch(() => false);
      await pause(600 + ((i * 211 + round * 97) % 1400));
      if (!driving) break;
      cp.stopCharging(1);
      cp.unplug(1);
      await pause(100);
    }
  };
  const drivers = fleet.map(drive);
  for (let k = 1; k <= KILLS; k++) {
    await pause(1200 + ((k * 337) % 900));
    if (k === KILLS) {
      // Before the last kill every charge point is left with a transaction running.
      driving = false;
      await Promise.all(drivers);
      await Promise.all(fleet.map((cp) => (cp.station.connectors[1]!.transaction ? true : cp.startCharging(1, 'LAST'))));
      await waitUntil('a transaction id on every charge point', () => fleet.every((cp) => cp.station.connectors[1]!.transaction?.id !== undefined && idle(cp)), 20_000);
      await pause(1100); // a MeterValues or two
    }
    await kill(csms);
    csms = await startCsms(args, outputs);
  }

  // After the last restart the CSMS still knows the open transactions: the REST API stops them.
  await waitUntil('the fleet back online with nothing queued', () => fleet.every(idle), 20_000);
  const open = ((await (await fetch(`${api}/transactions`)).json()) as { open: TransactionRecord[] }).open;
  assert.deepEqual(open.map((tx) => tx.cpId).sort(), fleet.map((cp) => cp.id).sort(), 'one open transaction per charge point');
  for (const cp of fleet) {
    const running = cp.station.connectors[1]!.transaction!.id;
    const res = await fetch(`${api}/remote-stop/${cp.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const body = (await res.json()) as { status?: string; transactionId?: number };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body, { transactionId: running, status: 'Accepted' });
  }
  await waitUntil('every StopTransaction delivered', () => fleet.every((cp) => idle(cp) && !cp.station.connectors[1]!.transaction), 20_000);

  const book = (await (await fetch(`${api}/transactions`)).json()) as { open: TransactionRecord[]; finished: TransactionRecord[] };
  assert.deepEqual(errors, [], 'no transaction message refused or dropped');
  assert.equal(book.open.length, 0, JSON.stringify(book.open));
  const booked = new Map(book.finished.map((tx) => [tx.transactionId, tx]));
  assert.equal(booked.size, book.finished.length, 'each transaction booked once');
  assert.deepEqual([...booked.keys()].sort((a, b) => a - b), [...ledger.keys()].sort((a, b) => a - b), 'the book has exactly the transactions the charge points started');
  let meterValues = 0;
  for (const [id, mine] of ledger) {
    const tx = booked.get(id)!;
    assert.ok(mine.start && mine.stop, `transaction ${id} started and stopped on the charge point`);
    assert.deepEqual(
      { cpId: tx.cpId, connectorId: tx.connectorId, meterStart: tx.meterStart, startedAt: tx.startedAt, meterStop: tx.meterStop, stoppedAt: tx.stoppedAt, meterValues: tx.meterValues },
      { cpId: mine.start.cpId, connectorId: mine.start.connectorId, meterStart: mine.start.meterStart, startedAt: mine.start.timestamp, meterStop: mine.stop.meterStop, stoppedAt: mine.stop.timestamp, meterValues: mine.meterValues },
      `transaction ${id}: the book matches what the charge point delivered`,
    );
    meterValues += mine.meterValues;
  }
  const all = outputs.map((out) => out()).join('\n');
  assert.doesNotMatch(all, /SecurityError|conformance probe (transaction-order|unknown-station)/, 'no refusal, no order slip, no unknown charge point');
  assert.equal(outputs.length, KILLS + 1, 'ten CSMS processes killed, the eleventh runs');
  assert.ok(ledger.size >= CHARGE_POINTS * 2 && meterValues >= CHARGE_POINTS * 2, `a real workload: ${ledger.size} transactions, ${meterValues} MeterValues`);
  t.diagnostic(`${ledger.size} transactions, ${meterValues} MeterValues, ${cutOff()} messages cut off by ${KILLS} kills and sent again`);
});
