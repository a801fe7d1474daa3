/**
 * Issue 14, points 3 and 7: the earlier tool's API shapes (keystore().save, convertDerToPem,
 * startListener JSON bodies, axios.FormData, logger.configure, log(), the CertificateSigned
 * encoder on DataTransfer, the console's connect(url, keyStoreElement) and `POST /cp/:cpName`),
 * and the protocol edges (a duplicate CALL id, timers beyond 24.8 days, follow-ups after the
 * answer, Finishing → Preparing → Charging). Real sockets on 127.0.0.1 throughout; the batch and
 * server-mode shapes through the real CLI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { MockCsms } from '../src/csms/mock-csms';
import { ocpp201 } from '../src/ocpp/v201/protocol';
import { MAX_TIMER_MS, RealScheduler, VirtualScheduler, realScheduler } from '../src/ocpp/scheduler';
import { freePortPair, rawCsms, runCli, startServerMode, type RawPeer } from './helpers';
import { scenario } from './tc-harness';

const DAY_MS = 24 * 3600 * 1000;

/** Answer every CALL the charge point sends (boot Accepted, the rest empty) until it is quiet for `quietMs`. */
async function answerUntilQuiet(peer: RawPeer, quietMs = 300): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  for (;;) {
    let f: unknown[];
    try {
      f = await peer.next(quietMs);
    } catch {
      return seen;
    }
    seen.push(f);
    if (f[0] !== 2) continue;
    const payload = f[2] === 'BootNotification' ? { status: 'Accepted', currentTime: new Date().toISOString(), interval: 3600 } : f[2] === 'Heartbeat' ? { currentTime: new Date().toISOString() } : {};
    peer.send([3, f[1], payload]);
  }
}

/** A default-behaviour charge point on a raw CSMS, booted and quiet. */
async function bootedOnRaw(t: { after(fn: () => unknown): void }): Promise<{ peer: RawPeer; cp: Chargepoint; warnings: string[] }> {
  const peer = await rawCsms();
  const pending = connect(`${peer.url}CP1`, undefined, undefined, { boot: 'auto' });
  await answerUntilQuiet(peer);
  const cp = await pending;
  const warnings: string[] = [];
  cp.on('warning', (w: string) => warnings.push(w));
  t.after(async () => {
    await cp.close().catch(() => undefined);
    await peer.close();
  });
  return { peer, cp, warnings };
}

// ---- point 7 ----

test('7a: a second CALL with the id of one still being handled gets a CALLERROR GenericError; the first is answered once', async (t) => {
  const { peer, cp, warnings } = await bootedOnRaw(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  cp.answerDataTransfer(async () => {
    await gate;
    return { status: 'Accepted' };
  });
  peer.send([2, 'dup-1', 'DataTransfer', { vendorId: 'compat' }]);
  peer.send([2, 'dup-1', 'DataTransfer', { vendorId: 'compat', data: 'again' }]);
  const refused = await peer.next();
  assert.equal(refused[0], 4);
  assert.equal(refused[1], 'dup-1');
  assert.equal(refused[2], 'GenericError');
  assert.match(String(refused[3]), /duplicate message id dup-1/);
  assert.deepEqual(warnings.filter((w) => /dup-1/.test(w)).length, 1, `one warning: ${warnings.join(' | ')}`);
  release();
  assert.deepEqual(await peer.next(), [3, 'dup-1', { status: 'Accepted' }]);
  assert.ok(await peer.silentFor(300), 'no second answer to dup-1');
  // Once answered, the id may be used again (a retransmission).
  peer.send([2, 'dup-1', 'DataTransfer', { vendorId: 'compat' }]);
  assert.deepEqual(await peer.next(), [3, 'dup-1', { status: 'Accepted' }]);
});

/** Scheduler deadlines never keep a process alive (their timer is unref'd): a test waiting on them only must. */
function holdEventLoop(t: { after(fn: () => unknown): void }): void {
  const hold = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(hold));
}

