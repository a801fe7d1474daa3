/**
 * Hostile peers on real sockets (127.0.0.1), with frames written by hand on TCP: the mock CSMS
 * against a hostile charge point, and a charge point against a hostile central system. Every
 * attack ends with the attacker's connection closed (with the RFC 6455 code where there is one),
 * one warning line, the process alive, a well-behaved charge point beside it still getting its
 * round trips, and memory back near where it started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import { HANDSHAKE_TIMEOUT_MS } from '../src/transport/server';
import { startBridge } from '../src/web/bridge';
import { Registry } from '../src/web/registry';
import { encodeFrame, rawClient, rawServer, readHead, tcp, type FrameSpec, type RawEnd, type RawServer } from './raw-websocket';
import { freePort, ROOT, waitUntil } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Memory held after full collections, in MiB: the JS heap and the buffers (frames, socket data) outside it. */
function heldMiB(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
}

/**
 * What the attacks may leave behind after a warm-up (1 to 2 MiB seen). Less than their traces:
 * the 2,000 replaced connections, kept, would hold about 14 MiB; a flood's 50,000 parsed CALLs about 9.
 */
const SLACK_MIB = 4;
const FLOOD = 50_000;
const OVERSIZED = 17 * 2 ** 20;

/** The frame attacks, for a peer that must (client) or must not (server) mask. */
function malformedFrames(client: boolean): { name: string; frame: Buffer; code: number; reason: RegExp }[] {
  const masked = client;
  const f = (spec: Omit<FrameSpec, 'masked'> & { masked?: boolean }): Buffer => encodeFrame({ masked, ...spec });
  return [
    { name: 'invalid UTF-8 in a text frame', frame: f({ payload: Buffer.from([0x5b, 0xc3, 0x28, 0x5d]) }), code: 1007, reason: /invalid UTF-8 sequence.*closed with 1007/ },
    { name: 'a reserved opcode', frame: f({ opcode: 0x3, payload: '[]' }), code: 1002, reason: /invalid opcode 3.*closed with 1002/ },
    client
      ? { name: 'an unmasked client frame', frame: f({ masked: false, payload: '[]' }), code: 1002, reason: /MASK must be set.*closed with 1002/ }
      : { name: 'a masked server frame', frame: f({ masked: true, payload: '[]' }), code: 1002, reason: /MASK must be clear.*closed with 1002/ },
    { name: 'a 17 MiB frame announced in the header', frame: f({ announcedLength: OVERSIZED }), code: 1009, reason: /Max payload size exceeded.*closed with 1009/ },
    { name: 'RSV1 without a negotiated extension', frame: f({ rsv1: true, payload: '[]' }), code: 1002, reason: /RSV1 must be clear.*closed with 1002/ },
  ];
}

/** Number of CALLRESULTs by message id among `texts`. */
function resultsById(texts: string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const t of texts) {
    const [type, id] = JSON.parse(t) as [number, string];
    if (type === 3) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

/** `count` CALLs in one buffer, pipelined (ids `${prefix}0`…). */
function callFlood(count: number, prefix: string, action: string, masked: boolean): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => encodeFrame({ payload: JSON.stringify([2, `${prefix}${i}`, action, {}]), masked })));
}

/** Pipeline `count` CALLs on `end` in one write; resolves with the CALLRESULTs by message id once `count` frames came back. */
async function flood(end: RawEnd, count: number, action: string, masked: boolean): Promise<Map<string, number>> {
  const before = end.texts.length;
  const done = new Promise<void>((resolve) => (end.onText = () => end.texts.length === before + count && resolve()));
  end.socket.write(callFlood(count, 'f', action, masked));
  await done;
  return resultsById(end.texts.slice(before));
}

/** {@link FLOOD} CALLs on `end` while `good` makes a round trip: each answered once, with a CALLRESULT. */
async function floodBeside(t: TestContext, end: RawEnd, action: string, masked: boolean, good: Chargepoint): Promise<void> {
  const t0 = Date.now();
  const answered = flood(end, FLOOD, action, masked);
  const during = await roundTrip(good);
  const results = await answered;
  t.diagnostic(`${FLOOD} ${action} CALLs answered in ${Date.now() - t0} ms; the well-behaved charge point's round trip during the flood: ${during} ms`);
  assert.equal(results.size, FLOOD);
  assert.ok([...results.values()].every((n) => n === 1));
}

