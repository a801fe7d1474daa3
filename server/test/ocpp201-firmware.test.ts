/**
 * OCTT 2.0.1 station cases of block L (secure firmware update, L01), driven from the CSMS side:
 * an ocpp-rpc RPCServer in strict mode against one ChargingStation on a virtual clock, a real FTP
 * server on 127.0.0.1 serving the image, and a real signing certificate and RSA signature made
 * here. Each test asserts the frames the case checks; every test also checks that the strict
 * server refused nothing the station sent.
 */
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withBench201, type Bench201, type Sent201 } from './cs201-harness';
import { startFtpServer, type TestFtpServer } from './ftp-server';
import { freePort, heldHttpTransfer } from './helpers';
import { rsaCert } from './pki';

type Params = Record<string, any>;

const IMAGE = Buffer.from('ocpp-sim firmware 2.0.0\n');
/** Valid around the harness's virtual clock (2026-01-05) and for a year from now. */
const signer = rsaCert('firmware signer', { notBefore: Date.parse('2026-01-01T00:00:00Z'), notAfter: Date.now() + 365 * 86_400_000 });
const signature = sign('sha256', IMAGE, signer.key).toString('base64');

let ftp: TestFtpServer;
before(async () => {
  ftp = await startFtpServer('fw', 'fw-secret');
  await writeFile(join(ftp.root, 'fw.bin'), IMAGE);
  await writeFile(join(ftp.root, 'fw-2.4.1.bin'), IMAGE);
  await writeFile(join(ftp.root, 'empty.bin'), Buffer.alloc(0));
});
after(() => ftp.close());

const bench = (t: { after: (fn: () => unknown) => void }, options: Parameters<typeof withBench201>[1] = {}): Promise<Bench201> => withBench201(t, { virtual: true, ...options });

/** An UpdateFirmware request for the signed image, `retrieveInS` / `installInS` from the station's now. */
function update(b: Bench201, requestId: number, opts: { file?: string; retrieveInS?: number; installInS?: number; signature?: string; location?: string } = {}): Params {
  const now = b.clock!.now();
  const firmware: Params = {
    location: opts.location ?? `${ftp.url}/${opts.file ?? 'fw.bin'}`,
    retrieveDateTime: new Date(now + (opts.retrieveInS ?? 0) * 1000).toISOString(),
    signingCertificate: signer.pem,
    signature: opts.signature ?? signature,
  };
  if (opts.installInS !== undefined) firmware.installDateTime = new Date(now + opts.installInS * 1000).toISOString();
  return { requestId, firmware };
}

/** Move the virtual clock in steps (real I/O runs between them) until a matching CALL arrived after index `from`. */
async function until(b: Bench201, action: string, match: (p: Params) => boolean, from = 0, stepMs = 500): Promise<Sent201> {
  for (let step = 0; ; step++) {
    const hit = b.calls.slice(from).find((c) => c.action === action && match(c.params));
    if (hit) return hit;
    if (step > 400) throw new Error(`no ${action} after #${from}; got ${JSON.stringify(b.calls.slice(from).map((c) => [c.action, c.params.status ?? c.params.type]))}`);
    await b.advance(stepMs);
    await b.settle(2);
  }
}

const statuses = (b: Bench201, from: number): Params[] => b.since(from, 'FirmwareStatusNotification').map((c) => c.params);
const seq = (requestId: number, ...names: string[]): Params[] => names.map((status) => ({ status, requestId }));

test('TC_L_01_CS Secure Firmware Update - Installation successful: Downloading … SignatureVerified, Installing, InstallRebooting, reboot, Installed, FirmwareUpdated', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 11, { file: 'fw-2.4.1.bin' })), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', from);
  assert.deepEqual(statuses(b, from), seq(11, 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed'));
  // The reboot comes between InstallRebooting and Installed, with reason FirmwareUpdate.
  const order = b.calls.slice(from).map((c) => (c.action === 'FirmwareStatusNotification' ? c.params.status : c.action));
  const boot = order.indexOf('BootNotification');
  assert.ok(boot > order.indexOf('InstallRebooting') && boot < order.indexOf('Installed'), order.join(', '));
  const reboot = b.since(from, 'BootNotification')[0]!.params;
  assert.equal(reboot.reason, 'FirmwareUpdate');
  // L01.FR.20: the new firmware's version (from the image's file name) in the BootNotification after the install.
  assert.equal((b.since(0, 'BootNotification')[0]!.params.chargingStation as Params).firmwareVersion, '1.0.0');
  assert.equal((reboot.chargingStation as Params).firmwareVersion, '2.4.1');
  await until(b, 'SecurityEventNotification', (p) => p.type === 'FirmwareUpdated', from);
  // A trigger after the update reports Idle, belonging to no request.
  const t0 = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
  assert.deepEqual((await until(b, 'FirmwareStatusNotification', () => true, t0)).params, { status: 'Idle' });
});

