/**
 * OCTT 1.6 charge-point cases of the optional feature profiles, driven from the CSMS side:
 * LocalAuthListManagement (TC_008, TC_042, TC_043), FirmwareManagement (TC_044, TC_045, against
 * a real FTP server on 127.0.0.1), Reservation (TC_046 to TC_053), RemoteTrigger (TC_054,
 * TC_055) and SmartCharging (TC_056 to TC_060, TC_066, TC_067, TC_072, TC_082; composite
 * schedules checked value by value on a virtual clock).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after as afterAll, before, describe, test } from 'node:test';
import { FtpSrv } from 'ftp-srv';
import type { FrameEvent } from '../src/ocpp/endpoint';
import type { Payload } from '../src/ocpp/frames';
import { scenario, untilIdle, type Scenario, type SentCall } from './tc-harness';

type Match = (p: Record<string, unknown>) => boolean;

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** StatusNotification for `connectorId` with `status`. */
const sn = (connectorId: number, status: string): Match => (p) => p.connectorId === connectorId && p.status === status;

/** The first CALL `action` (matching) sent at or after index `from`; waits up to 3 s. */
/** Once a reservation is gone, another tag charges on connector 1 with no reservationId. */
async function otherTagChargesUnreserved(s: Scenario): Promise<void> {
  const from = s.sent.length;
  assert.equal(await s.cp.startCharging(1, 'OTHER_TAG'), true);
  const start = await after(s, from, 'StartTransaction');
  assert.equal(start.payload.idTag, 'OTHER_TAG');
  assert.equal(start.payload.reservationId, undefined);
  await after(s, from, 'StatusNotification', sn(1, 'Charging'));
}

async function after(s: Scenario, from: number, action: string, match: Match = () => true): Promise<SentCall> {
  for (let waited = 0; ; waited += 10) {
    const hit = s.since(from, action).find((c) => match(c.payload));
    if (hit) return hit;
    if (waited > 3000) {
      throw new Error(`timed out waiting for ${action} after #${from}; sent since:\n  ${s.sent.slice(from).map((c) => `${c.action} ${JSON.stringify(c.payload)}`).join('\n  ')}`);
    }
    await pause(10);
  }
}

/** Wait (real time, up to 3 s) until `pred` holds. */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !pred(); waited += 10) {
    if (waited > 3000) throw new Error(`timed out: ${what}`);
    await pause(10);
  }
}

/** A CSMS round trip plus an idle charge point: whatever a preceding call triggers has been sent. */
async function barrier(s: Scenario): Promise<void> {
  await s.call('GetConfiguration', { key: ['NumberOfConnectors'] });
  await untilIdle(s.cp);
}

/** Statuses reported for a connector since `from`. */
const statusesSince = (s: Scenario, from: number, connectorId: number): unknown[] =>
  s.since(from, 'StatusNotification').filter((c) => c.payload.connectorId === connectorId).map((c) => c.payload.status);

const TX_ID = 42;

/**
 * OCTT's "Charging" state: cable in (Preparing), RemoteStartTransaction Accepted, StartTransaction
 * (the mock CSMS assigns transactionId 42), Charging; resolves once the charge point knows the id.
 */
async function charging(s: Scenario, idTag = 'TAG1', chargingProfile?: Payload): Promise<void> {
  s.csms.answer('StartTransaction', () => ({ transactionId: TX_ID, idTagInfo: { status: 'Accepted' } }));
  const from = s.sent.length;
  s.cp.plugIn(1);
  await after(s, from, 'StatusNotification', sn(1, 'Preparing'));
  const req: Payload = { connectorId: 1, idTag };
  if (chargingProfile) req.chargingProfile = chargingProfile;
  assert.deepEqual(await s.call('RemoteStartTransaction', req), { status: 'Accepted' });
  const start = await after(s, from, 'StartTransaction');
  assert.equal(start.payload.idTag, idTag);
  await after(s, from, 'StatusNotification', sn(1, 'Charging'));
  await until(() => s.cp.station.connector(1)?.transaction?.id === TX_ID, 'transactionId 42 known to the charge point');
}

const FAR = '2099-01-01T00:00:00.000Z';

function reserveNow(s: Scenario, connectorId: number, reservationId: number, idTag: string, extra: Payload = {}): Promise<Payload> {
  return s.call('ReserveNow', { connectorId, expiryDate: FAR, idTag, reservationId, ...extra });
}

// ---------------------------------------------------------------- LocalAuthListManagement

