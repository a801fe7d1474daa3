/** The examples in scripts-examples/ run through the real CLI against the embedded mock CSMS. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { RPCServer } from 'ocpp-rpc';
import { DEFAULT_ANSWERS } from './cs201-harness';
import { runCli } from './helpers';

/** The PKI and keystore the security examples write go to a temporary state directory, not the user's. */
const state = mkdtempSync(path.join(tmpdir(), 'ocpp-sim-examples-'));
after(() => rmSync(state, { recursive: true, force: true }));
const stateEnv = { XDG_STATE_HOME: state, SSL_CLIENT_KEYSTORE_ROOT: '' };
const KEY = '0123456789abcdef0123456789abcdef';

test('scripts-examples/remote-start.js: remote start, charging with meter values, remote stop, no handlers written', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--v', 'scripts-examples/remote-start.js'], { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /RemoteStartTransaction: Accepted/);
  assert.match(run.stdout, /"StartTransaction"/);
  assert.ok((run.stdout.match(/"MeterValues"/g) ?? []).length >= 3, run.stdout);
  assert.match(run.stdout, /"reason":"Remote"/);
  assert.match(run.stdout, /done: connector 1 is Available/);
});

test('scripts-examples/remote-start.js against a CSMS that stops the session itself before the example would: it ends cleanly', async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(() => csms.close());
  // The CSMS starts one session once connector 1 reports Available, and stops it at its first meter value
  // (the example would stop it after three).
  let started = false;
  let stopping = false;
  csms.on('answered', (station: { id: string }, action: string, req: { connectorId?: number; status?: string; transactionId?: number }) => {
    if (action === 'StatusNotification' && req.connectorId === 1 && req.status === 'Available' && !started) {
      started = true;
      void csms.call(station.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'DRIVER-1' });
    }
    if (action === 'MeterValues' && req.transactionId !== undefined && !stopping) {
      stopping = true;
      void csms.call(station.id, 'RemoteStopTransaction', { transactionId: req.transactionId });
    }
  });
  const run = await runCli(['scripts-examples/remote-start.js'], { env: { CSMS_URL: csms.url }, timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /waiting for the CSMS to send RemoteStartTransaction/);
  assert.match(run.stdout, /transaction \d+ stopped \(Remote\)/);
  assert.doesNotMatch(run.stdout, /^RemoteStopTransaction:/m, 'the example sent no stop of its own');
  assert.match(run.stdout, /done: connector 1 is Available/);
  assert.equal(run.stderr, '');
});

test('scripts-examples/fleet.js: a fleet of 12 boots, half of it charges', async () => {
  const run = await runCli(['--with-csms', '--port', '0', 'scripts-examples/fleet.js', '12'], { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /accepted: 12 of 12/);
  assert.match(run.stdout, /sessions started: 6/);
  assert.match(run.stdout, /"Finishing":6,"Available":6/);
});

test('--cps runs a script-less fleet until interrupted; --cps without --url is a usage error', async () => {
  const bad = await runCli(['--cps', '2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--cps needs --url/);
});

test('scripts-examples/tls-connect.js: security profile 2 (TLS + Basic auth), then a new AuthorizationKey', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--tls', '--password', KEY, 'scripts-examples/tls-connect.js'], { timeoutMs: 30_000, env: stateEnv });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /connected to wss:\/\/127\.0\.0\.1:\d+\/TLS001 at security profile 2, registration Accepted/);
  assert.match(run.stdout, /ChangeConfiguration\(AuthorizationKey\): Accepted/);
  assert.match(run.stdout, /reconnected with the new AuthorizationKey/);
});

test('scripts-examples/certificate-renewal.js: CSR, CertificateSigned, reconnect with the new certificate, profile 3', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--tls', '--password', KEY, 'scripts-examples/certificate-renewal.js'], { timeoutMs: 30_000, env: stateEnv });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /profile 2, client certificate: none/);
  assert.match(run.stdout, new RegExp(`keystore: .*${state.replace(/[/\\.]/g, '.')}.*RENEW001\\.key`));
  assert.match(run.stdout, /reconnected presenting CN=SN-RENEW-001/);
  assert.match(run.stdout, /now at profile 3: mutual TLS as CN=SN-RENEW-001/);
  assert.match(run.stdout, /SecurityProfile=2\): Rejected/);
});

test('scripts-examples/diagnostics-upload.js: GetDiagnostics uploads the journal to the embedded FTP server', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--ftp', '--ftp-port', '0', 'scripts-examples/diagnostics-upload.js'], { timeoutMs: 30_000, env: stateEnv });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /DiagnosticsStatusNotification: Uploading[\s\S]*DiagnosticsStatusNotification: Uploaded/);
  assert.match(run.stdout, /received diagnostics-DIAG001-.*\.json: 2 connectors, \d+ journal lines/);
  assert.match(run.stdout, /frame >> \[2,"[^"]+","BootNotification"/);
});