/** A hand-made charge point whose boot was answered. */
async function bootedAttacker(port: number, id: string): Promise<RawEnd> {
  const attacker = await rawClient(port, `/${id}`);
  attacker.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'X', chargePointModel: 'Y' }]));
  await waitUntil('boot answered', () => attacker.texts.length === 1);
  return attacker;
}

/** Open `count` connections with one id, 25 at a time; resolves with them once all but the newest were replaced. */
async function sameIdStorm(port: number, id: string, count: number): Promise<RawEnd[]> {
  const attackers: RawEnd[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started++ < count) attackers.push(await rawClient(port, `/${id}`));
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  await waitUntil('all but one replaced', () => attackers.filter((a) => a.socket.readyState !== 'open').length === count - 1, 20_000);
  return attackers;
}

/** The well-behaved charge point's Heartbeat round trip in ms (it must be answered). */
async function roundTrip(good: Chargepoint): Promise<number> {
  const t0 = Date.now();
  assert.ok((await good.sendHeartbeat()).currentTime);
  return Date.now() - t0;
}

function reportMemory(t: TestContext, baseline: number): void {
  const now = heldMiB();
  t.diagnostic(`held after gc (heap + buffers): baseline ${baseline.toFixed(1)} MiB, now ${now.toFixed(1)} MiB; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(now < baseline + SLACK_MIB, `${now.toFixed(1)} MiB held did not return near the baseline of ${baseline.toFixed(1)} MiB`);
}

describe('the mock CSMS against hostile charge points', () => {
  let csms: MockCsms;
  let good: Chargepoint;
  let baseline: number;
  const warnings: string[] = [];
  const refused: string[] = [];
  let slowloris: Promise<{ head: string; ms: number }>;

  before(async () => {
    csms = new MockCsms({ port: 0, heartbeatInterval: 3600 });
    csms.on('warning', (s: { id: string }, line: string) => warnings.push(`${s.id}: ${line}`));
    csms.on('refused', (_id: string, line: string) => refused.push(line));
    await csms.listen();
    good = await connect(`${csms.url}GOOD`, undefined, undefined, { boot: 'auto' });
    await roundTrip(good);
    // Warm-up, so the baseline includes what the first run of each code path keeps (compiled code, pools).
    for (const a of await sameIdStorm(csms.port, 'WARM', 50)) a.socket.destroy();
    const warm = await bootedAttacker(csms.port, 'WARM-FLOOD');
    await flood(warm, 2000, 'Heartbeat', true);
    warm.socket.destroy();
    await waitUntil('warm-up gone', () => csms.stations.size === 1);
    baseline = heldMiB();
    // Runs beside every other attack: headers dribbled a byte every 300 ms, never finished.
    slowloris = (async () => {
      const socket = await tcp(csms.port);
      const t0 = Date.now();
      const request = Buffer.from('GET /SLOW HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ' + 'a'.repeat(200));
      let i = 0;
      const drip = setInterval(() => i < request.length && socket.write(request.subarray(i, ++i)), 300);
      try {
        const { head } = await readHead(socket);
        await new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve)));
        return { head, ms: Date.now() - t0 };
      } finally {
        clearInterval(drip);
      }
    })();
    slowloris.catch(() => undefined); // its test reports a failure; none of the others should

  });
  after(async () => {
    await good?.close();
    await csms?.close();
  });

  for (const attack of malformedFrames(true)) {
    test(`${attack.name}: closed with ${attack.code}, one warning, the others carry on`, async () => {
      const id = `EVIL-${attack.code}-${attack.name.length}`;
      const attacker = await rawClient(csms.port, `/${id}`);
      attacker.socket.write(attack.frame);
      assert.equal(await attacker.closeCode, attack.code);
      await attacker.closed;
      await waitUntil('the warning', () => warnings.some((w) => w.startsWith(`${id}:`)));
      const lines = warnings.filter((w) => w.startsWith(`${id}:`));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, attack.reason);
      await roundTrip(good);
    });
  }

  test('garbage instead of an upgrade, and a request cut off halfway: HTTP 400 or nothing, one line at most', async () => {
    const garbage = await tcp(csms.port);
    garbage.write('\x16\x03\x01\x02\x00 this is no HTTP\r\n\r\n');
    const { head } = await readHead(garbage);
    assert.match(head, /^HTTP\/1\.1 400 /);
    const cut = await tcp(csms.port);
    cut.write('GET /CUT HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr');
    cut.resetAndDestroy();
    await waitUntil('the malformed-request line', () => refused.some((r) => r.includes('malformed HTTP request')));
    await roundTrip(good);
  });

  test('actions a plain object inherits (__proto__, constructor, toString) are unknown: NotImplemented', async () => {
    const attacker = await bootedAttacker(csms.port, 'PROTO');
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    for (const [i, name] of names.entries()) attacker.send(JSON.stringify([2, `p${i}`, name, {}]));
    await waitUntil('the answers', () => attacker.texts.length === 1 + names.length);
    assert.deepEqual(
      attacker.texts.slice(1).map((t) => (JSON.parse(t) as unknown[]).slice(0, 4)),
      names.map((name, i) => [4, `p${i}`, 'NotImplemented', `unknown action ${name}`]),
    );
    attacker.socket.destroy();
  });

  test('2,000 connections with one id: the newest replaces the others, nothing piles up', async () => {
    const attackers = await sameIdStorm(csms.port, 'DUP', 2000);
    assert.deepEqual(csms.chargePointIds.sort(), ['DUP', 'GOOD']);
    assert.equal(csms.stations.get('DUP')?.ws.readyState, 1);
    await roundTrip(good);
    for (const a of attackers) a.socket.destroy();
    await waitUntil('the last one gone', () => !csms.stations.has('DUP'));
  });

  test(`a flood of ${FLOOD.toLocaleString('en')} pipelined CALLs: every one answered once, the well-behaved charge point's round trip goes on`, async (t) => {
    const attacker = await bootedAttacker(csms.port, 'FLOOD');
    await floodBeside(t, attacker, 'Heartbeat', true, good);
    attacker.socket.destroy();
    await attacker.closed;
    await roundTrip(good);
  });

  test('a peer that floods and never reads is dropped once 8 MiB wait for it, with one warning', async () => {
    const attacker = await rawClient(csms.port, '/SLOTH');
    attacker.socket.pause();
    // Each answer is a CALLERROR naming the unknown action: ~300 bytes owed per CALL.
    const action = `No${'x'.repeat(200)}`;
    attacker.socket.write(callFlood(FLOOD, 'i'.repeat(30), action, true));
    await waitUntil('the warning', () => warnings.some((w) => w.startsWith('SLOTH:')), 20_000);
    assert.deepEqual(warnings.filter((w) => w.startsWith('SLOTH:')), ['SLOTH: peer does not read: over 8 MiB of frames waiting for it; connection dropped']);
    await waitUntil('dropped', () => !csms.stations.has('SLOTH'));
    attacker.socket.destroy();
    await roundTrip(good);
  });

  test('a slowloris upgrade is answered 408 and let go after the handshake timeout; memory is back near its baseline', async (t) => {
    const { head, ms } = await slowloris;
    t.diagnostic(`slowloris let go after ${ms} ms`);
    assert.match(head, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= HANDSHAKE_TIMEOUT_MS - 1000 && ms < HANDSHAKE_TIMEOUT_MS + 5000, `${ms} ms`);
    assert.equal(refused.filter((r) => r.includes('did not complete its request in time (HTTP 408)')).length, 1);
    await roundTrip(good);
    reportMemory(t, baseline);
  });
});

