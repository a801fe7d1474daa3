/** The operator console: every command through its command function, and the readline loop on plain streams. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connectMany } from '../src/chargepoint/connect';
import { CONSOLE_HELP, CsmsConsole, meterLine, startConsole } from '../src/csms/console';
import { MockCsms } from '../src/csms/mock-csms';
import { waitUntil as until } from './helpers';

let csms: MockCsms;
let cp: Chargepoint;
let con: CsmsConsole;

before(async () => {
  csms = new MockCsms({ port: 0 });
  await csms.listen();
  [cp] = (await connectMany(csms.url, 1, { idPrefix: 'CON', profile: { connectors: 2 } })) as [Chargepoint];
  con = new CsmsConsole(csms, { timeoutMs: 3000 });
  await until('boot', () => csms.transactions.availableConnector('CON001') !== undefined);
});
after(async () => {
  await cp.close();
  await csms.close();
});

test('help, empty lines and unknown commands', async () => {
  assert.equal(await con.execute('help'), CONSOLE_HELP);
  assert.equal(await con.execute('   '), '');
  assert.match(await con.execute('frobnicate'), /^error: unknown command 'frobnicate' \(try help\)/);
});

test('list shows registration and connector statuses', async () => {
  assert.match(await con.execute('list'), /^CON001 {2}OCPP 1.6 {2}Accepted {2}#0 Available, #1 Available, #2 Available$/);
});

test('remote-start, tx, meter, remote-stop', async () => {
  assert.equal(await con.execute('remote-start CON001 valid_token 2'), 'CON001 RemoteStartTransaction → {"status":"Accepted"}');
  await until('the transaction', () => csms.transactions.open('CON001').length === 1);
  const txId = csms.transactions.open('CON001')[0]!.transactionId;
  assert.match(await con.execute('list'), new RegExp(`open tx ${txId}`));
  assert.match(await con.execute('tx'), new RegExp(`^open \\(1\\):\\n +${txId} {2}CON001 #2 {2}valid_token {2}0\\.000 kWh {2}started .* open\\nfinished \\(0\\):$`));
  assert.equal((await con.execute('trigger CON001 MeterValues 2')).endsWith('{"status":"Accepted"}'), true);
  await until('meter values', () => csms.transactions.latestMeterValues().CON001?.['2'] !== undefined);
  assert.match(await con.execute('meter'), new RegExp(`^CON001 #2 tx ${txId}: \\d+\\.\\d{3} kWh`));
  assert.equal(await con.execute('remote-stop CON001'), 'CON001 RemoteStopTransaction → {"status":"Accepted"}');
  await until('the stop', () => csms.transactions.finished('CON001').length === 1);
  assert.match(await con.execute('tx'), new RegExp(`open \\(0\\):\\nfinished \\(1\\):\\n +${txId} .*stopped .*\\(Remote\\)`));
  assert.equal(await con.execute('remote-stop CON001'), 'error: CON001 has no open transaction (give the transaction id)');
  assert.match(await con.execute('remote-stop CON001 99999'), /RemoteStopTransaction → \{"status":"Rejected"\}/);
  assert.match(await con.execute('remote-start CON001'), /Accepted/, 'default token and connector');
  await until('the second transaction', () => csms.transactions.open('CON001').length === 1);
  await con.execute('remote-stop CON001');
  await until('its stop', () => csms.transactions.open('CON001').length === 0);
});

test('trigger and send', async () => {
  assert.equal(await con.execute('trigger CON001 heartbeat'), 'CON001 TriggerMessage → {"status":"Accepted"}');
  assert.match(await con.execute('trigger CON001 Nonsense'), /^error: 1\.6 cannot trigger 'Nonsense': one of BootNotification/);
  assert.equal(await con.execute('send CON001 GetConfiguration {"key": ["HeartbeatInterval"]}'), `CON001 GetConfiguration → ${JSON.stringify(await csms.call('CON001', 'GetConfiguration', { key: ['HeartbeatInterval'] }))}`);
  assert.match(await con.execute('send CON001 ClearCache'), /ClearCache → \{"status":"Accepted"\}/);
  assert.match(await con.execute('send CON001 Reset {oops'), /^error: the payload is not JSON/);
  assert.match(await con.execute('send CON001 Reset {"type":"Medium"}'), /^error: PropertyConstraintViolation: refused to send invalid Reset request: field 'type' must be one of/);
  assert.match(await con.execute('send NOPE ClearCache'), /^error: NOPE is not connected \(connected: CON001\)/);
  assert.match(await con.execute('send CON001'), /^error: usage: send CP ACTION/);
  assert.equal(await con.execute('probes'), 'clean: no probe fired');
});

test('reset (last: the charge point reboots)', async () => {
  assert.match(await con.execute('reset CON001 Medium'), /^error: reset type must be Soft or Hard \(1\.6\), OnIdle or Immediate \(2\.0\.1\), got 'Medium'/);
  assert.match(await con.execute('reset'), /^error: name a charge point/);
  assert.equal(await con.execute('reset CON001 hard'), 'CON001 Reset → {"status":"Accepted"}');
});

test('startConsole: commands from a stream, answers and live meter lines to a stream', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  let closed = false;
  const handle = startConsole(csms, input, output, { onClose: () => (closed = true) });
  input.write('list\n');
  await until('the answer', () => text.includes('CON001'));
  csms.transactions.record('CON001', 'MeterValues', {
    connectorId: 1,
    transactionId: 7,
    meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '12.5', unit: 'kWh' }, { value: '7400', measurand: 'Power.Active.Import', unit: 'W' }] }],
  }, {});
  await until('the live line', () => text.includes('CON001 #1 tx 7: 12.500 kWh, 7.40 kW'));
  assert.match(text, /^operator console: \d charge point\(s\) connected; type help\n/);
  input.end();
  await until('close', () => closed);
  handle.close();
  assert.equal(meterLine({ cpId: 'X', connectorId: 1, timestamp: '', values: {} }), 'X #1: no values');
});
