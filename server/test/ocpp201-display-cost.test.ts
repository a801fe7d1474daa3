/**
 * OCTT 2.0.1 station cases of block O (SetDisplayMessage, GetDisplayMessages →
 * NotifyDisplayMessages, ClearDisplayMessage) and block I (tariff text, CostUpdated, totalCost in
 * TransactionEvent answers), driven from a strict ocpp-rpc CSMS; what the station shows is read
 * with `cs.displayedMessages()` and, for the UI, from the REST state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ChargingStation } from '../src/charging-station/charging-station';
import { webBeside201, withBench201, type Bench201 } from './cs201-harness';
import { until } from './helpers';

type Params = Record<string, any>;

const withBench = (t: { after: (fn: () => unknown) => void }, options: Parameters<typeof withBench201>[1] = {}): Promise<Bench201> => withBench201(t, { virtual: true, ...options });

/** A display message. */
const message = (id: number, content: string, extra: Params = {}): Params => ({ id, priority: 'NormalCycle', message: { format: 'UTF8', content }, ...extra });
const setMessage = async (b: Bench201, m: Params): Promise<string> => (await b.call('SetDisplayMessage', { message: m })).status;
const shown = (b: Bench201): string[] => b.cs.displayedMessages().map((m) => m.content);

/** GetDisplayMessages: the status and the ids NotifyDisplayMessages reported for the request. */
async function query(b: Bench201, request: Params = {}): Promise<{ status: string; ids: number[] }> {
  const from = b.calls.length;
  const requestId = 500 + from;
  const { status } = await b.call('GetDisplayMessages', { requestId, ...request });
  if (status !== 'Accepted') {
    await b.settle(20);
    assert.equal(b.since(from, 'NotifyDisplayMessages').length, 0, 'no notification after Unknown');
    return { status, ids: [] };
  }
  const [n] = await b.waitFor('NotifyDisplayMessages', { from, match: (p) => p.requestId === requestId });
  return { status, ids: (n!.params.messageInfo as Params[]).map((m) => m.id) };
}

test('TC_O_01_CS / TC_O_02_CS / TC_O_07_CS Set Display Message: Accepted, shown, reported by GetDisplayMessages (all, by id)', async (t) => {
  const b = await withBench(t);
  assert.equal(await setMessage(b, message(1, 'Welcome')), 'Accepted');
  assert.equal(await setMessage(b, message(2, 'Free parking', { priority: 'InFront' })), 'Accepted');
  assert.deepEqual(shown(b), ['Free parking', 'Welcome'], 'InFront before NormalCycle');
  assert.deepEqual(await query(b), { status: 'Accepted', ids: [1, 2] });
  assert.deepEqual(await query(b, { id: [2] }), { status: 'Accepted', ids: [2] });
  const got = await b.call('GetVariables', { getVariableData: [{ component: { name: 'DisplayMessageCtrlr' }, variable: { name: 'DisplayMessages' } }] });
  assert.equal(got.getVariableResult[0].attributeValue, '2');
});

test('TC_O_03_CS / TC_O_33_CS / TC_O_11_CS Get Display Messages with none configured, or an unknown id: Unknown and no notification', async (t) => {
  const b = await withBench(t);
  assert.equal((await query(b)).status, 'Unknown');
  assert.equal((await query(b, { id: [7] })).status, 'Unknown');
  await setMessage(b, message(1, 'Hello'));
  assert.equal((await query(b, { id: [7] })).status, 'Unknown');
});

test('TC_O_04_CS / TC_O_05_CS Clear Display Message: Accepted, then Unknown; an unknown id is Unknown', async (t) => {
  const b = await withBench(t);
  await setMessage(b, message(3, 'Temporary'));
  assert.deepEqual(await b.call('ClearDisplayMessage', { id: 3 }), { status: 'Accepted' });
  assert.deepEqual(shown(b), []);
  assert.equal((await query(b, { id: [3] })).status, 'Unknown');
  assert.deepEqual(await b.call('ClearDisplayMessage', { id: 3 }), { status: 'Unknown' });
});