test('the CLI mock CSMS (--csms) survives a malformed frame and an invalid id, with one log line each', async (t) => {
  const port = await freePort();
  const state = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-hostile-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), '--csms', '--port', String(port), '--no-http'], {
    cwd: ROOT,
    env: { ...process.env, DEBUG: '', XDG_STATE_HOME: state },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  t.after(async () => {
    child.kill('SIGINT');
    await exited;
    await rm(state, { recursive: true, force: true });
  });
  await waitUntil('the CSMS to listen', () => out.includes('listening on'), 10_000);
  const attacker = await rawClient(port, '/EVIL');
  attacker.socket.write(encodeFrame({ payload: Buffer.from([0xc3, 0x28]), masked: true }));
  assert.equal(await attacker.closeCode, 1007);
  await assert.rejects(rawClient(port, '/..%2Fetc'), /upgrade refused: HTTP\/1\.1 404/);
  const cp = await connect(`ws://127.0.0.1:${port}/GOOD`, undefined, undefined, { boot: 'auto' });
  await roundTrip(cp);
  await cp.close();
  assert.equal(child.exitCode, null, out);
  const lines = out.split('\n');
  assert.equal(lines.filter((l) => l.includes('csms: EVIL: peer broke the WebSocket protocol (Invalid WebSocket frame: invalid UTF-8 sequence): closed with 1007')).length, 1, out);
  assert.equal(lines.filter((l) => l.includes('csms: refused charge point id "../etc" has characters outside')).length, 1, out);
});

