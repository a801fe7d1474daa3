/** The examples in scripts-examples/ run through the real CLI against the embedded mock CSMS. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers';

test('scripts-examples/remote-start.js: remote start, charging with meter values, remote stop, no handlers written', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--v', 'scripts-examples/remote-start.js'], { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /RemoteStartTransaction: Accepted/);
  assert.match(run.stdout, /"StartTransaction"/);
  assert.ok((run.stdout.match(/"MeterValues"/g) ?? []).length >= 3, run.stdout);
  assert.match(run.stdout, /"reason":"Remote"/);
  assert.match(run.stdout, /done: connector 1 is Available/);
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
