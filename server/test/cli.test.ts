/** The real CLI (start.sh) as users run it: script forms, verbosity, errors and exit codes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import { ROOT, runCli } from './helpers';

const QUICK = 'scripts-examples/quick-start.js';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function script(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

test('quick start against the embedded CSMS prints every frame with --v and exits 0', async () => {
  const run = await runCli(['--with-csms', '--port', '0', '--v', QUICK]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /CP001 → \[2,"[^"]+","BootNotification",/);
  assert.match(run.stdout, /CP001 ← \[3,"[^"]+",\{"status":"Accepted"/);
  assert.match(run.stdout, /StopTransaction/);
  assert.match(run.stdout, /transaction \d+ done: 750 Wh/);
});

test('without a verbosity flag no frames are printed', async () => {
  const run = await runCli(['--with-csms', '--port', '0', QUICK]);
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /BootNotification/);
  assert.match(run.stdout, /boot Accepted/);
});

test('the same script piped to --stdin runs the same way', async () => {
  const run = await runCli(['--stdin', '--with-csms', '--port', '0', '--v'], { input: fs.readFileSync(path.join(ROOT, QUICK), 'utf8') });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /"BootNotification"/);
  assert.match(run.stdout, /transaction \d+ done/);
});

test('an absolute script path works from another directory', async () => {
  const run = await runCli(['--with-csms', '--port', '0', path.join(ROOT, QUICK)], { cwd: tmp });
  assert.equal(run.code, 0, run.stderr);
});

test('a script that throws exits 1 with one line naming file:line', async () => {
  const file = script('throws.js', "const cp = await connect(process.env.CSMS_URL + 'T1');\nawait cp.sendHeartbeat();\nthrow new Error('boom');\n");
  const run = await runCli(['--with-csms', '--port', '0', file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: .*throws\.js:3:7: Error: boom$/m);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
});

test('a syntax error is reported with file:line too', async () => {
  const file = script('syntax.js', 'const a = 1;\nconst = 2;\n');
  const run = await runCli([file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /syntax\.js:2:7: SyntaxError/);
});

test('a rejected call surfaces as a typed error line and exit 1', async () => {
  const file = script('invalid.js', "const cp = await connect(process.env.CSMS_URL + 'T2');\nawait cp.sendBootnotification({ chargePointVendor: 'v' });\n");
  const run = await runCli(['--with-csms', '--port', '0', file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /invalid\.js:2:\d+: OcppValidationError: .*field 'chargePointModel' is required/);
});

test('a bad URL gives one readable line', async () => {
  const file = script('badurl.js', "await connect('http://localhost:8100/CP');\n");
  const run = await runCli([file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /must start with ws:\/\/ or wss:\/\//);
});

const SESSION = "const cp = await connect(process.env.CSMS_URL + 'M1');\nconst r = await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });\ncp.log('boot ' + r.status);\nawait cp.close();\n";

test('CommonJS, ES module, .mjs and TypeScript scripts all run', async () => {
  const forms: Record<string, string> = {
    'cjs.js': `module.exports = async (connect) => {\n${SESSION}};\n`,
    'esm.js': `export default async function (connect) {\n${SESSION}}\n`,
    'native.mjs': `import os from 'node:os';\nexport default async (connect) => {\nif (!os.cpus) throw new Error('x');\n${SESSION}};\n`,
    'typed.ts': `interface Boot { status: string }\nconst cp = await connect(process.env.CSMS_URL + 'M1');\nconst r: Boot = await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });\ncp.log('boot ' + r.status);\nawait cp.close();\n`,
    'module.ts': `export default async (connect: (url: string) => Promise<any>): Promise<void> => {\n${SESSION}};\n`,
  };
  for (const [name, text] of Object.entries(forms)) {
    const run = await runCli(['--with-csms', '--port', '0', script(name, text)]);
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    assert.match(run.stdout, /boot Accepted/, name);
  }
});

test('TypeScript errors point at the .ts source line', async () => {
  const file = script('fails.ts', "type T = { a: number };\n\n// comment\nconst t: T = { a: 1 };\nif (t.a === 1) throw new Error('ts boom');\n");
  const run = await runCli([file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /fails\.ts:5:\d+: Error: ts boom/);
});

test('--help explains usage; an unknown flag exits 2', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: \.\/start\.sh/);
  assert.match(help.stdout, /--with-csms/);
  const bad = await runCli(['--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option --frobnicate/);
});

test('a closed stdout does not make the runtime spin', async () => {
  const file = script('chatty.js', [
    "const cp = await connect(process.env.CSMS_URL + 'CHATTY');",
    'const start = process.cpuUsage();',
    'const t0 = Date.now();',
    "for (let i = 0; i < 40; i++) { console.log('line ' + i); await cp.sendHeartbeat(); await cp.sleep(25); }",
    'const used = process.cpuUsage(start);',
    "process.stderr.write('CPU ' + Math.round((used.user + used.system) / 1000) + ' WALL ' + (Date.now() - t0) + '\\n');",
    'await cp.close();',
  ].join('\n'));
  const child = spawn('bash', [path.join(ROOT, 'start.sh'), '--with-csms', '--port', '0', '--v', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CSMS_URL: '' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise((resolve) => child.on('close', resolve));
  const m = /CPU (\d+) WALL (\d+)/.exec(stderr);
  assert.ok(m, stderr);
  assert.equal(code, 0, stderr);
  assert.ok(Number(m[1]) < Number(m[2]) * 0.5, `CPU ${m[1]} ms over ${m[2]} ms wall`);
});

test('./start.sh --csms runs the mock CSMS until interrupted', async () => {
  const child = spawn('bash', [path.join(ROOT, 'start.sh'), '--csms', '--port', '0', '--v'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no listening line: ${stdout}`)), 15000);
    child.stdout.on('data', () => {
      const m = /listening on (ws:\/\/\S+\/)<charge point id>/.exec(stdout);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
  });
  const cp = await connect(`${url}CLI-CP`);
  assert.equal((await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' })).status, 'Accepted');
  await cp.close();
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.match(stdout, /csms CLI-CP ← \[2,"[^"]+","BootNotification"/);
});