describe('LocalAuthListManagement', () => {
  const entry = (idTag: string, extra: Payload = {}) => ({ idTag, idTagInfo: { status: 'Accepted', expiryDate: '2099-06-19T09:10:00.000Z', ...extra } });

  test('TC_008 Regular start charging session - id in local authorization list (local identification, no Authorize)', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'LocalPreAuthorize', value: 'true' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'AuthorizationCacheEnabled', value: 'false' }), { status: 'Accepted' });
    const { listVersion } = (await s.call('GetLocalListVersion', {})) as { listVersion: number };
    assert.equal(listVersion, 0);
    assert.deepEqual(await s.call('SendLocalList', { listVersion: listVersion + 1, updateType: 'Full', localAuthorizationList: [entry('LOCAL1')] }), { status: 'Accepted' });
    const from = s.sent.length;
    s.cp.plugIn(1);
    await after(s, from, 'StatusNotification', sn(1, 'Preparing'));
    assert.equal(await s.cp.startCharging(1, 'LOCAL1'), true);
    const start = await after(s, from, 'StartTransaction');
    assert.equal(start.payload.idTag, 'LOCAL1');
    assert.equal(start.payload.connectorId, 1);
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
    assert.deepEqual(s.since(from, 'Authorize'), [], 'LocalPreAuthorize with a listed tag: no Authorize round trip');
  });

  test('TC_008 Regular start charging session - id in local authorization list (RemoteStartTransaction, no Authorize)', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    for (const [key, value] of [['LocalPreAuthorize', 'true'], ['AuthorizationCacheEnabled', 'false'], ['AuthorizeRemoteTxRequests', 'true']]) {
      assert.deepEqual(await s.call('ChangeConfiguration', { key, value }), { status: 'Accepted' });
    }
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [entry('LOCAL1', { parentIdTag: 'PTAG' })] }), { status: 'Accepted' });
    const from = s.sent.length;
    await charging(s, 'LOCAL1');
    assert.deepEqual(statusesSince(s, from, 1), ['Preparing', 'Charging']);
    assert.deepEqual(s.since(from, 'Authorize'), [], 'the local list answered AuthorizeRemoteTxRequests');
  });

  test('TC_042_1 Get local list version - not supported (LocalAuthListEnabled false): -1', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'LocalAuthListEnabled', value: 'false' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: -1 });
  });

  test('TC_042_2 Get local list version - empty list reads 0', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 1, updateType: 'Full' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 0 });
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [] }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 0 });
  });

  test('TC_043 Send local authorization list - Full then Differential; listed tags authorize locally', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'LocalPreAuthorize', value: 'true' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'AuthorizationCacheEnabled', value: 'false' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [entry('TAG_A'), entry('TAG_B')] }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 1 });
    // Differential: TAG_C added, TAG_A removed (no idTagInfo).
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 2, updateType: 'Differential', localAuthorizationList: [entry('TAG_C'), { idTag: 'TAG_A' }] }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 2 });

    // TAG_A is no longer listed: the charge point must ask the CSMS (which refuses it).
    s.csms.answer('Authorize', (req) => ({ idTagInfo: { status: (req.payload as { idTag: string }).idTag === 'TAG_A' ? 'Invalid' : 'Accepted' } }));
    let from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'TAG_A'), false);
    assert.deepEqual(s.since(from, 'Authorize').map((c) => c.payload.idTag), ['TAG_A']);
    await barrier(s);
    assert.deepEqual(s.since(from, 'StartTransaction'), []);

    // TAG_C came with the differential update: local, no Authorize.
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'TAG_C'), true);
    assert.equal((await after(s, from, 'StartTransaction')).payload.idTag, 'TAG_C');
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
    assert.deepEqual(s.since(from, 'Authorize'), []);
  });

  test('TC_043_1 Send local authorization list - NotSupported (LocalAuthListEnabled false)', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'LocalAuthListEnabled', value: 'false' }), { status: 'Accepted' });
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [entry('RFID1')] }), { status: 'NotSupported' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: -1 });
  });

  test('TC_043_2 Send local authorization list - VersionMismatch keeps the installed version', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [entry('RFID1')] }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 2 });
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: [entry('RFID2')] }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 5 });
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 4, updateType: 'Differential', localAuthorizationList: [entry('RFID3')] }), { status: 'VersionMismatch' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 5 });
    // Equal version is no update either.
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: [entry('RFID3')] }), { status: 'VersionMismatch' });
    assert.equal(s.cp.station.localList.lookup('RFID3', Date.now()), undefined, 'a mismatched update changes nothing');
  });

  test('TC_043_3 Send local authorization list - more entries than LocalAuthListMaxLength: Failed', async (t) => {
    const s = await scenario({ profile: { configuration: { LocalAuthListMaxLength: 2 } } });
    t.after(() => s.close());
    const cfg = (await s.call('GetConfiguration', { key: ['LocalAuthListMaxLength', 'SendLocalListMaxLength'] })) as { configurationKey: { key: string; value: string }[] };
    assert.deepEqual(cfg.configurationKey.map((k) => [k.key, k.value]), [['LocalAuthListMaxLength', '2'], ['SendLocalListMaxLength', '100']]);
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [entry('T1'), entry('T2'), entry('T3')] }), { status: 'Failed' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 0 }, 'a failed update installs nothing');
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [entry('T1'), entry('T2')] }), { status: 'Accepted' });
    // A differential update that would grow the list past the limit fails too.
    assert.deepEqual(await s.call('SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: [entry('T3')] }), { status: 'Failed' });
    assert.deepEqual(await s.call('GetLocalListVersion', {}), { listVersion: 2 });
  });
});

// ---------------------------------------------------------------- FirmwareManagement

const silent: Record<string, unknown> = {};
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) silent[level] = () => undefined;
silent.child = () => silent;

