/**
 * OCTT 1.6 Core cases (charge point as the system under test), driven from the CSMS side with
 * the mock CSMS of `tc-harness.ts`. Each test is named after the case it mirrors
 * (`/work/shared/reference/octt-16-cases.md`); timing rules run on the virtual clock. Every
 * scenario also checks the wire: each CALL the charge point sent passes the official 1.6 schema,
 * the CSMS answered none with a CALLERROR, and the charge point warned of nothing invalid,
 * failed or dropped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { MockCsms } from '../src/csms/mock-csms';
import { OcppTimeoutError } from '../src/ocpp/errors';
import type { Payload } from '../src/ocpp/frames';
import { VirtualScheduler } from '../src/ocpp/scheduler';
import { ocpp16 } from '../src/ocpp/v16/protocol';
import { SchemaValidator } from '../src/ocpp/validator';
import { scenario, untilIdle, type Scenario, type SentCall } from './tc-harness';

type Options = NonNullable<Parameters<typeof scenario>[0]>;

const validator = SchemaValidator.for(ocpp16);
const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- helpers ----

/** Poll (real time, up to 3 s) until `pred` holds. */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !pred(); waited += 2) {
    if (waited > 3000) throw new Error(`timed out waiting for ${what}`);
    await pause(2);
  }
}

/** What a scenario's wire check needs. */
interface Wire {
  sent: SentCall[];
  warnings: string[];
  /** CALLERRORs the CSMS sent (answers to invalid CALLs). */
  callErrors: string[];
}

/**
 * Every CALL the charge point sent is schema-valid, the CSMS refused none, and the charge point
 * warned of nothing invalid, failed or dropped (`allowed` lists expected warnings).
 */
function assertWireClean(w: Wire, allowed?: RegExp): void {
  assert.ok(w.sent.length > 0, 'the charge point sent nothing at all');
  for (const c of w.sent) {
    const v = validator.check(c.action, 'request', c.payload);
    assert.equal(v, undefined, `${c.action} ${JSON.stringify(c.payload)} is not schema-valid: ${v?.message}`);
  }
  assert.deepEqual(w.callErrors, [], 'the CSMS answered a CALL with CALLERROR');
  const bad = w.warnings.filter((line) => /invalid|failed|dropped|error/i.test(line) && !(allowed && allowed.test(line)));
  assert.deepEqual(bad, [], 'unexpected charge point warnings');
}

/** Run `body` against a fresh scenario; check the wire afterwards; always close. */
async function withScenario(options: Options, body: (s: Scenario) => Promise<void>): Promise<void> {
  const s = await scenario(options);
  const callErrors: string[] = [];
  s.csms.on('frame', (_st, e) => {
    if (e.direction === 'out' && e.frame?.type === 4) callErrors.push(e.text);
  });
  try {
    await body(s);
    await untilIdle(s.cp);
    assertWireClean({ sent: s.sent, warnings: s.warnings, callErrors });
  } finally {
    await s.close();
  }
}

/** Wait (real time, up to 3 s) until `count` CALLs with this action (and match) were sent after index `from`. */
async function waitSince(s: { sent: SentCall[] }, from: number, action: string, match: (p: Record<string, unknown>) => boolean = () => true, count = 1): Promise<SentCall[]> {
  for (let waited = 0; ; waited += 2) {
    const hits = s.sent.slice(from).filter((c) => c.action === action && match(c.payload));
    if (hits.length >= count) return hits;
    if (waited > 3000) {
      throw new Error(`timed out waiting for ${count} × ${action} after #${from}; sent: ${s.sent.slice(from).map((c) => `${c.action} ${JSON.stringify(c.payload)}`).join('\n  ')}`);
    }
    await pause(2);
  }
}

/** Index in `sent` of the first CALL after `from` with this action (and match); -1 when none. */
function indexOf(s: { sent: SentCall[] }, from: number, action: string, match: (p: Record<string, unknown>) => boolean = () => true): number {
  for (let i = from; i < s.sent.length; i++) if (s.sent[i]!.action === action && match(s.sent[i]!.payload)) return i;
  return -1;
}

/** Match a StatusNotification of one connector (and status). */
const status = (connectorId: number, st?: string) => (p: Record<string, unknown>) => p.connectorId === connectorId && (st === undefined || p.status === st);

/** Statuses reported for a connector since index `from`, in order. */
function statuses(s: { sent: SentCall[] }, from: number, connectorId: number): string[] {
  return s.sent.slice(from).filter((c) => c.action === 'StatusNotification' && c.payload.connectorId === connectorId).map((c) => c.payload.status as string);
}

/** The transactionId the CSMS gave the running transaction on a connector, once StartTransaction was answered. */
async function transactionIdOn(cp: Chargepoint, connectorId = 1): Promise<number> {
  await until(() => cp.station.connector(connectorId)?.transaction?.id !== undefined, `transactionId on connector ${connectorId}`);
  return cp.station.connector(connectorId)!.transaction!.id!;
}

