/**
 * OCTT 2.0.1 station cases of block N: GetLog (N01) to a real FTP server on 127.0.0.1 and
 * customer information (N09, N10), driven from a strict ocpp-rpc CSMS against one
 * ChargingStation. Each test asserts the frames the case checks; every test also checks that the
 * strict server refused nothing the station sent.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withBench201, type Bench201 } from './cs201-harness';
import { startFtpServer, type TestFtpServer } from './ftp-server';
import { freePort, heldHttpTransfer } from './helpers';

type Params = Record<string, any>;

let ftp: TestFtpServer;
before(async () => {
  ftp = await startFtpServer('logs', 'log-secret');
});
after(() => ftp.close());

const logStatuses = (b: Bench201, from: number): Params[] => b.since(from, 'LogStatusNotification').map((c) => c.params);

test('TC_N_25_CS Retrieve Log Information - Diagnostics Log - Success: Accepted with a filename, Uploading, Uploaded, the file holds the journal', async (t) => {
  const b = await withBench201(t);
  const from = b.calls.length;
  const res = await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 25, log: { remoteLocation: `${ftp.url}/` } });
  assert.equal(res.status, 'Accepted');
  assert.match(res.filename, /^diagnostics-log-CS1-.*\.log$/);
  await b.waitFor('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' });
  assert.deepEqual(logStatuses(b, from), [{ status: 'Uploading', requestId: 25 }, { status: 'Uploaded', requestId: 25 }]);
  assert.match(await readFile(join(ftp.root, res.filename), 'utf8'), /frame >> \[2,"[^"]+","BootNotification"/);
  // Afterwards a triggered LogStatusNotification is Idle, belonging to no request.
  const t0 = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
  assert.deepEqual((await b.waitFor('LogStatusNotification', { from: t0 }))[0]!.params, { status: 'Idle' });
});

test('TC_N_26_CS Retrieve Log Information - Diagnostics Log - Upload failed: retries on the station clock, then UploadFailure with the requestId', async (t) => {
  const b = await withBench201(t, { virtual: true });
  const from = b.calls.length;
  // A port nothing listens on.
  const dead = `ftp://logs:log-secret@127.0.0.1:${await freePort()}/`;
  const res = await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 26, retries: 1, retryInterval: 300, log: { remoteLocation: dead } });
  assert.equal(res.status, 'Accepted');
  const uploading = (await b.waitFor('LogStatusNotification', { from }))[0]!;
  for (let step = 0; !b.since(from, 'LogStatusNotification').some((c) => c.params.status === 'UploadFailure'); step++) {
    assert.ok(step < 200, 'no UploadFailure');
    await b.advance(30_000);
    await b.settle(5);
  }
  const failed = b.since(from, 'LogStatusNotification').at(-1)!;
  assert.ok(failed.at - uploading.at >= 300_000, `failed ${failed.at - uploading.at} ms after Uploading`);
  assert.deepEqual(logStatuses(b, from), [{ status: 'Uploading', requestId: 26 }, { status: 'UploadFailure', requestId: 26 }]);
});

test('TC_N_34_CS Retrieve Log Information - Rejected: no log information for the request (N01.FR.05), or a location the station cannot upload to', async (t) => {
  const b = await withBench201(t);
  const from = b.calls.length;
  // Nothing was logged in a window of 2020; the security log of a fresh station is empty but for its startup event.
  const window = { oldestTimestamp: '2020-01-01T00:00:00Z', latestTimestamp: '2020-01-02T00:00:00Z' };
  assert.deepEqual(await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 34, log: { remoteLocation: `${ftp.url}/`, ...window } }), { status: 'Rejected' });
  assert.deepEqual(await b.call('GetLog', { logType: 'SecurityLog', requestId: 35, log: { remoteLocation: `${ftp.url}/`, ...window } }), { status: 'Rejected' });
  assert.deepEqual(await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 36, log: { remoteLocation: 'sftp://127.0.0.1:1/logs' } }), { status: 'Rejected' });
  await b.settle(100);
  assert.deepEqual(logStatuses(b, from), []);
});

test('GetLog to an http:// location (FileTransferProtocols HTTP): the log is POSTed as multipart/form-data with Basic auth, Uploading, Uploaded', async (t) => {
  const received: { auth?: string; type?: string; body: string }[] = [];
  const http = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(req.method === 'POST' && req.url === '/upload' ? 201 : 404).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => http.close());
  const b = await withBench201(t);
  const from = b.calls.length;
  const location = `http://logs:log-secret@127.0.0.1:${(http.address() as AddressInfo).port}/upload`;
  const res = await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 37, log: { remoteLocation: location } });
  assert.equal(res.status, 'Accepted');
  await b.waitFor('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' });
  assert.deepEqual(logStatuses(b, from), [{ status: 'Uploading', requestId: 37 }, { status: 'Uploaded', requestId: 37 }]);
  assert.equal(received.length, 1);
  const [upload] = received;
  assert.equal(upload!.auth, `Basic ${Buffer.from('logs:log-secret').toString('base64')}`);
  const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(upload!.type ?? '')?.[1];
  assert.ok(boundary, upload!.type);
  assert.ok(upload!.body.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${res.filename}"\r\n`), upload!.body.slice(0, 200));
  assert.match(upload!.body, /frame >> \[2,"[^"]+","BootNotification"/);
  assert.ok(upload!.body.endsWith(`\r\n--${boundary}--\r\n`));
});

test('TC_F_16_CS Trigger message - LogStatusNotification - Uploading: triggered while the log is on its way', async (t) => {
  // The upload is answered only after the trigger, so it is surely running when the trigger comes.
  const held = await heldHttpTransfer(t, (res) => res.writeHead(201).end());
  const b = await withBench201(t);
  const from = b.calls.length;
  const location = `http://127.0.0.1:${held.port}/upload`;
  assert.equal((await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 38, log: { remoteLocation: location } })).status, 'Accepted');
  await held.requested;
  const before = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
  const [triggered] = await b.waitFor('LogStatusNotification', { from: before });
  assert.deepEqual(triggered!.params, { status: 'Uploading', requestId: 38 });
  held.release();
  await b.waitFor('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' });
  assert.deepEqual(logStatuses(b, from), [{ status: 'Uploading', requestId: 38 }, { status: 'Uploading', requestId: 38 }, { status: 'Uploaded', requestId: 38 }]);
  assert.deepEqual(b.failures, []);
});

test('TC_N_35_CS Retrieve Log Information - Security Log - Success: Uploading, Uploaded, the file lists the security events', async (t) => {
  const b = await withBench201(t);
  await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'StartupOfTheDevice' });
  const from = b.calls.length;
  const res = await b.call('GetLog', { logType: 'SecurityLog', requestId: 35, log: { remoteLocation: `${ftp.url}/` } });
  assert.equal(res.status, 'Accepted');
  assert.match(res.filename, /^security-log-CS1-.*\.log$/);
  await b.waitFor('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' });
  assert.deepEqual(logStatuses(b, from), [{ status: 'Uploading', requestId: 35 }, { status: 'Uploaded', requestId: 35 }]);
  assert.match(await readFile(join(ftp.root, res.filename), 'utf8'), /^\d{4}-\d\d-\d\dT[\d:.]+Z security StartupOfTheDevice$/m);
});

test('TC_N_36_CS Retrieve Log Information - Second Request: AcceptedCanceled, the first upload stops reporting, the second completes', async (t) => {
  const b = await withBench201(t, { virtual: true });
  const from = b.calls.length;
  // A port nothing listens on.
  const dead = `ftp://logs:log-secret@127.0.0.1:${await freePort()}/`;
  assert.equal((await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 1, retries: 3, retryInterval: 600, log: { remoteLocation: dead } })).status, 'Accepted');
  await b.waitFor('LogStatusNotification', { from, match: (p) => p.status === 'Uploading' });
  await b.settle(200);
  const second = await b.call('GetLog', { logType: 'DiagnosticsLog', requestId: 2, log: { remoteLocation: `${ftp.url}/` } });
  assert.equal(second.status, 'AcceptedCanceled');
  await b.waitFor('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' });
  await b.advance(3_600_000);
  await b.settle(100);
  assert.deepEqual(logStatuses(b, from), [{ status: 'Uploading', requestId: 1 }, { status: 'Uploading', requestId: 2 }, { status: 'Uploaded', requestId: 2 }]);
});

// ---- customer information (N09, N10) ----

const TOKEN = { idToken: 'CUSTOMER01', type: 'ISO14443' as const };

/** The NotifyCustomerInformation parts of one request since `from`, once the last (tbc absent) arrived. */
async function customerReport(b: Bench201, requestId: number, from: number): Promise<Params[]> {
  await b.waitFor('NotifyCustomerInformation', { from, match: (p) => p.requestId === requestId && !p.tbc });
  return b.since(from, 'NotifyCustomerInformation').map((c) => c.params).filter((p) => p.requestId === requestId);
}

