/**
 * Mock CSMS edges (issue 14.8), through the real CLI on real sockets: which order rule answers a
 * StatusNotification before any boot, one counter for every reservation id and a default
 * CancelReservation that cancels the station's last reservation (whichever path made it),
 * `--rate-limit N/S`, `exit` / `quit` on the operator console, and the stderr lines for a
 * connecting charge point and a periodic round.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect, connectMany } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import type { OcppError } from '../src/ocpp/errors';
import { startWebServer } from '../src/web/server';
import { freePort, freePortPair, pause, postJson, rawChargePoint, runCli, startCli, until, type CliProcess } from './helpers';

const now = (): string => new Date().toISOString();
const BOOT_16 = { chargePointVendor: 'ocpp-sim', chargePointModel: 'edges' };
const BOOT_201 = { reason: 'PowerUp', chargingStation: { vendorName: 'ocpp-sim', model: 'edges' } };
const STATUS = {
  'ocpp1.6': { connectorId: 1, errorCode: 'NoError', status: 'Available' },
  'ocpp2.0.1': { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 },
} as const;
const BOOT = { 'ocpp1.6': BOOT_16, 'ocpp2.0.1': BOOT_201 } as const;

/** A standalone mock CSMS on a free port (no records kept), started and listening. */
async function csmsCli(args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): Promise<{ cli: CliProcess; port: number; url: string }> {
  const port = await freePort();
  const cli = startCli(['--csms', '--no-state', '--port', String(port), ...args], {}, stdin);
  await until(() => cli.out().includes('listening'), `the CSMS (${cli.out()})`);
  return { cli, port, url: `ws://127.0.0.1:${port}/` };
}

/** `[4, id, code, description, details]` → `code: description`; a CALLRESULT → `result`. */
const outcome = (frame: unknown[]): string => (frame[0] === 3 ? 'result' : `${String(frame[2])}: ${String(frame[3])}`);

test('StatusNotification before any boot: SecurityError by default, GenericError "boot first" with --no-require-accepted, answered with --lenient (both versions)', { timeout: 40_000 }, async () => {
  const strict = await csmsCli(['--no-http']);
  const trustOff = await csmsCli(['--no-http', '--no-require-accepted']);
  const lenient = await csmsCli(['--no-http', '--lenient']);
  try {
    for (const protocol of ['ocpp1.6', 'ocpp2.0.1'] as const) {
      const a = await rawChargePoint(`${strict.url}S-${protocol}`, [protocol]);
      assert.match(outcome(await a.call('1', 'StatusNotification', STATUS[protocol])), /^SecurityError: StatusNotification refused: no BootNotification was accepted yet/, protocol);
      await a.close();

      const b = await rawChargePoint(`${trustOff.url}T-${protocol}`, [protocol]);
      assert.equal(outcome(await b.call('1', 'Heartbeat', {})), 'result', `${protocol}: the trust rule is off`);
      assert.match(outcome(await b.call('2', 'StatusNotification', STATUS[protocol])), /^GenericError: StatusNotification before any BootNotification: boot first/, protocol);
      assert.equal(outcome(await b.call('3', 'BootNotification', BOOT[protocol])), 'result');
      assert.equal(outcome(await b.call('4', 'StatusNotification', STATUS[protocol])), 'result', `${protocol}: after the boot`);
      await b.close();

      const c = await rawChargePoint(`${lenient.url}L-${protocol}`, [protocol]);
      assert.equal(outcome(await c.call('1', 'StatusNotification', STATUS[protocol])), 'result', `${protocol}: no order checks`);
      await c.close();
    }
  } finally {
    await Promise.all([strict.cli.stop(), trustOff.cli.stop(), lenient.cli.stop()]);
  }
});

/** A strict 1.6 ocpp-rpc charge point that keeps a table of the reservations it accepted. */
async function reservingClient(port: number, identity: string): Promise<{ c: RPCClient; reserved: number[]; cancelled: number[]; refusedCancels: number[]; failures: unknown[] }> {
  const c = new RPCClient({ endpoint: `ws://127.0.0.1:${port}`, identity, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 5000 } as never);
  const reserved: number[] = [];
  const cancelled: number[] = [];
  const refusedCancels: number[] = [];
  const failures: unknown[] = [];
  const open = new Set<number>();
  c.on('strictValidationFailure', (e: unknown) => failures.push(e));
  c.handle('ReserveNow', (({ params }: { params: { reservationId: number } }) => {
    reserved.push(params.reservationId);
    open.add(params.reservationId);
    return { status: 'Accepted' };
  }) as never);
  c.handle('CancelReservation', (({ params }: { params: { reservationId: number } }) => {
    if (!open.delete(params.reservationId)) {
      refusedCancels.push(params.reservationId);
      return { status: 'Rejected' };
    }
    cancelled.push(params.reservationId);
    return { status: 'Accepted' };
  }) as never);
  await c.connect();
  await c.call('BootNotification', BOOT_16);
  await c.call('StatusNotification', STATUS['ocpp1.6']);
  return { c, reserved, cancelled, refusedCancels, failures };
}

