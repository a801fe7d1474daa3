/**
 * Access rules of server mode beyond docs/web-api.md's basics (issue 12.3, 12.6): `--no-token`
 * (loopback only, and says what it opens), JSON-only bodies, a 10 GB announced body refused at
 * once, the token compared case-insensitively in its scheme. The real CLI, real sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWebServer, type WebServer } from '../src/web/server';
import { announceHugeBody, freePortPair, runCli, startServerMode } from './helpers';

describe('bodies of the REST API', () => {
  let web: WebServer;
  let port: number;

  before(async () => {
    port = await freePortPair();
    web = await startWebServer({ port, bind: '127.0.0.1' });
  });
  after(() => web.close());

  test('a request announcing 10 GB gets 413 at once and its connection is closed, token or not', async () => {
    for (const headers of [{}, { authorization: `Bearer ${web.token}` }] as Record<string, string>[]) {
      const { status, ms } = await announceHugeBody(port, '/api/chargepoints/CP001/script', headers);
      assert.equal(status, 413);
      assert.ok(ms < 1000, `answered and closed after ${ms} ms`);
    }
    const plain = await announceHugeBody(port, '/api/chargepoints');
    assert.equal(plain.status, 413);
    assert.ok(plain.ms < 1000, `answered and closed after ${plain.ms} ms`);
  });

  test('a body that is not JSON (what an HTML form sends) is 415', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await fetch(`http://127.0.0.1:${port}/api/chargepoints`, { method: 'POST', headers: { 'content-type': type }, body: 'id=CP1&url=ws://127.0.0.1:1/' });
      assert.equal(res.status, 415, type);
      assert.match(((await res.json()) as { error: string }).error, /must be application\/json/);
    }
    const json = await fetch(`http://127.0.0.1:${port}/api/chargepoints`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":"CP1","url":"ws://127.0.0.1:1/"}' });
    assert.equal(json.status, 201);
    const noBody = await fetch(`http://127.0.0.1:${port}/api/chargepoints/CP1/disconnect`, { method: 'POST' });
    assert.equal(noBody.status, 200, 'a POST without a body needs no content type');
  });
});

describe('--no-token', () => {
  test('on loopback: scripts run without a token, and one line says what that opens', async (t) => {
    const server = await startServerMode(await freePortPair(), ['--no-token'], { OCPP_SIM_TOKEN: 'ignored' });
    t.after(() => server.stop());
    assert.equal(server.token, undefined);
    assert.match(server.output(), /^WARNING: --no-token: anyone on this machine can run code as \S+ through the script console of http:\/\/127\.0\.0\.1:\d+\/$/m);
    assert.doesNotMatch(server.output(), /token=/);
    const post = (path: string, body: unknown) => fetch(server.ui + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/api/chargepoints', { id: 'CP1', url: 'ws://127.0.0.1:1/' })).status, 201);
    const res = await post('/api/chargepoints/CP1/script', { code: 'return 6 * 7' });
    assert.deepEqual(await res.json(), { output: [], result: 42 });
    assert.equal(((await (await fetch(`${server.ui}/api/info`)).json()) as { scriptsNeedToken: boolean }).scriptsNeedToken, false);
  });

  test('on a non-loopback BIND, with --token, or outside server mode: a usage error', async () => {
    const bind = await runCli(['--no-token'], { env: { BIND: '0.0.0.0', PORT: String(await freePortPair()) } });
    assert.equal(bind.code, 2);
    assert.match(bind.stderr, /^error: --no-token is for loopback addresses only: on BIND=0\.0\.0\.0 anyone who reaches it could run code as you$/m);
    const both = await runCli(['--no-token', '--token', 'x']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--no-token and --token exclude each other/);
    const csms = await runCli(['--csms', '--no-token']);
    assert.equal(csms.code, 2);
    assert.match(csms.stderr, /--no-token belongs to server mode/);
  });
});
