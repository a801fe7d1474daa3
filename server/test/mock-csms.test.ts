/** The embedded mock CSMS: every charge-point-initiated action gets a valid answer, both sides strict. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { connect } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import { OCPP16_ACTIONS, ocpp16 } from '../src/ocpp/v16/protocol';

let csms: MockCsms;
const warnings: string[] = [];

before(async () => {
  csms = new MockCsms({ port: 0 });
  csms.on('warning', (_s, w: string) => warnings.push(w));
  await csms.listen();
});
after(() => csms.close());

const now = (): string => new Date().toISOString();
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

/** A valid request for every charge-point-initiated action. */
const REQUESTS: Record<string, object> = {
  BootNotification: { chargePointVendor: 'ocpp-sim', chargePointModel: 'test' },
  Heartbeat: {},
  StatusNotification: { connectorId: 1, errorCode: 'NoError', status: 'Available' },
  Authorize: { idTag: 'TAG1' },
  StartTransaction: { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: now() },
  MeterValues: { connectorId: 1, meterValue: [{ timestamp: now(), sampledValue: [{ value: '10', unit: 'Celsius', measurand: 'Temperature' }] }] },
  StopTransaction: { transactionId: 1, meterStop: 100, timestamp: now() },
  DataTransfer: { vendorId: 'ocpp-sim', messageId: 'ping', data: 'x' },
  DiagnosticsStatusNotification: { status: 'Uploaded' },
  FirmwareStatusNotification: { status: 'Installed' },
  SignCertificate: { csr: CSR },
  SecurityEventNotification: { type: 'StartupOfTheDevice', timestamp: now() },
  LogStatusNotification: { status: 'Uploaded', requestId: 1 },
  SignedFirmwareStatusNotification: { status: 'Installed', requestId: 1 },
};

test('every charge-point-initiated 1.6 and security action is answered validly', async () => {
  const cpActions = Object.entries(OCPP16_ACTIONS).filter(([, s]) => s.initiator !== 'CSMS').map(([a]) => a);
  assert.deepEqual(cpActions.sort(), Object.keys(REQUESTS).sort(), 'the test covers every action');
  const cp = await connect(`${csms.url}EVERY`);
  const frames: unknown[] = [];
  cp.on('frame', (e) => frames.push(e));
  for (const [action, payload] of Object.entries(REQUESTS)) {
    const response = await cp.call(action, payload as Record<string, unknown>);
    assert.equal(typeof response, 'object', action);
  }
  await cp.close();
  assert.equal(frames.length, 2 * Object.keys(REQUESTS).length);
  assert.deepEqual(warnings, []);
});

test('boot answers Accepted with an integer interval; transaction ids increase', async () => {
  const cp = await connect(`${csms.url}TX`);
  const boot = await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
  assert.equal(boot.status, 'Accepted');
  assert.ok(Number.isInteger(boot.interval) && boot.interval > 0);
  const a = await cp.startTransaction({ connectorId: 1, idTag: 'T', meterStart: 0, timestamp: now() });
  const b = await cp.startTransaction({ connectorId: 2, idTag: 'T', meterStart: 0, timestamp: now() });
  assert.ok(b.transactionId > a.transactionId);
  assert.equal(a.idTagInfo.status, 'Accepted');
  await cp.close();
});

test('the CSMS calls a charge point, and answers can be overridden', async () => {
  const cp = await connect(`${csms.url}CALLED`);
  await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
  cp.answerReset(() => ({ status: 'Rejected' }));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await csms.call('CALLED', 'Reset', { type: 'Hard' }), { status: 'Rejected' });
  await assert.rejects(csms.call('NOBODY', 'Reset', { type: 'Hard' }), /NOBODY is not connected/);
  csms.answer('Authorize', () => ({ idTagInfo: { status: 'Blocked' } }));
  assert.equal((await cp.sendAuthorize({ idTag: 'X' })).idTagInfo.status, 'Blocked');
  csms.answer('Authorize', undefined);
  assert.equal((await cp.sendAuthorize({ idTag: 'X' })).idTagInfo.status, 'Accepted');
  await cp.close();
});

test('a misbehaving client gets CALLERRORs, never a crash', async () => {
  const ws = new WebSocket(`${csms.url}RAW`, ['ocpp1.6']);
  await new Promise((r) => ws.once('open', r));
  const replies: unknown[][] = [];
  ws.on('message', (d) => replies.push(JSON.parse(d.toString()) as unknown[]));
  ws.send('{oops');
  ws.send('[2,"m1","BootNotification",{"chargePointVendor":"v"}]');
  ws.send('[2,"m2","Reset",{"type":"Hard"}]');
  ws.send('[2,"m3","Heartbeat",{}]');
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(replies.map((r) => r.slice(0, 3)), [
    [4, 'm1', 'OccurenceConstraintViolation'],
    [4, 'm2', 'NotSupported'],
    // Not booted: refused by the order checks.
    [4, 'm3', 'SecurityError'],
  ]);
  ws.close();
});

test('a client without the ocpp1.6 subprotocol is turned away', async () => {
  await assert.rejects(connect(`${csms.url}X`, undefined, undefined, { protocol: { ...ocpp16, subprotocol: 'ocpp9' } }), /no subprotocol|did not accept/i);
});

test('HTTP Basic auth (security profile 1): from the URL user-info or the password option; 401 otherwise', async () => {
  const guarded = new MockCsms({
    port: 0,
    authenticate: (id, creds) => creds?.username === id && creds.password.toString() === 'S3cretS3cretS3cret',
  });
  await guarded.listen();
  try {
    const fromUrl = await connect(guarded.url.replace('ws://', 'ws://CP7:S3cretS3cretS3cret@') + 'CP7');
    assert.equal(fromUrl.url, `${guarded.url}CP7`, 'credentials are not kept in the shown URL');
    await fromUrl.close();
    const fromOption = await connect(`${guarded.url}CP7`, undefined, undefined, { password: 'S3cretS3cretS3cret' });
    await fromOption.close();
    await assert.rejects(connect(`${guarded.url}CP7`, undefined, undefined, { password: 'wrong' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HTTP401');
      assert.match(err.message, /HTTP 401 .*check the Basic-auth password/);
      return true;
    });
  } finally {
    await guarded.close();
  }
});
