/**
 * The RPC endpoint on a real socket: a charge point against a hand-driven central system on
 * 127.0.0.1. Covers call serialisation, timeouts, CALLERRORs, handler-less calls, schema
 * validation both ways, and frame edge cases.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import type { Chargepoint, ChargepointOptions } from '../src/chargepoint/chargepoint';
import { OcppCallError, OcppConnectionError, OcppTimeoutError, OcppValidationError } from '../src/ocpp/errors';
import { rawCsms, type RawPeer } from './helpers';

let csms: RawPeer;
let cp: Chargepoint;
let warnings: string[];

async function open(options: ChargepointOptions = {}): Promise<Chargepoint> {
  cp = await connect(`${csms.url}CP1`, undefined, undefined, options);
  warnings = [];
  cp.on('warning', (w: string) => warnings.push(w));
  await csms.socket();
  return cp;
}

beforeEach(async () => {
  csms = await rawCsms();
});
afterEach(async () => {
  await cp?.close();
  await csms.close();
});

test('a second call waits until the first is answered (one CALL in flight)', async () => {
  await open();
  const first = cp.sendHeartbeat();
  const second = cp.sendStatusNotification({ connectorId: 0, errorCode: 'NoError', status: 'Available' });
  const [, id1, action1] = await csms.next();
  assert.equal(action1, 'Heartbeat');
  assert.equal(await csms.silentFor(150), true, 'second CALL must not be sent before the first is answered');
  csms.send([3, id1, { currentTime: new Date().toISOString() }]);
  const [, id2, action2] = await csms.next();
  assert.equal(action2, 'StatusNotification');
  assert.notEqual(id2, id1);
  csms.send([3, id2, {}]);
  assert.ok((await first).currentTime);
  assert.deepEqual(await second, {});
});

test('a call times out with a typed error and the queue moves on', async () => {
  await open({ responseTimeoutMs: 150 });
  const late = cp.sendHeartbeat();
  const next = cp.sendHeartbeat();
  const [, id1] = await csms.next();
  const err = await late.then(() => assert.fail('should time out'), (e: unknown) => e);
  assert.ok(err instanceof OcppTimeoutError);
  assert.equal(err.code, 'Timeout');
  assert.equal(err.action, 'Heartbeat');
  const [, id2] = await csms.next();
  // The late answer to the first call is ignored, not mistaken for the second.
  csms.send([3, id1, { currentTime: '2020-01-01T00:00:00Z' }]);
  csms.send([3, id2, { currentTime: '2021-01-01T00:00:00Z' }]);
  assert.equal((await next).currentTime, '2021-01-01T00:00:00Z');
  assert.ok(warnings.some((w) => w.includes(`unknown id ${id1}`)));
});

test('a CALLERROR rejects with code, description and details', async () => {
  await open();
  const call = cp.sendAuthorize({ idTag: 'T1' });
  const [, id] = await csms.next();
  csms.send([4, id, 'SecurityError', 'not accepted yet', { hint: 'boot first' }]);
  const err = await call.then(() => assert.fail('should reject'), (e: unknown) => e);
  assert.ok(err instanceof OcppCallError);
  assert.equal(err.code, 'SecurityError');
  assert.equal(err.description, 'not accepted yet');
  assert.deepEqual(err.details, { hint: 'boot first' });
});

test('an invalid outbound payload is refused locally, naming the field; nothing is sent', async () => {
  await open();
  const err = await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Sleeping' as 'Available' }).catch((e: unknown) => e);
  assert.ok(err instanceof OcppValidationError);
  assert.equal(err.code, 'PropertyConstraintViolation');
  assert.match(err.message, /StatusNotification request: field 'status' must be one of/);
  const missing = await cp.call('Authorize', {}).catch((e: unknown) => e);
  assert.equal((missing as OcppValidationError).code, 'OccurenceConstraintViolation');
  assert.match((missing as Error).message, /field 'idTag' is required/);
  assert.equal(await csms.silentFor(100), true);
});

test('an unambiguous scalar slip is coerced so the wire stays valid', async () => {
  await open();
  const sent = cp.meterValues({ connectorId: 1, meterValue: [{ timestamp: '2020-06-11T10:50:58.765Z', sampledValue: [{ value: 1387 as unknown as string }] }] });
  const [, id, , payload] = (await csms.next()) as [number, string, string, { meterValue: { sampledValue: { value: unknown }[] }[] }];
  assert.equal(payload.meterValue[0]!.sampledValue[0]!.value, '1387');
  csms.send([3, id, {}]);
  await sent;
  assert.ok(warnings.some((w) => w.includes('coerced meterValue[0].sampledValue[0].value')));
});

test('a property the schema does not allow is dropped with one warning when the rest is valid; otherwise refused', async () => {
  await open();
  const sent = cp.call('SignCertificate', { csr: 'CSR', typeOfCertificate: 'ChargingStationCertificate' });
  const [, id, action, payload] = await csms.next();
  assert.equal(action, 'SignCertificate');
  assert.deepEqual(payload, { csr: 'CSR' });
  csms.send([3, id, { status: 'Accepted' }]);
  await sent;
  assert.ok(warnings.some((w) => w === 'SignCertificate request: dropped typeOfCertificate (not allowed by the ocpp1.6 schema)'), warnings.join('\n'));
  // Nested, and together with a scalar slip.
  const nested = cp.meterValues({ connectorId: 1, meterValue: [{ timestamp: '2020-06-11T10:50:58.765Z', sampledValue: [{ value: 5 as unknown as string, phase: 'L1', colour: 'red' } as never] }] });
  const [, id2, , payload2] = (await csms.next()) as [number, string, string, { meterValue: { sampledValue: unknown[] }[] }];
  assert.deepEqual(payload2.meterValue[0]!.sampledValue[0], { value: '5', phase: 'L1' });
  csms.send([3, id2, {}]);
  await nested;
  // Dropping alone would not make it valid: refused whole, nothing sent.
  const err = await cp.call('SignCertificate', { typeOfCertificate: 'ChargingStationCertificate' }).catch((e: unknown) => e);
  assert.ok(err instanceof OcppValidationError);
  assert.match(err.message, /field 'csr' is required/);
  assert.equal(await csms.silentFor(100), true);
});

test('invalid frames go out only when asked for: validation off, or sendRaw', async () => {
  await open();
  const deliberate = cp.call('BootNotification', { chargePointVendor: 42 }, { validation: 'off' });
  const [, id, action, payload] = await csms.next();
  assert.equal(action, 'BootNotification');
  assert.deepEqual(payload, { chargePointVendor: 42 });
  csms.send([3, id, { status: 'Accepted', currentTime: new Date().toISOString(), interval: 60 }]);
  await deliberate;
  cp.sendRaw('[2,"raw-1","Heartbeat",null]');
  assert.deepEqual(await csms.next(), [2, 'raw-1', 'Heartbeat', null]);
});

test('an invalid response from the peer rejects in strict mode and passes in warn mode', async () => {
  await open();
  const strict = cp.sendHeartbeat();
  const [, id] = await csms.next();
  csms.send([3, id, { currentTime: 12 }]);
  const err = await strict.catch((e: unknown) => e);
  assert.ok(err instanceof OcppValidationError);
  assert.equal(err.code, 'TypeConstraintViolation');
  await cp.close();
  await open({ validation: { inbound: 'warn' } });
  const lenient = cp.sendHeartbeat();
  const [, id2] = await csms.next();
  csms.send([3, id2, { currentTime: 12 }]);
  assert.deepEqual(await lenient, { currentTime: 12 });
  assert.ok(warnings.some((w) => w.includes("field 'currentTime' must be string")));
});

test('inbound CALLs with invalid payloads get the 1.6 error code', async () => {
  await open();
  cp.answerReset(() => ({ status: 'Accepted' }));
  const cases: [object, string][] = [
    [{ type: 'Medium' }, 'PropertyConstraintViolation'],
    [{}, 'OccurenceConstraintViolation'],
    [{ type: 5 }, 'TypeConstraintViolation'],
    [{ type: 'Soft', extra: true }, 'PropertyConstraintViolation'],
  ];
  for (const [i, [payload, code]] of cases.entries()) {
    csms.send([2, `r${i}`, 'Reset', payload]);
    const reply = await csms.next();
    assert.equal(reply[0], 4);
    assert.equal(reply[1], `r${i}`);
    assert.equal(reply[2], code, JSON.stringify(payload));
  }
  csms.send([2, 'ok', 'Reset', { type: 'Soft' }]);
  assert.deepEqual(await csms.next(), [3, 'ok', { status: 'Accepted' }]);
});

test('with default answers off, a CALL without a handler gets NotSupported (configurable), an unknown action NotImplemented', async () => {
  await open({ defaults: false });
  csms.send([2, 'u1', 'UnlockConnector', { connectorId: 1 }]);
  assert.deepEqual((await csms.next()).slice(0, 3), [4, 'u1', 'NotSupported']);
  csms.send([2, 'u2', 'MakeCoffee', {}]);
  assert.deepEqual((await csms.next()).slice(0, 3), [4, 'u2', 'NotImplemented']);
  await cp.close();
  await open({ unhandledCallError: 'NotImplemented', defaults: false });
  csms.send([2, 'u3', 'UnlockConnector', { connectorId: 1 }]);
  assert.deepEqual((await csms.next()).slice(0, 3), [4, 'u3', 'NotImplemented']);
});

test('names a plain object inherits are no actions: __proto__, constructor, toString get NotImplemented', async () => {
  await open();
  for (const name of ['__proto__', 'constructor', 'toString', 'valueOf']) {
    csms.send([2, `i-${name}`, name, {}]);
    assert.deepEqual(await csms.next(), [4, `i-${name}`, 'NotImplemented', `unknown action ${name}`, {}]);
  }
  // The answers above came from the table check: a real action still works after them.
  csms.send([2, 'ok', 'ClearCache', {}]);
  assert.deepEqual(await csms.next(), [3, 'ok', { status: 'Accepted' }]);
});

test('handlers may answer themselves, return a payload, or throw (InternalError)', async () => {
  await open();
  cp.answerGetDiagnostics(async (req) => {
    cp.sendResponse(req.uniqueId, { fileName: 'diag.txt' });
    await cp.sendDiagnosticsStatusNotification({ status: 'Uploading' });
  });
  cp.answer('ClearCache', () => {
    throw new Error('cache is on fire');
  });
  csms.send([2, 'g1', 'GetDiagnostics', { location: 'ftp://127.0.0.1/' }]);
  assert.deepEqual(await csms.next(), [3, 'g1', { fileName: 'diag.txt' }]);
  const [type, id, action] = await csms.next();
  assert.deepEqual([type, action], [2, 'DiagnosticsStatusNotification']);
  csms.send([3, id, {}]);
  csms.send([2, 'c1', 'ClearCache', {}]);
  assert.deepEqual(await csms.next(), [4, 'c1', 'InternalError', 'cache is on fire', {}]);
});

test('an invalid answer from a handler is not sent; the CSMS gets a CALLERROR instead', async () => {
  await open();
  cp.answerChangeAvailability((req) => cp.sendResponse(req.uniqueId, { status: 'Maybe' }));
  csms.send([2, 'a1', 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' }]);
  const [type, id, code, description] = await csms.next();
  assert.deepEqual([type, id, code], [4, 'a1', 'InternalError']);
  assert.match(String(description), /ChangeAvailability response: field 'status'/);
});

test('TriggerMessage is dispatched by requestedMessage; with default answers off, others get NotImplemented', async () => {
  await open({ defaults: false });
  cp.answerTriggerMessage('Heartbeat', (req) => ({ status: req.payload.requestedMessage === 'Heartbeat' ? 'Accepted' : 'Rejected' }));
  csms.send([2, 't1', 'TriggerMessage', { requestedMessage: 'Heartbeat' }]);
  assert.deepEqual(await csms.next(), [3, 't1', { status: 'Accepted' }]);
  csms.send([2, 't2', 'TriggerMessage', { requestedMessage: 'MeterValues' }]);
  assert.deepEqual(await csms.next(), [3, 't2', { status: 'NotImplemented' }]);
});

test('malformed, unknown-type and oversized frames never crash the charge point', async () => {
  await open();
  csms.send('this is not json');
  csms.send('[2,"n1","Heartbeat",null]');
  assert.deepEqual((await csms.next()).slice(0, 3), [4, 'n1', 'FormationViolation']);
  csms.send('[7,"x1","Whatever",{}]');
  csms.send('[3,"nobody-asked",{}]');
  csms.send(`[2,"big","DataTransfer",{"vendorId":"v","data":"${'x'.repeat(1_100_000)}"}]`);
  const [type, id, code, description] = await csms.next();
  assert.deepEqual([type, id, code], [4, 'big', 'FormationViolation']);
  assert.match(String(description), /exceeds the limit/);
  assert.equal(await csms.silentFor(100), true, 'unknown message type and unknown result id get no reply');
  assert.ok(warnings.some((w) => w.includes('invalid JSON')));
  assert.ok(warnings.some((w) => w.includes('unknown message type 7')));
  assert.ok(warnings.some((w) => w.includes('unknown id nobody-asked')));
  // Still fully working afterwards.
  const hb = cp.sendHeartbeat();
  const [, hid] = await csms.next();
  csms.send([3, hid, { currentTime: new Date().toISOString() }]);
  assert.ok((await hb).currentTime);
});

test('calls while disconnected reject at once; pending calls reject when the socket closes', async () => {
  await open();
  const pending = cp.sendHeartbeat();
  const queued = cp.sendHeartbeat();
  await csms.next();
  (await csms.socket()).terminate();
  for (const p of [pending, queued]) {
    const err = await p.catch((e: unknown) => e);
    assert.ok(err instanceof OcppConnectionError);
    assert.equal(err.code, 'ConnectionClosed');
  }
  await new Promise((r) => setTimeout(r, 50));
  const err = await cp.sendHeartbeat().catch((e: unknown) => e);
  assert.equal((err as OcppConnectionError).code, 'NotConnected');
});

test('connect failures are one readable line', async () => {
  await assert.rejects(connect('http://127.0.0.1:1/CP'), /must start with ws:\/\/ or wss:\/\//);
  await assert.rejects(connect('not a url'), /is not a valid URL/);
  await assert.rejects(connect('ws://127.0.0.1:1/CP'), /refused: nothing listens there/);
  await assert.rejects(connect('ws://127.0.0.1:1/'), /has no charge point id/);
  cp = undefined as unknown as Chargepoint;
});
