/**
 * OCTT 2.0.1 station cases of block G (status notifications, ChangeAvailability) and the reset,
 * offline and reconnection cases of block B, driven from a strict ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ChargingStation } from '../src/charging-station/charging-station';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = withBench201;

/** `evse/connector status` of the StatusNotifications since `from`. */
const statuses = (b: Bench201, from: number): string[] => b.since(from, 'StatusNotification').map((c) => `${c.params.evseId}/${c.params.connectorId} ${c.params.connectorStatus}`);

const change = (b: Bench201, operationalStatus: string, evse?: Params): Promise<Params> => b.call('ChangeAvailability', evse ? { operationalStatus, evse } : { operationalStatus });

test('TC_G_01_CS / TC_G_02_CS Connector status Notification - Available to Occupied and back', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  b.cs.plugIn(1);
  await b.waitFor('StatusNotification', { from });
  b.cs.unplug(1);
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from), ['1/1 Occupied', '1/1 Available']);
});

test('G01.FR.08 plugging into one connector of a multi-connector EVSE reports only that connector', async (t) => {
  const b = await withBench(t, { profile: { evses: [{ connectors: ['cType2', 'cCCS2'] }] } });
  const from = b.calls.length;
  b.cs.plugIn(1, 2);
  await b.waitFor('StatusNotification', { from });
  await b.settle(30);
  assert.deepEqual(statuses(b, from), ['1/2 Occupied']);
});

