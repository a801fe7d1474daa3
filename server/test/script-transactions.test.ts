/**
 * A script's own transaction messages have guaranteed delivery (OCPP-J 1.6 §4.7 and errata) and
 * the model agrees with them (issue 14, points 1 and 6): a CSMS that drops the socket
 * mid-transaction without answering, under an earlier-tool script run by the real CLI; the
 * model's meter, transaction and identity following what the script sent; the web UI's raw
 * StartTransaction on the connector board.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { connect } from '../src/chargepoint/connect';
import { OcppDeliveryError } from '../src/chargepoint/station/tx-queue';
import { MockCsms } from '../src/csms/mock-csms';
import type { Payload } from '../src/ocpp/frames';
import { startWebServer } from '../src/web/server';
import { freePortPair, runCli, waitUntil } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-script-tx-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One CALL as the CSMS received it. */
interface Receipt {
  /** Connection number (1 = first). */
  conn: number;
  action: string;
  payload: Record<string, unknown>;
  /** The CSMS cut the connection instead of answering. */
  dropped: boolean;
  /** The answer it sent (undefined when dropped). */
  answer?: Record<string, unknown>;
}

/**
 * A central system on a real `ws` server that answers like a plain 1.6 CSMS (a new transactionId
 * for every StartTransaction it receives) but terminates the socket, without answering, on every
 * CALL `drop(receipt, receipts)` picks.
 */