describe('the web bridge against a hostile tab', () => {
  test('a malformed frame closes that tab with 1007; the bridge keeps serving the others', async (t) => {
    const bridge = await startBridge(new Registry(), { token: 'unused', required: false, uiPort: 1 }, 0, '127.0.0.1');
    t.after(() => bridge.close());
    const port = (bridge.server.address() as AddressInfo).port;
    const tab = await rawClient(port, '/');
    tab.socket.write(encodeFrame({ payload: Buffer.from([0xc3, 0x28]), masked: true }));
    assert.equal(await tab.closeCode, 1007);
    const other = await rawClient(port, '/');
    await waitUntil('hello', () => other.texts.length === 1);
    assert.equal((JSON.parse(other.texts[0]!) as { type: string }).type, 'hello');
    other.socket.destroy();
  });
});

describe('a charge point against a hostile central system', () => {
  let csms: MockCsms;
  let good: Chargepoint;
  let hostile: RawServer;
  let silent: RawServer;
  let baseline: number;
  let stalled: Promise<{ error: Error; ms: number }>;
  const victims: Chargepoint[] = [];

  /** A charge point connected to the hostile server, its warnings, and the server's end. */
  async function victim(id: string): Promise<{ cp: Chargepoint; warnings: string[]; end: RawEnd }> {
    const next = hostile.next();
    const cp = await connect(`${hostile.url}${id}`, undefined, undefined, { backoff: { minMs: 60_000 } });
    victims.push(cp);
    const warnings: string[] = [];
    cp.on('warning', (w: string) => warnings.push(w));
    return { cp, warnings, end: await next };
  }

  before(async () => {
    csms = new MockCsms({ port: 0, heartbeatInterval: 3600 });
    await csms.listen();
    good = await connect(`${csms.url}GOOD`, undefined, undefined, { boot: 'auto' });
    hostile = await rawServer();
    silent = await rawServer(false);
    await roundTrip(good);
    // Warm-up, so the baseline includes what the first run of each code path keeps.
    const warm = await victim('CP-WARM');
    await flood(warm.end, 2000, 'GetLocalListVersion', false);
    await warm.cp.close();
    victims.length = 0;
    baseline = heldMiB();
    // Runs beside every other attack: a server that never answers the upgrade.
    const t0 = Date.now();
    stalled = connect(`${silent.url}STALLED`, undefined, undefined, { backoff: { minMs: 60_000 } }).then(
      () => assert.fail('must not connect'),
      (error: Error) => ({ error, ms: Date.now() - t0 }),
    );
  });
  after(async () => {
    for (const cp of victims) await cp.close();
    await good?.close();
    await Promise.all([csms?.close(), hostile?.close(), silent?.close()]);
  });

  for (const attack of malformedFrames(false)) {
    test(`${attack.name}: the charge point closes with ${attack.code} and warns once`, async () => {
      const { cp, warnings, end } = await victim(`CP-${attack.code}`);
      end.socket.write(attack.frame);
      assert.equal(await end.closeCode, attack.code);
      await waitUntil('closed', () => !cp.connected);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, attack.reason);
      end.socket.destroy();
      await roundTrip(good);
    });
  }

  test(`a flood of ${FLOOD.toLocaleString('en')} pipelined CALLs: every one answered once, the well-behaved charge point's round trip goes on`, async (t) => {
    const { end } = await victim('CP-FLOOD');
    await floodBeside(t, end, 'GetLocalListVersion', false, good);
    end.texts.length = 0;
  });

  test('a central system that floods and never reads is dropped once 8 MiB wait for it, with one warning', async () => {
    const { cp, warnings, end } = await victim('CP-SLOTH');
    end.socket.pause();
    // GetConfiguration without keys: every answer lists the whole configuration (kilobytes each).
    end.socket.write(callFlood(FLOOD, 'c', 'GetConfiguration', false));
    await waitUntil('dropped', () => !cp.connected, 20_000);
    assert.deepEqual(warnings, ['peer does not read: over 8 MiB of frames waiting for it; connection dropped']);
    end.socket.destroy();
    await roundTrip(good);
  });

  test('a server that never answers the upgrade is given up after the handshake timeout; memory is back near its baseline', async (t) => {
    const { error, ms } = await stalled;
    t.diagnostic(`gave up after ${ms} ms: ${error.message}`);
    assert.match(error.message, /timeout|timed out/i);
    await roundTrip(good);
    for (const cp of victims.splice(0)) await cp.close();
    reportMemory(t, baseline);
  });
});
