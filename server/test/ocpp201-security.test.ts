/**
 * OCTT 2.0.1 station cases of block A a simulator meets on security profile 1 (HTTP Basic
 * authentication and its password update), plus the remaining transaction-status and
 * availability-persistence cases, driven from a strict ocpp-rpc CSMS that checks the password.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldTransactionEvents, withBench201, type Bench201 } from './cs201-harness';

const withBench = withBench201;

const OLD = 'old-password-0123456789';
const NEW = 'new-password-9876543210';
const setPassword = async (b: Bench201, value: string): Promise<string> =>
  (await b.call('SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: value }] })).setVariableResult[0].attributeStatus;

test('TC_A_01_CS Basic Authentication - Valid username/password combination: the station boots with its password', async (t) => {
  const seen: (string | undefined)[] = [];
  const b = await withBench(t, { password: OLD, checkPassword: (p) => (seen.push(p), p === OLD) });
  assert.deepEqual(seen, [OLD]);
  assert.equal(b.cs.station.bootState, 'Accepted');
});

test('TC_A_09_CS / TC_A_10_CS Update the Basic-auth password: Accepted → reconnect with the new one; too short → Rejected, the old one stays', async (t) => {
  let expected = OLD;
  const seen: (string | undefined)[] = [];
  const b = await withBench(t, { password: OLD, checkPassword: (p) => (seen.push(p), p === expected) });
  assert.equal(await setPassword(b, 'short'), 'Rejected', 'TC_A_10: fewer than 16 characters');
  assert.equal(await setPassword(b, NEW), 'Accepted');
  expected = NEW;
  for (let i = 0; i < 200 && seen.length < 2; i++) await b.settle(10);
  assert.deepEqual(seen, [OLD, NEW]);
  for (let i = 0; i < 200 && !b.cs.connected; i++) await b.settle(10);
  assert.equal(b.cs.connected, true);
  const logged = b.cs.station.securityLog.entries().map((e) => e.text);
  assert.ok(logged.includes('ReconfigurationOfSecurityParameters: SecurityCtrlr.BasicAuthPassword changed'), logged.join('\n'));
  assert.ok(!logged.some((text) => text.includes(NEW)), 'logged without the value');
  const [event] = await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'ReconfigurationOfSecurityParameters' });
  assert.equal(event!.params.techInfo, 'SecurityCtrlr.BasicAuthPassword changed');
});

test('TC_E_29_CS / TC_E_33_CS Check Transaction status with messages in the queue', async (t) => {
  const held = heldTransactionEvents();
  const b = await withBench(t, { answers: held.answers });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  const [started] = await b.waitFor('TransactionEvent', { from });
  await b.settle(20);
  held.hold();
  b.cs.suspend(1, 'EV');
  await b.waitFor('TransactionEvent', { from, count: 2 });
  const transactionId = started!.params.transactionInfo.transactionId;
  assert.deepEqual(await b.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: true, messagesInQueue: true });
  assert.deepEqual(await b.call('GetTransactionStatus', {}), { messagesInQueue: true });
  held.release();
  await b.settle(30);
  assert.deepEqual(await b.call('GetTransactionStatus', {}), { messagesInQueue: false });
});

test('TC_G_21_CS Change Availability Charging Station - state persists across reboot', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  assert.deepEqual(await b.call('ChangeAvailability', { operationalStatus: 'Inoperative' }), { status: 'Accepted' });
  const from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
  await b.waitFor('BootNotification', { from, ms: 5000 });
  const boot = b.calls.findIndex((c, i) => i >= from && c.action === 'BootNotification');
  const reports = await b.waitFor('StatusNotification', { from: boot, count: 2 });
  assert.deepEqual(reports.map((c) => c.params.connectorStatus), ['Unavailable', 'Unavailable']);
});