test('reservation ids: /reserve and /command ReserveNow never collide; the default CancelReservation cancels the last one (409 before any)', { timeout: 30_000 }, async () => {
  const httpPort = await freePort();
  const { cli, port } = await csmsCli(['--http-port', String(httpPort)]);
  const api = `http://127.0.0.1:${httpPort}`;
  const cp = await reservingClient(port, 'RES16');
  try {
    const none = await postJson(`${api}/command/RES16/CancelReservation`);
    assert.equal(none.status, 409, 'no reservation yet: nothing to cancel');
    const viaReserve = await postJson(`${api}/reserve/RES16`);
    assert.equal(viaReserve.body.status, 'Accepted');
    assert.equal((await postJson(`${api}/command/RES16/ReserveNow`)).body.status, 'Accepted');
    assert.equal((await postJson(`${api}/reserve/RES16`)).body.status, 'Accepted');
    assert.equal((await postJson(`${api}/command/RES16/ReserveNow`)).body.status, 'Accepted');
    assert.equal(cp.reserved[0], viaReserve.body.reservationId);
    assert.equal(new Set(cp.reserved).size, 4, `distinct ids: ${cp.reserved.join(', ')}`);
    assert.deepEqual((await postJson(`${api}/command/RES16/CancelReservation`)).body, { status: 'Accepted' });
    assert.deepEqual(cp.cancelled, [cp.reserved[3]], 'the last reservation made');
    assert.deepEqual(cp.failures, []);
  } finally {
    await cp.c.close({ force: true });
    await cli.stop();
  }
});

test('periodic ReserveNow and CancelReservation: every id fresh, every cancel names a reservation the station holds', { timeout: 30_000 }, async () => {
  const { cli, port } = await csmsCli(['--no-http', '--commands', 'ReserveNow:0.4,CancelReservation:0.4']);
  const cp = await reservingClient(port, 'PER16');
  try {
    await until(() => cp.cancelled.length >= 3, `three cancels (${cli.out()})`);
    assert.equal(new Set(cp.reserved).size, cp.reserved.length, `distinct ids: ${cp.reserved.join(', ')}`);
    assert.deepEqual(cp.refusedCancels, [], 'no cancel of a reservation the station does not hold');
    assert.ok(cp.cancelled.every((id) => cp.reserved.includes(id)));
    assert.deepEqual(cp.failures, []);
  } finally {
    await cp.c.close({ force: true });
    await cli.stop();
  }
});

test('a ReserveNow from the web UI\'s generic action (no Operator) is what the default CancelReservation cancels, 1.6 and 2.0.1', { timeout: 30_000 }, async (t) => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const root = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-edges-web-'));
  const port = await freePortPair();
  const web = await startWebServer({ port, bind: '127.0.0.1', csms, root });
  const cp = await connect(`${csms.url}UI16`);
  const station = await connect(`${csms.url}UI201`, 'UI201', undefined, { protocol: 'ocpp2.0.1' });
  t.after(async () => {
    await cp.close();
    await station.close();
    await web.close();
    await csms.close();
    await rm(root, { recursive: true, force: true });
  });
  await cp.sendBootnotification(BOOT_16);
  await station.boot();
  const api = `http://127.0.0.1:${port}/api/csms`;
  const expiry = new Date(Date.now() + 3_600_000).toISOString();
  const requests = {
    UI16: { connectorId: 1, expiryDate: expiry, idTag: 'valid_token', reservationId: 4711 },
    UI201: { id: 4712, expiryDateTime: expiry, idToken: { idToken: 'valid_token', type: 'Central' }, evseId: 1 },
  };
  for (const [id, payload] of Object.entries(requests)) {
    assert.deepEqual((await postJson(`${api}/${id}/actions/ReserveNow`, { payload })).body, { response: { status: 'Accepted' } }, id);
    const res = await fetch(`${api}/${id}/defaults/CancelReservation`);
    const body = (await res.json()) as { action: string; payload: { reservationId: number } };
    assert.equal(body.payload.reservationId, 'reservationId' in payload ? payload.reservationId : payload.id, id);
    assert.deepEqual((await postJson(`${api}/${id}/actions/CancelReservation`, { payload: body.payload })).body, { response: { status: 'Accepted' } }, id);
  }
});

