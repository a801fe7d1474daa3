/**
 * Console scripts run in a thread per charge point with a time limit (issue 12.3): an endless loop
 * is stopped and never stops the server; handlers, properties and errors cross the thread
 * boundary. Real CLI and real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { startWebServer, type WebServer } from '../src/web/server';
import { freePortPair, startServerMode, waitUntil, type ServerMode } from './helpers';

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

describe('the CLI with --script-timeout 2', () => {
  let server: ServerMode;
  const script = (code: string, headers: Record<string, string> = { authorization: `Bearer ${server.token}` }): Promise<Answer> =>
    call(server.ui, 'POST', '/api/chargepoints/CP001/script', { code }, headers);

  before(async () => {
    server = await startServerMode(await freePortPair(), ['--script-timeout', '2']);
    assert.equal((await call(server.ui, 'POST', '/api/chargepoints', { id: 'CP001', url: 'ws://127.0.0.1:1/' })).status, 201);
  });
  after(() => server.stop());

  test('the printed URL carries the token, and a script without it is refused on loopback too', async () => {
    assert.match(server.output(), new RegExp(`^ {2}open ${server.ui}/\\?token=[\\w-]{24} `, 'm'));
    const none = await script('return 1', {});
    assert.equal(none.status, 401);
    assert.match(none.body.error, /running scripts needs the token: open the URL ocpp-sim printed at start/);
    assert.equal((await script('return 1', { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await script('return 1', { authorization: `bearer ${server.token}` })).body.result, 1, 'the auth scheme is case-insensitive');
    assert.equal((await script('return 1', { authorization: `BEARER   ${server.token}` })).body.result, 1);
    assert.equal((await call(server.ui, 'GET', `/api/info?token=${server.token}`)).body.scriptTimeoutS, 2);
    assert.equal((await call(server.ui, 'GET', '/api/chargepoints/CP001')).status, 200, 'reading stays open on loopback');
  });

  test('while (true) {} is stopped after 2 s and /api/info answers every 200 ms meanwhile', async () => {
    const started = Date.now();
    let running = true;
    const polls: number[] = [];
    const poller = (async () => {
      while (running) {
        const t0 = Date.now();
        assert.equal((await call(server.ui, 'GET', '/api/info')).status, 200);
        polls.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const r = await script("console.log('looping');\nwhile (true) {}");
    const took = Date.now() - started;
    running = false;
    await poller;
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'console script stopped after 2 s (the time limit, --script-timeout), with the handlers its thread held', output: ['looping'], stopped: true });
    assert.ok(took >= 2000 && took < 6000, `answered after ${took} ms`);
    assert.ok(polls.length >= 5, `${polls.length} polls during the loop`);
    assert.ok(Math.max(...polls) < 1000, `slowest /api/info: ${Math.max(...polls)} ms`);
    assert.equal((await script('return cp.id')).body.result, 'CP001', 'a new thread for the next script');
  });

  test('SIGTERM ends the server while a script loops', async () => {
    const looping = script("console.log('looping again');\nwhile (true) {}").catch(() => undefined);
    await waitUntil('the loop to start', async () => (await call(server.ui, 'GET', '/api/chargepoints/CP001/logs')).body.some((l: { text: string }) => l.text === 'looping again'));
    const t0 = Date.now();
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms`);
    await looping;
  });
});

describe('what crosses the thread boundary', () => {
  let csms: MockCsms;
  let web: WebServer;
  let base: string;
  const script = (id: string, code: string): Promise<Answer> => call(base, 'POST', `/api/chargepoints/${id}/script`, { code }, { authorization: `Bearer ${web.token}` });

  before(async () => {
    csms = new MockCsms({ port: 0 });
    await csms.listen();
    const port = await freePortPair();
    web = await startWebServer({ port, bind: '127.0.0.1', csms, scriptTimeoutMs: 2000 });
    base = `http://127.0.0.1:${port}`;
    for (const id of ['CP101', 'CP102']) assert.equal((await call(base, 'POST', '/api/chargepoints', { id, url: csms.url, connect: true })).status, 201);
  });
  after(async () => {
    await web.close();
    await csms.close();
  });

  test('a handler registered by a script answers the CSMS from the thread, after the script ended', async () => {
    const r = await script('CP101', "cp.answerReset(async (req) => {\n  cp.sendResponse(req.uniqueId, { status: 'Rejected' });\n  console.log('reset', req.payload.type, typeof cp.connected);\n});");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(await csms.call('CP101', 'Reset', { type: 'Soft' }), { status: 'Rejected' });
    await waitUntil('the handler output', async () => (await call(base, 'GET', '/api/chargepoints/CP101/logs')).body.some((l: { text: string }) => l.text === 'reset Soft boolean'));
  });

  test('properties read and write the live charge point; results come back as JSON', async () => {
    const r = await script('CP101', 'cp.automation.heartbeat = false;\ncp.note = { by: "script" };\nreturn [cp.id, cp.connected, cp.station.connectors.length, Object.keys(cp.automation).includes("heartbeat"), cp.note, cp];');
    assert.deepEqual(r.body, { output: [], result: ['CP101', true, 2, true, { by: 'script' }, 'Chargepoint CP101'] });
    assert.equal((await call(base, 'GET', '/api/chargepoints/CP101')).body.automation.heartbeat, false);
    assert.deepEqual((await script('CP101', 'return cp.note')).body.result, { by: 'script' }, 'the charge point keeps what scripts store on it');
  });

  test('a failing call points at its line; what cannot cross is one clear line; require is there as in batch scripts', async () => {
    const failed = await script('CP101', "const a = 1;\n  await cp.call('NoSuchAction', {});");
    assert.match(failed.body.error, /^console\.js:2:12: OcppCallError: NoSuchAction refused by peer with CALLERROR NotImplemented/);
    const promise = await script('CP101', 'cp.stash = Promise.resolve(1);');
    assert.match(promise.body.error, /^console\.js:1:\d+: TypeError: a Promise cannot be passed to the server: await it first$/);
    assert.equal((await script('CP101', "return typeof require('node:os').hostname()")).body.result, 'string');
  });

  test('each charge point has its own thread: a loop in one does not hold up another', async () => {
    const looping = script('CP101', 'while (true) {}');
    const other = await script('CP102', 'const hb = await cp.sendHeartbeat();\nreturn typeof hb.currentTime;');
    assert.deepEqual(other.body, { output: [], result: 'string' });
    assert.equal((await looping).body.stopped, true);
  });

  test('a handler of a stopped thread is answered InternalError, with one warning; process.exit ends only the thread', async () => {
    assert.equal((await script('CP102', "cp.answerReset(() => ({ status: 'Accepted' }));\nreturn 1")).status, 200);
    assert.equal((await script('CP102', 'await new Promise(() => setTimeout(() => {}, 60_000))')).body.stopped, true);
    await assert.rejects(csms.call('CP102', 'Reset', { type: 'Hard' }), /InternalError/);
    const logs = (await call(base, 'GET', '/api/chargepoints/CP102/logs')).body.map((l: { text: string }) => l.text);
    assert.ok(logs.some((t: string) => /a handler of a stopped console script was called/.test(t)), logs.join('\n'));
    const exit = await script('CP102', 'process.exit(3)');
    assert.deepEqual(exit.body, { error: 'console script stopped: its thread ended (process.exit?)', output: [], stopped: true });
    assert.equal((await script('CP102', 'return cp.id')).body.result, 'CP102');
  });

  test('a script that allocates without end is stopped at the thread heap limit, not the server', async () => {
    // A server of its own with a time limit far beyond the heap's: on a loaded machine the last
    // garbage collections before the limit take seconds, and the 2 s limit above would fire first.
    const port = await freePortPair();
    const roomy = await startWebServer({ port, bind: '127.0.0.1', csms, scriptTimeoutMs: 120_000 });
    try {
      const roomyBase = `http://127.0.0.1:${port}`;
      const run = (code: string): Promise<Answer> => call(roomyBase, 'POST', '/api/chargepoints/CP103/script', { code }, { authorization: `Bearer ${roomy.token}` });
      assert.equal((await call(roomyBase, 'POST', '/api/chargepoints', { id: 'CP103', url: csms.url, connect: true })).status, 201);
      const r = await run('const a = [];\nwhile (true) a.push(new Array(1e5).fill(Math.random()));');
      assert.deepEqual(r.body, { error: 'console script stopped: it used more than 256 MB', output: [], stopped: true });
      assert.equal((await run('return cp.connected')).body.result, true);
    } finally {
      await roomy.close();
    }
  });
});
