/** Periodic CSMS-initiated commands: parsing, default payloads, delivery on the period, and our charge point's answers. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect, connectMany } from '../src/chargepoint/connect';
import { CSMS_ACTIONS, PeriodicCommands, checkCommand, parseCommands, type CommandOutcome } from '../src/csms/commands';
import { DIALECTS } from '../src/csms/dialects';
import { Operator } from '../src/csms/operations';
import { MockCsms } from '../src/csms/mock-csms';
import { SchemaValidator } from '../src/ocpp/validator';
import { ocpp16 } from '../src/ocpp/v16/protocol';

let csms: MockCsms;
before(async () => {
  csms = new MockCsms({ port: 0 });
  await csms.listen();
});
after(() => csms.close());

/** The CSMS-initiated actions of 1.6 (our charge point here speaks 1.6). */
const V16_ACTIONS = Object.entries(ocpp16.actions).filter(([, s]) => s.initiator === 'CSMS').map(([a]) => a);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BOOT = { chargePointVendor: 'ocpp-sim', chargePointModel: 'commands-test' };
/** Nothing listens on port 1: file transfers fail at once instead of reaching a real server. */
const NO_FILE_SERVER = 'ftp://ocpp:ocpp@127.0.0.1:1/';

test('parseCommands: NAME:S lists, canonical names, readable errors', () => {
  assert.deepEqual(parseCommands('getconfiguration:30, TriggerMessage:0.5'), [
    { action: 'GetConfiguration', periodS: 30 },
    { action: 'TriggerMessage', periodS: 0.5 },
  ]);
  assert.throws(() => parseCommands('GetConfiguration'), /not NAME:SECONDS/);
  assert.throws(() => parseCommands('Heartbeat:10'), /'Heartbeat' is not a CSMS-initiated OCPP action/);
  assert.throws(() => parseCommands(''), /expected NAME:SECONDS/);
  assert.throws(() => checkCommand({ action: 'Reset', periodS: 0 }), /positive number/);
  assert.throws(() => checkCommand({ action: 'Reset', periodS: 5, payload: { type: 'Medium' } }), /invalid payload: Reset request: field 'type' must be one of Immediate, OnIdle \(OCPP 2.0.1\); Reset request: field 'type' must be one of Hard, Soft \(OCPP 1.6\)/);
  assert.deepEqual(checkCommand({ action: 'reset', periodS: 5, payload: { type: 'Hard' } }), { action: 'Reset', periodS: 5, payload: { type: 'Hard' } });
});

test('every CSMS-initiated action of each version has a default payload that passes its schema', () => {
  // An open transaction of each version, so remote stops have something to stop.
  csms.transactions.record('CTX', 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() }, { transactionId: 4242, idTagInfo: { status: 'Accepted' } });
  csms.transactions.event201('CTX2', { transactionId: 'T-2', eventType: 'Started', seqNo: 0, timestamp: new Date().toISOString(), evseId: 1, offline: false });
  // A reservation of each, so CancelReservation has one to cancel.
  csms.lastReservation.set('CTX', 77).set('CTX2', 78);
  const operator = new Operator(csms);
  for (const dialect of DIALECTS) {
    const cpId = dialect.version === '1.6' ? 'CTX' : 'CTX2';
    const expected = Object.entries(dialect.protocol.actions).filter(([, s]) => s.initiator !== 'ChargePoint').map(([a]) => a).sort();
    assert.deepEqual(Object.keys(dialect.commands).sort(), expected, dialect.version);
    const validator = SchemaValidator.for(dialect.protocol);
    for (const action of expected) {
      const payload = dialect.commands[action]!(operator.context(cpId));
      assert.ok(payload, `${dialect.version} ${action} has a default`);
      assert.equal(validator.check(action, 'request', payload)?.message, undefined, `${dialect.version} ${action}`);
    }
    assert.equal(dialect.commands[dialect.twin('RemoteStopTransaction')!]!(operator.context('NOBODY')), undefined, 'nothing to stop: skipped');
    assert.equal(dialect.commands.CancelReservation!(operator.context('NOBODY')), undefined, 'nothing to cancel: skipped');
    assert.deepEqual(dialect.commands.CancelReservation!(operator.context(cpId)), { reservationId: cpId === 'CTX' ? 77 : 78 }, 'the last reservation');
  }
  assert.deepEqual(DIALECTS.find((d) => d.version === '1.6')!.commands.RemoteStopTransaction!(operator.context('CTX')), { transactionId: 4242 });
  assert.deepEqual(DIALECTS.find((d) => d.version === '2.0.1')!.commands.RequestStopTransaction!(operator.context('CTX2')), { transactionId: 'T-2' });
  assert.deepEqual([...CSMS_ACTIONS].sort(), [...new Set(DIALECTS.flatMap((d) => Object.keys(d.commands)))].sort());
  csms.transactions.clear();
  csms.lastReservation.clear();
});