/** A free TCP port nobody listens on. */
async function deadPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('FirmwareManagement', () => {
  let root: string;
  let port: number;
  let srv: FtpSrv;
  const url = (path: string) => `ftp://user:pass@127.0.0.1:${port}/${path}`;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tc-profiles-ftp-'));
    await writeFile(join(root, 'fw.bin'), 'ocpp-sim firmware 2.0\n');
    await writeFile(join(root, 'fw-2.0.3.bin'), 'ocpp-sim firmware 2.0.3\n');
    await writeFile(join(root, 'empty.bin'), '');
    const pasvMin = 20000 + Math.floor(Math.random() * 40000);
    srv = new FtpSrv({ url: 'ftp://127.0.0.1:0', pasv_url: '127.0.0.1', pasv_min: pasvMin, pasv_max: pasvMin + 200, log: silent as never });
    srv.on('login', ({ username, password }, resolve, reject) => {
      if (username === 'user' && password === 'pass') resolve({ root });
      else reject(new Error('Login incorrect'));
    });
    await srv.listen();
    port = ((srv as unknown as { server: Server }).server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  });

  const firmwareStatuses = (s: Scenario, from: number) => s.since(from, 'FirmwareStatusNotification').map((c) => c.payload.status);

  test('TC_044_1 Firmware update - download and install: Downloading, Downloaded, Installing, reboot, Installed', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    assert.deepEqual(await s.call('UpdateFirmware', { location: url('fw-2.0.3.bin'), retrieveDate: new Date().toISOString(), retries: 0 }), {});
    const installed = await after(s, from, 'FirmwareStatusNotification', (p) => p.status === 'Installed');
    assert.deepEqual(firmwareStatuses(s, from), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
    const tail = s.sent.slice(from);
    const at = (c: SentCall) => tail.indexOf(c);
    const installing = tail.find((c) => c.action === 'FirmwareStatusNotification' && c.payload.status === 'Installing')!;
    const boot = tail.find((c) => c.action === 'BootNotification');
    assert.ok(boot, 'the charge point rebooted (new BootNotification)');
    // The new firmware reports its version (taken from the image's file name) from the reboot on.
    assert.equal(s.since(0, 'BootNotification')[0]!.payload.firmwareVersion, '1.0.0');
    assert.equal(boot.payload.firmwareVersion, '2.0.3');
    assert.ok(at(installing) < at(boot) && at(boot) < at(installed), 'Installing, then the reboot, then Installed');
    const available = tail.find((c, i) => i > at(boot) && c.action === 'StatusNotification' && sn(1, 'Available')(c.payload));
    assert.ok(available && at(available) < at(installed), 'StatusNotification(Available) after the boot, before Installed');
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    const idle = await after(s, s.sent.indexOf(installed) + 1, 'FirmwareStatusNotification');
    assert.equal(idle.payload.status, 'Idle', 'back to Idle once installed');
  });

  test('TC_044_2 Firmware update - download failed (missing file, retries 0): Downloading, DownloadFailed, no reboot', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    assert.deepEqual(await s.call('UpdateFirmware', { location: url('missing.bin'), retrieveDate: new Date().toISOString(), retries: 0 }), {});
    await after(s, from, 'FirmwareStatusNotification', (p) => p.status === 'DownloadFailed');
    await barrier(s);
    assert.deepEqual(firmwareStatuses(s, from), ['Downloading', 'DownloadFailed']);
    assert.deepEqual(s.since(from, 'BootNotification'), [], 'the old firmware stays: no reboot');
    assert.equal(s.cp.station.connector(1)?.status, 'Available');
    assert.deepEqual(statusesSince(s, from, 1), []);
  });

  test('TC_044_3 Firmware update - installation failed (empty image): Downloading, Downloaded, Installing, InstallationFailed', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    assert.deepEqual(await s.call('UpdateFirmware', { location: url('empty.bin'), retrieveDate: new Date().toISOString(), retries: 0 }), {});
    await after(s, from, 'FirmwareStatusNotification', (p) => p.status === 'InstallationFailed');
    await barrier(s);
    assert.deepEqual(firmwareStatuses(s, from), ['Downloading', 'Downloaded', 'Installing', 'InstallationFailed']);
    assert.deepEqual(s.since(from, 'BootNotification'), []);
    assert.equal(s.cp.station.connector(1)?.status, 'Available');
  });

  test('TC_045_1 Get diagnostics: Uploading, Uploaded, and the file is at the location', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    const startTime = new Date(Date.now() - 3_600_000).toISOString();
    const res = (await s.call('GetDiagnostics', { location: url(''), startTime, stopTime: new Date().toISOString(), retries: 0 })) as { fileName?: string };
    assert.equal(typeof res.fileName, 'string');
    await after(s, from, 'DiagnosticsStatusNotification', (p) => p.status === 'Uploaded');
    assert.deepEqual(s.since(from, 'DiagnosticsStatusNotification').map((c) => c.payload.status), ['Uploading', 'Uploaded']);
    assert.ok((await readdir(root)).includes(res.fileName!), `${res.fileName} uploaded to the FTP root`);
    const content = JSON.parse(await readFile(join(root, res.fileName!), 'utf8')) as { chargePoint: string; window: { startTime: string } };
    assert.equal(content.chargePoint, 'CP1');
    assert.equal(content.window.startTime, startTime);
  });

  test('TC_045_2 Get diagnostics - upload failed (unreachable, retries 0): Uploading, UploadFailed; operation continues', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const dead = await deadPort();
    const from = s.sent.length;
    const res = (await s.call('GetDiagnostics', { location: `ftp://user:pass@127.0.0.1:${dead}/`, retries: 0 })) as { fileName?: string };
    assert.equal(typeof res.fileName, 'string');
    await after(s, from, 'DiagnosticsStatusNotification', (p) => p.status === 'UploadFailed');
    assert.deepEqual(s.since(from, 'DiagnosticsStatusNotification').map((c) => c.payload.status), ['Uploading', 'UploadFailed']);
    // Normal operation continues: triggers are served, the diagnostics status is Idle again.
    const mark = s.sent.length;
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' }), { status: 'Accepted' });
    assert.equal((await after(s, mark, 'DiagnosticsStatusNotification')).payload.status, 'Idle');
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    await after(s, mark, 'Heartbeat');
  });
});

