/**
 * Interoperability: the real CLI (start.sh) against an independent OCPP-J implementation, an
 * `ocpp-rpc` RPCServer in strict mode. Our own mock CSMS shares our schemas and our reading of
 * the spec; this server does not, so it catches what a self-test cannot: invalid frames, a second
 * CALL sent before the first is answered, CALLERRORs the other side cannot parse.
 *
 * Port 8100 is used because the seed example hard-codes ws://localhost:8100/xyz; the tests in this
 * file run one after the other against the one server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { RPCServer, createRPCError, type RPCClient } from 'ocpp-rpc';
import { createSign } from 'node:crypto';
import { createCa, signCsr } from '../src/security/pki';
import { startFtpServer } from './ftp-server';
import { selfSigned } from './pki';

/** Repository root: this file runs from server/dist/test. */
const ROOT = path.resolve(__dirname, '../../..');
const PORT = 8100;
const CSMS_URL = `ws://127.0.0.1:${PORT}/`;
/**
 * Long enough for a loaded machine, or a start.sh that rebuilds first because server/src is newer
 * than server/dist; short enough that a hang fails here rather than stalling CI.
 */
const CLI_TIMEOUT_MS = 20_000;
/** Per-test limit: above CLI_TIMEOUT_MS, so a hang is reported with the CLI's output. */
const TEST_TIMEOUT_MS = 25_000;
/** Handler latency: long enough that a pipelined second CALL would arrive while one is in flight. */
const HANDLER_DELAY_MS = 25;

/** Every action a 1.6 charge point may initiate (core profiles and the security extension). */
const CP_ACTIONS = [
  'BootNotification', 'Heartbeat', 'StatusNotification', 'Authorize', 'StartTransaction', 'MeterValues',
  'StopTransaction', 'DataTransfer', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification',
  'SignCertificate', 'SecurityEventNotification', 'LogStatusNotification', 'SignedFirmwareStatusNotification',
] as const;

type Params = Record<string, any>;

/** What the server saw; reset before each test. */
interface Observed {
  /** Every CALL received, in order (recorded before validation, so invalid ones count too). */
  calls: { identity: string; action: string; params: Params }[];
  /** 'strictValidationFailure' events of all clients. */
  validationFailures: unknown[];
  /** 'badMessage' events of all clients. */
  badMessages: unknown[];
  /** Most handlers running at once, per charge point id. */
  maxInFlight: Map<string, number>;
}

let observed: Observed;
function resetObserved(): void {
  observed = { calls: [], validationFailures: [], badMessages: [], maxInFlight: new Map() };
}
resetObserved();

let nextTransactionId = 1000;
const now = (): string => new Date().toISOString();
const accepted = { idTagInfo: { status: 'Accepted' } };

/** Valid responses for every charge-point-initiated action. */
const RESPONSES: Record<(typeof CP_ACTIONS)[number], (params: Params) => Params> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  StatusNotification: () => ({}),
  Authorize: () => accepted,
  StartTransaction: () => ({ transactionId: nextTransactionId++, ...accepted }),
  MeterValues: () => ({}),
  StopTransaction: (p) => (p.idTag === undefined ? {} : accepted),
  DataTransfer: () => ({ status: 'Accepted' }),
  DiagnosticsStatusNotification: () => ({}),
  FirmwareStatusNotification: () => ({}),
  SignCertificate: () => ({ status: 'Accepted' }),
  SecurityEventNotification: () => ({}),
  LogStatusNotification: () => ({}),
  SignedFirmwareStatusNotification: () => ({}),
};

/** Set by a test to drive CSMS-initiated calls when a client connects. */
let onClient: ((client: RPCClient) => void) | undefined;

let server: RPCServer;