test('7a: the same refusal on an OCPP 2.0.1 connection, in its error table', async (t) => {
  const peer = await rawCsms(['ocpp2.0.1']);
  const cs = await connect(`${peer.url}CS1`, undefined, undefined, { protocol: 'ocpp2.0.1' });
  t.after(async () => {
    await cs.close().catch(() => undefined);
    await peer.close();
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  cs.answer('DataTransfer', async () => {
    await gate;
    return { status: 'Accepted' };
  });
  peer.send([2, 'dup-2', 'DataTransfer', { vendorId: 'compat' }]);
  peer.send([2, 'dup-2', 'DataTransfer', { vendorId: 'compat' }]);
  const refused = await peer.next();
  assert.deepEqual(refused.slice(0, 3), [4, 'dup-2', ocpp201.errors.generic]);
  release();
  assert.deepEqual(await peer.next(), [3, 'dup-2', { status: 'Accepted' }]);
  assert.ok(await peer.silentFor(200), 'no second answer to dup-2');
});

test('7b: the real scheduler reaches a deadline beyond one native timer by re-arming', async (t) => {
  holdEventLoop(t);
  const clock = new RealScheduler(40); // 40 ms stands for Node's 24.8 days
  const start = Date.now();
  await new Promise<void>((resolve) => clock.after(130, resolve));
  assert.ok(Date.now() - start >= 125, `fired after ${Date.now() - start} ms, not 130`);
  const slept = Date.now();
  await clock.sleep(130);
  assert.ok(Date.now() - slept >= 125, `slept ${Date.now() - slept} ms, not 130`);
});

test('7b: a deadline past 2^31-1 ms does not fire at once and raises no TimeoutOverflowWarning', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error): number => warnings.push(w.name);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  holdEventLoop(t);
  let fired = false;
  const far = realScheduler.after(MAX_TIMER_MS + 10 * DAY_MS, () => (fired = true));
  try {
    await new Promise<void>((resolve) => realScheduler.after(50, resolve));
    await new Promise((r) => setImmediate(r));
    assert.equal(fired, false, 'a deadline 35 days ahead fired within 50 ms');
    assert.deepEqual(warnings.filter((n) => n === 'TimeoutOverflowWarning'), []);
  } finally {
    realScheduler.cancel(far);
  }
  // The virtual clock: a year-long deadline is due after a year, not a day earlier.
  const virtual = new VirtualScheduler(0);
  let due = false;
  virtual.after(365 * DAY_MS, () => (due = true));
  await virtual.advance(364 * DAY_MS);
  assert.equal(due, false);
  await virtual.advance(DAY_MS);
  assert.equal(due, true);
});

test('7b: UpdateFirmware with a retrieveDate a year ahead does not start downloading', async (t) => {
  const s = await scenario();
  t.after(() => s.close());
  const from = s.sent.length;
  const retrieveDate = new Date(Date.now() + 365 * DAY_MS).toISOString();
  assert.deepEqual(await s.call('UpdateFirmware', { location: 'ftp://127.0.0.1:1/fw.bin', retrieveDate }), {});
  assert.equal((await s.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).status, 'Accepted');
  const [triggered] = await s.waitFor('FirmwareStatusNotification');
  assert.equal(triggered!.payload.status, 'Idle');
  await s.settle(300);
  assert.deepEqual(s.since(from, 'FirmwareStatusNotification').map((c) => c.payload.status), ['Idle'], 'no Downloading before the retrieveDate');
});

test('7c: ReserveNow and CancelReservation answer first, then StatusNotification Reserved / Available', async (t) => {
  const { peer } = await bootedOnRaw(t);
  const expiryDate = new Date(Date.now() + 3600_000).toISOString();
  /** The answer to CALL `id` first, then the StatusNotification (answered). */
  const answerThenStatus = async (id: string, status: string): Promise<void> => {
    assert.deepEqual(await peer.next(), [3, id, { status: 'Accepted' }]);
    const notification = await peer.next();
    assert.deepEqual([notification[2], (notification[3] as { status: string }).status], ['StatusNotification', status]);
    peer.send([3, notification[1], {}]);
  };
  peer.send([2, 'res-1', 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'TAG1', reservationId: 77 }]);
  await answerThenStatus('res-1', 'Reserved');
  peer.send([2, 'can-1', 'CancelReservation', { reservationId: 77 }]);
  await answerThenStatus('can-1', 'Available');
  peer.send([2, 'can-2', 'CancelReservation', { reservationId: 77 }]);
  assert.deepEqual(await peer.next(), [3, 'can-2', { status: 'Rejected' }]);
  assert.ok(await peer.silentFor(200), 'nothing follows a refused cancel');
});