test('TC_O_08_CS / TC_O_09_CS / TC_O_34_CS / TC_O_35_CS Get a specific Display Message by priority and state; a known id that does not match is Unknown', async (t) => {
  const b = await withBench(t);
  await setMessage(b, message(1, 'Charging fast', { priority: 'InFront', state: 'Charging' }));
  await setMessage(b, message(2, 'Come again', { state: 'Idle' }));
  assert.deepEqual(await query(b, { priority: 'InFront' }), { status: 'Accepted', ids: [1] });
  assert.deepEqual(await query(b, { state: 'Idle' }), { status: 'Accepted', ids: [2] });
  assert.equal((await query(b, { id: [1], state: 'Idle' })).status, 'Unknown');
  assert.equal((await query(b, { id: [2], priority: 'AlwaysFront' })).status, 'Unknown');
});

test('TC_O_12_CS / TC_O_22_CS / TC_O_24_CS Replace by id; two InFront messages both shown; a second AlwaysFront replaces the first', async (t) => {
  const b = await withBench(t);
  await setMessage(b, message(1, 'Old text'));
  await setMessage(b, message(1, 'New text'));
  assert.deepEqual(shown(b), ['New text']);
  await setMessage(b, message(2, 'Front A', { priority: 'InFront' }));
  await setMessage(b, message(3, 'Front B', { priority: 'InFront' }));
  await setMessage(b, message(4, 'Always 1', { priority: 'AlwaysFront' }));
  await setMessage(b, message(5, 'Always 2', { priority: 'AlwaysFront' }));
  assert.deepEqual(shown(b), ['Always 2', 'Front A', 'Front B', 'New text']);
  assert.equal((await query(b, { id: [4] })).status, 'Unknown');
});

test('TC_O_13_CS / TC_O_14_CS A message shown from its startDateTime and removed after its endDateTime (station clock)', async (t) => {
  const b = await withBench(t);
  const now = b.cs.scheduler.now();
  await setMessage(b, message(1, 'Soon', { startDateTime: new Date(now + 60_000).toISOString(), endDateTime: new Date(now + 180_000).toISOString() }));
  assert.deepEqual(shown(b), []);
  await b.advance(60_000);
  assert.deepEqual(shown(b), ['Soon']);
  await b.advance(120_000);
  assert.deepEqual(shown(b), []);
  assert.equal((await query(b, { id: [1] })).status, 'Unknown');
});

test('TC_O_27_CS / TC_O_28_CS A transaction message with startDateTime and endDateTime: shown from the start, gone after the end', async (t) => {
  const b = await withBench(t);
  await b.cs.startCharging(1, 'AABBCCDD');
  const transactionId = b.cs.station.evses[0]!.transaction!.id;
  const now = b.cs.scheduler.now();
  const window = { transactionId, startDateTime: new Date(now + 30_000).toISOString(), endDateTime: new Date(now + 90_000).toISOString() };
  assert.equal(await setMessage(b, message(1, 'Halfway', window)), 'Accepted');
  const csmsShown = () => b.cs.displayedMessages().filter((m) => m.source === 'DisplayMessage').map((m) => m.content);
  assert.deepEqual(csmsShown(), []);
  await b.advance(30_000);
  assert.deepEqual(csmsShown(), ['Halfway']);
  await b.advance(60_000);
  assert.deepEqual(csmsShown(), []);
  assert.equal((await query(b)).status, 'Unknown');
});

