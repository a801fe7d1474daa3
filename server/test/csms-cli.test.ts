/**
 * The mock CSMS as a product, through the real CLI: a standalone `--csms` with its REST API,
 * periodic commands, `--report` and `--assert-clean`, driven by our own fleet (clean) and by a
 * misbehaving raw client (not clean); a CSMS script; usage errors.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { freePort, pause, ROOT, runCli } from './helpers';

const MAIN = path.join(ROOT, 'server/dist/src/runtime/main.js');

interface Proc {
  child: ChildProcess;
  out: () => string;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '', CSMS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    out: () => out,
    stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

async function until(fn: () => boolean | Promise<boolean>, label: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !(await fn()); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting for ${label}`);
    await pause(50);
  }
}

const post = async (url: string, body: unknown = {}) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-csms-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('--assert-clean: our own fleet through sessions, triggers, periodic commands and a reset leaves an empty report (exit 0)', { timeout: 60_000 }, async () => {
  const [port, http] = [await freePort(), await freePort()];
  const report = path.join(dir, 'clean.json');
  const csms = start(['--csms', '--no-state', '--port', String(port), '--http-port', String(http), '--commands', 'GetConfiguration:1,TriggerMessage:2', '--report', report, '--assert-clean']);
  await until(() => csms.out().includes('REST API'), 'the CSMS');
  const fleet = start(['--cps', '3', '--url', `ws://127.0.0.1:${port}/`]);
  const api = `http://127.0.0.1:${http}`;
  try {
    await until(async () => ((await (await fetch(`${api}/list`)).json()) as { cp_ids: string[] }).cp_ids.length === 3, 'three charge points');
    await pause(500); // boots and first StatusNotifications through
    assert.equal((await post(`${api}/remote-start/CP001`, { idTag: 'TAG-1' })).body.status, 'Accepted');
    assert.equal((await post(`${api}/reserve/CP002`)).body.status, 'Accepted');
    await until(async () => ((await (await fetch(`${api}/transactions`)).json()) as { open: unknown[] }).open.length === 1, 'the transaction');
    assert.equal((await post(`${api}/trigger/CP001`, { requestedMessage: 'MeterValues', connectorId: 1 })).body.status, 'Accepted');
    assert.equal((await post(`${api}/remote-stop/CP001`)).body.status, 'Accepted');
    assert.equal((await post(`${api}/reset/CP003`, { type: 'Soft' })).body.status, 'Accepted');
    await pause(3_000); // the reset's reboot, two rounds of periodic commands
    assert.deepEqual((await (await fetch(`${api}/probes`)).json()), {});
  } finally {
    await fleet.stop();
  }
  assert.equal(await csms.stop(), 0, csms.out());
  assert.deepEqual(JSON.parse(await readFile(report, 'utf8')), {});
  assert.match(csms.out(), /conformance: clean/);
});

test('--assert-clean: a charge point that pipelines CALLs and reuses ids fails the run (exit 1) and is in the report', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const report = path.join(dir, 'dirty.json');
  const csms = start(['--csms', '--no-state', '--port', String(port), '--no-http', '--report', report, '--assert-clean']);
  await until(() => csms.out().includes('listening'), 'the CSMS');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/BAD001`, 'ocpp1.6');
  await new Promise((r) => ws.once('open', r));
  const boot = { chargePointVendor: 'raw', chargePointModel: 'client' };
  ws.send(JSON.stringify([2, 'b1', 'BootNotification', boot]));
  ws.send(JSON.stringify([2, 'b2', 'Heartbeat', {}])); // before the boot was answered: overlapping
  await pause(300);
  ws.send(JSON.stringify([2, 'b1', 'Heartbeat', {}])); // id reused
  await pause(300);
  ws.close();
  assert.equal(await csms.stop(), 1, csms.out());
  const found = JSON.parse(await readFile(report, 'utf8')) as Record<string, { probe: string }[]>;
  const probes = found.BAD001!.map((f) => f.probe);
  assert.ok(probes.includes('overlapping-call'), probes.join());
  assert.ok(probes.includes('reused-message-id'), probes.join());
  assert.match(csms.out(), /conformance: \d+ finding\(s\) in 1 charge point\(s\)/);
});

test('--csms script.js: a CSMS script runs a remote start against a charge point and exits 0', { timeout: 40_000 }, async () => {
  const port = await freePort();
  const csms = start(['--csms', '--no-state', '--port', String(port), 'scripts-examples/csms-remote-start.js', '2']);
  await until(() => csms.child.stdout !== null, 'the CSMS');
  await pause(500);
  const fleet = start(['--cps', '1', '--url', `ws://127.0.0.1:${port}/`]);
  try {
    const code = await new Promise<number | null>((r) => csms.child.once('exit', (c) => r(c)));
    assert.equal(code, 0, csms.out());
  } finally {
    await fleet.stop();
  }
  assert.match(csms.out(), /CP001: transaction \d+ on connector 1/);
});

test('CSMS usage errors are one line and exit 2', async () => {
  const bad = await runCli(['--csms', '--auth-mode', 'sometimes']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--auth-mode expects one of normal, whitelist, blacklist, rate_limit/);
  const cmd = await runCli(['--csms', '--command', 'Dance', '--period', '5']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /'Dance' is not a CSMS-initiated 1.6 action/);
  const period = await runCli(['--csms', '--command', 'GetConfiguration']);
  assert.equal(period.code, 2);
  assert.match(period.stderr, /period must be a positive number/);
  const orphan = await runCli(['--auth-mode', 'whitelist', 'x.js']);
  assert.equal(orphan.code, 2);
  assert.match(orphan.stderr, /--auth-mode configures the mock CSMS/);
});