test('scripts-examples/firmware-update.js: UpdateFirmware and SignedUpdateFirmware over FTPS, each ending Installed after a reboot', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--tls', '--ftp', '--ftp-port', '0', 'scripts-examples/firmware-update.js'], { timeoutMs: 40_000, env: stateEnv });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /FirmwareStatusNotification: Downloading\nFirmwareStatusNotification: Downloaded\nFirmwareStatusNotification: Installing\nBootNotification\nFirmwareStatusNotification: Installed\nfirmware 2.0 installed/);
  assert.match(run.stdout, /SignedUpdateFirmware: Accepted\n(?:.*\n)*?SignedFirmwareStatusNotification: SignatureVerified\nSignedFirmwareStatusNotification: Installing\nBootNotification\nSignedFirmwareStatusNotification: Installed\nsigned firmware installed/);
  assert.equal(run.stderr.trim(), '', run.stderr);
});

test('scripts-examples/ocpp201-security.js: 2.0.1 certificate renewal on profile 2, the upgrade to profile 3 through a network profile and a reset, no downgrade', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--tls', '--password', KEY, 'scripts-examples/ocpp201-security.js'], { timeoutMs: 40_000, env: stateEnv });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /^security profile 2, client certificate: none$/m);
  assert.match(run.stdout, /TriggerMessage\(SignChargingStationCertificate\): Accepted\nreconnected presenting CN=SN-SEC-201/);
  assert.match(run.stdout, /NetworkConfigurationPriority 2,1: Accepted\nReset\(OnIdle\): Accepted\nnow at profile 3: mutual TLS as CN=SN-SEC-201/);
  assert.match(run.stdout, /SetNetworkProfile\(slot 1, profile 2\): Rejected \(security profile 2 is below the current 3\)/);
  assert.deepEqual(run.stderr.trim().split('\n'), ['warning: SEC201: SetNetworkProfile slot 1 Rejected: security profile 2 is below the current 3']);
});

test('scripts-examples/ocpp201-signed-firmware.js: 2.0.1 secure firmware update over FTP to Installed with the new version; a tampered signature refused', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--ftp', '--ftp-port', '0', 'scripts-examples/ocpp201-signed-firmware.js'], { timeoutMs: 40_000, env: stateEnv });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /Downloaded \(request 1\)\nFirmwareStatusNotification: SignatureVerified \(request 1\)\nFirmwareStatusNotification: Installing \(request 1\)\nFirmwareStatusNotification: InstallRebooting \(request 1\)\nBootNotification: FirmwareUpdate, firmwareVersion 2\.1\.0\n/);
  assert.match(run.stdout, /FirmwareStatusNotification: Installed \(request 1\)\nfirmware 2\.1\.0 installed/);
  assert.match(run.stdout, /FirmwareStatusNotification: InvalidSignature \(request 2\)\nSecurityEventNotification: InvalidFirmwareSignature\ntampered image refused/);
  assert.equal(run.stderr.trim(), '', run.stderr);
});

test('scripts-examples/ocpp201-session.js: a 2.0.1 session against a strict ocpp-rpc CSMS', async (t) => {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  const seen: string[] = [];
  const failures: unknown[] = [];
  server.on('client', (client: import('ocpp-rpc').RPCClient) => {
    client.on('strictValidationFailure', (e: unknown) => failures.push(e));
    client.handle(async ({ method = '', params }: { method?: string; params?: any }) => {
      seen.push(method === 'TransactionEvent' ? `${method} ${params.eventType} ${params.triggerReason}` : method);
      return DEFAULT_ANSWERS[method]!(params ?? {});
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  t.after(() => server.close({ force: true }));
  const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}/`;
  const run = await runCli(['scripts-examples/ocpp201-session.js'], { env: { CSMS_URL: url }, timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /booted: Accepted/);
  assert.match(run.stdout, /card: Accepted/);
  assert.match(run.stdout, /done: EVSE 1 is Available, \d+ Wh/);
  const tx = seen.filter((s) => s.startsWith('TransactionEvent'));
  assert.equal(tx[0], 'TransactionEvent Started Authorized');
  assert.ok(tx.filter((s) => s === 'TransactionEvent Updated MeterValuePeriodic').length >= 2, tx.join());
  assert.equal(tx.at(-1), 'TransactionEvent Ended StopAuthorized');
  assert.deepEqual(failures, []);
});
