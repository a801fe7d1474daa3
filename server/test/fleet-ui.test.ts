/**
 * `--cps N --ui` (issue 16 item 3): the real CLI runs a fleet against its embedded mock CSMS and
 * serves the web UI over it, with server mode's token rules; the fleet's charge points are in
 * `GET /api/fleet` and bulk start / stop reach any connector (1.6) or EVSE (2.0.1), or all of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, freePortPair, scratchDir, startServerMode, until, type ServerMode } from './helpers';

interface BulkResult { id: string; ok: boolean; error?: string; points?: number[] }

/** Start `--cps count --ui` with a profile and the embedded CSMS; REST helpers with the printed token. */
async function fleetWithUi(t: { after: (fn: () => unknown) => void }, count: number, protocol: string, profile: object) {
  const file = path.join(scratchDir(), 'profile.json');
  fs.writeFileSync(file, JSON.stringify(profile));
  const csmsPort = await freePort();
  const args = ['--cps', String(count), '--ui', '--with-csms', '--port', String(csmsPort), '--protocol', protocol, '--profile', file, '--id-prefix', 'FU'];
  const server: ServerMode = await startServerMode(await freePortPair(), args);
  t.after(() => server.stop());
  assert.ok(server.token, 'the UI of a fleet has a token, as server mode has');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.token}` };
  const fleet = async (): Promise<any[]> => (await fetch(`${server.ui}/api/fleet`, { headers })).json() as Promise<any[]>;
  const bulk = async (body: object): Promise<{ status: number; results: BulkResult[]; error?: string }> => {
    const res = await fetch(`${server.ui}/api/fleet/bulk`, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = (await res.json()) as { results: BulkResult[]; error?: string };
    return { status: res.status, ...json };
  };
  await until(async () => {
    const rows = await fleet();
    return rows.length === count && rows.every((r) => r.state === 'connected' && r.bootState === 'Accepted');
  }, `${count} charge points connected and accepted in the UI`, 60_000);
  return { server, headers, fleet, bulk };
}

/** Which points of each row run a transaction. */
const inTransaction = (rows: any[]): string[][] => rows.map((r) => r.statuses.filter((s: { transaction: boolean }) => s.transaction).map((s: { at: string }) => s.at));

test('--cps 20 --ui (1.6): the fleet is in the UI; bulk start / stop on connector 2 and on all connectors', { timeout: 120_000 }, async (t) => {
  const { server, headers, fleet, bulk } = await fleetWithUi(t, 20, '1.6', { connectors: 2 });
  const rows = await fleet();
  const ids = rows.map((r) => r.id);
  assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => `FU${String(i + 1).padStart(3, '0')}`));
  assert.equal((await fetch(`${server.ui}/api/fleet`)).status, 200, 'loopback: REST without the token, as in server mode');
  const script = await fetch(`${server.ui}/api/chargepoints/FU001/script`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'return cp.id' }) });
  assert.equal(script.status, 401, 'console scripts need the token, as in server mode');
  const withToken = await fetch(`${server.ui}/api/chargepoints/FU001/script`, { method: 'POST', headers, body: JSON.stringify({ code: 'return cp.id' }) });
  assert.equal(((await withToken.json()) as { result: string }).result, 'FU001', 'a fleet charge point is the registry\'s');

  const second = await bulk({ ids, op: 'start', point: 2 });
  assert.equal(second.status, 200);
  assert.deepEqual(second.results, ids.map((id) => ({ id, ok: true, points: [2] })));
  await until(async () => inTransaction(await fleet()).every((at) => at.join() === '2'), 'a transaction on connector 2 of each', 30_000);

  const rest = await bulk({ ids, op: 'start', point: 'all' });
  assert.deepEqual(rest.results, ids.map((id) => ({ id, ok: true, points: [1] })), '"all" starts where no transaction runs');
  await until(async () => inTransaction(await fleet()).every((at) => at.join() === '1,2'), 'transactions on both connectors', 30_000);

  const stopped = await bulk({ ids, op: 'stop', point: 'all' });
  assert.deepEqual(stopped.results, ids.map((id) => ({ id, ok: true, points: [1, 2] })));
  await until(async () => inTransaction(await fleet()).every((at) => at.length === 0), 'no transaction left', 30_000);
  const nothing = await bulk({ ids: ['FU001'], op: 'stop', point: 'all' });
  assert.deepEqual(nothing.results, [{ id: 'FU001', ok: false, error: 'no transaction to stop' }]);
  for (const point of [0, 'some', 1.5]) assert.equal((await bulk({ ids, op: 'start', point })).status, 400, String(point));
  const missing = await bulk({ ids: ['FU001'], op: 'start', point: 3 });
  assert.match(missing.results[0]!.error!, /connector 3 does not exist/);

  assert.equal(await server.stop(), 0);
  assert.match(server.output(), /stopped 20 charge point\(s\); no handler failed/);
});

test('--cps 5 --ui (2.0.1): the stations are in the UI; bulk start on all EVSEs, stop on EVSE 2', { timeout: 120_000 }, async (t) => {
  const { server, fleet, bulk } = await fleetWithUi(t, 5, '2.0.1', { evses: [{}, {}] });
  const rows = await fleet();
  assert.ok(rows.every((r) => r.protocol === 'ocpp2.0.1'));
  const ids = rows.map((r) => r.id);
  const started = await bulk({ ids, op: 'start', point: 'all' });
  assert.deepEqual(started.results, ids.map((id) => ({ id, ok: true, points: [1, 2] })));
  await until(async () => inTransaction(await fleet()).every((at) => at.join() === '1/1,2/1'), 'a transaction on each EVSE', 30_000);
  const stopped = await bulk({ ids, op: 'stop', point: 2 });
  assert.deepEqual(stopped.results, ids.map((id) => ({ id, ok: true, points: [2] })));
  await until(async () => inTransaction(await fleet()).every((at) => at.join() === '1/1'), 'EVSE 2 stopped, EVSE 1 still charging', 30_000);
  assert.equal(await server.stop(), 0);
});