test('--rate-limit N/S: N Authorize per S seconds per charge point accepted, the rest throttled (1.6 GenericError with retryAfter, 2.0.1 NotAtThisTime); without it every Authorize is', { timeout: 40_000 }, async (t) => {
  const budget = await csmsCli(['--no-http', '--auth-mode', 'rate_limit', '--rate-limit', '2/60']);
  const slide = await csmsCli(['--no-http', '--auth-mode', 'rate_limit', '--rate-limit', '1/2']);
  const seed = await csmsCli(['--no-http', '--auth-mode', 'rate_limit']);
  const open: { close(): Promise<unknown> }[] = [];
  t.after(async () => {
    for (const s of open) await s.close();
    await Promise.all([budget.cli.stop(), slide.cli.stop(), seed.cli.stop()]);
  });
  assert.match(budget.cli.out(), /Authorize: rate_limit \(2 per 60 s per charge point, the rest throttled\)/);
  const cp16 = async (url: string, id: string): Promise<Chargepoint> => {
    const cp = await connect(`${url}${id}`);
    open.push(cp);
    assert.equal((await cp.sendBootnotification(BOOT_16)).status, 'Accepted');
    return cp;
  };
  const authorize16 = (cp: Chargepoint): Promise<string> =>
    cp.sendAuthorize({ idTag: 'valid_token' }).then(
      (r) => r.idTagInfo.status,
      (err: OcppError) => `${err.code} retryAfter=${String((err.details as { retryAfter?: number }).retryAfter)}`,
    );

  // 1.6: two accepted, the third throttled with the wait until a slot frees; another station has its own budget.
  const a = await cp16(budget.url, 'RL16A');
  assert.equal(await authorize16(a), 'Accepted');
  assert.equal(await authorize16(a), 'Accepted');
  const third = await authorize16(a);
  const wait = Number(/^GenericError retryAfter=(\d+)$/.exec(third)?.[1]);
  assert.ok(wait >= 1 && wait <= 60, third);
  assert.equal(await authorize16(await cp16(budget.url, 'RL16B')), 'Accepted', 'per charge point');

  // 2.0.1: the same budget, throttled as NotAtThisTime.
  const st = await connect(`${budget.url}RL201`, 'RL201', undefined, { protocol: 'ocpp2.0.1' });
  open.push(st);
  await st.boot();
  const authorize201 = async (): Promise<string> => ((await st.call('Authorize', { idToken: { idToken: 'valid_token', type: 'ISO14443' } })) as { idTokenInfo: { status: string } }).idTokenInfo.status;
  assert.deepEqual([await authorize201(), await authorize201(), await authorize201()], ['Accepted', 'Accepted', 'NotAtThisTime']);

  // The window slides: 1 per 2 s; after the wait the CALLERROR names, accepted again.
  const s = await cp16(slide.url, 'SLIDE');
  assert.equal(await authorize16(s), 'Accepted');
  const refused = await authorize16(s);
  assert.match(refused, /^GenericError retryAfter=[12]$/);
  await pause(2_100);
  assert.equal(await authorize16(s), 'Accepted');

  // The seed's meaning without a budget: every Authorize throttled.
  const z = await cp16(seed.url, 'SEED');
  assert.equal(await authorize16(z), 'GenericError retryAfter=60');
});