test('TC_L_02_CS Secure Firmware Update - InstallScheduled: verified, InstallScheduled, installed only at installDateTime', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  const requestedAt = b.clock!.now();
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 12, { installInS: 3600 })), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'InstallScheduled', from);
  await b.advance(30 * 60_000);
  assert.equal(b.since(from, 'FirmwareStatusNotification').some((c) => c.params.status === 'Installing'), false, 'installing before installDateTime');
  const installing = await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installing', from, 60_000);
  assert.ok(installing.at - requestedAt >= 3_600_000, `installed ${installing.at - requestedAt} ms after the request`);
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', from);
  assert.deepEqual(statuses(b, from), seq(12, 'Downloading', 'Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'InstallRebooting', 'Installed'));
});

test('TC_L_03_CS Secure Firmware Update - DownloadScheduled: DownloadScheduled until retrieveDateTime, then the whole sequence', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 13, { retrieveInS: 1800 })), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'DownloadScheduled', from);
  // While it waits, a triggered FirmwareStatusNotification reports the scheduled update with its requestId.
  const t0 = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
  assert.deepEqual((await until(b, 'FirmwareStatusNotification', () => true, t0)).params, { status: 'DownloadScheduled', requestId: 13 });
  await b.advance(20 * 60_000);
  assert.equal(b.since(from, 'FirmwareStatusNotification').some((c) => c.params.status === 'Downloading'), false, 'downloading before retrieveDateTime');
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', from, 60_000);
  assert.deepEqual(statuses(b, from).filter((_p, i) => i !== 1), seq(13, 'DownloadScheduled', 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed'));
});

test('TC_L_05_CS Secure Firmware Update - InvalidCertificate: InvalidCertificate and SecurityEventNotification InvalidFirmwareSigningCertificate', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  const expired = rsaCert('old signer', { notBefore: Date.parse('2025-01-01T00:00:00Z'), notAfter: Date.parse('2025-12-31T00:00:00Z') });
  const req = update(b, 15);
  req.firmware.signingCertificate = expired.pem;
  assert.deepEqual(await b.call('UpdateFirmware', req), { status: 'InvalidCertificate' });
  await until(b, 'SecurityEventNotification', (p) => p.type === 'InvalidFirmwareSigningCertificate', from);
  req.firmware.signingCertificate = 'not a certificate';
  assert.deepEqual(await b.call('UpdateFirmware', req), { status: 'InvalidCertificate' });
  await b.advance(5_000);
  assert.deepEqual(statuses(b, from), [], 'no update started');
});

test('TC_L_06_CS Secure Firmware Update - InvalidSignature: Downloading, Downloaded, InvalidSignature, security event, no install', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  const wrong = sign('sha256', Buffer.from('another image'), signer.key).toString('base64');
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 16, { signature: wrong })), { status: 'Accepted' });
  await until(b, 'SecurityEventNotification', (p) => p.type === 'InvalidFirmwareSignature', from);
  await b.advance(5_000);
  assert.deepEqual(statuses(b, from), seq(16, 'Downloading', 'Downloaded', 'InvalidSignature'));
  assert.equal(b.since(from, 'BootNotification').length, 0);
});

test('TC_L_07_CS Secure Firmware Update - DownloadFailed: retries every retryInterval on the station clock, then DownloadFailed', async (t) => {
  const b = await bench(t);
  // A port nothing listens on.
  const port = await freePort();
  const from = b.calls.length;
  const req = { ...update(b, 17, { location: `ftp://fw:fw-secret@127.0.0.1:${port}/fw.bin` }), retries: 2, retryInterval: 600 };
  assert.deepEqual(await b.call('UpdateFirmware', req), { status: 'Accepted' });
  const downloading = await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Downloading', from);
  const failed = await until(b, 'FirmwareStatusNotification', (p) => p.status === 'DownloadFailed', from, 60_000);
  // Two retries 600 s apart: the failure comes 1200 s after the first attempt, on the virtual clock.
  assert.ok(failed.at - downloading.at >= 1_200_000, `failed after ${failed.at - downloading.at} ms`);
  assert.deepEqual(statuses(b, from), seq(17, 'Downloading', 'DownloadFailed'));
});

test('TC_L_08_CS Secure Firmware Update - InstallationFailed: an unusable (empty) image fails to install, no reboot', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  const emptySignature = sign('sha256', Buffer.alloc(0), signer.key).toString('base64');
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 18, { file: 'empty.bin', signature: emptySignature })), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'InstallationFailed', from);
  assert.deepEqual(statuses(b, from), seq(18, 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallationFailed'));
  await b.advance(5_000);
  assert.equal(b.since(from, 'BootNotification').length, 0);
});

