/**
 * Files with state or secrets (security/files.ts): atomic replacement with mode 0600, the owner
 * lock, and the test PKI created race-free by calls and processes started together.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tryLock, writeFileAtomic } from '../src/security/files';
import { loadOrCreatePki } from '../src/security/pki';
import { ROOT } from './helpers';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-files-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** A pid no process has: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

test('writeFileAtomic replaces a world-readable file with a 0600 one and leaves no temporary file', () => {
  const file = path.join(dir, 'secret.json');
  writeFileSync(file, 'old');
  chmodSync(file, 0o644);
  writeFileAtomic(file, '{"key":"new"}');
  assert.equal(readFileSync(file, 'utf8'), '{"key":"new"}');
  assert.equal(modeOf(file), 0o600);
  writeFileAtomic(file, 'public', 0o644);
  assert.equal(modeOf(file), 0o644);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('secret')), ['secret.json']);
});

test('tryLock: one holder at a time, the holder is named, a lock left by a killed process is taken over', async () => {
  const lock = path.join(dir, 'lock');
  const first = tryLock(lock);
  assert.ok(!('heldBy' in first));
  assert.deepEqual(tryLock(lock), { heldBy: process.pid });
  first.release();
  assert.equal(existsSync(lock), false);

  writeFileSync(lock, String(await deadPid()));
  const taken = tryLock(lock);
  assert.ok(!('heldBy' in taken), 'the stale lock is taken over');
  assert.equal(readFileSync(lock, 'utf8'), String(process.pid));
  assert.equal(modeOf(lock), 0o600);
  taken.release();
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('lock')), []);
});

test('loadOrCreatePki: two calls at once make one CA, the one on disk', async () => {
  const pkiDir = path.join(dir, 'pki-calls');
  const [a, b] = await Promise.all([loadOrCreatePki(pkiDir), loadOrCreatePki(pkiDir)]);
  assert.equal(a.ca.cert, b.ca.cert);
  assert.equal(a.server.cert, b.server.cert);
  assert.equal(readFileSync(path.join(pkiDir, 'ca.pem'), 'utf8'), a.ca.cert);
  assert.equal(readFileSync(path.join(pkiDir, 'server.key'), 'utf8'), a.server.key);
  assert.equal(modeOf(path.join(pkiDir, 'ca.key')), 0o600);
  assert.equal(existsSync(path.join(pkiDir, '.lock')), false, 'the lock is released');
});

test('loadOrCreatePki: two processes started together make one CA, the one on disk', { timeout: 60_000 }, async () => {
  const pkiDir = path.join(dir, 'pki-processes');
  const script = `require(${JSON.stringify(path.join(ROOT, 'server/dist/src/security/pki.js'))}).loadOrCreatePki(${JSON.stringify(pkiDir)}).then((p) => process.stdout.write(p.ca.cert))`;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
  const [a, b] = await Promise.all([run(), run()]);
  assert.match(a, /BEGIN CERTIFICATE/);
  assert.equal(a, b, 'both processes use the same CA');
  assert.equal(readFileSync(path.join(pkiDir, 'ca.pem'), 'utf8'), a, 'and it is the one on disk');
});