test('TC_G_03_CS / TC_G_04_CS / TC_G_09_CS / TC_G_10_CS Change Availability EVSE', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  let from = b.calls.length;
  assert.deepEqual(await change(b, 'Inoperative', { id: 1 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  assert.deepEqual(await change(b, 'Inoperative', { id: 1 }), { status: 'Accepted' }, 'TC_G_10: already inoperative');
  await b.settle(30);
  assert.deepEqual(statuses(b, from), ['1/1 Unavailable']);
  from = b.calls.length;
  assert.deepEqual(await change(b, 'Operative', { id: 1 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  assert.deepEqual(await change(b, 'Operative', { id: 1 }), { status: 'Accepted' }, 'TC_G_09: already operative');
  await b.settle(30);
  assert.deepEqual(statuses(b, from), ['1/1 Available']);
  assert.deepEqual(await change(b, 'Inoperative', { id: 7 }), { status: 'Rejected' });
});

test('TC_G_05_CS / TC_G_06_CS / TC_G_12_CS / TC_G_13_CS Change Availability Charging Station', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  let from = b.calls.length;
  assert.deepEqual(await change(b, 'Operative'), { status: 'Accepted' }, 'TC_G_12');
  assert.deepEqual(await change(b, 'Inoperative'), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(await change(b, 'Inoperative'), { status: 'Accepted' }, 'TC_G_13');
  await b.settle(30);
  assert.deepEqual(statuses(b, from), ['1/1 Unavailable', '2/1 Unavailable']);
  from = b.calls.length;
  assert.deepEqual(await change(b, 'Operative'), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from), ['1/1 Available', '2/1 Available']);
});

test('TC_G_07_CS / TC_G_08_CS / TC_G_15_CS / TC_G_16_CS Change Availability Connector', async (t) => {
  const b = await withBench(t, { profile: { evses: [{ connectors: ['cType2', 'cCCS2'] }] } });
  let from = b.calls.length;
  assert.deepEqual(await change(b, 'Inoperative', { id: 1, connectorId: 2 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  assert.deepEqual(await change(b, 'Inoperative', { id: 1, connectorId: 2 }), { status: 'Accepted' });
  await b.settle(30);
  assert.deepEqual(statuses(b, from), ['1/2 Unavailable']);
  from = b.calls.length;
  assert.deepEqual(await change(b, 'Operative', { id: 1, connectorId: 2 }), { status: 'Accepted' });
  assert.deepEqual(await change(b, 'Operative', { id: 1, connectorId: 1 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  await b.settle(30);
  assert.deepEqual(statuses(b, from), ['1/2 Available']);
  assert.deepEqual(await change(b, 'Inoperative', { id: 1, connectorId: 9 }), { status: 'Rejected' });
});

test('TC_G_11_CS / TC_G_14_CS / TC_G_17_CS Change Availability with an ongoing transaction is Scheduled, applied when it ends', async (t) => {
  for (const evse of [{ id: 1 }, undefined, { id: 1, connectorId: 1 }]) {
    const b = await withBench(t);
    assert.ok(await b.cs.startCharging(1, 'AABBCCDD'));
    await b.waitFor('TransactionEvent', { match: (p) => p.eventType === 'Started' });
    assert.deepEqual(await change(b, 'Inoperative', evse), { status: 'Scheduled' }, JSON.stringify(evse));
    const from = b.calls.length;
    b.cs.stopCharging(1);
    await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
    await b.waitFor('StatusNotification', { from, match: (p) => p.connectorStatus === 'Unavailable' });
  }
});

test('TC_B_20_CS Reset Charging Station - Without ongoing transaction - OnIdle: reboot, BootNotification RemoteReset', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
  const [boot] = await b.waitFor('BootNotification', { from, ms: 5000 });
  assert.equal(boot!.params.reason, 'RemoteReset');
  await b.waitFor('StatusNotification', { from });
  await b.waitFor('SecurityEventNotification', { from, match: (p) => p.type === 'ResetOrReboot' });
});

test('TC_B_21_CS / TC_B_41_CS Reset OnIdle with ongoing transactions is Scheduled; the reboot follows the last one', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.cs.startCharging(2, '11223344');
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Scheduled' });
  const from = b.calls.length;
  b.cs.stopCharging(1);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  await b.settle(50);
  assert.equal(b.since(from, 'BootNotification').length, 0, 'no reboot while EVSE 2 charges');
  b.cs.stopCharging(2);
  const [boot] = await b.waitFor('BootNotification', { from, ms: 5000 });
  assert.equal(boot!.params.reason, 'RemoteReset');
});

test('TC_B_22_CS Reset Charging Station - With Ongoing Transaction - Immediate: Ended (ResetCommand, ImmediateReset) before the reboot', async (t) => {
  const b = await withBench(t);
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { match: (p) => p.eventType === 'Started' });
  const from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
  await b.waitFor('BootNotification', { from, ms: 5000 });
  const order = b.since(from).map((c) => c.action);
  const ended = b.since(from, 'TransactionEvent').find((c) => c.params.eventType === 'Ended')!;
  assert.equal(ended.params.triggerReason, 'ResetCommand');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'ImmediateReset');
  assert.ok(order.indexOf('TransactionEvent') < order.indexOf('BootNotification'), order.join());
});

test('TC_B_23_CS / TC_G_18_CS / TC_G_19_CS / TC_G_21_CS Unavailable persists a reset', async (t) => {
  const b = await withBench(t, { profile: { evses: [{ connectors: ['cType2', 'cCCS2'] }, {}] } });
  assert.deepEqual(await change(b, 'Inoperative', { id: 1, connectorId: 2 }), { status: 'Accepted' });
  assert.deepEqual(await change(b, 'Inoperative', { id: 2 }), { status: 'Accepted' });
  const from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
  await b.waitFor('BootNotification', { from, ms: 5000 });
  const after = b.calls.findIndex((c, i) => i >= from && c.action === 'BootNotification');
  await b.waitFor('StatusNotification', { from: after, count: 3 });
  assert.deepEqual(statuses(b, after), ['1/1 Available', '1/2 Unavailable', '2/1 Unavailable']);
});

test('TC_B_25_CS / TC_B_26_CS / TC_B_27_CS Reset EVSE: idle, OnIdle during a transaction (Scheduled), Immediate', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  let from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle', evseId: 2 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from), ['2/1 Unavailable', '2/1 Available'], 'only that EVSE resets');
  await b.cs.startCharging(1, 'AABBCCDD');
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle', evseId: 1 }), { status: 'Scheduled' });
  from = b.calls.length;
  b.cs.stopCharging(1);
  await b.waitFor('StatusNotification', { from, match: (p) => p.connectorStatus === 'Unavailable' });
  await b.cs.startCharging(1, 'AABBCCDD');
  from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'Immediate', evseId: 1 }), { status: 'Accepted' });
  const [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended!.params.triggerReason, 'ResetCommand');
  assert.equal(ended!.params.transactionInfo.stoppedReason, 'ImmediateReset');
  assert.equal(b.since(from, 'BootNotification').length, 0, 'an EVSE reset does not reboot the station');
});

test('TC_B_51_CS / TC_B_52_CS Status change during an offline period: all connectors after OfflineThreshold, else only the changed one', async (t) => {
  for (const [threshold, expected] of [[2, ['1/1 Occupied', '2/1 Available']], [300, ['1/1 Occupied']]] as const) {
    const b = await withBench(t, { virtual: true, profile: { evses: 2, variables: { 'OCPPCommCtrlr.OfflineThreshold': threshold, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 } } });
    const client = await b.client();
    await client.close({ force: true });
    for (let i = 0; i < 100 && b.cs.connected; i++) await b.settle(5);
    b.cs.plugIn(1);
    const from = b.calls.length;
    await b.advance(3_500);
    await b.waitFor('StatusNotification', { from, count: expected.length });
    await b.settle(30);
    assert.deepEqual(statuses(b, from), expected, `OfflineThreshold ${threshold}`);
    assert.equal(b.since(from, 'BootNotification').length, 0, 'a reconnect is no boot');
  }
});

test('TC_B_57_CS Network Reconnection - After connection loss: RetryBackOffWaitMinimum, doubled per failed attempt', async (t) => {
  const b = await withBench(t, { virtual: true, profile: { variables: { 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 10, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0, 'OCPPCommCtrlr.RetryBackOffRepeatTimes': 2 } } });
  assert.deepEqual([0, 1, 2, 3, 7].map((n) => b.cs.station.reconnectDelayMs(n)), [10_000, 20_000, 40_000, 40_000, 40_000]);
  for (let drop = 0; drop < 2; drop++) {
    await (await b.client()).close({ force: true });
    for (let i = 0; i < 100 && b.cs.connected; i++) await b.settle(5);
    await b.advance(9_000);
    assert.equal(b.cs.connected, false, 'not before RetryBackOffWaitMinimum');
    await b.advance(1_500);
    for (let i = 0; i < 200 && !b.cs.connected; i++) await b.settle(5);
    assert.equal(b.cs.connected, true, `reconnected after drop ${drop + 1}`);
  }
});

test('G03.FR.08 / G04.FR.09 availability survives a restart of the simulator with --state-dir', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cs201-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const b = await withBench(t, { stateDir: dir, profile: { evses: 2 } });
  assert.deepEqual(await change(b, 'Inoperative', { id: 2 }), { status: 'Accepted' });
  await b.settle(20);
  await b.cs.close();
  const again = new ChargingStation(`${b.url}CS1`, 'CS1', { boot: 'auto', stateDir: dir, profile: { evses: 2 } });
  t.after(() => again.close());
  const from = b.calls.length;
  await again.connect();
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from), ['1/1 Available', '2/1 Unavailable']);
});