/** Plug in and present a tag: Authorize, StartTransaction, Charging; resolves with the transactionId. */
async function charge(s: Scenario, idTag = 'TAG1', connectorId = 1): Promise<number> {
  const from = s.sent.length;
  assert.equal(await s.cp.startCharging(connectorId, idTag), true, `${idTag} was refused`);
  await waitSince(s, from, 'StartTransaction', (p) => p.connectorId === connectorId);
  await waitSince(s, from, 'StatusNotification', status(connectorId, 'Charging'));
  return transactionIdOn(s.cp, connectorId);
}

/** Wait until a Reset's reboot dropped the connection and armed the reconnect. */
async function untilRebooting(cp: Chargepoint): Promise<void> {
  await until(() => !cp.connected && cp.station.bootState === 'None', 'the reboot to drop the connection');
}

/**
 * A charge point booting against a mock CSMS whose BootNotification answers are scripted
 * (TC_001 / TC_002): the harness boots before a test could override the answer, so this sets
 * the override before connecting. Virtual clock.
 */
async function bootScenario(bootAnswers: Payload[]) {
  const csms = new MockCsms({ port: 0 });
  const sent: SentCall[] = [];
  const callErrors: string[] = [];
  csms.on('frame', (_st, e) => {
    const f = e.frame;
    // StartupOfTheDevice follows the accepted boot; the boot cases check everything else in order.
    if (e.direction === 'in' && f && f.type === 2 && f.action !== 'SecurityEventNotification') sent.push({ action: f.action, payload: f.payload as Record<string, unknown> });
    if (e.direction === 'out' && f && f.type === 4) callErrors.push(e.text);
  });
  let answered = 0;
  csms.answer('BootNotification', () => ({ currentTime: new Date().toISOString(), ...bootAnswers[Math.min(answered++, bootAnswers.length - 1)] }));
  await csms.listen();
  const clock = new VirtualScheduler(T0);
  const warnings: string[] = [];
  const cp = await connect(`${csms.url}CP1`, undefined, undefined, {
    boot: 'auto',
    scheduler: clock,
    observe: (c) => c.on('warning', (w: string) => warnings.push(w)),
  });
  return {
    csms,
    cp,
    clock,
    sent,
    warnings,
    callErrors,
    async advance(ms: number): Promise<void> {
      await clock.advance(ms, () => untilIdle(cp));
      await untilIdle(cp);
    },
    async close(): Promise<void> {
      await cp.close();
      await csms.close();
    },
  };
}

// ---- boot (TC_001, TC_002) ----

test('TC_001 cold boot: Rejected means silence until the interval, then Accepted, StatusNotification 0..N, Heartbeat', async () => {
  const b = await bootScenario([
    { status: 'Rejected', interval: 10 },
    { status: 'Accepted', interval: 60 },
  ]);
  try {
    await waitSince(b, 0, 'BootNotification');
    await until(() => b.cp.station.bootState === 'Rejected', 'the Rejected answer');
    // Rejected: the charge point answers nothing, not even a CALLERROR.
    await assert.rejects(b.csms.call('CP1', 'GetConfiguration', {}, { timeoutMs: 150 }), OcppTimeoutError);
    assert.ok(b.warnings.some((w) => /ignored GetConfiguration/.test(w)), `the call was not ignored: ${b.warnings.join('; ')}`);
    await b.advance(9_999);
    assert.deepEqual(b.sent.map((c) => c.action), ['BootNotification'], 'only BootNotification before the interval passed');
    await b.advance(1);
    await waitSince(b, 1, 'StatusNotification', () => true, 2);
    const after = b.sent.slice(1);
    assert.equal(after[0]!.action, 'BootNotification', 'the retry is a BootNotification');
    assert.deepEqual(after.slice(1, 3).map((c) => [c.action, c.payload.connectorId, c.payload.status]), [
      ['StatusNotification', 0, 'Available'],
      ['StatusNotification', 1, 'Available'],
    ]);
    assert.equal(b.cp.station.config.int('HeartbeatInterval'), 60, 'the accepted interval becomes HeartbeatInterval');
    // Now answered again.
    const conf = await b.csms.call('CP1', 'GetConfiguration', { key: ['HeartbeatInterval'] }, { timeoutMs: 1000 });
    assert.equal((conf.configurationKey as { value: string }[])[0]!.value, '60');
    await b.advance(59_999);
    assert.equal(b.sent.filter((c) => c.action === 'Heartbeat').length, 0, 'no Heartbeat before the interval');
    await b.advance(1);
    await waitSince(b, 0, 'Heartbeat');
    await b.advance(60_000);
    await waitSince(b, 0, 'Heartbeat', () => true, 2);
    assertWireClean(b, /ignored GetConfiguration/);
  } finally {
    await b.close();
  }
});

