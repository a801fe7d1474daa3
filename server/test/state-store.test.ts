/**
 * The charge point's state file holds the AuthorizationKey: it is written 0600 whatever was
 * there before (an existing directory keeps its mode, an old 0644 file is mended on the next write).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Chargepoint } from '../src/chargepoint/chargepoint';
import { StateStore } from '../src/chargepoint/station/state-store';

const KEY = '00112233445566778899aabbccddeeff';
const mode = (file: string): number => statSync(file).mode & 0o777;

test('state files are 0600 in an existing 0755 directory, also when they replace a 0644 file', { skip: process.platform === 'win32' && 'POSIX modes' }, async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ocpp-sim-mode-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'state');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755); // whatever the umask
  const store = new StateStore(dir);
  const file = store.fileOf('CP-MODE');

  // A file an earlier version left world-readable, holding the key.
  const first = new Chargepoint('ws://127.0.0.1:9/CP-MODE');
  first.station.config.set('AuthorizationKey', KEY);
  store.save(first.station);
  chmodSync(file, 0o644);
  // A stale temporary file with a wide mode must not pass it on either.
  writeFileSync(`${file}.${process.pid}.tmp`, '{}', { mode: 0o666 });
  chmodSync(`${file}.${process.pid}.tmp`, 0o666);

  // The next change through the attached store (what the runtime does) rewrites it.
  const second = new Chargepoint('ws://127.0.0.1:9/CP-MODE', undefined, { stateDir: dir });
  assert.equal(second.station.config.str('AuthorizationKey'), KEY, 'restored from the old file');
  second.station.config.set('HeartbeatInterval', 77);
  await new Promise((resolve) => setImmediate(resolve)); // the store writes once per turn of the event loop
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).configuration.HeartbeatInterval, '77', 'the file was rewritten');
  assert.equal(mode(file).toString(8), '600');
  assert.equal(mode(dir).toString(8), '755', 'an existing directory keeps its mode');

  // A directory the store creates itself is 0700.
  const fresh = new StateStore(path.join(root, 'fresh'));
  fresh.save(second.station);
  assert.equal(mode(fresh.dir).toString(8), '700');
  assert.equal(mode(fresh.fileOf('CP-MODE')).toString(8), '600');
});
