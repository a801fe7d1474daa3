/**
 * OCTT 2.0.1 station cases of block J (clock-aligned and sampled meter values) and the offline
 * and retry cases of block E (queued TransactionEvents with `offline`, MessageAttempts after
 * timeouts and CALLERRORs), on a virtual clock against a strict ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRPCError } from 'ocpp-rpc';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = (t: { after: (fn: () => unknown) => void }, options: Parameters<typeof withBench201>[1] = {}): Promise<Bench201> => withBench201(t, { virtual: true, ...options });

const contexts = (p: Params): string[] => (p.meterValue ?? []).map((mv: Params) => mv.sampledValue[0].context);
const variables = (v: Record<string, string | number | boolean>) => ({ variables: v });

/** Drop the link from the CSMS side and wait until the station saw it. */
async function dropLink(b: Bench201): Promise<void> {
  await (await b.client()).close({ force: true });
  for (let i = 0; i < 200 && b.cs.connected; i++) await b.settle(5);
  assert.equal(b.cs.connected, false);
}

test('TC_J_01_CS Clock-aligned Meter Values - No transaction ongoing: every EVSE and evseId 0, Sample.Clock', async (t) => {
  const b = await withBench(t, { profile: { evses: 2, ...variables({ 'AlignedDataCtrlr.Interval': 60 }) } });
  const from = b.calls.length;
  await b.advance(60_000);
  const mv = await b.waitFor('MeterValues', { from, count: 3 });
  assert.deepEqual(mv.map((c) => c.params.evseId), [1, 2, 0]);
  for (const c of mv) {
    assert.equal(c.params.meterValue[0].sampledValue[0].context, 'Sample.Clock');
    assert.equal(c.params.meterValue[0].sampledValue[0].measurand, 'Energy.Active.Import.Register');
    assert.equal(Date.parse(c.params.meterValue[0].timestamp) % 60_000, 0, 'on the minute');
  }
});

test('TC_J_02_CS / TC_J_03_CS Clock-aligned during a transaction: Updated MeterValueClock; Ended carries the TxEndedInterval samples', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AlignedDataCtrlr.Interval': 60, 'AlignedDataCtrlr.TxEndedInterval': 120, 'SampledDataCtrlr.TxUpdatedInterval': 0 }) });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.advance(240_000);
  b.cs.stopCharging(1);
  const list = await b.waitFor('TransactionEvent', { from, count: 6 });
  const updated = list.filter((c) => c.params.eventType === 'Updated');
  assert.deepEqual(updated.map((c) => c.params.triggerReason), ['MeterValueClock', 'MeterValueClock', 'MeterValueClock', 'MeterValueClock']);
  assert.ok(updated.every((c) => contexts(c.params)[0] === 'Sample.Clock'));
  const ended = list.find((c) => c.params.eventType === 'Ended')!;
  assert.deepEqual(contexts(ended.params), ['Sample.Clock', 'Sample.Clock', 'Transaction.End']);
  const energy = updated.map((c) => c.params.meterValue[0].sampledValue[0].value as number);
  assert.ok(energy[0]! > 0 && energy.every((v, i) => i === 0 || v > energy[i - 1]!), `the register grows while charging: ${energy.join()}`);
});

test('TC_J_06_CS Clock-aligned Meter Values - SendDuringIdle: none during a transaction', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AlignedDataCtrlr.Interval': 60, 'AlignedDataCtrlr.SendDuringIdle': true, 'SampledDataCtrlr.TxUpdatedInterval': 0 }) });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.advance(130_000);
  await b.settle(20);
  assert.deepEqual(b.since(from, 'TransactionEvent').map((c) => c.params.triggerReason), ['CablePluggedIn']);
  assert.equal(b.since(from, 'MeterValues').length, 0);
  b.cs.stopCharging(1);
  await b.advance(60_000);
  await b.waitFor('MeterValues', { from });
});