test('TC_O_06_CS / TC_O_10_CS / TC_O_30_CS / TC_O_32_CS Messages for a transaction: UnknownTransaction without one, shown while it runs, removed when it ends', async (t) => {
  const b = await withBench(t);
  assert.equal(await setMessage(b, message(1, 'Your session', { transactionId: 'no-such-transaction' })), 'UnknownTransaction');
  await b.cs.startCharging(1, 'AABBCCDD');
  const transactionId = b.cs.station.evses[0]!.transaction!.id;
  assert.equal(await setMessage(b, message(2, 'Session A', { transactionId, priority: 'InFront' })), 'Accepted');
  assert.equal(await setMessage(b, message(3, 'Session B', { transactionId, priority: 'InFront' })), 'Accepted');
  assert.equal(await setMessage(b, message(4, 'Tx front 1', { transactionId, priority: 'AlwaysFront' })), 'Accepted');
  assert.equal(await setMessage(b, message(5, 'Tx front 2', { transactionId, priority: 'AlwaysFront' })), 'Accepted');
  assert.equal(await setMessage(b, message(6, 'For everyone')), 'Accepted');
  const forTx = b.cs.displayedMessages().filter((m) => m.source === 'DisplayMessage' && m.transactionId === transactionId).map((m) => m.content);
  assert.deepEqual(forTx, ['Tx front 2', 'Session A', 'Session B']);
  b.cs.stopCharging(1);
  assert.deepEqual(b.cs.displayedMessages().filter((m) => m.source === 'DisplayMessage').map((m) => m.content), ['For everyone']);
  assert.deepEqual(await query(b), { status: 'Accepted', ids: [6] });
});

test('TC_O_36_CS / TC_O_37_CS / TC_O_38_CS / TC_O_39_CS Messages for a state: shown only while the station is Charging, Idle, Unavailable or Faulted', async (t) => {
  const b = await withBench(t);
  for (const [id, state] of [[1, 'Charging'], [2, 'Idle'], [3, 'Unavailable'], [4, 'Faulted']] as const) await setMessage(b, message(id, state, { state }));
  const states = () => b.cs.displayedMessages().filter((m) => m.source === 'DisplayMessage').map((m) => m.content).sort();
  assert.deepEqual(states(), ['Idle']);
  await b.cs.startCharging(1, 'AABBCCDD');
  assert.deepEqual(states(), ['Charging']);
  b.cs.stopCharging(1);
  b.cs.fault(1);
  assert.deepEqual(states(), ['Faulted', 'Idle']);
  b.cs.clearFault(1);
  assert.deepEqual(await b.call('ChangeAvailability', { operationalStatus: 'Inoperative' }), { status: 'Accepted' });
  assert.deepEqual(states(), ['Idle', 'Unavailable']);
});

test('TC_O_17_CS / TC_O_19_CS Unsupported priority and format (DisplayMessageCtrlr.SupportedPriorities / SupportedFormats): NotSupported…', async (t) => {
  const b = await withBench(t, { profile: { variables: { 'DisplayMessageCtrlr.SupportedPriorities': 'NormalCycle', 'DisplayMessageCtrlr.SupportedFormats': 'ASCII' } } });
  assert.equal(await setMessage(b, message(1, 'x', { priority: 'AlwaysFront', message: { format: 'ASCII', content: 'x' } })), 'NotSupportedPriority');
  assert.equal(await setMessage(b, message(2, 'x', { message: { format: 'HTML', content: '<b>x</b>' } })), 'NotSupportedMessageFormat');
  assert.equal(await setMessage(b, message(3, 'x', { message: { format: 'ASCII', content: 'plain' } })), 'Accepted');
  assert.deepEqual(shown(b), ['plain']);
});

test('TC_O_20_CS Display messages persist over a restart with --state-dir', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs201-display-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const b = await withBench201(t, { stateDir: dir });
  await setMessage(b, message(9, 'Still here', { priority: 'InFront' }));
  await b.settle(20);
  await b.cs.close();
  const again = new ChargingStation(`${b.url}CS1`, 'CS1', { boot: 'auto', stateDir: dir });
  t.after(() => again.close());
  await again.connect();
  assert.deepEqual(again.displayedMessages().map((m) => [m.id, m.content]), [[9, 'Still here']]);
});