test('TC_N_29_CS Get Customer Information - Not Accepted: neither report nor clear is Rejected, no customer reference Invalid, nothing sent', async (t) => {
  const b = await withBench201(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 29, report: false, clear: false, idToken: TOKEN }), { status: 'Rejected' });
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 30, report: true, clear: false }), { status: 'Invalid' });
  await b.settle(100);
  assert.equal(b.since(from, 'NotifyCustomerInformation').length, 0);
});

test('TC_N_27_CS / TC_N_28_CS Get Customer Information - Accepted + data / + no data: the cached token is reported, an unknown one "no data"', async (t) => {
  const b = await withBench201(t);
  assert.equal((await b.cs.presentToken(1, TOKEN.idToken)).status, 'Accepted');
  let from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 27, report: true, clear: false, idToken: TOKEN }), { status: 'Accepted' });
  const [part] = await customerReport(b, 27, from);
  assert.equal(part!.seqNo, 0);
  assert.match(part!.data, /AuthorizationCache ISO14443 CUSTOMER01: \{"status":"Accepted"\}/);
  from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 28, report: true, clear: false, idToken: { idToken: 'NOBODY', type: 'ISO14443' } }), { status: 'Accepted' });
  assert.deepEqual((await customerReport(b, 28, from)).map((p) => p.data), ['No data found for idToken ISO14443 NOBODY']);
});