test('TC_002 cold boot Pending: configuration calls answered while pending, nothing sent, then Accepted', async () => {
  const b = await bootScenario([
    { status: 'Pending', interval: 20 },
    { status: 'Accepted', interval: 30 },
  ]);
  try {
    await until(() => b.cp.station.bootState === 'Pending', 'the Pending answer');
    const all = await b.csms.call('CP1', 'GetConfiguration', {}, { timeoutMs: 1000 });
    const keys = (all.configurationKey as { key: string }[]).map((k) => k.key);
    assert.ok(keys.includes('MeterValueSampleInterval') && keys.includes('HeartbeatInterval'), 'GetConfiguration (all keys) answered while pending');
    assert.deepEqual(await b.csms.call('CP1', 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' }, { timeoutMs: 1000 }), { status: 'Accepted' });
    assert.equal(b.cp.station.config.int('MeterValueSampleInterval'), 30);
    // Remote start is not allowed while pending.
    assert.deepEqual(await b.csms.call('CP1', 'RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }, { timeoutMs: 1000 }), { status: 'Rejected' });
    await b.advance(19_999);
    assert.deepEqual(b.sent.map((c) => c.action), ['BootNotification'], 'nothing but BootNotification while pending');
    await b.advance(1);
    await waitSince(b, 1, 'StatusNotification', () => true, 2);
    assert.deepEqual(b.sent.slice(1).map((c) => [c.action, c.payload.connectorId, c.payload.status]), [
      ['BootNotification', undefined, undefined],
      ['StatusNotification', 0, 'Available'],
      ['StatusNotification', 1, 'Available'],
    ]);
    assert.equal(b.cp.station.config.int('MeterValueSampleInterval'), 30, 'the change made while pending survives');
    await b.advance(30_000);
    await waitSince(b, 0, 'Heartbeat');
    assertWireClean(b);
  } finally {
    await b.close();
  }
});

// ---- local sessions (TC_003, TC_004, TC_005) ----

test('TC_003 regular session, plug-in first: Preparing, Authorize, StartTransaction, Charging', () =>
  withScenario({}, async (s) => {
    const from = s.sent.length;
    s.cp.plugIn(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    const [start] = await waitSince(s, from, 'StartTransaction');
    await waitSince(s, from, 'StatusNotification', status(1, 'Charging'));
    const auth = indexOf(s, from, 'Authorize', (p) => p.idTag === 'TAG1');
    assert.ok(auth >= 0 && auth < indexOf(s, from, 'StartTransaction'), 'Authorize precedes StartTransaction');
    assert.equal(start!.payload.connectorId, 1);
    assert.equal(start!.payload.idTag, 'TAG1');
    assert.ok(Number.isInteger(start!.payload.meterStart));
    assert.deepEqual(statuses(s, from, 1), ['Preparing', 'Charging']);
  }));

test('TC_004_1 regular session, identification first: Authorize and Preparing, then plug-in starts', () =>
  withScenario({}, async (s) => {
    const from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.ok(indexOf(s, from, 'Authorize') >= 0);
    assert.equal(indexOf(s, from, 'StartTransaction'), -1, 'no transaction before the cable is in');
    s.cp.plugIn(1);
    await waitSince(s, from, 'StartTransaction', (p) => p.idTag === 'TAG1');
    await waitSince(s, from, 'StatusNotification', status(1, 'Charging'));
    assert.deepEqual(statuses(s, from, 1), ['Preparing', 'Charging']);
  }));

test('TC_004_2 identification first, no cable within ConnectionTimeOut: back to Available', () =>
  withScenario({ virtual: true, profile: { configuration: { ConnectionTimeOut: 30 } } }, async (s) => {
    const from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    await s.advance(29_999);
    assert.deepEqual(statuses(s, from, 1), ['Preparing'], 'still waiting for the cable');
    await s.advance(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    // Plugging in later does not start the expired authorization.
    s.cp.plugIn(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'), 2);
    assert.equal(indexOf(s, from, 'StartTransaction'), -1);
    assert.equal(s.cp.station.connector(1)!.transaction, undefined);
  }));

test('TC_005_1 EV side disconnected, StopTransactionOnEVSideDisconnect true: StopTransaction EVDisconnected', () =>
  withScenario({}, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    s.cp.unplug(1);
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.reason, 'EVDisconnected');
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    assert.equal(s.cp.station.connector(1)!.transaction, undefined);
  }));

test('TC_005_3 EV side disconnected, StopTransactionOnEVSideDisconnect false: SuspendedEV, then RemoteStop with reason Remote', () =>
  withScenario({}, async (s) => {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'StopTransactionOnEVSideDisconnect', value: 'false' }), { status: 'Accepted' });
    const txId = await charge(s);
    const from = s.sent.length;
    s.cp.unplug(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'SuspendedEV'));
    assert.equal(indexOf(s, from, 'StopTransaction'), -1, 'the transaction is kept');
    assert.equal(s.cp.station.connector(1)!.transaction?.id, txId);
    assert.deepEqual(await s.call('RemoteStopTransaction', { transactionId: txId }), { status: 'Accepted' });
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.reason, 'Remote');
    await waitSince(s, from, 'StatusNotification', (p) => p.connectorId === 1 && p.status !== 'SuspendedEV');
    assert.ok(['Finishing', 'Available'].includes(statuses(s, from, 1).at(-1)!));
  }));