test('TC_L_18_CS Secure Firmware Update - Missing firmware signing certificate and signature: Rejected, nothing downloaded', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  const req = update(b, 19);
  delete req.firmware.signingCertificate;
  delete req.firmware.signature;
  assert.deepEqual(await b.call('UpdateFirmware', req), { status: 'Rejected' });
  await b.advance(5_000);
  assert.deepEqual(statuses(b, from), []);
});

test('TC_L_10_CS Secure Firmware Update - AcceptedCanceled: a second request cancels the waiting one and runs to Installed with its own requestId', async (t) => {
  const b = await bench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 20, { retrieveInS: 600 })), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'DownloadScheduled', from);
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 21)), { status: 'AcceptedCanceled' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', from);
  await b.advance(15 * 60_000);
  assert.deepEqual(statuses(b, from), [...seq(20, 'DownloadScheduled'), ...seq(21, 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed')]);
});

test('TC_L_15_CS Secure Firmware Update - Unable to install and activate firmware with ongoing transaction, AllowNewSessionsPendingFirmwareUpdate false: downloaded and verified, idle EVSE Unavailable, install after the transaction', async (t) => {
  const b = await bench(t, { profile: { evses: 2 } });
  assert.equal(b.cs.station.device.str('ChargingStation', 'AllowNewSessionsPendingFirmwareUpdate'), 'false');
  assert.equal(await b.cs.startCharging(1, 'DRIVER1'), true);
  await until(b, 'TransactionEvent', (p) => p.eventType === 'Started');
  const from = b.calls.length;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 22)), { status: 'Accepted' });
  await until(b, 'StatusNotification', (p) => p.evseId === 2 && p.connectorStatus === 'Unavailable', from);
  await b.advance(10 * 60_000);
  assert.deepEqual(statuses(b, from), seq(22, 'Downloading', 'Downloaded', 'SignatureVerified'), 'nothing installed during the transaction');
  const stopAt = b.calls.length;
  b.cs.stopCharging(1);
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', stopAt);
  const order = b.calls.slice(stopAt).map((c) => (c.action === 'FirmwareStatusNotification' ? c.params.status : c.action));
  assert.ok(order.indexOf('TransactionEvent') < order.indexOf('Installing'), order.join(', '));
});

test('TC_L_14_CS Secure Firmware Update - Unable to install and activate firmware with ongoing transaction, AllowNewSessionsPendingFirmwareUpdate true: the idle EVSE stays Available while the install waits for the transaction', async (t) => {
  const b = await bench(t, { profile: { evses: 2, variables: { 'ChargingStation.AllowNewSessionsPendingFirmwareUpdate': true } } });
  assert.equal(await b.cs.startCharging(1, 'DRIVER1'), true);
  await until(b, 'TransactionEvent', (p) => p.eventType === 'Started');
  const from = b.calls.length;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 23)), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'SignatureVerified', from);
  await b.advance(60_000);
  assert.equal(b.cs.station.evse(2)!.connectors[0]!.status, 'Available');
  assert.equal(b.since(from, 'StatusNotification').length, 0);
  assert.equal(statuses(b, from).at(-1)!.status, 'SignatureVerified');
});

test('UpdateFirmware from an http:// location: the same sequence to Installed (FileTransferProtocols HTTP)', async (t) => {
  const http = createHttpServer((req, res) => {
    if (req.url !== '/fw.bin') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(IMAGE);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => http.close(() => r())));
  const b = await bench(t);
  const from = b.calls.length;
  const location = `http://127.0.0.1:${(http.address() as AddressInfo).port}/fw.bin`;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 24, { location })), { status: 'Accepted' });
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', from);
  assert.deepEqual(statuses(b, from), seq(24, 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed'));
});

test('TC_F_19_CS Trigger message - FirmwareStatusNotification - Downloading: triggered while the image is on its way', async (t) => {
  // The image is held back until the trigger was answered, so the download is surely running.
  const held = await heldHttpTransfer(t, (res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(IMAGE));
  const b = await bench(t);
  const from = b.calls.length;
  const location = `http://127.0.0.1:${held.port}/fw.bin`;
  assert.deepEqual(await b.call('UpdateFirmware', update(b, 25, { location })), { status: 'Accepted' });
  await held.requested;
  const before = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
  const [triggered] = await b.waitFor('FirmwareStatusNotification', { from: before });
  assert.deepEqual(triggered!.params, { status: 'Downloading', requestId: 25 });
  held.release();
  await until(b, 'FirmwareStatusNotification', (p) => p.status === 'Installed', from);
  assert.deepEqual(statuses(b, from), seq(25, 'Downloading', 'Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed'));
  assert.deepEqual(b.failures, []);
});