test('TC_N_32_CS Clear Customer Information - Clear and no report: Accepted, one notification, the cache entry is gone', async (t) => {
  // With LocalPreAuthorize a cached token is not asked for online: asking again shows the entry is gone.
  const b = await withBench201(t, { profile: { variables: { 'AuthCtrlr.LocalPreAuthorize': true } } });
  assert.equal((await b.cs.presentToken(1, TOKEN.idToken)).status, 'Accepted');
  assert.equal(b.cs.authorization.customerData(TOKEN).length, 1);
  const from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 32, report: false, clear: true, idToken: TOKEN }), { status: 'Accepted' });
  const parts = await customerReport(b, 32, from);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.data, 'Customer data of idToken ISO14443 CUSTOMER01 cleared');
  assert.equal(parts[0]!.tbc, undefined);
  assert.deepEqual(b.cs.authorization.customerData(TOKEN), []);
  // Presented again, the token is asked for online: it was no longer cached.
  const asked = b.calls.length;
  await b.cs.presentToken(1, TOKEN.idToken);
  assert.equal(b.since(asked, 'Authorize').length, 1);
});

test('TC_N_30_CS Clear Customer Information - Clear and report + data: the cleared entries reported; long data split into tbc parts of 512 characters', async (t) => {
  const b = await withBench201(t);
  const long = { idToken: 'L'.repeat(36), type: 'ISO14443' as const };
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [{ idToken: long, idTokenInfo: { status: 'Accepted', personalMessage: { format: 'UTF8', content: 'x'.repeat(512) } } }] }), { status: 'Accepted' });
  const from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 30, report: true, clear: true, idToken: long }), { status: 'Accepted' });
  const parts = await customerReport(b, 30, from);
  assert.ok(parts.length >= 2, `${parts.length} parts`);
  assert.deepEqual(parts.map((p) => p.seqNo), parts.map((_p, i) => i));
  assert.deepEqual(parts.map((p) => p.tbc), [...parts.slice(1).map(() => true), undefined]);
  assert.ok(parts.every((p) => p.data.length <= 512));
  assert.match(parts.map((p) => p.data).join(''), /^Cleared idToken ISO14443 L{36}:\nLocalAuthorizationList /);
  // N10.FR.03: the local list is the CSMS's to change.
  assert.equal(b.cs.authorization.customerData(long).length, 1);
});

test('TC_N_31_CS / TC_N_62_CS Clear Customer Information - Clear and report + no data, and by customerIdentifier: Accepted, a report that says so', async (t) => {
  const b = await withBench201(t);
  let from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 31, report: true, clear: true, idToken: { idToken: 'NOBODY', type: 'ISO14443' } }), { status: 'Accepted' });
  const [none] = await customerReport(b, 31, from);
  assert.match(none!.data, /NOBODY/);
  from = b.calls.length;
  assert.deepEqual(await b.call('CustomerInformation', { requestId: 62, report: true, clear: true, customerIdentifier: 'CUST-62' }), { status: 'Accepted' });
  const parts = await customerReport(b, 62, from);
  assert.equal(parts.length, 1);
  assert.match(parts[0]!.data, /customerIdentifier CUST-62/);
});