// ---- authorization cache (TC_007, TC_061) ----

test('TC_007 cached id with LocalPreAuthorize: no Authorize round trip on later starts (local and remote)', () =>
  withScenario({ profile: { configuration: { LocalPreAuthorize: true } } }, async (s) => {
    await charge(s, 'TAG1');
    assert.equal(s.sent.filter((c) => c.action === 'Authorize').length, 1, 'the first use is authorized online');
    s.cp.stopCharging(1);
    s.cp.unplug(1);
    await waitSince(s, 0, 'StopTransaction');
    await waitSince(s, 0, 'StatusNotification', status(1, 'Available'), 2);
    // Local identification with the cached tag.
    let from = s.sent.length;
    await charge(s, 'TAG1');
    assert.equal(s.since(from, 'Authorize').length, 0, 'no Authorize for a cached, accepted tag');
    s.cp.stopCharging(1);
    s.cp.unplug(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    // D: started by RemoteStartTransaction (AuthorizeRemoteTxRequests true).
    from = s.sent.length;
    s.cp.plugIn(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' });
    await waitSince(s, from, 'StartTransaction', (p) => p.idTag === 'TAG1');
    await waitSince(s, from, 'StatusNotification', status(1, 'Charging'));
    assert.equal(s.since(from, 'Authorize').length, 0, 'no Authorize for a remote start with a cached tag');
  }));

test('TC_061 ClearCache: the next presentation of a cached tag is authorized afresh', () =>
  withScenario({ virtual: true, profile: { configuration: { LocalPreAuthorize: true, ConnectionTimeOut: 20 } } }, async (s) => {
    let from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.equal(s.since(from, 'Authorize').length, 1);
    await s.advance(20_000);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    // Cached: no Authorize.
    from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.equal(s.since(from, 'Authorize').length, 0, 'the tag is cached before ClearCache');
    await s.advance(20_000);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    assert.deepEqual(await s.call('ClearCache'), { status: 'Accepted' });
    from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    await waitSince(s, from, 'Authorize', (p) => p.idTag === 'TAG1');
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
  }));

// ---- remote start / stop (TC_010, TC_011, TC_012, TC_026, TC_027, TC_028) ----

test('TC_010 remote start, cable plugged in first: Accepted, Authorize, StartTransaction, Charging', () =>
  withScenario({}, async (s) => {
    const from = s.sent.length;
    s.cp.plugIn(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    const [conf] = await s.call('GetConfiguration', { key: ['AuthorizeRemoteTxRequests'] }).then((r) => r.configurationKey as { value: string }[]);
    assert.equal(conf!.value, 'true');
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' });
    const [start] = await waitSince(s, from, 'StartTransaction');
    await waitSince(s, from, 'StatusNotification', status(1, 'Charging'));
    const auth = indexOf(s, from, 'Authorize', (p) => p.idTag === 'TAG1');
    assert.ok(auth >= 0 && auth < indexOf(s, from, 'StartTransaction'), 'Authorize (AuthorizeRemoteTxRequests true) precedes StartTransaction');
    assert.equal(start!.payload.idTag, 'TAG1');
    assert.equal(start!.payload.connectorId, 1);
    assert.deepEqual(statuses(s, from, 1), ['Preparing', 'Charging']);
  }));

test('TC_010 remote start with AuthorizeRemoteTxRequests false: no Authorize', () =>
  withScenario({}, async (s) => {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'AuthorizeRemoteTxRequests', value: 'false' }), { status: 'Accepted' });
    const from = s.sent.length;
    s.cp.plugIn(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' });
    await waitSince(s, from, 'StartTransaction', (p) => p.idTag === 'TAG1');
    await waitSince(s, from, 'StatusNotification', status(1, 'Charging'));
    assert.equal(s.since(from, 'Authorize').length, 0);
  }));

test('TC_011_1 remote start first: Accepted, Authorize, Preparing; plug-in starts the transaction', () =>
  withScenario({ automation: { autoPlugIn: false } }, async (s) => {
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStartTransaction', { idTag: 'TAG1' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.ok(indexOf(s, from, 'Authorize', (p) => p.idTag === 'TAG1') >= 0);
    assert.equal(indexOf(s, from, 'StartTransaction'), -1, 'no transaction before the cable is in');
    s.cp.plugIn(1);
    const [start] = await waitSince(s, from, 'StartTransaction');
    await waitSince(s, from, 'StatusNotification', status(1, 'Charging'));
    assert.equal(start!.payload.idTag, 'TAG1');
    assert.deepEqual(statuses(s, from, 1), ['Preparing', 'Charging']);
  }));

test('TC_011_2 remote start, no cable within ConnectionTimeOut: back to Available, no transaction', () =>
  withScenario({ virtual: true, automation: { autoPlugIn: false } }, async (s) => {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '45' }), { status: 'Accepted' });
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    await s.advance(44_999);
    assert.deepEqual(statuses(s, from, 1), ['Preparing']);
    await s.advance(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    assert.equal(indexOf(s, from, 'StartTransaction'), -1);
    assert.equal(s.cp.station.connector(1)!.authorized, undefined);
  }));