// ---------------------------------------------------------------- Reservation

describe('Reservation', () => {
  test('TC_046_1 Reservation of a connector - local start: other tag refused without Authorize, reserved tag starts with reservationId', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 1, 7, 'RES_TAG'), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'OTHER_TAG'), false);
    await barrier(s);
    assert.deepEqual(s.since(from), [], 'another tag does not get in: no Authorize, no StartTransaction, no status change');
    assert.equal(await s.cp.startCharging(1, 'RES_TAG'), true);
    const start = await after(s, from, 'StartTransaction');
    assert.equal(start.payload.idTag, 'RES_TAG');
    assert.equal(start.payload.reservationId, 7);
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
    assert.deepEqual(statusesSince(s, from, 1), ['Preparing', 'Charging']);
    // The reservation was used up: a CancelReservation for it is Rejected.
    assert.deepEqual(await s.call('CancelReservation', { reservationId: 7 }), { status: 'Rejected' });
  });

  test('TC_046_2 Reservation of a connector - remote start: StartTransaction carries idTag and reservationId', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 1, 8, 'RES_TAG'), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'OTHER_TAG' }), { status: 'Rejected' }, 'a remote start for another tag is refused');
    assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'RES_TAG' }), { status: 'Accepted' });
    const start = await after(s, from, 'StartTransaction');
    assert.equal(start.payload.idTag, 'RES_TAG');
    assert.equal(start.payload.reservationId, 8);
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
    assert.deepEqual(s.since(from, 'Authorize').map((c) => c.payload.idTag), ['RES_TAG'], 'AuthorizeRemoteTxRequests is true by default');
  });

  test('TC_047 Reservation of a connector - expire: Available at expiryDate, then another tag charges', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const clock = s.clock!;
    let from = s.sent.length;
    assert.deepEqual(await s.call('ReserveNow', { connectorId: 1, expiryDate: new Date(clock.now() + 60_000).toISOString(), idTag: 'RES_TAG', reservationId: 9 }), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    await s.advance(59_000);
    assert.deepEqual(statusesSince(s, from, 1), [], 'still reserved one second before expiry');
    await s.advance(1_000);
    await after(s, from, 'StatusNotification', sn(1, 'Available'));
    await otherTagChargesUnreserved(s);
  });

  test('TC_048_1 Reservation of a connector - Faulted', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    s.cp.fault(1, 'GroundFailure');
    await after(s, from, 'StatusNotification', sn(1, 'Faulted'));
    assert.deepEqual(await reserveNow(s, 1, 10, 'RES_TAG'), { status: 'Faulted' });
    await barrier(s);
    assert.deepEqual(statusesSince(s, from, 1), ['Faulted']);
  });

  test('TC_048_2 Reservation of a connector - Occupied (Preparing, and Charging)', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    s.cp.plugIn(1);
    await after(s, from, 'StatusNotification', sn(1, 'Preparing'));
    assert.deepEqual(await reserveNow(s, 1, 11, 'RES_TAG'), { status: 'Occupied' });
    assert.equal(await s.cp.startCharging(1, 'TAG1'), true);
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
    assert.deepEqual(await reserveNow(s, 1, 12, 'RES_TAG'), { status: 'Occupied' });
    await barrier(s);
    assert.ok(!statusesSince(s, from, 1).includes('Reserved'));
  });

  test('TC_048_3 Reservation of a connector - Unavailable', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Unavailable'));
    assert.deepEqual(await reserveNow(s, 1, 13, 'RES_TAG'), { status: 'Unavailable' });
  });

  test('TC_049 Reservation of a charge point (connectorId 0): Reserved, the reserved tag charges with the reservationId', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const cfg = (await s.call('GetConfiguration', { key: ['ReserveConnectorZeroSupported'] })) as { configurationKey: { value: string }[] };
    assert.equal(cfg.configurationKey[0]?.value, 'true');
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 0, 14, 'RES_TAG'), { status: 'Accepted' });
    // One connector: it is the one that must stay free for the reserved tag.
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'OTHER_TAG'), false, 'the last free connector is held for the reservation');
    await barrier(s);
    assert.deepEqual(s.since(from, 'Authorize'), []);
    assert.equal(await s.cp.startCharging(1, 'RES_TAG'), true);
    const start = await after(s, from, 'StartTransaction');
    assert.equal(start.payload.idTag, 'RES_TAG');
    assert.equal(start.payload.reservationId, 14);
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
  });

  test('TC_049 Reservation of a charge point on 2 connectors: Reserved moves to the last free connector', async (t) => {
    const s = await scenario({ profile: { connectors: 2 } });
    t.after(() => s.close());
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 0, 22, 'RES_TAG'), { status: 'Accepted' });
    await barrier(s);
    assert.deepEqual(s.since(from, 'StatusNotification'), [], 'two free connectors: neither needs to be held yet');
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(2, 'OTHER_TAG'), true, 'one connector may still be used by anyone');
    await after(s, from, 'StatusNotification', sn(2, 'Charging'));
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'THIRD_TAG'), false, 'the last free connector is held');
    assert.deepEqual(await s.call('CancelReservation', { reservationId: 22 }), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Available'));
  });

  test('TC_050_1 Reservation of a charge point - Faulted', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    s.cp.fault(0, 'OtherError');
    await after(s, from, 'StatusNotification', sn(1, 'Faulted'));
    assert.deepEqual(await reserveNow(s, 0, 15, 'RES_TAG'), { status: 'Faulted' });
  });

  test('TC_050_2 Reservation of a charge point - Occupied', async (t) => {
    const s = await scenario({ profile: { connectors: 2 } });
    t.after(() => s.close());
    const from = s.sent.length;
    s.cp.plugIn(1);
    assert.equal(await s.cp.startCharging(2, 'TAG2'), true);
    await after(s, from, 'StatusNotification', sn(1, 'Preparing'));
    await after(s, from, 'StatusNotification', sn(2, 'Charging'));
    assert.deepEqual(await reserveNow(s, 0, 16, 'RES_TAG'), { status: 'Occupied' });
  });

  test('TC_050_3 Reservation of a charge point - Unavailable', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    assert.deepEqual(await s.call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' }), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Unavailable'));
    assert.deepEqual(await reserveNow(s, 0, 17, 'RES_TAG'), { status: 'Unavailable' });
  });

  test('TC_051 Cancel reservation: Accepted, Available, another tag charges without reservationId', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 1, 18, 'RES_TAG'), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.deepEqual(await s.call('CancelReservation', { reservationId: 18 }), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Available'));
    await otherTagChargesUnreserved(s);
  });

  test('TC_052 Cancel reservation - Rejected for an unknown id; the reservation stays', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 1, 19, 'RES_TAG'), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.deepEqual(await s.call('CancelReservation', { reservationId: 20 }), { status: 'Rejected' });
    await barrier(s);
    assert.deepEqual(statusesSince(s, from, 1), [], 'still Reserved');
    assert.equal(await s.cp.startCharging(1, 'OTHER_TAG'), false, 'the reservation still holds');
    assert.deepEqual(await s.call('CancelReservation', { reservationId: 19 }), { status: 'Accepted' });
  });

  test('TC_053 Use a reserved connector with parentIdTag: a tag of the same group starts with the reservationId', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const parents: Record<string, string> = { CHILD_TAG: 'PARENT', STRANGER: 'OTHER_GROUP' };
    s.csms.answer('Authorize', (req) => {
      const { idTag } = req.payload as { idTag: string };
      return { idTagInfo: { status: 'Accepted', parentIdTag: parents[idTag] ?? idTag } };
    });
    let from = s.sent.length;
    assert.deepEqual(await reserveNow(s, 1, 21, 'RES_TAG', { parentIdTag: 'PARENT' }), { status: 'Accepted' });
    await after(s, from, 'StatusNotification', sn(1, 'Reserved'));
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'STRANGER'), false, 'a tag of another group is refused');
    await barrier(s);
    assert.deepEqual(s.since(from, 'StartTransaction'), []);
    from = s.sent.length;
    assert.equal(await s.cp.startCharging(1, 'CHILD_TAG'), true);
    assert.deepEqual(s.since(from, 'Authorize').map((c) => c.payload.idTag), ['CHILD_TAG']);
    const start = await after(s, from, 'StartTransaction');
    assert.equal(start.payload.idTag, 'CHILD_TAG');
    assert.equal(start.payload.reservationId, 21);
    await after(s, from, 'StatusNotification', sn(1, 'Charging'));
  });
});

