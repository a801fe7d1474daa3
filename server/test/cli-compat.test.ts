/**
 * The earlier tool's command line and scripts through the real CLI (issue 14, points 4 and 5):
 * `--o FILE` reads an options file again (logs moved to `--log-file`) and never writes it; a
 * property the 1.6 schema forbids is dropped from a script's payload with one warning; a handler
 * that fails makes the batch run (script or `--cps` fleet) fail, in the exit status and the last line.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { rawCsms, runCli, startCli, until, type RawPeer } from './helpers';

const BOOT_ANSWER = { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 };

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-compat-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Play the CSMS for one script run: answer every CALL, collect the CALLs. */
async function answerAll(csms: RawPeer, until: Promise<unknown>): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  let done = false;
  void until.then(() => (done = true));
  while (!done) {
    const frame = await csms.next(500).catch(() => undefined);
    if (!frame || frame[0] !== 2) continue;
    calls.push(frame);
    csms.send([3, frame[1], frame[2] === 'BootNotification' ? BOOT_ANSWER : {}]);
  }
  return calls;
}

test('--o FILE reads the options file (its URL is used), leaves its bytes unchanged, and logs go to --log-file', async (t) => {
  const dir = tempDir(t);
  const csms = await rawCsms();
  t.after(() => csms.close());
  const options = path.join(dir, 'cp.env');
  const text = `# options of the earlier tool's start.sh\nexport CP_BASE=${csms.url}\nCP_URL="\${CP_BASE}CP-OPT"   # expanded\nRESPONSE_TIMEOUT='4000'\nnot a setting\n`;
  fs.writeFileSync(options, text);
  const before = fs.readFileSync(options);
  const mtime = fs.statSync(options).mtimeMs;
  const script = path.join(dir, 'script.js');
  fs.writeFileSync(script, `const cp = await connect(process.env.CP_URL);
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
console.log('timeout', process.env.RESPONSE_TIMEOUT, 'root', process.env.SSL_CLIENT_KEYSTORE_ROOT);
await cp.close();
`);
  const logFile = path.join(dir, 'run.log');
  const child = startCli(['--v', '--o', options, '--log-file', logFile, '--keyStoreRoot', path.join(dir, 'from-flag'), script], { SSL_CLIENT_KEYSTORE_ROOT: '' });
  t.after(() => child.stop());
  const exited = once(child.child, 'exit');
  const calls = await answerAll(csms, exited);
  const [code] = (await exited) as [number];
  assert.equal(code, 0, child.out());
  assert.equal(calls[0]?.[2], 'BootNotification', 'the charge point dialled the URL from the options file');
  assert.match(child.out(), new RegExp(`timeout 4000 root ${path.join(dir, 'from-flag').replace(/[/\\]/g, '.')}`));
  assert.match(child.out(), /warning: .*cp\.env:5: not a NAME=value setting, ignored: not a setting/);
  assert.deepEqual(fs.readFileSync(options), before, 'the options file is only read');
  assert.equal(fs.statSync(options).mtimeMs, mtime);
  assert.match(fs.readFileSync(logFile, 'utf8'), /CP-OPT → \[2,"[^"]+","BootNotification"/, 'frames went to the --log-file');
  assert.doesNotMatch(child.out(), /BootNotification/, 'and not to stdout');
});

test('--o with a file that cannot be read is a usage error that says where logs go now', async () => {
  const run = await runCli(['--o', path.join(os.tmpdir(), 'ocpp-sim-no-such-options-file'), '--stdin'], { input: '' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--o reads an options file .* cannot be read: no such file; log lines go to a file with --log-file FILE/);
});

test("the earlier tool's SignCertificate example: typeOfCertificate is dropped with one warning and the run succeeds", async (t) => {
  const dir = tempDir(t);
  const script = path.join(dir, 'sign.js');
  // Verbatim from the earlier tool's README (ExtendedTriggerMessage), around a connect and a trigger.
  fs.writeFileSync(script, `const cp = await connect(process.env.CSMS_URL + 'CP-SIGN');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
const signed = new Promise((resolve) => connect.csms.on('call', (s, call) => call.action === 'SignCertificate' && resolve(call.payload)));
let tmpKey;
cp.answerExtendedTriggerMessage("SignChargePointCertificate", async (request) => {
    cp.sendResponse(request.uniqueId, {status: "Accepted"});
    const {key, csr} = await cp.generateCsr('/OU=Ocpp-Simulator/O=Ocpp Simu Inc./L=Paradise City/ST=The State/C=US/CN=the-best-chargepoint');
    tmpKey = key;
    await cp.sendSignCertificate({csr, "typeOfCertificate": "ChargingStationCertificate"});
});
await connect.csms.call('CP-SIGN', 'ExtendedTriggerMessage', {requestedMessage: 'SignChargePointCertificate'});
console.log('CSMS got', Object.keys(await signed).join(','));
await cp.close();
`);
  const run = await runCli(['--with-csms', '--port', '0', script], { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /CSMS got csr$/m);
  assert.match(run.stderr, /warning: CP-SIGN: SignCertificate request: dropped typeOfCertificate \(not allowed by the ocpp1\.6 schema\)/);
  assert.equal(run.stderr.match(/dropped/g)?.length, 1, 'one line');
});

test('a handler that throws, or whose answer validation refuses, fails the script run: exit 1 and a last line naming them', async (t) => {
  const dir = tempDir(t);
  const script = path.join(dir, 'handlers.js');
  fs.writeFileSync(script, `const cp = await connect(process.env.CSMS_URL + 'CP-H');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
cp.answerReset(() => { throw new Error('no reset today'); });
cp.answerChangeAvailability((request) => { cp.sendResponse(request.uniqueId, {status: 'Maybe'}); });
for (const [action, payload] of [['Reset', {type: 'Soft'}], ['ChangeAvailability', {connectorId: 0, type: 'Inoperative'}]]) {
  const answer = await connect.csms.call('CP-H', action, payload).catch((e) => e.code);
  console.log(action, 'answered', answer);
}
await cp.close();
`);
  const run = await runCli(['--with-csms', '--port', '0', script], { timeoutMs: 30_000 });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /Reset answered InternalError/);
  assert.match(run.stdout, /ChangeAvailability answered InternalError/);
  assert.match(run.stderr, /handler for Reset \(\S+\) failed: .*handlers\.js:3:30: Error: no reset today/);
  assert.match(run.stderr, /handler for ChangeAvailability \(\S+\) failed: .*field 'status' must be one of/);
  const last = run.stderr.trimEnd().split('\n').at(-1);
  assert.equal(last, 'error: 2 handlers failed (CP-H Reset, CP-H ChangeAvailability): exit status 1');
});

/**
 * A CSMS for a fleet: answers every BootNotification and then sends each charge point a
 * ChangeConfiguration without its required key; resolves each CALLERROR answer to it.
 */
async function brokenCallCsms(): Promise<{ url: string; errors: string[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await once(wss, 'listening');
  const errors: string[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[0] === 4 && frame[1] === 'broken') errors.push(String(frame[2]));
      if (frame[0] !== 2) return;
      ws.send(JSON.stringify([3, frame[1], frame[2] === 'BootNotification' ? BOOT_ANSWER : {}]));
      if (frame[2] === 'BootNotification') ws.send(JSON.stringify([2, 'broken', 'ChangeConfiguration', {}]));
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    errors,
    close: () => new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

for (const workers of [1, 2]) {
  test(`a --cps fleet (${workers} worker thread${workers > 1 ? 's' : ''}) whose handlers failed ends with exit 1 and says so in its last line`, async (t) => {
    const csms = await brokenCallCsms();
    t.after(() => csms.close());
    // Inbound validation off lets a CALL without its required key reach the default handler, which then fails.
    const fleet = startCli(['--cps', String(workers), '--workers', String(workers), '--url', csms.url, '--inbound-validation', 'off']);
    t.after(() => fleet.stop());
    const exited = once(fleet.child, 'exit');
    await until(() => csms.errors.length === workers, 'every charge point answered the broken call', 20_000);
    assert.deepEqual(csms.errors, Array(workers).fill('InternalError'));
    await until(() => /Ctrl-C to stop/.test(fleet.out()), 'the fleet started', 20_000);
    fleet.child.kill('SIGINT');
    const [code] = (await exited) as [number];
    assert.equal(code, 1, fleet.out());
    const failed = workers === 1 ? '1 handler failed \\(CP001 ChangeConfiguration\\)' : '2 handlers failed \\(CP00\\d ChangeConfiguration, CP00\\d ChangeConfiguration\\)';
    assert.match(fleet.out().trimEnd().split('\n').at(-1)!, new RegExp(`^stopped ${workers} charge point\\(s\\); ${failed}$`));
  });
}