test('TC_I_01_CS Tariff text from idTokenInfo.personalMessage, then CostUpdated during charging: the running cost on the transaction and the display', async (t) => {
  const b = await withBench(t, {
    answers: { Authorize: () => ({ idTokenInfo: { status: 'Accepted', personalMessage: { format: 'UTF8', language: 'en', content: '0.30 EUR/kWh' } } }) },
  });
  assert.equal(await b.cs.startCharging(1, 'AABBCCDD'), true);
  const tx = b.cs.station.evses[0]!.transaction!;
  assert.deepEqual(b.cs.displayedMessages().map((m) => [m.source, m.content]), [['Tariff', '0.30 EUR/kWh']]);
  assert.deepEqual(await b.call('CostUpdated', { totalCost: 1.5, transactionId: tx.id }), {});
  assert.equal(tx.cost, 1.5);
  assert.deepEqual(shown(b), ['0.30 EUR/kWh', 'Cost so far: 1.50 EUR']);
  // Unknown transaction: still {} (the schema has nothing else), nothing changes.
  assert.deepEqual(await b.call('CostUpdated', { totalCost: 9, transactionId: 'other' }), {});
  assert.equal(tx.cost, 1.5);
});

test('TC_I_07_CS / TC_I_02_CS Running cost from TransactionEventResponse.totalCost, the final total cost from the Ended answer (fallback text without one)', async (t) => {
  let cost = 0;
  const b = await withBench(t, {
    profile: { variables: { 'SampledDataCtrlr.TxUpdatedInterval': 60, 'TariffCostCtrlr.Currency': 'CHF' } },
    answers: { TransactionEvent: (p) => ({ ...(p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {}), totalCost: (cost += 0.75) }) },
  });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.advance(60_000);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' });
  await until(() => shown(b).includes('Cost so far: 1.50 CHF'), 'the running cost from the Updated answer');
  b.cs.stopCharging(1);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  await until(() => shown(b).some((s) => s.startsWith('Total cost: ')), 'the final cost');
  assert.deepEqual(shown(b).filter((s) => s.startsWith('Total')), [`Total cost: ${cost.toFixed(2)} CHF`]);
  // Without a totalCost in the Ended answer: TotalCostFallbackMessage.
  b.answers.TransactionEvent = (p) => (p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {});
  await b.cs.startCharging(1, 'AABBCCDD');
  assert.ok(!shown(b).some((s) => s.startsWith('Total')), 'a new transaction hides the last total');
  b.cs.stopCharging(1);
  await until(() => shown(b).includes('Total cost available from your provider'), 'the fallback text');
});

test('REST state: GET /api/chargepoints/:id carries the display (display messages, tariff, cost) and the running cost of the transaction', async (t) => {
  const { csms, port } = await webBeside201(t);
  const api = async (method: string, url: string, body?: unknown): Promise<any> => {
    const res = await fetch(`http://127.0.0.1:${port}/api${url}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.ok(res.ok, `${method} ${url}: ${res.status}`);
    return res.json();
  };
  await api('POST', '/chargepoints', { id: 'DISP201', url: csms.url, protocol: '2.0.1', connect: true });
  const client = await csms.csms.client();
  assert.deepEqual(await client.call('SetDisplayMessage', { message: message(1, 'Out of order soon', { priority: 'AlwaysFront' }) }), { status: 'Accepted' });
  await api('POST', '/chargepoints/DISP201/evses/1/start', { idToken: 'AABBCCDD' });
  const running = await api('GET', '/chargepoints/DISP201');
  const transactionId = running.evses[0].transaction.id;
  assert.deepEqual(await client.call('CostUpdated', { totalCost: 2.25, transactionId }), {});
  const state = await api('GET', '/chargepoints/DISP201');
  assert.equal(state.evses[0].transaction.cost, 2.25);
  assert.deepEqual(state.display.map((m: Params) => [m.source, m.content]), [['DisplayMessage', 'Out of order soon'], ['Tariff', 'Standard tariff applies'], ['Cost', 'Cost so far: 2.25 EUR']]);
  assert.deepEqual(csms.failures, []);
});