// ---------------------------------------------------------------- RemoteTrigger

describe('RemoteTrigger', () => {
  /** Frames the CSMS received, in order: [type, action]. */
  function frameLog(s: Scenario): [number, string | undefined][] {
    const log: [number, string | undefined][] = [];
    s.csms.on('frame', (_station: unknown, e: FrameEvent) => {
      if (e.direction === 'in' && e.frame) log.push([e.frame.type, e.action]);
    });
    return log;
  }

  test('TC_054 Trigger message: each Accepted, the CALLRESULT before the triggered message', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const log = frameLog(s);
    const cases: [string, number | undefined, number, (calls: SentCall[]) => void][] = [
      ['MeterValues', 1, 1, ([mv]) => {
        assert.equal(mv!.payload.connectorId, 1);
        const [value] = mv!.payload.meterValue as { sampledValue: { context?: string; measurand?: string }[] }[];
        assert.equal(value!.sampledValue[0]!.context, 'Trigger');
        assert.equal(value!.sampledValue[0]!.measurand, 'Energy.Active.Import.Register');
      }],
      ['Heartbeat', undefined, 1, ([hb]) => assert.deepEqual(hb!.payload, {})],
      ['StatusNotification', 1, 1, ([st]) => assert.ok(sn(1, 'Available')(st!.payload))],
      ['StatusNotification', undefined, 2, (sts) => assert.deepEqual(sts.map((c) => [c.payload.connectorId, c.payload.status]), [[0, 'Available'], [1, 'Available']])],
      ['DiagnosticsStatusNotification', undefined, 1, ([d]) => assert.deepEqual(d!.payload, { status: 'Idle' })],
      ['FirmwareStatusNotification', undefined, 1, ([f]) => assert.deepEqual(f!.payload, { status: 'Idle' })],
    ];
    for (const [requestedMessage, connectorId, count, check] of cases) {
      const from = s.sent.length;
      const mark = log.length;
      const req: Payload = connectorId === undefined ? { requestedMessage } : { requestedMessage, connectorId };
      assert.deepEqual(await s.call('TriggerMessage', req), { status: 'Accepted' }, `${requestedMessage} ${String(connectorId)}`);
      await until(() => s.since(from, requestedMessage).length >= count, `${count} × ${requestedMessage}`);
      await barrier(s);
      const sent = s.since(from, requestedMessage);
      assert.equal(sent.length, count, `${requestedMessage}: ${count} message(s)`);
      check(sent);
      const frames = log.slice(mark);
      const resultAt = frames.findIndex(([type, action]) => type === 3 && action === 'TriggerMessage');
      const callAt = frames.findIndex(([type, action]) => type === 2 && action === requestedMessage);
      assert.ok(resultAt >= 0 && callAt > resultAt, `${requestedMessage}: TriggerMessage.conf (#${resultAt}) before the ${requestedMessage} (#${callAt})`);
    }
  });

  test('TC_055 Trigger message - Rejected for connectorId NumberOfConnectors+1; nothing is sent', async (t) => {
    const s = await scenario();
    t.after(() => s.close());
    const from = s.sent.length;
    for (const requestedMessage of ['MeterValues', 'StatusNotification']) {
      assert.deepEqual(await s.call('TriggerMessage', { requestedMessage, connectorId: 2 }), { status: 'Rejected' });
    }
    await barrier(s);
    assert.deepEqual(s.since(from), []);
  });

  test('TC_054 Trigger StatusNotification without connectorId on a 2-connector charge point reports 0, 1 and 2', async (t) => {
    const s = await scenario({ profile: { connectors: 2 } });
    t.after(() => s.close());
    const from = s.sent.length;
    s.cp.plugIn(2);
    await after(s, from, 'StatusNotification', sn(2, 'Preparing'));
    const mark = s.sent.length;
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'StatusNotification' }), { status: 'Accepted' });
    await after(s, mark, 'StatusNotification', (p) => p.connectorId === 2);
    await barrier(s);
    assert.deepEqual(s.since(mark, 'StatusNotification').map((c) => [c.payload.connectorId, c.payload.status]), [[0, 'Available'], [1, 'Available'], [2, 'Preparing']]);
    // And connectorId 3 does not exist on this one.
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 3 }), { status: 'Rejected' });
  });
});