test('periodic commands reach every connected charge point on their period, with one shared timer', async () => {
  const cps = [await connect(`${csms.url}PER1`), await connect(`${csms.url}PER2`)];
  for (const cp of cps) await cp.sendBootnotification(BOOT);
  const commands = new PeriodicCommands(csms, [
    { action: 'GetConfiguration', periodS: 0.15 },
    { action: 'DataTransfer', periodS: 0.25, payload: { vendorId: 'me', messageId: 'custom' } },
  ]);
  const outcomes: CommandOutcome[] = [];
  commands.on('result', (o: CommandOutcome) => outcomes.push(o));
  commands.on('error', (o: CommandOutcome) => outcomes.push(o));
  const seen: unknown[] = [];
  cps[0]!.answer('DataTransfer', (req) => {
    seen.push(req.payload);
    return { status: 'Accepted' };
  });
  try {
    commands.start();
    await sleep(700);
  } finally {
    commands.stop();
    await Promise.all(cps.map((cp) => cp.close()));
  }
  const count = (cpId: string, action: string): number => outcomes.filter((o) => o.cpId === cpId && o.action === action && o.response).length;
  for (const id of ['PER1', 'PER2']) {
    assert.ok(count(id, 'GetConfiguration') >= 3, `${id} GetConfiguration ×${count(id, 'GetConfiguration')}`);
    assert.ok(count(id, 'DataTransfer') >= 2, `${id} DataTransfer ×${count(id, 'DataTransfer')}`);
  }
  assert.deepEqual(outcomes.filter((o) => o.error), []);
  assert.deepEqual(seen[0], { vendorId: 'me', messageId: 'custom' }, 'the payload override is sent');
});

test('a Rejected charge point is skipped; nothing is sent after stop()', async () => {
  const strict = new MockCsms({ port: 0, bootStatus: 'Rejected' });
  await strict.listen();
  const cp = await connect(`${strict.url}REJ`);
  await cp.sendBootnotification(BOOT);
  const commands = new PeriodicCommands(strict, [{ action: 'ClearCache', periodS: 3600 }]);
  const skipped: string[] = [];
  commands.on('skipped', (id: string, _a: string, why: string) => skipped.push(`${id}: ${why}`));
  assert.deepEqual(await commands.runNow(), []);
  assert.deepEqual(skipped, ['REJ: its boot was Rejected']);
  await cp.close();
  await strict.close();
});

test('our own charge point answers every default command without a CALLERROR', async () => {
  const [cp] = (await connectMany(csms.url, 1, { idPrefix: 'EVERY', profile: { connectors: 2 } })) as [Chargepoint];
  const commands = new PeriodicCommands(
    csms,
    V16_ACTIONS.map((action) => ({ action, periodS: 3600 })),
    { fileServerUrl: NO_FILE_SERVER },
  );
  try {
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (let end = Date.now() + 5000; !ok(); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    };
    await until('boot', () => csms.transactions.availableConnector(cp.id) !== undefined);
    // Reset last: it reboots the charge point.
    const order = [...V16_ACTIONS.filter((a) => a !== 'Reset'), 'Reset'];
    const answers: Record<string, unknown> = {};
    for (const action of order) {
      if (action === 'RemoteStopTransaction') await until('the remote start', () => csms.transactions.open(cp.id).length > 0);
      const [outcome] = await commands.runNow(action);
      assert.ok(outcome, `${action} was sent`);
      assert.equal(outcome.error, undefined, `${action}: ${outcome.error?.message}`);
      answers[action] = outcome.response;
    }
    assert.deepEqual(answers.RemoteStartTransaction, { status: 'Accepted' });
    assert.deepEqual(answers.RemoteStopTransaction, { status: 'Accepted' });
    assert.deepEqual(answers.ReserveNow, { status: 'Accepted' });
    assert.deepEqual(answers.CancelReservation, { status: 'Accepted' }, 'cancels the reservation it made');
    assert.deepEqual(answers.Reset, { status: 'Accepted' });
  } finally {
    await cp.close();
  }
});
