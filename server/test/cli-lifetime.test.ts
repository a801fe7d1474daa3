/**
 * A script run lasts as long as the script's work (issue 14, point 2): after the body returned,
 * the real CLI keeps running while a charge point it opened is open or a `startListener` app
 * listens, says so in one line, and ends when both are closed; script errors still set the exit
 * status. Real CLI processes against a hand-driven CSMS on loopback.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pause, rawCsms, startCli, until, type CliProcess, type RawPeer } from './helpers';

const BOOT_ANSWER = { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 };

/** Write a script into a fresh directory and return its path. */
function script(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-lifetime-'));
  const file = path.join(dir, 'script.js');
  fs.writeFileSync(file, text);
  return file;
}

/** Start the CLI on a script against `csms`, stopped (and the CSMS closed) after the test. */
function run(t: { after(fn: () => unknown): void }, csms: RawPeer, file: string): { cli: CliProcess; exited: Promise<number | null> } {
  const cli = startCli([file], { CSMS_URL: csms.url });
  const exited = once(cli.child, 'exit').then(([code]) => code as number | null);
  t.after(async () => {
    await cli.stop();
    await csms.close();
  });
  return { cli, exited };
}

/** Answer the BootNotification the script sends first. */
async function answerBoot(csms: RawPeer): Promise<void> {
  const [, id, action] = await csms.next(10_000);
  assert.equal(action, 'BootNotification');
  csms.send([3, id, BOOT_ANSWER]);
}

test('a script that registers a handler and a listener route and returns keeps running, answers a CSMS call 10 s later, and ends when the route closes both', async (t) => {
  const csms = await rawCsms();
  // The earlier tool's README example: a listener with Basic auth whose /stop route ends the run.
  const { cli, exited } = run(
    t,
    csms,
    script(`const cp = await connect(process.env.CSMS_URL + 'CP001');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
cp.answerDataTransfer((request) => {
  cp.sendResponse(request.uniqueId, {status: "Accepted", data: "still here"});
});
const webserver = cp.startListener(0, '127.0.0.1', {'admin': 'secret'});
webserver.get('/stop', (req, res) => {
  res.send('stopped.');
  cp.close();
  webserver.terminate();
});
`),
  );
  await answerBoot(csms);
  await until(() => /script returned; still open: charge point CP001, listener :\d+ — Ctrl-C to stop/.test(cli.out()), 'the still-open line', 15_000);
  const port = Number(/listener :(\d+)/.exec(cli.out())![1]);
  assert.notEqual(port, 0, 'the line names the bound port');
  await pause(10_000);
  assert.equal(cli.child.exitCode, null, 'still running 10 s after the script returned');
  csms.send([2, 'late-1', 'DataTransfer', { vendorId: 'lab' }]);
  assert.deepEqual(await csms.next(5000), [3, 'late-1', { status: 'Accepted', data: 'still here' }]);
  assert.equal(cli.child.exitCode, null);
  const unauthorized = await fetch(`http://127.0.0.1:${port}/stop`);
  assert.equal(unauthorized.status, 401);
  assert.equal(cli.child.exitCode, null, 'a refused request ends nothing');
  const stop = await fetch(`http://127.0.0.1:${port}/stop`, { headers: { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` } });
  assert.equal(await stop.text(), 'stopped.');
  assert.equal(await exited, 0);
  assert.doesNotMatch(cli.out(), /error/);
});

test('with only the listener left open the run keeps going; terminate() ends it', async (t) => {
  const csms = await rawCsms();
  const { cli, exited } = run(
    t,
    csms,
    script(`const cp = await connect(process.env.CSMS_URL + 'CP002');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
await cp.close();
const webserver = cp.startListener(0, '127.0.0.1');
webserver.get('/stop', (req, res) => { res.send('bye'); webserver.terminate(); });
`),
  );
  await answerBoot(csms);
  await until(() => /script returned; still open: listener :\d+ — Ctrl-C/.test(cli.out()), 'the still-open line naming only the listener', 15_000);
  assert.doesNotMatch(cli.out(), /charge point CP002/, 'a closed charge point is not named');
  const port = Number(/listener :(\d+)/.exec(cli.out())![1]);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/stop`)).text(), 'bye');
  assert.equal(await exited, 0);
});

test('nothing left open: the run ends when the body returns, without the still-open line', async (t) => {
  const csms = await rawCsms();
  const { cli, exited } = run(
    t,
    csms,
    script(`const cp = await connect(process.env.CSMS_URL + 'CP003');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
cp.close();
`),
  );
  await answerBoot(csms);
  assert.equal(await exited, 0);
  assert.doesNotMatch(cli.out(), /still open/);
});

test('Ctrl-C ends a run that waits for its charge point, closing it (exit 0)', async (t) => {
  const csms = await rawCsms();
  const { cli, exited } = run(
    t,
    csms,
    script(`const cp = await connect(process.env.CSMS_URL + 'CP004');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
`),
  );
  await answerBoot(csms);
  await until(() => /still open: charge point CP004 — Ctrl-C to stop/.test(cli.out()), 'the still-open line', 15_000);
  const socket = await csms.socket();
  const closed = once(socket, 'close');
  cli.child.kill('SIGINT');
  const [code] = (await closed) as [number];
  assert.equal(code, 1000, 'the charge point closed its connection normally');
  assert.equal(await exited, 0);
});

test('an error the script leaves uncaught after its body returned ends the run with one line and exit 1', async (t) => {
  const csms = await rawCsms();
  const file = script(`const cp = await connect(process.env.CSMS_URL + 'CP005');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
setTimeout(() => { const missing = null; missing.go(); }, 50);
`);
  const { cli, exited } = run(t, csms, file);
  await answerBoot(csms);
  assert.equal(await exited, 1);
  assert.match(cli.out(), /error: .*script\.js:3:50: TypeError: Cannot read properties of null \(reading 'go'\)/);
});

test('a reConnect() in a handler after the body returned keeps the run going on the new connection', async (t) => {
  const csms = await rawCsms();
  const { cli, exited } = run(
    t,
    csms,
    script(`const cp = await connect(process.env.CSMS_URL + 'CP006');
await cp.sendBootnotification({chargePointVendor: "vendor", chargePointModel: "1"});
cp.answerReset(async (request) => {
  cp.sendResponse(request.uniqueId, {status: "Accepted"});
  await cp.reConnect();
});
`),
  );
  await answerBoot(csms);
  await until(() => /still open: charge point CP006/.test(cli.out()), 'the still-open line', 15_000);
  const first = await csms.socket();
  const dropped = once(first, 'close');
  csms.send([2, 'reset-1', 'Reset', { type: 'Soft' }]);
  assert.deepEqual(await csms.next(5000), [3, 'reset-1', { status: 'Accepted' }]);
  await dropped;
  // The new connection answers: the run did not end with the old one.
  await until(async () => {
    csms.send([2, `dt-${Date.now()}`, 'DataTransfer', { vendorId: 'lab' }]);
    return csms.next(500).then(([type]) => type === 3, () => false);
  }, 'an answer on the new connection', 10_000);
  assert.equal(cli.child.exitCode, null);
  cli.child.kill('SIGINT');
  assert.equal(await exited, 0);
});