// ---------------------------------------------------------------- SmartCharging

type Period = { startPeriod: number; limit: number; numberPhases?: number };
interface Composite {
  status: string;
  connectorId?: number;
  scheduleStart?: string;
  chargingSchedule?: { startSchedule?: string; duration?: number; chargingRateUnit: string; chargingSchedulePeriod: Period[] };
}

/** A charging profile in A; `periods` as [startPeriod, limit]. */
function profile(
  chargingProfileId: number,
  chargingProfilePurpose: string,
  stackLevel: number,
  periods: [number, number][],
  startSchedule: string,
  opts: { duration?: number; transactionId?: number; unit?: 'A' | 'W'; validTo?: string } = {},
): Payload {
  const p: Payload = {
    chargingProfileId,
    stackLevel,
    chargingProfilePurpose,
    chargingProfileKind: 'Absolute',
    validFrom: startSchedule,
    validTo: opts.validTo ?? new Date(Date.parse(startSchedule) + 3 * 86_400_000).toISOString(),
    chargingSchedule: {
      ...(opts.duration !== undefined && { duration: opts.duration }),
      startSchedule,
      chargingRateUnit: opts.unit ?? 'A',
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
    },
  };
  if (opts.transactionId !== undefined) p.transactionId = opts.transactionId;
  return p;
}

const periods = (c: Composite): [number, number][] => c.chargingSchedule!.chargingSchedulePeriod.map((q) => [q.startPeriod, q.limit]);
/** The local limit without any profile: 22 kW over 3 × 230 V, rounded to 0.1 A. */
const LOCAL_A = Math.round((22_000 / (3 * 230)) * 10) / 10;