test('7c: security events of refused InstallCertificate, CertificateSigned and SignedUpdateFirmware follow the answer', async (t) => {
  const { peer } = await bootedOnRaw(t);
  const refusals: [string, object, object, string][] = [
    ['InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: 'not a certificate' }, { status: 'Rejected' }, 'InvalidCentralSystemCertificate'],
    ['CertificateSigned', { certificateChain: 'not a chain' }, { status: 'Rejected' }, 'InvalidChargePointCertificate'],
    [
      'SignedUpdateFirmware',
      { requestId: 5, firmware: { location: 'ftp://127.0.0.1:1/fw.bin', retrieveDateTime: new Date().toISOString(), signingCertificate: 'not a certificate', signature: 'c2ln' } },
      { status: 'InvalidCertificate' },
      'InvalidFirmwareSigningCertificate',
    ],
  ];
  for (const [action, payload, answer, event] of refusals) {
    peer.send([2, `sec-${action}`, action, payload]);
    assert.deepEqual(await peer.next(), [3, `sec-${action}`, answer], `${action}: the answer comes first`);
    const notification = await peer.next();
    assert.equal(notification[2], 'SecurityEventNotification', `${action}: then the security event`);
    assert.equal((notification[3] as { type: string }).type, event);
    peer.send([3, notification[1], {}]);
  }
});

test('7d: a remote start in Finishing goes Finishing → Preparing → Charging (1.6 §4.9, F2)', async (t) => {
  const s = await scenario();
  t.after(() => s.close());
  const statusesOf1 = (from: number): string[] => s.since(from).filter((c) => c.action === 'StatusNotification' && c.payload.connectorId === 1).map((c) => String(c.payload.status));
  assert.equal((await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' })).status, 'Accepted');
  const [first] = await s.waitFor('StartTransaction');
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
  assert.equal(first!.payload.connectorId, 1);
  const transactionId = s.csms.transactions.open()[0]!.transactionId;
  assert.equal((await s.call('RemoteStopTransaction', { transactionId })).status, 'Accepted');
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Finishing');
  const from = s.sent.length;
  assert.equal((await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' })).status, 'Accepted');
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging', 2);
  assert.deepEqual(statusesOf1(from), ['Preparing', 'Charging']);
  const order = s.since(from).map((c) => c.action).filter((a) => a !== 'Authorize');
  assert.deepEqual(order.slice(0, 3), ['StatusNotification', 'StartTransaction', 'StatusNotification'], `Preparing before StartTransaction: ${order.join(', ')}`);
});

// ---- point 3 ----

test('3: CertificateSigned encoder converts the cert array of a DataTransfer with messageId CertificateSigned', async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const cp = await connect(`${csms.url}ENC1`, undefined, undefined, { boot: 'auto' });
  t.after(async () => {
    await cp.close();
    await csms.close();
  });
  const seen: unknown[] = [];
  cp.answerDataTransfer((req) => {
    seen.push(req.payload);
    return { status: 'Accepted' };
  }, cp.CERTIFICATE_SIGNED_OPTIONS_PEM_ENCODER());
  const hex = Buffer.from('compat certificate bytes').toString('hex');
  const answer = await csms.call('ENC1', 'DataTransfer', { vendorId: 'org.openchargealliance', messageId: 'CertificateSigned', data: JSON.stringify({ cert: [hex] }) });
  assert.equal(answer.status, 'Accepted');
  const data = JSON.parse((seen[0] as { data: string }).data) as { cert: string[]; certificateChain: string };
  assert.match(data.cert[0]!, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/);
  assert.equal(Buffer.from(data.cert[0]!.split('\n').slice(1, -1).join(''), 'base64').toString(), 'compat certificate bytes');
  assert.equal(data.certificateChain, data.cert[0]);
  // Any other DataTransfer reaches the handler unchanged.
  await csms.call('ENC1', 'DataTransfer', { vendorId: 'org.openchargealliance', messageId: 'Other', data: JSON.stringify({ cert: [hex] }) });
  assert.deepEqual(JSON.parse((seen[1] as { data: string }).data), { cert: [hex] });
});

test('3: an earlier-tool batch script: keystore().save, convertDerToPem().then, startListener JSON, axios.FormData, logger.configure, log()', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocpp-sim-compat-'));
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(async () => {
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const script = join(dir, 'legacy.js');
  writeFileSync(
    script,
    `const cp = await connect(process.env.COMPAT_CSMS_URL + 'LEGACY1');
await cp.sendBootnotification({ chargePointVendor: 'vendor', chargePointModel: '1' });
const [keyFile, certFile] = cp.keystore().save('-compat', 'KEY', 'CERT');
const saved = cp.keystore().save('-named', 'KEY', 'CERT');
console.log('keystore', keyFile.endsWith('LEGACY1-compat.key'), certFile.endsWith('LEGACY1-compat.cert'), saved.key === saved[0], saved.cert === saved[1]);
const pem = await cp.convertDerToPem('30030a0101');
await cp.convertDerToPem('30030a0101').then((p) => console.log('then', typeof p, p === pem));
console.log('pem', typeof pem, pem.startsWith('-----BEGIN CERTIFICATE-----'), String(cp.convertDerToPem('30030a0101')) === pem);
const listener = cp.startListener(0, '127.0.0.1');
listener.post('/echo', (req, res) => res.json({ got: req.body }));
if (!listener.server.listening) await new Promise((r) => listener.server.once('listening', r));
const echoed = await axios.post('http://127.0.0.1:' + listener.server.address().port + '/echo', { a: 1 });
console.log('json', JSON.stringify(echoed.data));
const form = new axios.FormData();
form.append('file', 'content', 'name.txt');
console.log('form', /^multipart\\/form-data; boundary=/.test(form.getHeaders()['content-type']));
logger.configure({ remote: false, stdout: true, stdoutLogger: false });
logger.debug('compat', 'LEGACY1', { n: 1 });
console.log('log', typeof cp.log('to the log'));
listener.terminate();
await cp.close();
`,
  );
  const run = await runCli([script], { env: { COMPAT_CSMS_URL: csms.url, SSL_CLIENT_KEYSTORE_ROOT: dir, SSL_CLIENT_KEYSTORE: '' }, timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  for (const expected of ['keystore true true true true', 'then string true', 'pem string true true', 'json {"got":{"a":1}}', 'form true', 'compat: LEGACY1: {"n":1}', 'log boolean']) {
    assert.ok(lines.includes(expected), `"${expected}" missing from:\n${run.stdout}\n${run.stderr}`);
  }
});

test('3: the web console takes connect(url, keyStoreElement), and POST /cp/:cpName runs a raw script body behind the token', async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const port = await freePortPair();
  const server = await startServerMode(port);
  t.after(async () => {
    await server.stop();
    await csms.close();
  });
  const auth = { authorization: `Bearer ${server.token}` };
  const created = await fetch(`${server.ui}/api/chargepoints`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'CARD1', url: csms.url }) });
  assert.equal(created.status, 201);
  // The earlier console's form: the keystore entry second, the id from the URL.
  const code = `cp = await connect(${JSON.stringify(`${csms.url}CARD1`)}, { id: 'CARD1', key: '/compat/cp.key', cert: '/compat/cp.cert' });
return { id: cp.id, entry: cp.keystore().get() };`;
  const res = await fetch(`${server.ui}/api/chargepoints/CARD1/script`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  const body = (await res.json()) as { result?: { id: string; entry: { key: string; cert: string } }; error?: string };
  assert.equal(res.status, 200, body.error);
  assert.equal(body.result!.id, 'CARD1');
  assert.deepEqual({ key: body.result!.entry.key, cert: body.result!.entry.cert }, { key: '/compat/cp.key', cert: '/compat/cp.cert' });

  const legacy = (headers: Record<string, string>, text: string, name = 'CARD1'): Promise<Response> => fetch(`${server.ui}/cp/${name}`, { method: 'POST', headers, body: text });
  const ok = await legacy({ ...auth, 'content-type': 'application/javascript' }, `await cp.sendBootnotification({ chargePointVendor: 'vendor', chargePointModel: '1' }); cp.log('legacy route ran');`);
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.equal(await ok.text(), 'ok');
  const plain = await legacy({ ...auth, 'content-type': 'text/plain' }, `cp.log('as text/plain');`);
  assert.equal(plain.status, 200);
  const failed = await legacy({ ...auth, 'content-type': 'text/plain' }, `throw new Error('boom from the legacy route');`);
  assert.equal(failed.status, 500);
  assert.match(await failed.text(), /^console\.js:1:\d+: Error: boom from the legacy route/);
  // The checks of every script route: the token on loopback too, the Origin, the body's type.
  assert.equal((await legacy({ 'content-type': 'text/plain' }, `cp.log('no token');`)).status, 401);
  assert.equal((await legacy({ ...auth, 'content-type': 'text/plain', origin: 'http://evil.example' }, `cp.log('foreign');`)).status, 403);
  assert.equal((await legacy({ ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b')).status, 415);
  const unknown = await legacy({ ...auth, 'content-type': 'text/plain' }, `cp.log('x');`, 'NOPE');
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /no charge point NOPE/);
  const logs = (await (await fetch(`${server.ui}/api/chargepoints/CARD1/logs`)).json()) as { text: string }[];
  assert.ok(logs.some((l) => l.text === 'legacy route ran'), JSON.stringify(logs));
  assert.ok(!logs.some((l) => /no token|foreign/.test(l.text)), 'a refused script never ran');
});
