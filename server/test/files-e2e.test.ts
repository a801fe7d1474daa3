/**
 * File transfers end to end: the real CLI (`--cps 1`) against a mock CSMS in the test and a
 * real FTP / FTPS server on 127.0.0.1. GetDiagnostics uploads a diagnostics file holding the
 * charge point's recent frames and events; UpdateFirmware downloads over FTPS (trusted with
 * `--ca`); bad credentials end in UploadFailed / DownloadFailed and the process keeps running.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { startFtpServer, type TestFtpServer } from './ftp-server';
import { ROOT } from './helpers';
import { selfSigned } from './pki';

interface Call {
  action: string;
  payload: Record<string, unknown>;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('FTP and FTPS transfers through the CLI', () => {
  let csms: MockCsms;
  let plain: TestFtpServer;
  let secure: TestFtpServer;
  let child: ChildProcess;
  let stderr = '';
  let dir: string;
  const calls: Call[] = [];

  async function waitFor(action: string, match: (p: Record<string, unknown>) => boolean = () => true, from = 0): Promise<Call> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const hit = calls.slice(from).find((c) => c.action === action && match(c.payload));
      if (hit) return hit;
      await pause(20);
    }
    throw new Error(`no ${action} within 10 s; got ${calls.slice(from).map((c) => `${c.action} ${JSON.stringify(c.payload)}`).join(', ')}\n${stderr}`);
  }
  const statuses = (action: string, from: number) => calls.slice(from).filter((c) => c.action === action).map((c) => c.payload.status);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-files-'));
    const pki = selfSigned('localhost');
    await writeFile(path.join(dir, 'ca.pem'), pki.cert);
    plain = await startFtpServer('diag', 'diag-pass');
    secure = await startFtpServer('fw', 'fw-pass', { key: pki.key, cert: pki.cert });
    await writeFile(path.join(secure.root, 'firmware-2.0.bin'), Buffer.alloc(4096, 7));
    csms = new MockCsms({ port: 0 });
    csms.on('frame', (_s, e) => {
      if (e.direction === 'in' && e.frame?.type === 2) calls.push({ action: e.frame.action, payload: e.frame.payload as Record<string, unknown> });
    });
    await csms.listen();
    child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), '--cps', '1', '--url', csms.url, '--ca', path.join(dir, 'ca.pem')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBUG: '' },
    });
    child.stderr!.on('data', (d) => (stderr += d));
    await waitFor('StatusNotification', (p) => p.connectorId === 1);
  });

  after(async () => {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    await csms.close();
    await plain.close();
    await secure.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GetDiagnostics over FTP: the file arrives with the recent frames and events of the requested window', async () => {
    const from = calls.length;
    const startTime = new Date(Date.now() - 60_000).toISOString();
    const res = (await csms.call('CP001', 'GetDiagnostics', { location: `${plain.url}/`, startTime, stopTime: new Date(Date.now() + 60_000).toISOString() })) as { fileName: string };
    await waitFor('DiagnosticsStatusNotification', (p) => p.status === 'Uploaded', from);
    assert.deepEqual(statuses('DiagnosticsStatusNotification', from), ['Uploading', 'Uploaded']);
    assert.deepEqual(await readdir(plain.root), [res.fileName]);
    const file = JSON.parse(await readFile(path.join(plain.root, res.fileName), 'utf8')) as { chargePoint: string; journal: string[]; connectors: unknown[] };
    assert.equal(file.chargePoint, 'CP001');
    assert.equal(file.connectors.length, 2);
    assert.ok(file.journal.some((l) => l.includes('frame >> [2,') && l.includes('"BootNotification"')), 'the BootNotification frame is in the journal');
    assert.ok(file.journal.some((l) => l.includes('frame << [2,') && l.includes('"GetDiagnostics"')), 'so is the GetDiagnostics request');
    assert.ok(file.journal.some((l) => / boot Accepted$/.test(l)), 'and the boot event');
    assert.ok(file.journal.every((l) => l.slice(0, 24) >= startTime), 'nothing older than startTime');

    const later = calls.length;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const empty = (await csms.call('CP001', 'GetDiagnostics', { location: `${plain.url}/`, startTime: future })) as { fileName: string };
    await waitFor('DiagnosticsStatusNotification', (p) => p.status === 'Uploaded', later);
    const windowed = JSON.parse(await readFile(path.join(plain.root, empty.fileName), 'utf8')) as { journal: string[] };
    assert.deepEqual(windowed.journal, [], 'a window in the future holds no entries');
  });

  test('UpdateFirmware over FTPS (server certificate trusted with --ca): Downloading, Downloaded, Installing, reboot, Installed', async () => {
    const from = calls.length;
    const location = `${secure.url.replace(/^ftp:/, 'ftps:')}/firmware-2.0.bin`;
    assert.deepEqual(await csms.call('CP001', 'UpdateFirmware', { location, retrieveDate: new Date().toISOString() }), {});
    await waitFor('FirmwareStatusNotification', (p) => p.status === 'Installed', from);
    assert.deepEqual(statuses('FirmwareStatusNotification', from), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
    assert.equal(calls.slice(from).filter((c) => c.action === 'BootNotification').length, 1, 'one reboot');
    assert.deepEqual(await readdir(secure.root), ['firmware-2.0.bin'], 'nothing left behind on the server');
  });

  test('bad credentials: UploadFailed after the retries, DownloadFailed; the process keeps running and answering', async () => {
    const from = calls.length;
    const badUpload = `ftp://diag:wrong@127.0.0.1:${plain.port}/`;
    await csms.call('CP001', 'GetDiagnostics', { location: badUpload, retries: 1, retryInterval: 1 });
    await waitFor('DiagnosticsStatusNotification', (p) => p.status === 'UploadFailed', from);
    assert.deepEqual(statuses('DiagnosticsStatusNotification', from), ['Uploading', 'UploadFailed']);
    assert.match(stderr, /retry 1 of 1 in 1 s/, 'the retry is announced');
    assert.doesNotMatch(stderr, /wrong/, 'the password is not echoed');

    const mark = calls.length;
    const badDownload = `ftps://fw:wrong@127.0.0.1:${secure.port}/firmware-2.0.bin`;
    await csms.call('CP001', 'UpdateFirmware', { location: badDownload, retrieveDate: new Date().toISOString(), retries: 0 });
    await waitFor('FirmwareStatusNotification', (p) => p.status === 'DownloadFailed', mark);
    assert.deepEqual(statuses('FirmwareStatusNotification', mark), ['Downloading', 'DownloadFailed']);

    assert.equal(child.exitCode, null, 'still running');
    const still = calls.length;
    assert.deepEqual(await csms.call('CP001', 'TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    await waitFor('Heartbeat', () => true, still);
  });
});