async function droppingCsms(drop: (r: Receipt, all: Receipt[]) => boolean): Promise<{ url: string; receipts: Receipt[]; connections: () => number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await new Promise((r) => wss.once('listening', r));
  const receipts: Receipt[] = [];
  let conns = 0;
  let txSeq = 100;
  const answers: Record<string, () => Record<string, unknown>> = {
    BootNotification: () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 3600 }),
    Heartbeat: () => ({ currentTime: new Date().toISOString() }),
    StartTransaction: () => ({ transactionId: txSeq, idTagInfo: { status: 'Accepted' } }),
    StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
  };
  wss.on('connection', (ws: WebSocket) => {
    const conn = ++conns;
    ws.on('message', (data) => {
      const [type, id, action, payload] = JSON.parse(data.toString()) as [number, string, string, Record<string, unknown>];
      if (type !== 2) return;
      if (action === 'StartTransaction') txSeq++;
      const r: Receipt = { conn, action, payload, dropped: false };
      receipts.push(r);
      if (drop(r, receipts)) {
        r.dropped = true;
        ws.terminate();
        return;
      }
      r.answer = answers[action]?.() ?? {};
      ws.send(JSON.stringify([3, id, r.answer]));
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    receipts,
    connections: () => conns,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

/** The earlier tool's way: connect, boot, a transaction of its own with 30 meter values, close. */
function earlierToolScript(url: string, connectOptions = ''): string {
  return `const cp = await connect('${url}'${connectOptions});
await cp.sendBootnotification({chargePointVendor: 'vendor', chargePointModel: '1'});
await cp.sendStatusNotification({connectorId: 1, errorCode: 'NoError', status: 'Preparing'});
cp.transaction = await cp.startTransaction({connectorId: 1, idTag: 'ccc', meterStart: 1000, timestamp: new Date().toISOString()});
await cp.sendStatusNotification({connectorId: 1, errorCode: 'NoError', status: 'Charging'});
for (let i = 1; i <= 30; i++) {
  await cp.meterValues({connectorId: 1, transactionId: cp.transaction.transactionId, meterValue: [{timestamp: new Date().toISOString(), sampledValue: [{value: 1000 + 10 * i}]}]});
}
await cp.stopTransaction({transactionId: cp.transaction.transactionId, meterStop: 1300, timestamp: new Date().toISOString()});
await cp.sendStatusNotification({connectorId: 1, errorCode: 'NoError', status: 'Available'});
cp.close();
`;
}

const TX_ACTIONS = new Set(['StartTransaction', 'MeterValues', 'StopTransaction']);
const register = (r: Receipt): string => String(((r.payload.meterValue as { sampledValue: { value: unknown }[] }[])[0]!.sampledValue[0]!).value);

/** Every message delivered once and in order; resent only where the CSMS cut instead of answering. */
function assertDeliveredOnce(receipts: Receipt[], drops: number): void {
  assert.equal(receipts.filter((r) => r.dropped).length, drops, 'the CSMS dropped as planned');
  assert.equal(receipts.filter((r) => r.action === 'BootNotification').length, 1, 'one BootNotification, none after a reconnect');
  const answered = receipts.filter((r) => !r.dropped);
  const starts = answered.filter((r) => r.action === 'StartTransaction');
  assert.equal(starts.length, 1, 'one StartTransaction answered');
  const transactionId = starts[0]!.answer!.transactionId;
  const meters = answered.filter((r) => r.action === 'MeterValues');
  assert.deepEqual(meters.map(register), Array.from({ length: 30 }, (_v, i) => String(1010 + 10 * i)), 'every meter value answered once, in order');
  assert.ok(meters.every((r) => r.payload.transactionId === transactionId), 'with the id the CSMS gave the StartTransaction it answered');
  const stops = answered.filter((r) => r.action === 'StopTransaction');
  assert.equal(stops.length, 1, 'one StopTransaction booked');
  assert.equal(stops[0]!.payload.transactionId, transactionId);
  // A transaction message seen more than once is the unanswered CALL resent after a drop, never a duplicate of an answered one.
  const txs = receipts.filter((r) => TX_ACTIONS.has(r.action));
  const key = (r: Receipt): string => `${r.action} ${r.action === 'MeterValues' ? register(r) : String(r.payload.timestamp)}`;
  assert.equal(new Set(txs.map(key)).size, 32, 'a start, 30 meter values, a stop');
  for (const k of new Set(txs.map(key))) {
    const same = txs.filter((r) => key(r) === k);
    assert.ok(same.slice(0, -1).every((r) => r.dropped) && !same.at(-1)!.dropped, `${k}: resent only after a drop`);
  }
  // In order: after each drop the next transaction message is the one that was cut.
  txs.forEach((r, i) => {
    if (r.dropped) assert.equal(key(txs[i + 1]!), key(r), `the cut ${key(r)} is resent first`);
  });
}

test('an earlier-tool script whose CSMS drops the socket three times mid-transaction: every meter value once and in order, one StopTransaction, one boot, exit 0', async (t) => {
  let meterValues = 0;
  const csms = await droppingCsms((r) => r.action === 'MeterValues' && [5, 12, 20].includes(++meterValues));
  t.after(() => csms.close());
  const script = path.join(tmp, 'three-drops.js');
  fs.writeFileSync(script, earlierToolScript(`${csms.url}CP3`));
  const run = await runCli([script], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.doesNotMatch(run.stdout + run.stderr, /not answered|error/i);
  assert.equal(csms.connections(), 4);
  assertDeliveredOnce(csms.receipts, 3);
});

test('the same with 100 drops (a small reconnect back-off passed to connect): still every value once, in order, exit 0', async (t) => {
  // The CSMS cuts the first 5 receipts of the StartTransaction and of the StopTransaction and the first 3 of every MeterValues.
  const timesSeen = (r: Receipt, all: Receipt[]): number => all.filter((x) => x.action === r.action && (r.action !== 'MeterValues' || register(x) === register(r))).length;
  const csms = await droppingCsms((r, all) => {
    if (r.action === 'MeterValues') return timesSeen(r, all) <= 3;
    return (r.action === 'StartTransaction' || r.action === 'StopTransaction') && timesSeen(r, all) <= 5;
  });
  t.after(() => csms.close());
  const script = path.join(tmp, 'hundred-drops.js');
  fs.writeFileSync(script, earlierToolScript(`${csms.url}CP100`, ', undefined, undefined, {backoff: {minMs: 5, maxMs: 20}}'));
  const run = await runCli([script], { timeoutMs: 90_000 });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(csms.connections(), 101);
  assertDeliveredOnce(csms.receipts, 100);
  // The CSMS booked a new id for each StartTransaction it received; the script's messages carry the one it answered.
  assert.equal(csms.receipts.find((r) => r.action === 'MeterValues' && !r.dropped)!.payload.transactionId, 106);
});

test('connect() reconnects by itself after a drop, without a second boot; close() ends it for good', async (t) => {
  let cut = false;
  const csms = await droppingCsms((r) => r.action === 'Heartbeat' && !cut && (cut = true));
  t.after(() => csms.close());
  const cp = await connect(`${csms.url}RC1`, undefined, undefined, { backoff: { minMs: 5, maxMs: 20 } });
  t.after(() => cp.close());
  await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
  await assert.rejects(cp.sendHeartbeat(), { code: 'ConnectionClosed' }, 'a notification is not guaranteed');
  await waitUntil('the reconnect', () => cp.connected && csms.connections() === 2);
  assert.ok((await cp.sendHeartbeat()).currentTime);
  await cp.close();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(csms.connections(), 2, 'no reconnect after close()');
  assert.equal(csms.receipts.filter((r) => r.action === 'BootNotification').length, 1);
});

test('reConnect() keeps a script message waiting and delivers it; close() rejects it with ConnectionClosed and keeps it queued', async (t) => {
  const seen = new Map<string, number>();
  const csms = await droppingCsms((r) => (r.action === 'MeterValues' || r.action === 'StopTransaction') && seen.set(r.action, (seen.get(r.action) ?? 0) + 1).get(r.action) === 1);
  t.after(() => csms.close());
  const cp = await connect(`${csms.url}KEEP`);
  t.after(() => cp.close());
  cp.automation.reconnect = false;
  await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
  const { transactionId } = await cp.startTransaction({ connectorId: 1, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() });
  const sample = cp.meterValues({ connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '10' }] }] });
  await waitUntil('the cut', () => !cp.connected);
  await cp.reConnect();
  assert.deepEqual(await sample, {});
  assert.equal(csms.receipts.filter((r) => r.action === 'MeterValues').length, 2, 'the cut MeterValues resent once');
  const stop = cp.stopTransaction({ transactionId, meterStop: 20, timestamp: new Date().toISOString() });
  await waitUntil('the second cut', () => !cp.connected);
  await cp.close();
  await assert.rejects(stop, (err: Error & { code?: string }) => err.code === 'ConnectionClosed' && /StopTransaction not delivered .*stays queued/.test(err.message));
  assert.equal(cp.station.queue.length, 1);
  assert.equal(csms.receipts.filter((r) => r.action === 'BootNotification').length, 1);
});

test('the queue gives up after TransactionMessageAttempts CALLERRORs: the script gets an OcppDeliveryError naming the action and attempts, the model forgets the start', async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(() => csms.close());
  let refused = 0;
  csms.answer('StartTransaction', () => {
    refused++;
    throw new Error('no transactions today');
  });
  const cp = await connect(`${csms.url}GIVEUP`, undefined, undefined, { profile: { configuration: { TransactionMessageAttempts: 2, TransactionMessageRetryInterval: 0 } } });
  t.after(() => cp.close());
  await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
  const err = await cp.startTransaction({ connectorId: 1, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OcppDeliveryError, String(err));
  assert.match(err.message, /StartTransaction not delivered after 2 attempt\(s\)/);
  assert.equal(err.code, 'InternalError', 'the code of the last CALLERROR');
  assert.equal(refused, 2);
  assert.equal(cp.station.connector(1)!.transaction, undefined);
});

/** A mock CSMS, and a connected charge point whose script booted and started a transaction of its own. */
async function scriptSession(t: { after(fn: () => unknown): void }, id: string): Promise<{ csms: MockCsms; cp: Awaited<ReturnType<typeof connect>>; calls: { action: string; payload: Payload }[]; transactionId: number }> {
  const csms = new MockCsms({ port: 0 });
  const calls: { action: string; payload: Payload }[] = [];
  csms.on('frame', (_s, e) => {
    if (e.direction === 'in' && e.frame?.type === 2) calls.push({ action: e.frame.action, payload: e.frame.payload });
  });
  await csms.listen();
  t.after(() => csms.close());
  const cp = await connect(`${csms.url}${id}`);
  t.after(() => cp.close());
  await cp.sendBootnotification({ chargePointVendor: 'ACME', chargePointModel: 'Wallbox X', chargePointSerialNumber: 'S-42', firmwareVersion: '7.1' });
  const { transactionId } = await cp.startTransaction({ connectorId: 1, idTag: 'T1', meterStart: 5000, timestamp: new Date().toISOString() });
  return { csms, cp, calls, transactionId };
}

test('a TriggerMessage(MeterValues) during a script transaction reports the script\'s register, not 0 Wh', async (t) => {
  const { csms, cp, calls, transactionId } = await scriptSession(t, 'TRIG');
  assert.equal(cp.station.connector(1)!.transaction?.id, transactionId, 'the model runs the script\'s transaction');
  await cp.meterValues({ connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '5.4', unit: 'kWh' }] }] });
  assert.equal((await csms.call('TRIG', 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).status, 'Accepted');
  await waitUntil('the triggered MeterValues', () => calls.some((c) => c.action === 'MeterValues' && JSON.stringify(c.payload).includes('Trigger')));
  const triggered = calls.find((c) => c.action === 'MeterValues' && JSON.stringify(c.payload).includes('Trigger'))!.payload as { transactionId: number; meterValue: { sampledValue: { value: string; measurand?: string }[] }[] };
  assert.equal(triggered.transactionId, transactionId);
  const energy = triggered.meterValue[0]!.sampledValue.find((v) => (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')!;
  assert.equal(energy.value, '5400');
});

test('a script StopTransaction still waiting for its answer has ended the transaction: UnlockConnector and RemoteStop meanwhile send no second StopTransaction', async (t) => {
  const { csms, cp, calls, transactionId } = await scriptSession(t, 'HOLD');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  csms.answer('StopTransaction', async (call, station) => {
    await held;
    return csms.defaultAnswer(call, station);
  });
  const stopped = cp.stopTransaction({ transactionId, meterStop: 6000, timestamp: new Date().toISOString(), reason: 'Local' });
  await waitUntil('the StopTransaction on the wire', () => calls.some((c) => c.action === 'StopTransaction'));
  assert.equal(cp.station.connector(1)!.transaction, undefined);
  assert.equal((await csms.call('HOLD', 'RemoteStopTransaction', { transactionId })).status, 'Rejected', 'no transaction left to stop');
  assert.equal((await csms.call('HOLD', 'UnlockConnector', { connectorId: 1 })).status, 'Unlocked');
  release();
  assert.ok(await stopped);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(calls.filter((c) => c.action === 'StopTransaction').length, 1);
  assert.equal(cp.station.connector(1)!.meter!.registerWh, 6000, 'the register took the meterStop');
});

test('the identity of the script\'s own BootNotification is the one every later boot reports (after a Reset)', async (t) => {
  const { csms, cp, calls, transactionId } = await scriptSession(t, 'IDENT');
  await cp.stopTransaction({ transactionId, meterStop: 5100, timestamp: new Date().toISOString() });
  assert.equal((await csms.call('IDENT', 'Reset', { type: 'Soft' })).status, 'Accepted');
  await waitUntil('the second boot', () => calls.filter((c) => c.action === 'BootNotification').length === 2, 10_000);
  const [first, second] = calls.filter((c) => c.action === 'BootNotification');
  assert.deepEqual(second!.payload, first!.payload);
  assert.equal((second!.payload as { chargePointVendor: string }).chargePointVendor, 'ACME');
});

test('a raw StartTransaction from the web UI\'s action panel shows on the connector board (REST), and its StopTransaction ends it', async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(() => csms.close());
  const port = await freePortPair();
  const web = await startWebServer({ port, bind: '127.0.0.1', root: tmp, scriptTimeoutMs: 3000 });
  t.after(() => web.close());
  const api = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
    const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: await res.json() };
  };
  assert.equal((await api('POST', '/api/chargepoints', { id: 'UI1', url: csms.url, connect: true })).body.bootState, 'Accepted');
  const started = await api('POST', '/api/chargepoints/UI1/actions/StartTransaction', { payload: { connectorId: 1, idTag: 'PANEL', meterStart: 2500, timestamp: new Date().toISOString() } });
  assert.equal(started.status, 200);
  const transactionId = started.body.response.transactionId as number;
  const board = (await api('GET', '/api/chargepoints/UI1')).body.connectors[1];
  assert.equal(board.transaction.id, transactionId);
  assert.equal(board.transaction.idTag, 'PANEL');
  assert.equal(board.energyWh, 2500);
  const stopped = await api('POST', '/api/chargepoints/UI1/actions/StopTransaction', { payload: { transactionId, meterStop: 2600, timestamp: new Date().toISOString() } });
  assert.equal(stopped.status, 200);
  assert.equal((await api('GET', '/api/chargepoints/UI1')).body.connectors[1].transaction, undefined);
});