test('TC_012 remote stop: Accepted, StopTransaction reason Remote, Finishing; Available after unplug', () =>
  withScenario({}, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStopTransaction', { transactionId: txId }), { status: 'Accepted' });
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.reason, 'Remote');
    assert.ok(Number.isInteger(stop!.payload.meterStop));
    await waitSince(s, from, 'StatusNotification', status(1, 'Finishing'));
    s.cp.unplug(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    assert.deepEqual(statuses(s, from, 1), ['Finishing', 'Available']);
  }));

test('TC_026 remote start on a connector with a transaction: Rejected', () =>
  withScenario({}, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG2' }), { status: 'Rejected' });
    await untilIdle(s.cp);
    assert.equal(s.since(from).length, 0, 'nothing sent on a rejected remote start');
    assert.equal(s.cp.station.connector(1)!.transaction?.id, txId);
  }));

test('TC_027 remote start with connectorId 0: Rejected', () =>
  withScenario({}, async (s) => {
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 0, idTag: 'TAG1' }), { status: 'Rejected' });
    await untilIdle(s.cp);
    assert.equal(s.since(from).length, 0);
    assert.equal(s.cp.station.connector(1)!.authorized, undefined);
  }));

test('TC_028 remote stop with an unknown transactionId: Rejected, the transaction goes on', () =>
  withScenario({}, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStopTransaction', { transactionId: txId + 1000 }), { status: 'Rejected' });
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StopTransaction').length, 0);
    assert.equal(s.cp.station.connector(1)!.transaction?.id, txId);
    assert.equal(s.cp.station.connector(1)!.status, 'Charging');
  }));

// ---- availability and reset (TC_013 to TC_016, ChangeAvailability Scheduled) ----

test('TC_013 hard reset without transaction: the Inoperative connector is still Unavailable after the reboot', () =>
  withScenario({ virtual: true }, async (s) => {
    let from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', status(1, 'Unavailable'));
    from = s.sent.length;
    assert.deepEqual(await s.call('Reset', { type: 'Hard' }), { status: 'Accepted' });
    await untilRebooting(s.cp);
    assert.equal(s.since(from, 'StopTransaction').length, 0, 'no transaction to stop');
    await s.advance(1000);
    await waitSince(s, from, 'BootNotification');
    await waitSince(s, from, 'StatusNotification', () => true, 2);
    assert.deepEqual(s.since(from).map((c) => [c.action, c.payload.connectorId, c.payload.status]), [
      ['BootNotification', undefined, undefined],
      ['StatusNotification', 0, 'Available'],
      ['StatusNotification', 1, 'Unavailable'],
    ]);
    from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Operative' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
  }));

test('TC_014 soft reset without transaction: the Inoperative connector is still Unavailable afterwards', () =>
  withScenario({ virtual: true }, async (s) => {
    let from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', status(1, 'Unavailable'));
    from = s.sent.length;
    assert.deepEqual(await s.call('Reset', { type: 'Soft' }), { status: 'Accepted' });
    await untilRebooting(s.cp);
    await s.advance(1000);
    await waitSince(s, from, 'StatusNotification', status(1));
    assert.deepEqual(statuses(s, from, 1), ['Unavailable']);
    assert.equal(s.cp.station.connector(1)!.status, 'Unavailable');
    from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Operative' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
  }));

test('TC_015 hard reset with transaction: StopTransaction reason HardReset before the new BootNotification', () =>
  withScenario({ virtual: true }, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('Reset', { type: 'Hard' }), { status: 'Accepted' });
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.reason, 'HardReset');
    await untilRebooting(s.cp);
    await s.advance(1000);
    await waitSince(s, from, 'BootNotification');
    await waitSince(s, indexOf(s, from, 'BootNotification'), 'StatusNotification', status(1));
    const boot = indexOf(s, from, 'BootNotification');
    assert.ok(indexOf(s, from, 'StopTransaction') < boot, 'StopTransaction precedes the new BootNotification');
    const afterBoot = statuses(s, boot, 1);
    assert.ok(['Finishing', 'Preparing'].includes(afterBoot[0]!), `after the reboot the connector reports ${afterBoot[0]}`);
    assert.deepEqual(statuses(s, boot, 0), ['Available']);
    assert.equal(s.cp.station.connector(1)!.transaction, undefined);
  }));