test('TC_J_07_CS / TC_J_09_CS / TC_J_10_CS Sampled Meter Values: Transaction.Begin, MeterValuePeriodic every TxUpdatedInterval, Ended per TxEndedInterval', async (t) => {
  const b = await withBench(t, {
    profile: variables({
      'SampledDataCtrlr.TxStartedMeasurands': 'Energy.Active.Import.Register,Voltage',
      'SampledDataCtrlr.TxUpdatedInterval': 30,
      'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register,Power.Active.Import,Current.Import',
      'SampledDataCtrlr.TxEndedInterval': 60,
    }),
  });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.advance(125_000);
  b.cs.stopCharging(1);
  const list = await b.waitFor('TransactionEvent', { from, count: 6 });
  const [started, ...rest] = list;
  const begin = started!.params.meterValue[0].sampledValue as Params[];
  assert.deepEqual([...new Set(begin.map((v) => v.measurand))], ['Energy.Active.Import.Register', 'Voltage']);
  assert.ok(begin.every((v) => v.context === 'Transaction.Begin'));
  const periodic = rest.filter((c) => c.params.triggerReason === 'MeterValuePeriodic');
  assert.equal(periodic.length, 4, '30, 60, 90, 120 s');
  const sample = periodic[0]!.params.meterValue[0].sampledValue as Params[];
  assert.deepEqual([...new Set(sample.map((v) => v.measurand))], ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import']);
  assert.equal(sample.find((v) => v.measurand === 'Power.Active.Import')!.unitOfMeasure.unit, 'W');
  assert.equal(typeof sample[0]!.value, 'number');
  const ended = list.at(-1)!.params;
  assert.equal(ended.eventType, 'Ended');
  assert.deepEqual(contexts(ended), ['Sample.Periodic', 'Sample.Periodic', 'Transaction.End']);
});

test('TC_E_40_CS Offline Behaviour - Connection loss during transaction: queued events delivered once, in order, offline=true', async (t) => {
  const b = await withBench(t, { profile: variables({ 'SampledDataCtrlr.TxUpdatedInterval': 60, 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 300, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 }) });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from });
  await dropLink(b);
  await b.advance(250_000);
  b.cs.stopCharging(1);
  assert.equal(b.since(from, 'TransactionEvent').length, 1, 'nothing sent while offline');
  await b.advance(60_000);
  const list = await b.waitFor('TransactionEvent', { from, count: 6 });
  await b.settle(30);
  assert.equal(b.since(from, 'TransactionEvent').length, 6, 'each exactly once');
  assert.deepEqual(list.map((c) => c.params.seqNo), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(list.map((c) => c.params.offline === true), [false, true, true, true, true, true]);
  assert.equal(list.at(-1)!.params.eventType, 'Ended');
});

test('TC_E_43_CS Offline Behaviour - Transaction during offline period (OfflineTxForUnknownIdEnabled): Started…Ended all offline', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.OfflineTxForUnknownIdEnabled': true, 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 100, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 }) });
  await dropLink(b);
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'AABBCCDD'));
  await b.advance(30_000);
  b.cs.stopCharging(1);
  await b.advance(80_000);
  const list = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.deepEqual(list.map((c) => [c.params.eventType, c.params.offline]), [['Started', true], ['Ended', true]]);
  assert.equal(b.since(from, 'Authorize').length, 0, 'no Authorize for what happened offline');
});

/** A CSMS whose TransactionEvent answers follow `plan`: `silent` (never answered), `error` (CALLERROR) or `ok`. */
function planned(plan: ('silent' | 'error' | 'ok')[]): { answer: (p: Params) => Promise<Params>; attempts: () => number } {
  let n = 0;
  return {
    attempts: () => n,
    answer: (p) => {
      const step = plan[Math.min(n++, plan.length - 1)];
      if (step === 'silent') return new Promise(() => undefined);
      if (step === 'error') return Promise.reject(createRPCError('InternalError', 'try again'));
      return Promise.resolve(p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {});
    },
  };
}

const RETRY = variables({ 'SampledDataCtrlr.TxUpdatedInterval': 0, 'OCPPCommCtrlr.MessageAttempts[TransactionEvent]': 3, 'OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]': 10, 'OCPPCommCtrlr.MessageTimeout[Default]': 20 });

for (const [id, plan, sends, delivered] of [
  ['TC_E_41_CS Retry sending transaction message when failed - Max retry count reached (no answer)', ['silent'], 3, false],
  ['TC_E_42_CS Retry sending transaction message when failed - Success before reaching the max retry count', ['silent', 'ok'], 2, true],
  ['TC_E_50_CS Retry sending transaction message when failed - Max retry count reached - CallError', ['error'], 3, false],
  ['TC_E_51_CS Retry sending transaction message when failed - Success before reaching the max retry count - CallError', ['error', 'ok'], 2, true],
] as const) {
  test(`${id}: ${sends} attempt(s), MessageAttemptInterval × n between them`, async (t) => {
    const csms = planned([...plan]);
    const b = await withBench(t, { profile: RETRY, answers: { TransactionEvent: csms.answer } });
    const from = b.calls.length;
    await b.cs.startCharging(1, 'AABBCCDD');
    for (let i = 0; i < 150; i++) await b.advance(1_000, false);
    await b.settle(20);
    assert.equal(csms.attempts(), sends);
    const attempts = b.since(from, 'TransactionEvent');
    assert.ok(attempts.every((c) => c.params.seqNo === 0 && c.params.eventType === 'Started'), 'the same event is resent');
    if (!delivered) assert.ok(b.cs.station.queue.length === 0, 'dropped after the last attempt');
    // Before the n-th retry the station waits MessageAttemptInterval × n (after a timeout, the timeout comes first).
    const gaps = attempts.slice(1).map((c, i) => c.at - attempts[i]!.at);
    const expected = gaps.map((_g, i) => (plan[Math.min(i, plan.length - 1)] === 'silent' ? 20_000 : 0) + 10_000 * (i + 1));
    assert.equal(gaps.length, sends - 1);
    // The clock moves in 1 s steps here, so a frame or an answer may be seen a step late.
    gaps.forEach((gap, i) => assert.ok(Math.abs(gap - expected[i]!) <= 1_000, `gaps ${gaps.join()} expected ${expected.join()}`));
  });
}