test('TC_G_20_CS Connector status Notification - Lock Failure: NotifyEvent ConnectorPlugRetentionLock.Problem true, no charging', async (t) => {
  // The simulated cable lock fails from the start (profile `hardware.lockFails`; scripts set `cs.station.hardware.lockFails`).
  const b = await withBench(t, { profile: { hardware: { lockFails: true } } });
  const from = b.calls.length;
  b.cs.plugIn(1);
  const [event] = await b.waitFor('NotifyEvent', { from });
  const data = event!.params.eventData as Params[];
  assert.equal(data.length, 1);
  assert.deepEqual(
    { component: data[0]!.component, variable: data[0]!.variable, actualValue: data[0]!.actualValue, trigger: data[0]!.trigger },
    { component: { name: 'ConnectorPlugRetentionLock', evse: { id: 1, connectorId: 1 } }, variable: { name: 'Problem' }, actualValue: 'true', trigger: 'Delta' },
  );
  // G05.FR.01: the driver is authorized, yet no transaction starts charging.
  assert.equal((await b.cs.presentToken(1, 'DRIVER1')).status, 'Accepted');
  await b.settle(200);
  const charging = b.since(from, 'TransactionEvent').filter((c) => c.params.transactionInfo.chargingState === 'Charging');
  assert.deepEqual(charging, []);
  const problem = await b.call('GetVariables', { getVariableData: [{ component: { name: 'ConnectorPlugRetentionLock', evse: { id: 1, connectorId: 1 } }, variable: { name: 'Problem' } }] });
  assert.equal((problem.getVariableResult as Params[])[0]!.attributeValue, 'true');
  // The cable pulled, the problem clears.
  const out = b.calls.length;
  b.cs.unplug(1);
  assert.equal((await b.waitFor('NotifyEvent', { from: out }))[0]!.params.eventData[0].actualValue, 'false');
});

test('UnlockConnector with a lock that does not open: UnlockFailed, then NotifyEvent ConnectorPlugRetentionLock.Problem true', async (t) => {
  const b = await withBench(t);
  b.cs.station.hardware.unlockFails = true;
  const from = b.calls.length;
  assert.deepEqual(await b.call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'UnlockFailed' });
  const [event] = await b.waitFor('NotifyEvent', { from });
  assert.equal(event!.params.eventData[0].component.name, 'ConnectorPlugRetentionLock');
  assert.equal(event!.params.eventData[0].actualValue, 'true');
});