before(async () => {
  server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  server.on('client', (client: RPCClient) => {
    const identity = client.identity ?? '?';
    client.on('strictValidationFailure', (e: unknown) => observed.validationFailures.push(e));
    client.on('badMessage', (e: unknown) => observed.badMessages.push(e));
    client.on('call', (e: { outbound: boolean; payload: unknown[] }) => {
      if (!e.outbound) observed.calls.push({ identity, action: String(e.payload[2]), params: e.payload[3] as Params });
    });
    let inFlight = 0;
    for (const [action, respond] of Object.entries(RESPONSES)) {
      client.handle(action, async ({ params }) => {
        inFlight++;
        observed.maxInFlight.set(identity, Math.max(observed.maxInFlight.get(identity) ?? 0, inFlight));
        try {
          await new Promise((r) => setTimeout(r, HANDLER_DELAY_MS));
          return respond(params ?? {});
        } finally {
          inFlight--;
        }
      });
    }
    client.handle(async ({ method }) => {
      throw createRPCError('NotImplemented', `${method} is not handled by this test server`);
    });
    onClient?.(client);
  });
  await server.listen(PORT, '127.0.0.1');
});

after(async () => {
  await server?.close({ force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `bash start.sh …` from the repository root; kills its whole process group on timeout. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout also kills a rebuild start.sh may have started.
    const child = spawn('bash', ['start.sh', ...args], {
      cwd: ROOT,
      env: { ...process.env, DEBUG: '', CSMS_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(new Error(`start.sh ${args.join(' ')} did not finish within ${CLI_TIMEOUT_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, CLI_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The run's output, to make a failed assertion self-explaining. */
function transcript(run: CliRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}\nvalidation failures: ${JSON.stringify(observed.validationFailures.map(describeFailure))}`;
}

function describeFailure(e: unknown): unknown {
  const f = e as { error?: Error; method?: string; outbound?: boolean; isCall?: boolean };
  return { method: f.method, outbound: f.outbound, isCall: f.isCall, error: f.error?.message };
}

/** The common verdict: clean exit, nothing the independent server objected to, one CALL at a time. */
function assertCleanRun(run: CliRun, identity: string): void {
  assert.equal(run.code, 0, transcript(run));
  assert.deepEqual(observed.validationFailures.map(describeFailure), [], transcript(run));
  assert.equal(observed.badMessages.length, 0, transcript(run));
  assert.equal(observed.maxInFlight.get(identity), 1, `more than one CALL in flight at once\n${transcript(run)}`);
}

test('the seed README example runs unchanged against ocpp-rpc', { timeout: TEST_TIMEOUT_MS }, async () => {
  resetObserved();
  const run = await runCli(['scripts-examples/seed-readme-example.js']);
  assertCleanRun(run, 'xyz');
  assert.deepEqual(
    observed.calls.map((c) => c.action),
    [
      'BootNotification', 'Heartbeat', 'StatusNotification', 'StatusNotification', 'Authorize', 'StatusNotification',
      'StartTransaction', 'StatusNotification', 'MeterValues', 'StopTransaction', 'StatusNotification', 'StatusNotification',
    ],
    transcript(run),
  );
  assert.ok(observed.calls.every((c) => c.identity === 'xyz'));
});

test('every-action.js sends all 14 charge-point-initiated actions, valid to ocpp-rpc', { timeout: TEST_TIMEOUT_MS }, async () => {
  resetObserved();
  const run = await runCli(['scripts-examples/every-action.js'], { CSMS_URL });
  assertCleanRun(run, 'EVERY-ACTION');
  const actions = new Set(observed.calls.map((c) => c.action));
  assert.deepEqual(CP_ACTIONS.filter((a) => !actions.has(a)), [], `actions never received\n${transcript(run)}`);
  // The script writes the corrected 'Celsius'; 1.6 on the wire is 'Celcius'.
  const meterValues = observed.calls.find((c) => c.action === 'MeterValues');
  const units = JSON.stringify(meterValues?.params);
  assert.match(units, /"unit":"Celcius"/);
  assert.doesNotMatch(units, /"unit":"Celsius"/);
  // One log line per action.
  for (const action of CP_ACTIONS) assert.match(run.stdout, new RegExp(`^${action}: `, 'm'), transcript(run));
});

test('--v shows every frame both ways', { timeout: TEST_TIMEOUT_MS }, async () => {
  resetObserved();
  const run = await runCli(['--v', 'scripts-examples/every-action.js'], { CSMS_URL });
  assertCleanRun(run, 'EVERY-ACTION');
  assert.ok(run.stdout.includes('"BootNotification"'), transcript(run));
  assert.match(run.stdout, /→.*\[2,/, transcript(run));
  assert.match(run.stdout, /←.*\[3,/, transcript(run));
});

test('CSMS-initiated calls: answered by handlers, NotSupported without one when default answers are off', { timeout: TEST_TIMEOUT_MS }, async () => {
  resetObserved();
  const dir = await mkdtemp(path.join(tmpdir(), 'interop-ocpp-rpc-'));
  try {
    const script = path.join(dir, 'answers.js');
    await writeFile(
      script,
      `const cp = await connect(process.env.CSMS_URL + 'CSMS-CALLS', undefined, undefined, { defaults: false });
const received = { reset: false, config: false };
// Answer first, from inside the handler, as scripts that send follow-up messages do.
cp.answerReset(async (req) => {
  received.reset = true;
  cp.sendResponse(req.uniqueId, { status: 'Accepted' });
});
cp.answer('GetConfiguration', () => {
  received.config = true;
  return { configurationKey: [], unknownKey: [] };
});
// Handlers are in place: tell the server to start calling.
await cp.sendHeartbeat();
for (let waited = 0; !(received.reset && received.config) && waited < 3000; waited += 20) await cp.sleep(20);
if (!(received.reset && received.config)) throw new Error('CSMS calls not received: ' + JSON.stringify(received));
await cp.close();
`,
    );

    // Driven from the server side as soon as the charge point is connected. UnlockConnector goes
    // first: the script closes once the other two are answered.
    const serverSide = new Promise<{ unlock: unknown; reset: unknown; config: unknown }>((resolve, reject) => {
      onClient = (client) => {
        if (client.identity !== 'CSMS-CALLS') return;
        (async () => {
          await new Promise<void>((ready) => client.on('call', (e: { outbound: boolean; payload: unknown[] }) => !e.outbound && e.payload[2] === 'Heartbeat' && ready()));
          const unlock = await client.call('UnlockConnector', { connectorId: 1 }).then(
            (result) => ({ result }),
            (err: { rpcErrorCode?: string; message?: string }) => ({ rpcErrorCode: err.rpcErrorCode, message: err.message }),
          );
          const reset = await client.call('Reset', { type: 'Soft' });
          const config = await client.call('GetConfiguration', {});
          return { unlock, reset, config };
        })().then(resolve, reject);
      };
    });

    const run = await runCli([script], { CSMS_URL });
    assert.equal(run.code, 0, transcript(run));
    const results = await within(serverSide, 5_000, 'the server-side calls');
    assert.deepEqual(observed.validationFailures.map(describeFailure), [], transcript(run));
    assert.equal(observed.badMessages.length, 0, transcript(run));
    assert.deepEqual(results.reset, { status: 'Accepted' });
    assert.deepEqual(results.config, { configurationKey: [], unknownKey: [] });
    assert.equal((results.unlock as { rpcErrorCode?: string }).rpcErrorCode, 'NotSupported', JSON.stringify(results.unlock));
  } finally {
    onClient = undefined;
    await rm(dir, { recursive: true, force: true });
  }
});

/** Start `start.sh …` and keep it running; `stop()` ends it (SIGTERM) and resolves with its output. */
function startCli(args: string[]): { stop(): Promise<CliRun> } {
  const child = spawn('bash', ['start.sh', ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '', CSMS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      return closed;
    },
  };
}

test('a charge point with no script answers every CSMS-initiated 1.6 action validly, and follow-ups come in the specification\'s order', { timeout: 40_000 }, async () => {
  resetObserved();
  const ftp = await startFtpServer('fw', 'secret');
  await writeFile(path.join(ftp.root, 'fw.bin'), 'firmware image v2');
  const identity = 'NOSCRIPT001';
  /** CALLs received and results of our calls, in arrival order. */
  const timeline: string[] = [];
  const sentBy = () => observed.calls.filter((c) => c.identity === identity);
  const waitFor = async (what: () => boolean, label: string) => {
    for (let waited = 0; !what(); waited += 20) {
      if (waited > 8000) throw new Error(`timed out waiting for ${label}; timeline: ${timeline.join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const countOf = (entry: string) => timeline.filter((t) => t === entry).length;
  let first: RPCClient | undefined;
  const results: Record<string, Params> = {};
  onClient = (client) => {
    if (client.identity !== identity) return;
    client.on('call', (e: { outbound: boolean; payload: unknown[] }) => {
      if (e.outbound) return;
      const [, , action, params] = e.payload as [number, string, string, Params];
      timeline.push(action === 'StatusNotification' || action.endsWith('StatusNotification') ? `${action}:${params.status}` : action);
    });
    first ??= client;
  };
  const cli = startCli(['--cps', '1', '--url', CSMS_URL, '--id-prefix', 'NOSCRIPT', ...(process.env.DEBUG_INTEROP ? ['--v'] : [])]);
  try {
    await waitFor(() => countOf('StatusNotification:Available') >= 2, 'the boot sequence');
    const call = async (action: string, params: Params) => {
      const result = (await first!.call(action, params)) as Params;
      results[action] = result;
      timeline.push(`result:${action}`);
      return result;
    };
    const inOneHour = new Date(Date.now() + 3_600_000).toISOString();
    await call('GetConfiguration', {});
    await call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' });
    await call('ClearCache', {});
    await call('DataTransfer', { vendorId: 'com.example' });
    await call('SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'LOCAL1', idTagInfo: { status: 'Accepted' } }] });
    await call('GetLocalListVersion', {});
    await call('ReserveNow', { connectorId: 1, expiryDate: inOneHour, idTag: 'R1', reservationId: 7 });
    await call('CancelReservation', { reservationId: 7 });
    await call('SetChargingProfile', {
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { startSchedule: new Date().toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } },
    });
    await call('GetCompositeSchedule', { connectorId: 1, duration: 600, chargingRateUnit: 'A' });
    await call('ClearChargingProfile', {});
    await call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' });
    await waitFor(() => countOf('StatusNotification:Unavailable') >= 1, 'Unavailable');
    await call('ChangeAvailability', { connectorId: 1, type: 'Operative' });
    await call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    await waitFor(() => countOf('Heartbeat') >= 1, 'the triggered Heartbeat');
    await call('RemoteStartTransaction', { connectorId: 1, idTag: 'LOCAL1' });
    await waitFor(() => countOf('StatusNotification:Charging') >= 1, 'Charging');
    const start = sentBy().find((c) => c.action === 'StartTransaction')!;
    assert.equal(start.params.idTag, 'LOCAL1');
    const transactionId = nextTransactionId - 1;
    await call('RemoteStopTransaction', { transactionId });
    await waitFor(() => countOf('StopTransaction') >= 1, 'StopTransaction');
    await call('UnlockConnector', { connectorId: 1 });
    await call('GetDiagnostics', { location: `${ftp.url}/` });
    await waitFor(() => countOf('DiagnosticsStatusNotification:Uploaded') >= 1, 'Uploaded');
    await call('UpdateFirmware', { location: `${ftp.url}/fw.bin`, retrieveDate: new Date().toISOString() });
    await waitFor(() => countOf('FirmwareStatusNotification:Installed') >= 1, 'Installed');
    // A new connection after the reboot: Reset goes to it.
    const rebooted = [...server['_clients' as keyof RPCServer] as unknown as Set<RPCClient>].find((c) => c.identity === identity && c !== first);
    if (rebooted) first = rebooted;
    await call('Reset', { type: 'Soft' });
    await waitFor(() => countOf('BootNotification') >= 3, 'the BootNotification after Reset');

    // Every response was schema-valid to the strict server, none a CALLERROR (call() would have thrown).
    assert.deepEqual(observed.validationFailures.map(describeFailure), []);
    assert.equal(observed.badMessages.length, 0);
    assert.equal(observed.maxInFlight.get(identity), 1);
    assert.equal(results.ChangeConfiguration!.status, 'Accepted');
    assert.equal(results.DataTransfer!.status, 'UnknownVendorId');
    assert.equal(results.GetLocalListVersion!.listVersion, 3);
    assert.equal(results.ReserveNow!.status, 'Accepted');
    assert.equal(results.GetCompositeSchedule!.status, 'Accepted');
    assert.equal(results.RemoteStartTransaction!.status, 'Accepted');
    assert.equal(results.UnlockConnector!.status, 'Unlocked');
    assert.match(String(results.GetDiagnostics!.fileName), /\.json$/);
    // Follow-ups in the specification's order.
    const after = (anchor: string, sequence: string[]) => {
      let i = timeline.indexOf(anchor);
      assert.ok(i >= 0, `${anchor} missing: ${timeline.join(', ')}`);
      for (const next of sequence) {
        const j = timeline.indexOf(next, i + 1);
        assert.ok(j > i, `${next} should follow ${timeline[i]}: ${timeline.join(', ')}`);
        i = j;
      }
    };
    after('result:TriggerMessage', ['Heartbeat']);
    after('result:RemoteStartTransaction', ['Authorize', 'StatusNotification:Preparing', 'StartTransaction', 'StatusNotification:Charging']);
    after('result:RemoteStopTransaction', ['StopTransaction', 'StatusNotification:Finishing']);
    after('result:GetDiagnostics', ['DiagnosticsStatusNotification:Uploading', 'DiagnosticsStatusNotification:Uploaded']);
    after('result:UpdateFirmware', ['FirmwareStatusNotification:Downloading', 'FirmwareStatusNotification:Downloaded', 'FirmwareStatusNotification:Installing', 'BootNotification', 'FirmwareStatusNotification:Installed']);
    assert.equal(sentBy().find((c) => c.action === 'StopTransaction')!.params.reason, 'Remote');
  } finally {
    onClient = undefined;
    const run = await cli.stop();
    if (process.env.DEBUG_INTEROP) console.log(run.stdout, run.stderr);
    await ftp.close();
    assert.doesNotMatch(run.stderr, /error/i, run.stderr);
  }
});

test('security extension: every security message from a script-less charge point is valid to the strict server, and every security call is answered validly', { timeout: 40_000 }, async () => {
  resetObserved();
  const ftp = await startFtpServer('sec', 'secret');
  const image = Buffer.from('signed firmware image v3');
  await writeFile(path.join(ftp.root, 'signed.bin'), image);
  // The firmware signing certificate and signature, made here (the charge point only verifies).
  const signer = selfSigned('firmware signer');
  const signature = createSign('sha256').update(image).sign(signer.key, 'base64');
  const ca = await createCa('interop test CA');
  const keystoreRoot = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-interop-ks-'));
  const identity = 'SEC001';
  const timeline: string[] = [];
  const clients: RPCClient[] = [];
  const current = () => clients[clients.length - 1]!;
  const waitFor = async (what: () => boolean, label: string) => {
    for (let waited = 0; !what(); waited += 20) {
      if (waited > 8000) throw new Error(`timed out waiting for ${label}; timeline: ${timeline.join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const countOf = (entry: string) => timeline.filter((t) => t === entry).length;
  onClient = (client) => {
    if (client.identity !== identity) return;
    clients.push(client);
    client.on('call', (e: { outbound: boolean; payload: unknown[] }) => {
      if (e.outbound) return;
      const [, , action, params] = e.payload as [number, string, string, Params];
      timeline.push(params.status !== undefined && action !== 'SignCertificate' ? `${action}:${params.status}` : params.type ? `${action}:${params.type}` : action);
    });
  };
  const results: Record<string, Params> = {};
  const call = async (action: string, params: Params, label = action) => {
    const result = (await current().call(action, params)) as Params;
    results[label] = result;
    timeline.push(`result:${label}`);
    return result;
  };
  const cli = startCli(['--cps', '1', '--url', CSMS_URL, '--id-prefix', 'SEC', '--keyStoreRoot', keystoreRoot]);
  try {
    await waitFor(() => countOf('StatusNotification:Available') >= 2, 'the boot sequence');
    await waitFor(() => countOf('SecurityEventNotification:StartupOfTheDevice') >= 1, 'StartupOfTheDevice');
    for (const requestedMessage of ['BootNotification', 'Heartbeat', 'LogStatusNotification', 'FirmwareStatusNotification', 'MeterValues', 'StatusNotification']) {
      await call('ExtendedTriggerMessage', { requestedMessage }, `ExtendedTriggerMessage:${requestedMessage}`);
    }
    await waitFor(() => countOf('LogStatusNotification:Idle') >= 1 && countOf('FirmwareStatusNotification:Idle') >= 1, 'the triggered notifications');

    // Certificate renewal: the CSR is signed here and sent back.
    await call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }, 'ExtendedTriggerMessage:SignChargePointCertificate');
    await waitFor(() => observed.calls.some((c) => c.identity === identity && c.action === 'SignCertificate'), 'SignCertificate');
    const csr = observed.calls.find((c) => c.identity === identity && c.action === 'SignCertificate')!.params.csr as string;
    const renewedBy = clients.length;
    await call('CertificateSigned', { certificateChain: signCsr(ca, csr) });
    await waitFor(() => clients.length > renewedBy, 'the reconnect after CertificateSigned');

    await call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: ca.cert });
    const ids = await call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' });
    await call('DeleteCertificate', { certificateHashData: (ids.certificateHashData as Params[])[0] });
    await call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }, 'GetInstalledCertificateIds:after');
    await call('GetLog', { logType: 'SecurityLog', requestId: 41, log: { remoteLocation: `${ftp.url}/` } });
    await waitFor(() => countOf('LogStatusNotification:Uploaded') >= 1, 'the security log upload');
    await call('GetLog', { logType: 'DiagnosticsLog', requestId: 42, log: { remoteLocation: `${ftp.url}/` } }, 'GetLog:diagnostics');
    await waitFor(() => countOf('LogStatusNotification:Uploaded') >= 2, 'the diagnostics log upload');
    await call('SignedUpdateFirmware', {
      requestId: 43,
      firmware: { location: `${ftp.url}/signed.bin`, retrieveDateTime: new Date().toISOString(), signingCertificate: signer.cert, signature },
    });
    await waitFor(() => countOf('SignedFirmwareStatusNotification:Installed') >= 1, 'Installed');
    await waitFor(() => countOf('SecurityEventNotification:FirmwareUpdated') >= 1, 'FirmwareUpdated');

    assert.deepEqual(observed.validationFailures.map(describeFailure), []);
    assert.equal(observed.badMessages.length, 0);
    for (const [label, result] of Object.entries(results)) {
      if (label.startsWith('ExtendedTriggerMessage')) assert.equal(result.status, 'Accepted', label);
    }
    assert.equal(results.CertificateSigned!.status, 'Accepted');
    assert.equal(results.InstallCertificate!.status, 'Accepted');
    assert.equal(results.GetInstalledCertificateIds!.status, 'Accepted');
    assert.equal(results.DeleteCertificate!.status, 'Accepted');
    assert.equal(results['GetInstalledCertificateIds:after']!.status, 'NotFound');
    assert.equal(results.GetLog!.status, 'Accepted');
    assert.equal(results.SignedUpdateFirmware!.status, 'Accepted');
    const sent = new Set(observed.calls.filter((c) => c.identity === identity).map((c) => c.action));
    for (const action of ['SignCertificate', 'SecurityEventNotification', 'LogStatusNotification', 'SignedFirmwareStatusNotification']) {
      assert.ok(sent.has(action), `${action} was sent`);
    }
    const logIds = observed.calls.filter((c) => c.action === 'LogStatusNotification' && c.params.status !== 'Idle').map((c) => c.params.requestId);
    assert.deepEqual(logIds, [41, 41, 42, 42], 'each LogStatusNotification carries its GetLog requestId');
    const firmware = timeline.filter((t) => t.startsWith('SignedFirmwareStatusNotification:')).map((t) => t.split(':')[1]);
    assert.deepEqual(firmware.slice(-5), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed']);
  } finally {
    onClient = undefined;
    const run = await cli.stop();
    if (process.env.DEBUG_INTEROP) console.log(run.stdout, run.stderr);
    await ftp.close();
    await rm(keystoreRoot, { recursive: true, force: true });
  }
});