test('TC_016 soft reset with transaction: StopTransaction reason SoftReset, Finishing', () =>
  withScenario({ virtual: true }, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('Reset', { type: 'Soft' }), { status: 'Accepted' });
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.reason, 'SoftReset');
    await waitSince(s, from, 'StatusNotification', status(1, 'Finishing'));
    await untilRebooting(s.cp);
    await s.advance(1000);
    await waitSince(s, from, 'BootNotification');
    const boot = indexOf(s, from, 'BootNotification');
    assert.ok(indexOf(s, from, 'StopTransaction') < boot);
    assert.equal(s.since(boot, 'StopTransaction').length, 0, 'the transaction is stopped once');
  }));

test('§5.2 ChangeAvailability Inoperative while charging (no OCTT id; cf. TC_013): Scheduled, applied when the transaction ends', () =>
  withScenario({}, async (s) => {
    await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), { status: 'Scheduled' });
    await untilIdle(s.cp);
    assert.deepEqual(statuses(s, from, 1), [], 'the running transaction is not interrupted');
    assert.equal(s.cp.station.connector(1)!.status, 'Charging');
    // The transaction ends: the scheduled change applies, and the connector refuses new sessions.
    assert.equal(s.cp.stopCharging(1), true);
    await waitSince(s, from, 'StopTransaction');
    await waitSince(s, from, 'StatusNotification', status(1, 'Unavailable'));
    assert.ok(indexOf(s, from, 'StopTransaction') < indexOf(s, from, 'StatusNotification', status(1, 'Unavailable')));
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Rejected' });
    // Operative again: out of Unavailable (Finishing while the cable is still in).
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Operative' }), { status: 'Accepted' });
    await waitSince(s, from, 'StatusNotification', (p) => p.connectorId === 1 && p.status !== 'Unavailable' && p.status !== 'Charging');
  }));

test('§5.2 ChangeAvailability connectorId 0 Inoperative while charging (no OCTT id): Scheduled, connector Unavailable after the stop', () =>
  withScenario({}, async (s) => {
    await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' }), { status: 'Scheduled' });
    await untilIdle(s.cp);
    assert.equal(s.cp.station.connector(1)!.status, 'Charging');
    assert.deepEqual(statuses(s, from, 1), []);
    s.cp.stopCharging(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Unavailable'));
  }));

// ---- unlock (TC_017, TC_018, TC_030, TC_031) ----

test('TC_017_1 UnlockConnector without a session (detachable cable): Unlocked', () =>
  withScenario({}, async (s) => {
    const from = s.sent.length;
    assert.deepEqual(await s.call('UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StopTransaction').length, 0);
  }));

test('TC_017_2 UnlockConnector with a fixed cable: NotSupported', () =>
  withScenario({ profile: { fixedCable: true } }, async (s) => {
    assert.deepEqual(await s.call('UnlockConnector', { connectorId: 1 }), { status: 'NotSupported' });
  }));

test('TC_018_1 UnlockConnector during a session: Unlocked, StopTransaction reason UnlockCommand, Finishing, Available after removal', () =>
  withScenario({}, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.reason, 'UnlockCommand');
    await waitSince(s, from, 'StatusNotification', status(1, 'Finishing'));
    s.cp.unplug(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    assert.deepEqual(statuses(s, from, 1), ['Finishing', 'Available']);
  }));

test('TC_018_2 UnlockConnector during a session with a fixed cable: NotSupported, the session goes on', () =>
  withScenario({ profile: { fixedCable: true } }, async (s) => {
    const txId = await charge(s);
    const from = s.sent.length;
    assert.deepEqual(await s.call('UnlockConnector', { connectorId: 1 }), { status: 'NotSupported' });
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StopTransaction').length, 0);
    assert.equal(s.cp.station.connector(1)!.transaction?.id, txId);
  }));

test('TC_030 UnlockConnector when the lock cannot be released: UnlockFailed', () =>
  withScenario({}, async (s) => {
    s.cp.station.hardware.unlockFails = true;
    assert.deepEqual(await s.call('UnlockConnector', { connectorId: 1 }), { status: 'UnlockFailed' });
  }));

test('TC_031 UnlockConnector for an unknown connector: NotSupported', () =>
  withScenario({}, async (s) => {
    assert.deepEqual(await s.call('UnlockConnector', { connectorId: 2 }), { status: 'NotSupported' });
  }));

// ---- configuration (TC_021, TC_040) ----

test('TC_021 ChangeConfiguration MeterValueSampleInterval: Accepted and reported by GetConfiguration', () =>
  withScenario({}, async (s) => {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '37' }), { status: 'Accepted' });
    const conf = await s.call('GetConfiguration', { key: ['MeterValueSampleInterval'] });
    assert.deepEqual(conf, { configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '37' }] });
  }));

test('TC_040_1 ChangeConfiguration of an unknown key: NotSupported', () =>
  withScenario({}, async (s) => {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'Testing', value: 'true' }), { status: 'NotSupported' });
    const conf = await s.call('GetConfiguration', { key: ['Testing'] });
    assert.deepEqual(conf.unknownKey, ['Testing'], 'the unknown key was not created');
  }));

