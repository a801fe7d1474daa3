import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { keystoreFor, readKeyStoreElement, resetKeystoreForTests } from '../src/security/keystore';

const KEY = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';

let dir: string;
let root: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keystore-test-'));
  root = join(dir, 'state', 'keystore');
  process.env.SSL_CLIENT_KEYSTORE_ROOT = root;
  delete process.env.SSL_CLIENT_KEYSTORE;
  resetKeystoreForTests();
});

afterEach(() => {
  delete process.env.SSL_CLIENT_KEYSTORE_ROOT;
  delete process.env.SSL_CLIENT_KEYSTORE;
  resetKeystoreForTests();
  rmSync(dir, { recursive: true, force: true });
});

test('save writes a private key file, a cert file and makes them the entry', async () => {
  const ks = keystoreFor('cp-1');
  assert.equal(ks.get(), undefined);
  const saved = ks.save('-new', KEY, CERT);
  // The earlier tool's shape: an array [keyFile, certFile]; ocpp-sim's: .key / .cert.
  const [keyFile, certFile] = saved;
  assert.deepEqual([keyFile, certFile], [join(root, 'cp-1-new.key'), join(root, 'cp-1-new.cert')]);
  const paths = { key: saved.key, cert: saved.cert };
  assert.deepEqual(paths, { key: keyFile, cert: certFile });
  assert.equal(statSync(root).mode & 0o777, 0o700);
  assert.equal(statSync(paths.key).mode & 0o777, 0o600);
  assert.equal(readFileSync(paths.key, 'utf8'), KEY);
  assert.equal(readFileSync(paths.cert, 'utf8'), CERT);
  assert.deepEqual(keystoreFor('cp-1').get(), { id: 'cp-1', ...paths });
  assert.deepEqual(await readKeyStoreElement({ id: 'cp-1', ...paths }), { key: KEY, cert: CERT });
});

test('save(false) overwrites the current files and tightens an existing key file', () => {
  const key = join(dir, 'configured.key');
  const cert = join(dir, 'configured.cert');
  writeFileSync(key, 'old', { mode: 0o644 });
  writeFileSync(cert, 'old');
  process.env.SSL_CLIENT_KEYSTORE = JSON.stringify([{ id: 'cp-2', key, cert }]);
  const saved = keystoreFor('cp-2').save(false, KEY, CERT);
  assert.deepEqual([...saved], [key, cert]);
  assert.deepEqual({ key: saved.key, cert: saved.cert }, { key, cert });
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.equal(readFileSync(key, 'utf8'), KEY);
  assert.equal(readFileSync(cert, 'utf8'), CERT);
  // Without an own entry, false means no postfix.
  assert.deepEqual(keystoreFor('cp-3').save(false, KEY, CERT).key, join(root, 'cp-3.key'));
});

test('the * entry of SSL_CLIENT_KEYSTORE is the fallback for any charge point', () => {
  const any = { id: '*', key: '/k/any.key', cert: '/k/any.cert' };
  const own = { id: 'cp-4', key: '/k/cp-4.key', cert: '/k/cp-4.cert' };
  process.env.SSL_CLIENT_KEYSTORE = JSON.stringify([any, own]);
  assert.deepEqual(keystoreFor('cp-4').get(), own);
  assert.deepEqual(keystoreFor('other').get(), any);
  const added = { id: 'other', key: '/k/o.key', cert: '/k/o.cert' };
  keystoreFor('whoever').add(added);
  assert.deepEqual(keystoreFor('other').get(), added);
});

test('a malformed SSL_CLIENT_KEYSTORE gives one readable line', () => {
  process.env.SSL_CLIENT_KEYSTORE = '[{"id": "x"';
  assert.throws(() => keystoreFor('x').get(), /^Error: SSL_CLIENT_KEYSTORE is not valid JSON: /);
  resetKeystoreForTests();
  process.env.SSL_CLIENT_KEYSTORE = '[{"id": "x"}]';
  assert.throws(() => keystoreFor('x').get(), /SSL_CLIENT_KEYSTORE must be a JSON array/);
});

test('readKeyStoreElement names a missing file', async () => {
  const missing = join(dir, 'nope.key');
  await assert.rejects(readKeyStoreElement({ id: 'cp-5', key: missing, cert: missing }), (err: Error) => {
    assert.ok(err.message.includes(missing), err.message);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});