test('--rate-limit needs rate_limit and N/S; --help names it and --no-require-accepted', { timeout: 30_000 }, async () => {
  const noMode = await runCli(['--csms', '--rate-limit', '5/60']);
  assert.equal(noMode.code, 2);
  assert.match(noMode.stderr, /--rate-limit is the budget of --auth-mode rate_limit/);
  const bad = await runCli(['--csms', '--auth-mode', 'rate_limit', '--rate-limit', '5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rate-limit expects N\/S/);
  const help = await runCli(['--help']);
  assert.match(help.stdout, /--rate-limit N\/S +with rate_limit: accept N Authorize per S seconds per charge point/);
  assert.match(help.stdout, /--no-require-accepted/);
});

test('operator console on a pipe: commands answered, quit ends the CSMS like Ctrl-C (records saved, report written)', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-edges-console-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const report = path.join(dir, 'report.json');
  const stateDir = path.join(dir, 'state');
  const cli = startCli(['--csms', '--port', String(port), '--no-http', '--state-dir', stateDir, '--report', report], {}, 'pipe');
  t.after(() => cli.stop());
  await until(() => cli.out().includes('listening'), 'the CSMS');
  const [cp] = (await connectMany(`ws://127.0.0.1:${port}/`, 1, { idPrefix: 'PIPE', profile: { connectors: 1 } })) as [Chargepoint];
  t.after(() => cp.close());
  await until(() => cli.out().includes('PIPE001 connected'), 'the connect line');
  cli.child.stdin!.write('list\nsend PIPE001 ReserveNow\n');
  await until(() => /PIPE001 ReserveNow → \{"status":"Accepted"\}/.test(cli.out()), `the reservation (${cli.out()})`);
  cli.child.stdin!.write('send PIPE001 CancelReservation\n');
  await until(() => /PIPE001 CancelReservation → \{"status":"Accepted"\}/.test(cli.out()), 'the cancel of that reservation');
  assert.match(cli.out(), /PIPE001 {2}OCPP 1\.6 {2}Accepted/);
  assert.doesNotMatch(cli.out(), /operator console:/, 'quiet on a pipe: no greeting');
  cli.child.stdin!.write('quit\n');
  assert.equal(await cli.exited, 0);
  assert.deepEqual(JSON.parse(await readFile(report, 'utf8')), {});
  const saved = (await Promise.all((await readdir(stateDir)).map((f) => readFile(path.join(stateDir, f), 'utf8').catch(() => '')))).join('\n');
  assert.match(saved, /PIPE001/, 'the records name the charge point');
});

test('operator console: exit ends it too; the end of a piped input does not', { timeout: 30_000 }, async () => {
  const a = await csmsCli(['--no-http'], 'pipe');
  a.cli.child.stdin!.write('EXIT\n');
  assert.equal(await a.cli.exited, 0);

  const b = await csmsCli(['--no-http'], 'pipe');
  try {
    b.cli.child.stdin!.end('list\n');
    await until(() => b.cli.out().includes('no charge points connected'), 'the answer');
    const cp = await connect(`${b.url}AFTER`);
    await until(() => b.cli.err().includes('AFTER connected'), 'still serving after the input ended');
    await cp.close();
    assert.equal(b.cli.child.exitCode, null);
  } finally {
    assert.equal(await b.cli.stop(), 0);
  }
});

test('without --v: one stderr line per connecting charge point (id, version, address) and one per periodic round, not per station', { timeout: 60_000 }, async (t) => {
  const { cli, url } = await csmsCli(['--no-http', '--commands', 'GetConfiguration:0.5']);
  t.after(() => cli.stop());
  const fleet = (await connectMany(url, 40, { idPrefix: 'FL', profile: { connectors: 1 } })) as Chargepoint[];
  t.after(() => Promise.all(fleet.map((cp) => cp.close())));
  const station = await connect(`${url}ST201`, 'ST201', undefined, { protocol: 'ocpp2.0.1' });
  t.after(() => station.close());
  await station.boot();
  await until(() => /GetConfiguration sent to 41 charge points/.test(cli.err()), `a round to all 41 (${cli.err()})`);
  const from = cli.err().length;
  await until(() => (cli.err().slice(from).match(/GetConfiguration sent to/g) ?? []).length >= 2, 'two more rounds');
  const err = cli.err();
  assert.match(err, /^\d\d:\d\d:\d\d\.\d{3} csms: FL001 connected \(OCPP 1\.6\) from 127\.0\.0\.1:\d+$/m);
  assert.match(err, /^\d\d:\d\d:\d\d\.\d{3} csms: ST201 connected \(OCPP 2\.0\.1\) from 127\.0\.0\.1:\d+$/m);
  assert.equal((err.match(/ connected \(OCPP/g) ?? []).length, 41, 'one line per connection');
  const rounds = err.split('\n').filter((l) => l.includes('GetConfiguration sent to'));
  assert.ok(rounds.every((l) => /csms: GetConfiguration sent to (\d+ charge points|FL\d+|ST201)( \(\d+ skipped\))?$/.test(l)), rounds.join('\n'));
  // The round lines number the rounds (one a half second), not the stations.
  assert.ok(rounds.length < 20, `${rounds.length} round lines`);
  assert.doesNotMatch(cli.out(), /GetConfiguration → /, 'each answer only with --v1');
});