test('TC_040_2 ChangeConfiguration with an invalid value: Rejected, value unchanged', () =>
  withScenario({}, async (s) => {
    const before = s.cp.station.config.str('MeterValueSampleInterval');
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '-1' }), { status: 'Rejected' });
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: 'abc' }), { status: 'Rejected' });
    assert.equal(s.cp.station.config.str('MeterValueSampleInterval'), before);
  }));

// ---- refusals (TC_023, TC_024, TC_041) ----

test('TC_023 Authorize answered Invalid: no transaction starts', () =>
  withScenario({}, async (s) => {
    s.csms.answer('Authorize', () => ({ idTagInfo: { status: 'Invalid' } }));
    const from = s.sent.length;
    s.cp.plugIn(1);
    await waitSince(s, from, 'StatusNotification', status(1, 'Preparing'));
    assert.equal(await s.cp.station.presentIdTag(1, 'BAD'), false);
    assert.equal(s.since(from, 'Authorize').length, 1);
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StartTransaction').length, 0);
    assert.equal(s.cp.station.queue.length, 0, 'nothing queued');
    assert.equal(s.cp.station.connector(1)!.transaction, undefined);
    assert.deepEqual(statuses(s, from, 1), ['Preparing']);
  }));

test('TC_024 lock failure after a remote start: Faulted with ConnectorLockFailure, no transaction', () =>
  withScenario({}, async (s) => {
    s.cp.station.hardware.lockFails = true;
    const from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' });
    const [faulted] = await waitSince(s, from, 'StatusNotification', status(1, 'Faulted'));
    assert.equal(faulted!.payload.errorCode, 'ConnectorLockFailure');
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StartTransaction').length, 0);
    assert.equal(s.cp.station.connector(1)!.transaction, undefined);
    assert.deepEqual(statuses(s, from, 1), ['Preparing', 'Faulted']);
  }));

test('TC_041 fault: Faulted with the error code, remote and local starts refused, Available once cleared', () =>
  withScenario({}, async (s) => {
    const from = s.sent.length;
    s.cp.fault(1, 'GroundFailure');
    const [faulted] = await waitSince(s, from, 'StatusNotification', status(1, 'Faulted'));
    assert.equal(faulted!.payload.errorCode, 'GroundFailure');
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Rejected' });
    assert.deepEqual(await s.call('RemoteStartTransaction', { idTag: 'TAG1' }), { status: 'Rejected' });
    assert.equal(await s.cp.startCharging(1, 'TAG1'), false);
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StartTransaction').length, 0);
    assert.equal(s.since(from, 'Authorize').length, 0, 'no Authorize on a faulted connector');
    s.cp.clearFault(1);
    const [ok] = await waitSince(s, from, 'StatusNotification', status(1, 'Available'));
    assert.equal(ok!.payload.errorCode, 'NoError');
  }));

// ---- data transfer (TC_062) ----

test('TC_062 DataTransfer with an unknown vendorId: UnknownVendorId', () =>
  withScenario({}, async (s) => {
    assert.deepEqual(await s.call('DataTransfer', { vendorId: 'com.example.unknown', messageId: 'x', data: 'y' }), { status: 'UnknownVendorId' });
  }));

// ---- stopping by tag (TC_068, TC_069) ----

test('TC_068 only the starting idTag stops the session: another tag is ignored, the same one stops it', () =>
  withScenario({}, async (s) => {
    const txId = await charge(s, 'TAG1');
    const from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'OTHER'), false);
    await untilIdle(s.cp);
    assert.equal(s.since(from).length, 0, 'no Authorize and no StopTransaction for another tag');
    assert.equal(s.cp.station.connector(1)!.transaction?.id, txId);
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG1'), true);
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.idTag, 'TAG1');
    assert.equal(s.since(from, 'Authorize').length, 0, 'the starting tag needs no Authorize');
    await waitSince(s, from, 'StatusNotification', status(1, 'Finishing'));
  }));

test('TC_069 a tag with the same parentIdTag stops the session after Authorize', () =>
  withScenario({}, async (s) => {
    s.csms.answer('Authorize', (req) => {
      const idTag = (req.payload as { idTag: string }).idTag;
      return { idTagInfo: { status: 'Accepted', parentIdTag: idTag === 'STRANGER' ? 'OTHERGROUP' : 'GROUP1' } };
    });
    const txId = await charge(s, 'TAG1');
    assert.equal(s.cp.station.connector(1)!.transaction?.parentIdTag, 'GROUP1');
    let from = s.sent.length;
    // A tag of another group does not stop it.
    assert.equal(await s.cp.station.presentIdTag(1, 'STRANGER'), false);
    await untilIdle(s.cp);
    assert.equal(s.since(from, 'StopTransaction').length, 0);
    from = s.sent.length;
    assert.equal(await s.cp.station.presentIdTag(1, 'TAG2'), true);
    const [stop] = await waitSince(s, from, 'StopTransaction');
    const auth = indexOf(s, from, 'Authorize', (p) => p.idTag === 'TAG2');
    assert.ok(auth >= 0 && auth < indexOf(s, from, 'StopTransaction'), 'Authorize for the new tag precedes StopTransaction');
    assert.equal(stop!.payload.transactionId, txId);
    assert.equal(stop!.payload.idTag, 'TAG2');
    await waitSince(s, from, 'StatusNotification', status(1, 'Finishing'));
  }));

