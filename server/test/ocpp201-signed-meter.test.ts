/**
 * OCTT 2.0.1 station cases of signed meter values (SampledDataCtrlr.SignReadings): the DataSigned
 * start point (TC_E_11_CS) and signed clock-aligned and sampled values in the Ended event
 * (TC_J_04_CS, TC_J_11_CS), driven from a strict ocpp-rpc CSMS. Every signature is checked with
 * node:crypto against the public key the station sent.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const SIGNED = { 'SampledDataCtrlr.SignReadings': true };

async function setVariable(b: Bench201, component: string, variable: string, attributeValue: string): Promise<void> {
  const res = await b.call('SetVariables', { setVariableData: [{ component: { name: component }, variable: { name: variable }, attributeValue }] });
  assert.equal(res.setVariableResult[0].attributeStatus, 'Accepted', `${component}.${variable}=${attributeValue}`);
}

/** Check one sampled value's signature with `publicKey`; resolve with the signed reading. */
function verified(v: Params, publicKey: string): Params {
  const s = v.signedMeterValue;
  assert.ok(s, `signed: ${JSON.stringify(v)}`);
  assert.equal(s.signingMethod, 'ECDSA-secp256r1-SHA256');
  assert.equal(s.encodingMethod, 'JSON');
  const doc = JSON.parse(Buffer.from(s.signedMeterData, 'base64').toString('utf8'));
  const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  assert.ok(verify('sha256', Buffer.from(doc.reading), key, Buffer.from(doc.signature, 'base64')), 'the signature holds');
  const reading = JSON.parse(doc.reading);
  assert.equal(reading.value, v.value, 'the signed reading is the value sent');
  assert.equal(reading.context, v.context);
  // A forged reading does not verify.
  const forged = Buffer.from(doc.reading.replace(`"value":${v.value}`, `"value":${v.value + 1}`));
  assert.equal(verify('sha256', forged, key, Buffer.from(doc.signature, 'base64')), false, 'a changed reading fails');
  return reading;
}

const sampledValues = (p: Params): Params[] => (p.meterValue ?? []).flatMap((mv: Params) => mv.sampledValue);

test('TC_E_11_CS Start transaction options - DataSigned: no start without signed data; with SignReadings, Started SignedDataReceived carrying the signed start reading', async (t) => {
  const b = await withBench201(t, { profile: { evses: 2, variables: { 'TxCtrlr.TxStartPoint': 'DataSigned', 'TxCtrlr.TxStopPoint': 'EVConnected,Authorized' } } });
  // SignReadings off: the meter signs nothing, so DataSigned never occurs.
  let from = b.calls.length;
  b.cs.plugIn(1);
  assert.equal((await b.cs.presentToken(1, 'AABBCCDD')).status, 'Accepted');
  await b.waitFor('Authorize', { from });
  await b.settle(50);
  assert.equal(b.since(from, 'TransactionEvent').length, 0, 'no transaction without signed data');

  await setVariable(b, 'SampledDataCtrlr', 'SignReadings', 'true');
  from = b.calls.length;
  b.cs.plugIn(2);
  await b.waitFor('StatusNotification', { from, match: (p) => p.connectorStatus === 'Occupied' && p.evseId === 2 });
  await b.settle(30);
  assert.equal(b.since(from, 'TransactionEvent').length, 0, 'plugged in, not yet authorized: no signed start reading');
  await b.cs.presentToken(2, 'AABBCCDD');
  const [started] = await b.waitFor('TransactionEvent', { from });
  const p = started!.params;
  assert.equal(p.eventType, 'Started');
  assert.equal(p.triggerReason, 'SignedDataReceived');
  assert.deepEqual(p.evse, { id: 2, connectorId: 1 });
  assert.deepEqual(p.idToken, { idToken: 'AABBCCDD', type: 'ISO14443' });
  const [begin] = sampledValues(p);
  assert.equal(begin!.context, 'Transaction.Begin');
  const publicKey = begin!.signedMeterValue.publicKey as string;
  assert.ok(publicKey.length > 0, 'OncePerTransaction: the key comes with the Started event');
  assert.equal(verified(begin!, publicKey).transactionId, p.transactionInfo.transactionId, 'the reading is bound to the transaction');
  assert.deepEqual(b.failures, []);
});

test('TC_J_04_CS / TC_J_11_CS Signed meter values: clock-aligned and sampled values of the Ended event signed, publicKey per PublicKeyWithSignedMeterValue', async (t) => {
  const b = await withBench201(t, {
    virtual: true,
    profile: {
      variables: {
        ...SIGNED,
        'AlignedDataCtrlr.Interval': 0,
        'AlignedDataCtrlr.TxEndedInterval': 60,
        'SampledDataCtrlr.TxUpdatedInterval': 0,
        'SampledDataCtrlr.TxEndedInterval': 60,
        'OCPPCommCtrlr.PublicKeyWithSignedMeterValue': 'EveryMeterValue',
      },
    },
  });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.advance(125_000);
  b.cs.stopCharging(1);
  const ended = (await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' }))[0]!.params;
  const values = sampledValues(ended);
  const contexts = values.map((v) => v.context);
  assert.ok(contexts.includes('Sample.Clock'), `clock-aligned values (TC_J_04): ${contexts.join()}`);
  assert.ok(contexts.includes('Sample.Periodic'), `sampled values (TC_J_11): ${contexts.join()}`);
  assert.equal(contexts.at(-1), 'Transaction.End');
  const keys = new Set(values.map((v) => v.signedMeterValue?.publicKey));
  assert.equal(keys.size, 1, 'EveryMeterValue: one key on every value');
  const [publicKey] = [...keys] as string[];
  for (const v of values) assert.equal(verified(v, publicKey!).transactionId, ended.transactionInfo.transactionId);
  assert.deepEqual(b.failures, []);
});

test('Signed meter values: MeterValues outside a transaction are signed; PublicKeyWithSignedMeterValue Never sends an empty key', async (t) => {
  const b = await withBench201(t, { virtual: true, profile: { variables: { ...SIGNED, 'AlignedDataCtrlr.Interval': 60 } } });
  let from = b.calls.length;
  await b.advance(60_000);
  const [mv] = await b.waitFor('MeterValues', { from });
  const value = mv!.params.meterValue[0].sampledValue[0];
  assert.equal(verified(value, value.signedMeterValue.publicKey).context, 'Sample.Clock');
  await setVariable(b, 'OCPPCommCtrlr', 'PublicKeyWithSignedMeterValue', 'Never');
  from = b.calls.length;
  await b.advance(60_000);
  const [later] = await b.waitFor('MeterValues', { from });
  const next = later!.params.meterValue[0].sampledValue[0];
  assert.equal(next.signedMeterValue.publicKey, '');
  verified(next, value.signedMeterValue.publicKey);
  assert.deepEqual(b.failures, []);
});
