/**
 * `--junit FILE`: a passing and a failing script against the embedded mock CSMS, the XML checked
 * against the JUnit schema (server/test/fixtures/junit.xsd) with libxml2's validator (xmllint-wasm).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, runCli, scratchDir, startCli, until } from './helpers';
import { connect } from '../src/chargepoint/connect';
import { junitXml } from '../src/runtime/junit';
import { mergeReports } from '../src/runtime/run-report';
import { junitSchemaErrors, suiteCounts, testCases } from './junit-xml';

test('the JUnit schema check is real: libxml2 refuses a suite without counts and a time that is not a number', async () => {
  assert.deepEqual(await junitSchemaErrors('<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="a" time="0.5"/></testsuite></testsuites>'), []);
  const errors = await junitSchemaErrors('<testsuites><testsuite name="s"><testcase name="a" time="soon"/></testsuite></testsuites>');
  assert.ok(errors.some((e) => /attribute 'tests'.*required/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /'soon' is not a valid value/.test(e)), errors.join('\n'));
});

test('--junit of a passing script: a valid JUnit document, the script and its charge point as passed test cases, exit 0', async () => {
  const dir = scratchDir();
  const script = path.join(dir, 'pass.js');
  fs.writeFileSync(script, `const cp = await connect(process.env.CSMS_URL + 'CP-PASS');
await cp.sendBootnotification({chargePointVendor: 'vendor', chargePointModel: '1'});
await cp.sendHeartbeat();
await cp.close();
`);
  const junit = path.join(dir, 'pass.xml');
  const run = await runCli(['--with-csms', '--port', '0', '--junit', junit, script], { timeoutMs: 30_000, cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 2, failures: 0, errors: 0 });
  const cases = testCases(xml);
  assert.deepEqual(cases.map((c) => [c.classname, c.name, c.failure]), [['ocpp-sim.script', 'pass.js', undefined], ['ocpp-sim.chargepoint', 'CP-PASS', undefined]]);
  assert.ok(cases.every((c) => c.time > 0), 'every test case is timed');
  assert.match(xml, /<system-out>ocpp1\.6, not connected, boot Accepted; calls: BootNotification 1, Heartbeat 1<\/system-out>/);
  assert.match(xml, /<testsuite name="ocpp-sim pass\.js" [^>]*timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/);
});

test('--junit of a failing script: the script error, a failed handler (both with file:line) and a protocol rule broken are failures; exit 1 as without --junit', async () => {
  const dir = scratchDir();
  const script = path.join(dir, 'fail.js');
  fs.writeFileSync(script, `const cp = await connect(process.env.CSMS_URL + 'CP-A');
await cp.sendBootnotification({chargePointVendor: 'vendor', chargePointModel: '1'});
cp.answerReset(() => { throw new Error('no reset today'); });
console.log('Reset answered', await connect.csms.call('CP-A', 'Reset', {type: 'Soft'}).catch((e) => e.code));
const other = await connect(process.env.CSMS_URL + 'CP-B');
await other.sendBootnotification({chargePointVendor: 'vendor', chargePointModel: '1'});
await other.call('StopTransaction', {transactionId: 424242, meterStop: 0, timestamp: new Date().toISOString()});
await other.close();
await cp.close();
throw new Error('final check failed');
`);
  const junit = path.join(dir, 'fail.xml');
  const run = await runCli(['--with-csms', '--port', '0', '--junit', junit, script], { timeoutMs: 30_000, cwd: dir });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /Reset answered InternalError/);
  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 3, failures: 3, errors: 0 });
  const byName = new Map(testCases(xml).map((c) => [c.name, c]));
  assert.deepEqual([...byName.keys()], ['fail.js', 'CP-A', 'CP-B']);
  assert.deepEqual(byName.get('fail.js')!.failure, { type: 'script error', message: 'fail.js:10:7: Error: final check failed' });
  assert.deepEqual(byName.get('CP-A')!.failure, { type: 'handler failed', message: 'Reset: fail.js:3:30: Error: no reset today' });
  assert.deepEqual(byName.get('CP-B')!.failure, { type: 'protocol rule: transaction-order', message: 'transaction-order: StopTransaction for transaction 424242, which this CSMS never issued (StopTransaction before StartTransaction?)' });
});

test('--junit when the script cannot even load: one failed test case naming the syntax error\'s file:line', async () => {
  const dir = scratchDir();
  fs.writeFileSync(path.join(dir, 'broken.js'), 'const a = 1;\nconst b = ;\n');
  const junit = path.join(dir, 'broken.xml');
  const run = await runCli(['--junit', junit, 'broken.js'], { cwd: dir });
  assert.equal(run.code, 1, run.stderr);
  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 1, failures: 1, errors: 0 });
  assert.match(testCases(xml)[0]!.failure!.message, /^broken\.js:2:\d+: SyntaxError: /);
});

test('--junit is refused in server mode, and a file that cannot be written is one error line and exit 1', async () => {
  const refused = await runCli(['--junit', 'x.xml']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--junit writes a run: .*not server mode/);
  const dir = scratchDir();
  fs.writeFileSync(path.join(dir, 'ok.js'), 'console.log("fine");\n');
  const run = await runCli(['--junit', path.join(dir, 'missing', 'out.xml'), 'ok.js'], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error: --junit .*out\.xml could not be written: ENOENT/);
});

test('--junit of a --cps fleet whose CSMS is not there: each charge point a failed test case, "not connected"; the exit code stays 0', async () => {
  const dir = scratchDir();
  const junit = path.join(dir, 'unreached.xml');
  const fleet = startCli(['--cps', '2', '--url', `ws://127.0.0.1:${await freePort()}/`, '--junit', junit]);
  try {
    await until(() => fleet.err().includes('Ctrl-C'), 'the fleet made its first attempts');
    assert.match(fleet.err(), /0 of 2 connected/);
    assert.equal(await fleet.stop(), 0, fleet.out());
  } finally {
    await fleet.stop();
  }
  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 2, failures: 2, errors: 0 });
  assert.deepEqual(testCases(xml).map((c) => [c.name, c.failure]), ['CP001', 'CP002'].map((id) => [id, { type: 'not connected', message: 'never connected during the run (the log says why)' }]));
});

test('junitXml keeps hostile text well-formed: quotes, angle brackets, ampersands, line breaks and control bytes', async () => {
  const hostile = 'a "quoted" <tag> & \u0007bell\nsecond line';
  const xml = junitXml({
    suite: `ocpp-sim ${hostile}`,
    startedAt: new Date(0),
    seconds: 1.5,
    script: { name: 'x".js', errors: [hostile] },
    report: mergeReports([{ kind: 'ocpp-sim-run', chargePoints: [{ id: '<CP&1>', connected: true, connections: 1, calls: {}, failures: [hostile] }], calls: {}, failures: 1, byProtocol: {}, rttBucketsMs: [], latencyMs: { p50: null, p90: null, p99: null } }]),
  });
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  const cases = testCases(xml);
  assert.deepEqual(cases.map((c) => c.name), ['x".js', '<CP&1>']);
  assert.equal(cases[0]!.failure!.message, 'a "quoted" <tag> & \uFFFDbell\nsecond line', 'the line break survives in the attribute; the control byte is replaced');
  assert.deepEqual(cases[1]!.failure, { type: 'handler failed', message: 'a "quoted" <tag> & \uFFFDbell\nsecond line' });
  assert.match(xml, /timestamp="1970-01-01T00:00:00Z"/);
});

test('--csms --junit: each charge point that connected is a test case, a protocol rule it broke its failure (charger CI)', { timeout: 30_000 }, async () => {
  const junit = path.join(scratchDir(), 'csms.xml');
  const port = await freePort();
  const cli = startCli(['--csms', '--no-state', '--no-http', '--port', String(port), '--junit', junit]);
  try {
    await until(() => cli.out().includes('listening'), 'the CSMS');
    const url = `ws://127.0.0.1:${port}/`;
    const good = await connect(`${url}CP-GOOD`);
    await good.sendBootnotification({ chargePointVendor: 'vendor', chargePointModel: '1' });
    const bad = await connect(`${url}CP-BAD`);
    await bad.sendBootnotification({ chargePointVendor: 'vendor', chargePointModel: '1' });
    await bad.call('StopTransaction', { transactionId: 777, meterStop: 0, timestamp: new Date().toISOString() });
    await Promise.all([good.close(), bad.close()]);
    assert.equal(await cli.stop(), 0, cli.out());
  } finally {
    await cli.stop();
  }
  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 2, failures: 1, errors: 0 });
  assert.match(xml, /<testsuite name="ocpp-sim --csms"/);
  const byName = new Map(testCases(xml).map((c) => [c.name, c]));
  assert.equal(byName.get('CP-GOOD')?.failure, undefined);
  assert.deepEqual(byName.get('CP-BAD')?.failure, { type: 'protocol rule: transaction-order', message: 'transaction-order: StopTransaction for transaction 777, which this CSMS never issued (StopTransaction before StartTransaction?)' });
  assert.ok(byName.get('CP-BAD')!.time > 0, 'timed while connected');
});