// ---- meter values (TC_070, TC_071) ----

test('TC_070 sampled meter values: every MeterValueSampleInterval, Sample.Periodic, configured measurands, monotonic register', () =>
  withScenario({ virtual: true }, async (s) => {
    const measurands = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import'];
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: measurands.join(',') }), { status: 'Accepted' });
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '60' }), { status: 'Accepted' });
    assert.equal(s.cp.station.config.int('ClockAlignedDataInterval'), 0);
    const txId = await charge(s);
    const from = s.sent.length;
    await s.advance(59_999);
    assert.equal(s.since(from, 'MeterValues').length, 0, 'no sample before the interval');
    await s.advance(1);
    await waitSince(s, from, 'MeterValues');
    await s.advance(180_000);
    const mvs = await waitSince(s, from, 'MeterValues', () => true, 4);
    assert.equal(mvs.length, 4);
    let lastWh = -1;
    let lastTs = 0;
    for (const mv of mvs) {
      assert.equal(mv.payload.connectorId, 1);
      assert.equal(mv.payload.transactionId, txId);
      const values = mv.payload.meterValue as { timestamp: string; sampledValue: { measurand: string; context: string; value: string; phase?: string }[] }[];
      assert.equal(values.length, 1);
      const sv = values[0]!.sampledValue;
      assert.ok(sv.every((v) => v.context === 'Sample.Periodic'), 'context Sample.Periodic');
      assert.deepEqual([...new Set(sv.map((v) => v.measurand))], measurands, 'the measurands of MeterValuesSampledData');
      assert.deepEqual(sv.filter((v) => v.measurand === 'Current.Import').map((v) => v.phase), ['L1', 'L2', 'L3']);
      const wh = Number(sv.find((v) => v.measurand === 'Energy.Active.Import.Register')!.value);
      assert.ok(wh > lastWh, `register ${wh} after ${lastWh} must rise while charging`);
      lastWh = wh;
      const ts = Date.parse(values[0]!.timestamp);
      if (lastTs) assert.equal(ts - lastTs, 60_000, 'samples are one interval apart');
      lastTs = ts;
    }
    // The stop reports a meterStop not below the last sample.
    s.cp.stopCharging(1);
    const [stop] = await waitSince(s, from, 'StopTransaction');
    assert.ok((stop!.payload.meterStop as number) >= lastWh);
    await s.advance(120_000);
    assert.equal(s.since(from, 'MeterValues').length, 4, 'sampling ends with the transaction');
  }));

test('TC_071 clock-aligned meter values: Sample.Clock at aligned times, MeterValuesAlignedData, no periodic samples', () =>
  withScenario({ virtual: true }, async (s) => {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '0' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValuesAlignedData', value: 'Energy.Active.Import.Register,Voltage' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'ClockAlignedDataInterval', value: '900' }), { status: 'Accepted' });
    await s.advance(100_000); // 10:01:40, off the grid
    const txId = await charge(s);
    const from = s.sent.length;
    await s.advance(800_000 - 1); // just before 10:15:00
    assert.equal(s.since(from, 'MeterValues').length, 0);
    await s.advance(1);
    await waitSince(s, from, 'MeterValues');
    await s.advance(1_800_000); // 10:30 and 10:45
    const mvs = await waitSince(s, from, 'MeterValues', () => true, 3);
    assert.equal(mvs.length, 3);
    const stamps = mvs.map((mv) => (mv.payload.meterValue as { timestamp: string }[])[0]!.timestamp);
    assert.deepEqual(stamps, ['2026-01-05T10:15:00.000Z', '2026-01-05T10:30:00.000Z', '2026-01-05T10:45:00.000Z']);
    let lastWh = -1;
    for (const mv of mvs) {
      assert.equal(mv.payload.transactionId, txId);
      const sv = (mv.payload.meterValue as { sampledValue: { measurand: string; context: string; value: string }[] }[])[0]!.sampledValue;
      assert.ok(sv.every((v) => v.context === 'Sample.Clock'), 'context Sample.Clock');
      assert.deepEqual([...new Set(sv.map((v) => v.measurand))], ['Energy.Active.Import.Register', 'Voltage']);
      const wh = Number(sv.find((v) => v.measurand === 'Energy.Active.Import.Register')!.value);
      assert.ok(wh > lastWh);
      lastWh = wh;
    }
  }));