describe('SmartCharging', () => {
  async function composite(s: Scenario, connectorId: number, duration: number, chargingRateUnit?: 'A' | 'W'): Promise<Composite> {
    const res = (await s.call('GetCompositeSchedule', chargingRateUnit ? { connectorId, duration, chargingRateUnit } : { connectorId, duration })) as unknown as Composite;
    assert.equal(res.status, 'Accepted');
    assert.equal(res.connectorId, connectorId);
    assert.equal(res.chargingSchedule?.duration, duration);
    return res;
  }

  test('TC_056 Central smart charging - TxDefaultProfile: composite schedule with the asked duration and unit', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const now = new Date(s.clock!.now()).toISOString();
    const p = profile(1, 'TxDefaultProfile', 0, [[0, 6], [60, 10], [120, 8]], now, { duration: 300 });
    assert.deepEqual(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: p }), { status: 'Accepted' });
    let c = await composite(s, 1, 300, 'A');
    assert.equal(c.scheduleStart, now);
    assert.equal(c.chargingSchedule!.startSchedule, now);
    assert.equal(c.chargingSchedule!.chargingRateUnit, 'A');
    assert.deepEqual(periods(c), [[0, 6], [60, 10], [120, 8]]);
    c = await composite(s, 1, 300, 'W');
    assert.equal(c.chargingSchedule!.chargingRateUnit, 'W');
    assert.deepEqual(periods(c), [[0, 6 * 690], [60, 10 * 690], [120, 8 * 690]], '3 phases × 230 V');
    // Beyond the profile's 300 s the local limit applies; 30 s later everything shifts.
    c = await composite(s, 1, 400, 'A');
    assert.deepEqual(periods(c), [[0, 6], [60, 10], [120, 8], [300, LOCAL_A]]);
    await s.advance(30_000);
    c = await composite(s, 1, 300, 'A');
    assert.equal(c.scheduleStart, new Date(s.clock!.now()).toISOString());
    assert.deepEqual(periods(c), [[0, 6], [30, 10], [90, 8], [270, LOCAL_A]]);
  });

  test('TC_057 Central smart charging - TxProfile for the running transaction', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    await charging(s);
    const now = new Date(s.clock!.now()).toISOString();
    const p = profile(3, 'TxProfile', 0, [[0, 6], [60, 10], [120, 8]], now, { duration: 260, transactionId: TX_ID });
    assert.deepEqual(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: p }), { status: 'Accepted' });
    const c = await composite(s, 1, 300, 'A');
    assert.equal(c.scheduleStart, now);
    assert.deepEqual(periods(c), [[0, 6], [60, 10], [120, 8], [260, LOCAL_A]]);
  });

  test('TC_058_1 Central smart charging - TxProfile without an ongoing transaction: Rejected', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const now = new Date(s.clock!.now()).toISOString();
    assert.deepEqual(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(3, 'TxProfile', 0, [[0, 6]], now, { duration: 260, transactionId: 1 }) }), { status: 'Rejected' });
    assert.deepEqual(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(4, 'TxProfile', 0, [[0, 6]], now) }), { status: 'Rejected' });
    assert.deepEqual(periods(await composite(s, 1, 100, 'A')), [[0, LOCAL_A]], 'nothing installed');
  });

  test('TC_058_2 Central smart charging - TxProfile with a wrong transactionId: Rejected', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    await charging(s);
    const now = new Date(s.clock!.now()).toISOString();
    assert.deepEqual(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(3, 'TxProfile', 0, [[0, 6]], now, { duration: 260, transactionId: TX_ID + 1 }) }), { status: 'Rejected' });
    assert.deepEqual(periods(await composite(s, 1, 100, 'A')), [[0, LOCAL_A]], 'nothing installed');
  });

  test('TC_059 Remote start transaction with charging profile: the TxProfile governs the transaction', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const now = new Date(s.clock!.now()).toISOString();
    await charging(s, 'TAG1', profile(1, 'TxProfile', 2, [[0, 6]], now, { duration: 600 }));
    const c = await composite(s, 1, 900, 'A');
    assert.deepEqual(periods(c), [[0, 6], [600, LOCAL_A]]);
    // And the charge point really offers 6 A.
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Current.Offered' }), { status: 'Accepted' });
    const from = s.sent.length;
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }), { status: 'Accepted' });
    const mv = await after(s, from, 'MeterValues');
    const [value] = mv.payload.meterValue as { sampledValue: { measurand?: string; value: string }[] }[];
    assert.deepEqual(value!.sampledValue.map((v) => [v.measurand, v.value]), [['Current.Offered', '6.0']]);
  });

  test('TC_060 Remote start transaction with charging profile - Rejected unless it is a TxProfile', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const now = new Date(s.clock!.now()).toISOString();
    const from = s.sent.length;
    for (const purpose of ['TxDefaultProfile', 'ChargePointMaxProfile']) {
      const p = profile(3, purpose, 0, [[0, 6], [60, 10], [120, 8]], now, { duration: 260 });
      assert.deepEqual(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1', chargingProfile: p }), { status: 'Rejected' }, purpose);
    }
    await barrier(s);
    assert.deepEqual(s.since(from), [], 'no Authorize, no StartTransaction, no status change');
    assert.deepEqual(periods(await composite(s, 1, 100, 'A')), [[0, LOCAL_A]], 'no profile installed');
  });

  test('TC_066 Get composite schedule: ChargePointMaxProfile, TxDefaultProfile and TxProfile merged (400 s)', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const cfg = (await s.call('GetConfiguration', { key: ['MaxChargingProfilesInstalled', 'ChargingScheduleMaxPeriods'] })) as { configurationKey: { value: string }[] };
    assert.ok(cfg.configurationKey.every((k) => Number(k.value) >= 3) && Number(cfg.configurationKey[1]!.value) >= 5);
    await charging(s);
    const now = new Date(s.clock!.now()).toISOString();
    const set = (connectorId: number, p: Payload) => s.call('SetChargingProfile', { connectorId, csChargingProfiles: p });
    assert.deepEqual(await set(0, profile(1, 'ChargePointMaxProfile', 0, [[0, 10]], now, { duration: 86_400 })), { status: 'Accepted' });
    assert.deepEqual(await set(1, profile(2, 'TxDefaultProfile', 0, [[0, 6], [60, 10], [120, 8], [180, 25], [260, 8]], now, { duration: 300 })), { status: 'Accepted' });
    assert.deepEqual(await set(1, profile(3, 'TxProfile', 0, [[0, 8], [50, 11], [140, 16], [200, 6], [240, 12]], now, { duration: 260, transactionId: TX_ID })), { status: 'Accepted' });
    const c = await composite(s, 1, 400, 'A');
    assert.equal(c.scheduleStart, now);
    assert.equal(c.chargingSchedule!.chargingRateUnit, 'A');
    assert.deepEqual(periods(c), [[0, 8], [50, 10], [200, 6], [240, 10], [260, 8], [300, 10]]);
    // Connector 0 reports the charge point's limit only.
    assert.deepEqual(periods(await composite(s, 0, 400, 'A')), [[0, 10]]);
  });

  test('TC_067 Clear charging profile: by id, by purpose and stackLevel, then everything', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    await charging(s);
    const now = new Date(s.clock!.now()).toISOString();
    const set = (connectorId: number, p: Payload) => s.call('SetChargingProfile', { connectorId, csChargingProfiles: p });
    assert.deepEqual(await set(0, profile(10, 'ChargePointMaxProfile', 0, [[0, 16]], now)), { status: 'Accepted' });
    assert.deepEqual(await set(1, profile(11, 'TxDefaultProfile', 0, [[0, 8]], now)), { status: 'Accepted' });
    assert.deepEqual(await set(1, profile(12, 'TxDefaultProfile', 1, [[0, 12]], now, { duration: 100 })), { status: 'Accepted' });
    assert.deepEqual(periods(await composite(s, 1, 300, 'A')), [[0, 12], [100, 8]]);

    assert.deepEqual(await s.call('ClearChargingProfile', { id: 12 }), { status: 'Accepted' });
    assert.deepEqual(periods(await composite(s, 1, 300, 'A')), [[0, 8]]);

    assert.deepEqual(await s.call('ClearChargingProfile', { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 0 }), { status: 'Accepted' });
    assert.deepEqual(periods(await composite(s, 1, 300, 'A')), [[0, 16]], 'only the ChargePointMaxProfile is left');

    assert.deepEqual(await s.call('ClearChargingProfile', {}), { status: 'Accepted' });
    assert.deepEqual(periods(await composite(s, 1, 300, 'A')), [[0, LOCAL_A]], 'finally only the local limit');
    assert.deepEqual(periods(await composite(s, 1, 300, 'W')), [[0, 22_000]]);
    assert.deepEqual(await s.call('ClearChargingProfile', {}), { status: 'Unknown' }, 'nothing left to clear');
  });

  test('TC_072 Stacking charging profiles: the higher stackLevel wins while valid (350 s)', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    const now = new Date(s.clock!.now()).toISOString();
    const set = (p: Payload) => s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: p });
    assert.deepEqual(await set(profile(1, 'TxDefaultProfile', 0, [[0, 6], [50, 5], [100, 8], [200, 10]], now, { duration: 400 })), { status: 'Accepted' });
    assert.deepEqual(await set(profile(2, 'TxDefaultProfile', 1, [[0, 7], [100, 9]], now, { duration: 150 })), { status: 'Accepted' });
    await charging(s);
    const c = await composite(s, 1, 350, 'A');
    assert.equal(c.scheduleStart, now);
    assert.deepEqual(periods(c), [[0, 7], [100, 9], [150, 8], [200, 10]]);
  });

  test('TC_082 Central smart charging - TxDefaultProfile with an ongoing transaction applies at once', async (t) => {
    const s = await scenario({ virtual: true });
    t.after(() => s.close());
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Current.Offered' }), { status: 'Accepted' });
    await charging(s);
    const now = new Date(s.clock!.now()).toISOString();
    const p = profile(3, 'TxDefaultProfile', 0, [[0, 6], [60, 10], [120, 8]], now, { duration: 300 });
    assert.deepEqual(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: p }), { status: 'Accepted' });
    const c = await composite(s, 1, 300);
    assert.equal(c.scheduleStart, now);
    assert.equal(c.chargingSchedule!.chargingRateUnit, 'A', 'the unit of the governing profile when none is asked');
    assert.deepEqual(periods(c), [[0, 6], [60, 10], [120, 8]]);
    const offered = async (): Promise<string | undefined> => {
      const from = s.sent.length;
      assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }), { status: 'Accepted' });
      const mv = await after(s, from, 'MeterValues');
      return (mv.payload.meterValue as { sampledValue: { value: string }[] }[])[0]!.sampledValue[0]!.value;
    };
    assert.equal(await offered(), '6.0', 'the running transaction is limited to 6 A');
    await s.advance(60_000);
    assert.equal(await offered(), '10.0', 'and follows the schedule');
  });
});
