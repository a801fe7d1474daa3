/**
 * Conformance probes: each one driven by a deliberately misbehaving raw WebSocket client, and a
 * fleet of ocpp-sim's own charge points doing full sessions that must leave the report empty.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connectMany } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import type { Finding } from '../src/csms/probes';
import { rawChargePoint, type RawChargePoint } from './helpers';

let csms: MockCsms;
before(async () => {
  csms = new MockCsms({ port: 0, heartbeatInterval: 60 });
  await csms.listen();
});
after(() => csms.close());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): string => new Date().toISOString();
const BOOT = { chargePointVendor: 'raw', chargePointModel: 'probe-test' };

type Raw = RawChargePoint;
const raw = (id: string): Promise<Raw> => rawChargePoint(`${csms.url}${id}`);

async function bootedRaw(id: string): Promise<Raw> {
  const r = await raw(id);
  const conf = await r.call(`${id}-boot`, 'BootNotification', BOOT);
  assert.equal((conf[2] as { status: string }).status, 'Accepted');
  return r;
}

const findings = (cpId: string): Finding[] => csms.probes!.report()[cpId] ?? [];
const probesOf = (cpId: string): string[] => findings(cpId).map((f) => f.probe);

test('overlapping-call: a CALL sent while the previous one is unanswered', async () => {
  csms.answer('DataTransfer', async () => {
    await sleep(100);
    return { status: 'Accepted' };
  });
  try {
    const r = await bootedRaw('OVERLAP');
    const first = r.call('o1', 'DataTransfer', { vendorId: 'x' });
    const second = r.call('o2', 'Heartbeat', {});
    await Promise.all([first, second]);
    assert.deepEqual(probesOf('OVERLAP'), ['overlapping-call']);
    assert.match(findings('OVERLAP')[0]!.detail, /Heartbeat o2 sent while 1 earlier CALL/);
    await r.call('o3', 'Heartbeat', {});
    assert.equal(findings('OVERLAP').length, 1, 'one at a time is fine');
    await r.close();
  } finally {
    csms.answer('DataTransfer', undefined);
  }
});

test('reused-message-id: the same id for two CALLs of one connection', async () => {
  const r = await bootedRaw('REUSE');
  await r.call('same', 'Heartbeat', {});
  await r.call('same', 'Heartbeat', {});
  assert.deepEqual(probesOf('REUSE'), ['reused-message-id']);
  await r.close();
});

test('schema-violation: an invalid CALL and an invalid CALLRESULT', async () => {
  const r = await bootedRaw('SCHEMA');
  const answer = await r.call('s1', 'StatusNotification', { connectorId: 1 });
  assert.equal(answer[0], 4, 'refused with a CALLERROR');
  const pending = csms.call('SCHEMA', 'GetConfiguration', {}).catch((err: Error) => err);
  const call = await r.nextCall();
  r.send([3, call[1], { configurationKey: 'not an array' }]);
  assert.ok((await pending) instanceof Error);
  const details = findings('SCHEMA').map((f) => `${f.probe}: ${f.detail}`);
  assert.equal(details.length, 2, details.join('\n'));
  assert.match(details[0]!, /^schema-violation: CALL s1: StatusNotification request: field 'errorCode' is required/);
  assert.match(details[1]!, /^schema-violation: CALLRESULT .* to our GetConfiguration: GetConfiguration response: field 'configurationKey'/);
  await r.close();
});

test('trigger-answered-late: the triggered message before the answer to TriggerMessage', async () => {
  const r = await bootedRaw('TRIGGER');
  // Well-behaved first: answer, then the message.
  let pending = csms.call('TRIGGER', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
  let call = await r.nextCall();
  r.send([3, call[1], { status: 'Accepted' }]);
  await pending;
  await r.call('t1', 'Heartbeat', {});
  assert.deepEqual(findings('TRIGGER'), []);
  // The wrong order.
  pending = csms.call('TRIGGER', 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 });
  call = await r.nextCall();
  await r.call('t2', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  r.send([3, call[1], { status: 'Accepted' }]);
  await pending;
  assert.deepEqual(probesOf('TRIGGER'), ['trigger-answered-late']);
  assert.match(findings('TRIGGER')[0]!.detail, /StatusNotification arrived before the answer to TriggerMessage/);
  await r.close();
});

test('transaction-order: Stop before Start, MeterValues and Stop after the Stop, another charge point\'s transaction', async () => {
  const r = await bootedRaw('TXORDER');
  await r.call('x1', 'StopTransaction', { transactionId: 987654, meterStop: 10, timestamp: now() });
  const start = await r.call('x2', 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 100, timestamp: now() });
  const txId = (start[2] as { transactionId: number }).transactionId;
  await r.call('x3', 'MeterValues', { connectorId: 1, transactionId: txId, meterValue: [{ timestamp: now(), sampledValue: [{ value: '150' }] }] });
  assert.equal(findings('TXORDER').length, 1, 'MeterValues of an open transaction are fine');
  await r.call('x4', 'StopTransaction', { transactionId: txId, meterStop: 200, timestamp: now() });
  await r.call('x5', 'MeterValues', { connectorId: 1, transactionId: txId, meterValue: [{ timestamp: now(), sampledValue: [{ value: '250' }] }] });
  await r.call('x6', 'StopTransaction', { transactionId: txId, meterStop: 200, timestamp: now() });
  const other = await bootedRaw('TXOTHER');
  await other.call('y1', 'MeterValues', { connectorId: 1, transactionId: txId, meterValue: [{ timestamp: now(), sampledValue: [{ value: '1' }] }] });
  const details = findings('TXORDER').map((f) => f.detail);
  assert.deepEqual(probesOf('TXORDER'), ['transaction-order', 'transaction-order', 'transaction-order']);
  assert.match(details[0]!, /StopTransaction for transaction 987654, which this CSMS never issued \(StopTransaction before StartTransaction\?\)/);
  assert.match(details[1]!, new RegExp(`MeterValues for transaction ${txId}, already stopped`));
  assert.match(details[2]!, new RegExp(`StopTransaction for transaction ${txId}, already stopped`));
  assert.match(findings('TXOTHER')[0]!.detail, new RegExp(`transaction ${txId} of charge point TXORDER`));
  const tx = csms.transactions.get(txId)!;
  assert.deepEqual([tx.meterStart, tx.meterStop, tx.energyWh], [100, 200, 100]);
  await Promise.all([r.close(), other.close()]);
});

test('boot-on-reconnect: BootNotification again on a plain reconnect, not after an accepted Reset', async () => {
  let r = await bootedRaw('REBOOT');
  await r.close();
  r = await bootedRaw('REBOOT');
  assert.deepEqual(probesOf('REBOOT'), ['boot-on-reconnect']);
  // An accepted Reset explains the next boot.
  const pending = csms.call('REBOOT', 'Reset', { type: 'Soft' });
  const call = await r.nextCall();
  r.send([3, call[1], { status: 'Accepted' }]);
  await pending;
  await r.close();
  r = await bootedRaw('REBOOT');
  assert.equal(findings('REBOOT').length, 1);
  // A reconnect without a boot is what 1.6 wants.
  await r.close();
  r = await raw('REBOOT');
  await r.call('hb', 'Heartbeat', {});
  assert.equal(findings('REBOOT').length, 1);
  await r.close();
});

test('2.0.1: a raw station that breaks each generic rule is caught by name, with its version', async () => {
  const raw201 = (id: string): Promise<Raw> => rawChargePoint(`${csms.url}${id}`, ['ocpp2.0.1']);
  const BOOT = { reason: 'PowerUp', chargingStation: { model: 'probe-test', vendorName: 'raw' } };
  const booted = async (id: string): Promise<Raw> => {
    const r = await raw201(id);
    assert.equal(((await r.call(`${id}-boot`, 'BootNotification', BOOT))[2] as { status: string }).status, 'Accepted');
    return r;
  };
  const status = { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 };
  csms.answer('DataTransfer', async () => {
    await sleep(100);
    return { status: 'Accepted' };
  });
  try {
    // call-before-boot: B02.FR.09, refused with SecurityError.
    const early = await raw201('V201EARLY');
    assert.equal((await early.call('e1', 'Heartbeat', {}))[2], 'SecurityError');
    await early.close();
    // overlapping-call: a second CALL while the first is unanswered.
    const overlap = await booted('V201OVERLAP');
    await Promise.all([overlap.call('o1', 'DataTransfer', { vendorId: 'x' }), overlap.call('o2', 'Heartbeat', {})]);
    await overlap.close();
    // reused-message-id.
    const reuse = await booted('V201REUSE');
    await reuse.call('same', 'Heartbeat', {});
    await reuse.call('same', 'Heartbeat', {});
    await reuse.close();
    // schema-violation: an invalid CALL (FormatViolation or OccurrenceConstraintViolation, 2.0.1 spellings) and an invalid CALLRESULT.
    const schema = await booted('V201SCHEMA');
    const refused = await schema.call('s1', 'StatusNotification', { evseId: 1 });
    assert.equal(refused[0], 4);
    assert.match(String(refused[2]), /^(FormatViolation|OccurrenceConstraintViolation)$/);
    const pending = csms.call('V201SCHEMA', 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }).catch((err: Error) => err);
    schema.send([3, (await schema.nextCall())[1], { getVariableResult: 'not an array' }]);
    assert.ok((await pending) instanceof Error);
    await schema.close();
    // trigger-answered-late: the StatusNotification before the answer to TriggerMessage.
    const trigger = await booted('V201TRIGGER');
    const triggered = csms.call('V201TRIGGER', 'TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } });
    const call = await trigger.nextCall();
    await trigger.call('t1', 'StatusNotification', status);
    trigger.send([3, call[1], { status: 'Accepted' }]);
    await triggered;
    await trigger.close();
  } finally {
    csms.answer('DataTransfer', undefined);
  }
  assert.deepEqual(probesOf('V201EARLY'), ['call-before-boot']);
  assert.match(findings('V201EARLY')[0]!.detail, /Heartbeat refused: no BootNotification was accepted yet \(B02\.FR\.09\)/);
  assert.deepEqual(probesOf('V201OVERLAP'), ['overlapping-call']);
  assert.deepEqual(probesOf('V201REUSE'), ['reused-message-id']);
  assert.deepEqual(probesOf('V201SCHEMA'), ['schema-violation', 'schema-violation']);
  assert.match(findings('V201SCHEMA')[1]!.detail, /to our GetVariables/);
  assert.deepEqual(probesOf('V201TRIGGER'), ['trigger-answered-late']);
  for (const id of ['V201EARLY', 'V201OVERLAP', 'V201REUSE', 'V201SCHEMA', 'V201TRIGGER']) assert.ok(findings(id).every((f) => f.version === '2.0.1'), id);
});

test('1.6: call-before-boot names the refused CALL and its rule', async () => {
  const r = await raw('EARLY16');
  assert.equal((await r.call('e1', 'Authorize', { idTag: 'T' }))[2], 'SecurityError');
  assert.deepEqual(probesOf('EARLY16'), ['call-before-boot']);
  assert.match(findings('EARLY16')[0]!.detail, /Authorize refused/);
  await r.close();
});

test('an ocpp-sim fleet doing full sessions leaves the report empty', async () => {
  csms.probes!.reset();
  const fleet: Chargepoint[] = await connectMany(csms.url, 3, {
    idPrefix: 'FLEET',
    profile: { connectors: 2, configuration: { MeterValueSampleInterval: 1 } },
  });
  try {
    const ids = fleet.map((cp) => cp.id);
    const until = async (what: string, ok: () => boolean, ms = 8000): Promise<void> => {
      const end = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(25);
      }
    };
    await until('boots', () => ids.every((id) => csms.discipline.registrationOf(id) === 'Accepted' && csms.transactions.availableConnector(id) !== undefined));
    // A local session on connector 1, a remote one on connector 2, triggers, a reset.
    for (const cp of fleet) assert.equal(await cp.startCharging(1, 'valid_token'), true);
    for (const id of ids) assert.equal((await csms.call(id, 'RemoteStartTransaction', { connectorId: 2, idTag: 'test_token' })).status, 'Accepted');
    await until('two transactions each', () => ids.every((id) => csms.transactions.open(id).length === 2));
    for (const id of ids) {
      assert.equal((await csms.call(id, 'TriggerMessage', { requestedMessage: 'StatusNotification' })).status, 'Accepted');
      assert.equal((await csms.call(id, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).status, 'Accepted');
      assert.equal((await csms.call(id, 'TriggerMessage', { requestedMessage: 'Heartbeat' })).status, 'Accepted');
    }
    await until('meter values', () => ids.every((id) => csms.transactions.latestMeterValues()[id]?.['2'] !== undefined), 5000);
    await sleep(1200);
    for (const cp of fleet) assert.equal(cp.stopCharging(1), true);
    for (const id of ids) {
      const tx = csms.transactions.open(id).find((t) => t.connectorId === 2)!;
      assert.equal((await csms.call(id, 'RemoteStopTransaction', { transactionId: tx.transactionId })).status, 'Accepted');
    }
    await until('stops', () => ids.every((id) => csms.transactions.open(id).length === 0 && csms.transactions.finished(id).length === 2));
    const before = csms.stations.get(ids[0]!);
    let rebooted = false;
    csms.on('answered', (station: { id: string }, action: string) => {
      if (station.id === ids[0] && action === 'BootNotification') rebooted = true;
    });
    assert.equal((await csms.call(ids[0]!, 'Reset', { type: 'Soft' })).status, 'Accepted');
    await until('a reboot on a new connection', () => rebooted && csms.stations.get(ids[0]!) !== before, 8000);
    await sleep(300);
    for (const tx of csms.transactions.finished().filter((t) => ids.includes(t.cpId))) assert.ok(tx.energyWh >= 0);
    assert.deepEqual(csms.probes!.report(), {});
  } finally {
    await Promise.all(fleet.map((cp) => cp.close()));
  }
});
