/**
 * What the mock CSMS checks before it upgrades a connection, on real sockets: the identity in the
 * URL (HTTP 404 and one line otherwise, by the rules of the version the connection would speak),
 * and an authentication that must decide in time (503) and may fail (500).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import { invalidIdentity, validIdentity } from '../src/transport/identity';
import { readHead, tcp, upgradeRequest } from './raw-websocket';

/** The status line the server answers an upgrade of `path` with. */
async function statusOf(port: number, path: string, protocol = 'ocpp1.6'): Promise<string> {
  const socket = await tcp(port);
  socket.write(upgradeRequest(path, protocol));
  const { head } = await readHead(socket);
  socket.destroy();
  return head.split('\r\n')[0]!;
}

test('validIdentity: printable ASCII without space, slash, backslash or path steps, at most 48; 2.0.1 keeps to identifierString', () => {
  for (const id of ['CP001', 'cp-1', 'TC_001', 'CP.1', 'a:b', '~!$&()', 'x'.repeat(48)]) assert.equal(validIdentity(id), true, id);
  for (const id of ['', 'x'.repeat(49), '.', '..', '../x', 'a\\b', 'a b', 'a\x00b', 'tab\t', 'ü', 'a\x7f']) assert.equal(validIdentity(id), false, JSON.stringify(id));
  assert.equal(validIdentity('CS*=+|@.-_9', 'ocpp2.0.1'), true);
  for (const id of ['a:b', 'a!b', 'a#b', 'a~b']) {
    assert.equal(validIdentity(id, 'ocpp2.0.1'), false, id);
    assert.match(invalidIdentity(id, 'ocpp2.0.1')!, /identifierString/);
  }
  assert.equal(invalidIdentity('x'.repeat(8000)), `charge point id "${'x'.repeat(48)}…" has 8000 characters (at most 48)`);
});

describe('the mock CSMS refuses identities it cannot keep', () => {
  let csms: MockCsms;
  const refused: { id: string; line: string }[] = [];

  before(async () => {
    csms = new MockCsms({ port: 0, protocols: ['ocpp2.0.1', 'ocpp1.6'] });
    csms.on('refused', (id: string, line: string) => refused.push({ id, line }));
    await csms.listen();
  });
  after(() => csms.close());

  test('8,000 characters, %00, ..%2F, control characters, a bad escape: HTTP 404 and one line each', async () => {
    const cases: [string, RegExp][] = [
      [`/ocpp/${'A'.repeat(8000)}`, /has 8000 characters \(at most 48\)/],
      ['/ocpp/CP%00', /"CP\\u0000" has characters outside/],
      ['/ocpp/..%2Fetc', /"\.\.\/etc" has characters outside/],
      ['/ocpp/%2e%2e', /"\.\." is a path step/],
      ['/ocpp/CP1/x/..', /"\.\." is a path step/],
      ['/ocpp/CP%07bell', /has characters outside/],
      ['/ocpp/CP%20one', /has characters outside/],
      ['/ocpp/%E0%A4%A', /no charge point id in the URL path/],
      ['/', /no charge point id in the URL path/],
    ];
    for (const [path, reason] of cases) {
      const before = refused.length;
      assert.match(await statusOf(csms.port, path), /^HTTP\/1\.1 404 /, path.slice(0, 40));
      assert.equal(refused.length, before + 1, path.slice(0, 40));
      assert.match(refused.at(-1)!.line, reason);
      assert.match(refused.at(-1)!.line, /\(HTTP 404\)$/);
    }
    assert.equal(csms.stations.size, 0);
  });

  test('the rules of the version the connection would speak: `:` passes for 1.6, not for 2.0.1', async () => {
    assert.match(await statusOf(csms.port, '/ocpp/CP%3A16', 'ocpp1.6'), /^HTTP\/1\.1 101 /);
    assert.match(await statusOf(csms.port, '/ocpp/CS%3A201', 'ocpp2.0.1'), /^HTTP\/1\.1 404 /);
    assert.equal(refused.at(-1)!.line, 'charge point id "CS:201" has characters outside identifierString (A-Z a-z 0-9 * - _ = + | @ .) (HTTP 404)');
  });

  test('the ids tests and fleets use connect and boot', async () => {
    for (const id of ['CP001', 'cp-1', 'TC_001']) {
      const cp = await connect(`${csms.url}${id}`, undefined, undefined, { boot: 'auto' });
      assert.equal(csms.stations.get(id)?.id, id);
      await cp.close();
    }
  });
});

describe('authentication must decide in time', () => {
  test('an authenticator that never answers: HTTP 503 after the handshake timeout, one line', async (t) => {
    const refused: string[] = [];
    const csms = new MockCsms({ port: 0, handshakeTimeoutMs: 300, authenticate: () => new Promise<boolean>(() => undefined) });
    csms.on('refused', (_id: string, line: string) => refused.push(line));
    await csms.listen();
    t.after(() => csms.close());
    const t0 = Date.now();
    assert.match(await statusOf(csms.port, '/CP-WAIT'), /^HTTP\/1\.1 503 /);
    assert.ok(Date.now() - t0 >= 250, `answered after ${Date.now() - t0} ms`);
    assert.deepEqual(refused, ['CP-WAIT: authentication did not decide within 0.3 s (HTTP 503)']);
  });

  test('an authenticator that throws: HTTP 500, one line, the server keeps serving', async (t) => {
    const refused: string[] = [];
    const csms = new MockCsms({
      port: 0,
      authenticate: (id) => {
        if (id === 'CP-BAD') throw new Error('directory offline');
        return true;
      },
    });
    csms.on('refused', (_id: string, line: string) => refused.push(line));
    await csms.listen();
    t.after(() => csms.close());
    assert.match(await statusOf(csms.port, '/CP-BAD'), /^HTTP\/1\.1 500 /);
    assert.deepEqual(refused, ['CP-BAD: authentication failed: directory offline (HTTP 500)']);
    assert.match(await statusOf(csms.port, '/CP-OK'), /^HTTP\/1\.1 101 /);
  });
});
