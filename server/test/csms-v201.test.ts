/**
 * The mock CSMS for OCPP 2.0.1 stations, through the real CLI (`--csms`), against an independent
 * implementation: `ocpp-rpc` clients in strict mode on `ocpp2.0.1`. A full session with every
 * station-initiated action, every CSMS-initiated action through the REST API, the seed's
 * periodic commands, authorization modes, Basic auth, order rules, the reservation REST API and
 * version negotiation on one port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import { BOOT_201, STATION_ANSWERS_201, STATION_REQUESTS_201, meterValue201 } from './fixtures/ocpp201-samples';
import { freePort, postJson, startCli, until, type CliProcess } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Params = Record<string, any>;
const now = (): string => new Date().toISOString();

/** An ocpp-rpc strict station that answers every CSMS-initiated action and records what it got. */
interface Station {
  client: RPCClient;
  received: { action: string; params: Params; at: number }[];
  failures: unknown[];
  call(action: string, params?: Params): Promise<Params>;
  close(): Promise<void>;
}

async function station(url: string, identity: string, options: Params = {}): Promise<Station> {
  const client = new RPCClient({ endpoint: url, identity, protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false, callTimeoutMs: 5000, ...options } as never);
  const received: Station['received'] = [];
  const failures: unknown[] = [];
  client.on('strictValidationFailure', (e: unknown) => failures.push(e));
  for (const [action, answer] of Object.entries(STATION_ANSWERS_201)) {
    client.handle(action, (({ params }: { params: Params }) => {
      received.push({ action, params, at: Date.now() });
      return answer(params);
    }) as never);
  }
  await client.connect();
  return {
    client,
    received,
    failures,
    call: (action, params = {}) => client.call(action, params) as Promise<Params>,
    close: () => client.close({ force: true }) as Promise<unknown> as Promise<void>,
  };
}

let port: number;
let http: number;
let csms: CliProcess;
let api: string;
const getJson = async (path: string): Promise<Params> => (await fetch(`${api}${path}`)).json() as Promise<Params>;

before(async () => {
  [port, http] = [await freePort(), await freePort()];
  csms = startCli(['--csms', '--no-state', '--port', String(port), '--http-port', String(http)]);
  api = `http://127.0.0.1:${http}`;
  await until(() => csms.out().includes('REST API'), 'the mock CSMS');
});
after(() => csms.stop());

test('a strict ocpp-rpc 2.0.1 station runs a full session: boot, status, authorize, TransactionEvent Started/Updated/Ended, every other action', { timeout: 30_000 }, async () => {
  const st = await station(`ws://127.0.0.1:${port}`, 'RPC201');
  try {
    const boot = await st.call('BootNotification', BOOT_201);
    assert.equal(boot.status, 'Accepted');
    assert.ok(boot.interval > 0 && typeof boot.currentTime === 'string');
    assert.deepEqual(await st.call('StatusNotification', STATION_REQUESTS_201.StatusNotification!()), {});
    assert.equal((await st.call('Authorize', { idToken: { idToken: 'valid_token', type: 'ISO14443' } })).idTokenInfo.status, 'Accepted');
    const tx = { transactionId: 'TX-201-1' };
    const started = await st.call('TransactionEvent', {
      eventType: 'Started', timestamp: now(), triggerReason: 'Authorized', seqNo: 0,
      transactionInfo: { ...tx, chargingState: 'EVConnected' }, evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'valid_token', type: 'ISO14443' }, meterValue: [meterValue201(10_000, 0)],
    });
    assert.equal(started.idTokenInfo.status, 'Accepted');
    await st.call('TransactionEvent', { eventType: 'Updated', timestamp: now(), triggerReason: 'ChargingStateChanged', seqNo: 1, transactionInfo: { ...tx, chargingState: 'Charging' } });
    await st.call('TransactionEvent', { eventType: 'Updated', timestamp: now(), triggerReason: 'MeterValuePeriodic', seqNo: 2, transactionInfo: tx, meterValue: [meterValue201(12_500)] });
    const open = await getJson('/transactions');
    assert.deepEqual(open.open.map((t: Params) => [t.transactionId, t.version, t.connectorId, t.idTag, t.chargingState, t.energyWh]), [['TX-201-1', '2.0.1', 1, 'valid_token', 'Charging', 2500]]);
    await st.call('TransactionEvent', {
      eventType: 'Ended', timestamp: now(), triggerReason: 'StopAuthorized', seqNo: 3,
      transactionInfo: { ...tx, chargingState: 'EVConnected', stoppedReason: 'Local' }, meterValue: [meterValue201(13_000, 0)],
    });
    for (const [action, request] of Object.entries(STATION_REQUESTS_201)) {
      await st.call(action, request());
    }
    const book = await getJson('/transactions');
    const done = book.finished.find((t: Params) => t.transactionId === 'TX-201-1');
    assert.deepEqual([done.meterStart, done.meterStop, done.energyWh, done.reason, done.seqNo, done.events], [10_000, 13_000, 3000, 'Local', 3, 4]);
    assert.deepEqual((await getJson('/list')).charge_points, [{ id: 'RPC201', version: '2.0.1' }]);
    assert.deepEqual(st.failures, []);
    assert.deepEqual((await getJson('/probes')).RPC201 ?? [], []);
  } finally {
    await st.close();
  }
});

test('every CSMS-initiated 2.0.1 action reaches a strict station through the REST API with a valid default payload; GetBaseReport is followed by NotifyReport', { timeout: 60_000 }, async () => {
  const st = await station(`ws://127.0.0.1:${port}`, 'RPC202');
  try {
    await st.call('BootNotification', BOOT_201);
    await st.call('StatusNotification', STATION_REQUESTS_201.StatusNotification!());
    // An open transaction, so RequestStopTransaction, GetTransactionStatus and CostUpdated have one to name.
    await st.call('TransactionEvent', { eventType: 'Started', timestamp: now(), triggerReason: 'CablePluggedIn', seqNo: 0, transactionInfo: { transactionId: 'TX-202' }, evse: { id: 1, connectorId: 1 } });
    // CancelReservation last: its default cancels the reservation ReserveNow made.
    const actions = [...Object.keys(STATION_ANSWERS_201).filter((a) => a !== 'CancelReservation'), 'CancelReservation'];
    for (const action of actions) {
      const res = await postJson(`${api}/command/RPC202/${action}`);
      assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
      if (action === 'GetBaseReport') {
        const requestId = st.received.at(-1)!.params.requestId as number;
        await st.call('NotifyReport', { requestId, generatedAt: now(), seqNo: 0, tbc: false, reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ type: 'Actual', value: '300' }] }] });
      }
    }
    assert.deepEqual([...new Set(st.received.map((r) => r.action))].sort(), [...actions].sort());
    assert.equal(st.received.find((r) => r.action === 'RequestStopTransaction')!.params.transactionId, 'TX-202');
    assert.equal(st.received.find((r) => r.action === 'CancelReservation')!.params.reservationId, st.received.find((r) => r.action === 'ReserveNow')!.params.id);
    // A 1.6 name reaches a 2.0.1 station as its twin.
    assert.equal((await postJson(`${api}/command/RPC202/RemoteStartTransaction`)).status, 200);
    assert.equal(st.received.at(-1)!.action, 'RequestStartTransaction');
    assert.deepEqual(st.failures, []);
  } finally {
    await st.close();
  }
});

test('the reservation REST API: ReserveNow for a free EVSE, 503 for an unknown station and for a station with nothing free', { timeout: 20_000 }, async () => {
  const st = await station(`ws://127.0.0.1:${port}`, 'RES201');
  try {
    await st.call('BootNotification', BOOT_201);
    await st.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 2, connectorId: 1 });
    const reserved = await postJson(`${api}/reserve/RES201`);
    assert.equal(reserved.status, 200);
    assert.equal(reserved.body.status, 'Accepted');
    const sent = st.received.at(-1)!;
    assert.equal(sent.action, 'ReserveNow');
    assert.equal(sent.params.evseId, 2);
    assert.equal(sent.params.id, reserved.body.reservationId);
    const unknown = await postJson(`${api}/reserve/NOBODY`);
    assert.equal(unknown.status, 503);
    assert.deepEqual(unknown.body, { error_code: 503, message: 'No such Charge Point. [NOBODY]' });
    await st.call('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 2, connectorId: 1 });
    const busy = await postJson(`${api}/reserve/RES201`);
    assert.equal(busy.status, 503);
    assert.match(String(busy.body.message), /no available EVSE on RES201/);
  } finally {
    await st.close();
  }
});

test('order rules for 2.0.1: a CALL before the boot gets SecurityError (B02.FR.09)', { timeout: 20_000 }, async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/RAW201`, ['ocpp2.0.1']);
  await new Promise((r) => ws.once('open', r));
  const answers: unknown[][] = [];
  ws.on('message', (d) => answers.push(JSON.parse(d.toString()) as unknown[]));
  ws.send(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  await until(() => answers.length === 1, 'the answer');
  assert.equal(answers[0]![0], 4);
  assert.equal(answers[0]![2], 'SecurityError');
  assert.match(String(answers[0]![3]), /B02\.FR\.09/);
  ws.close();
});

test('B02.FR.02/09 while Pending: NotifyReport is refused until GetBaseReport asks for it, then every part of the report is let through; other CALLs still get SecurityError', { timeout: 30_000 }, async () => {
  const [pPort, pHttp] = [await freePort(), await freePort()];
  const pending = startCli(['--csms', '--no-state', '--port', String(pPort), '--http-port', String(pHttp), '--boot-status', 'Pending']);
  await until(() => pending.out().includes('REST API'), 'the Pending CSMS');
  const st = await station(`ws://127.0.0.1:${pPort}`, 'PEND201');
  const refusal = (p: Promise<unknown>): Promise<string> => p.then(() => 'answered', (e: { rpcErrorCode?: string }) => String(e.rpcErrorCode));
  const report = (requestId: number, seqNo: number, tbc: boolean) =>
    st.call('NotifyReport', { requestId, generatedAt: now(), seqNo, tbc, reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ type: 'Actual', value: '300' }] }] });
  try {
    assert.equal((await st.call('BootNotification', BOOT_201)).status, 'Pending');
    assert.equal(await refusal(report(1, 0, false)), 'SecurityError', 'a report nobody asked for');
    const asked = await postJson(`http://127.0.0.1:${pHttp}/command/PEND201/GetBaseReport`, { requestId: 77, reportBase: 'FullInventory' });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    const requestId = st.received.find((r) => r.action === 'GetBaseReport')!.params.requestId as number;
    assert.deepEqual(await report(requestId, 0, true), {});
    assert.deepEqual(await report(requestId, 1, false), {}, 'the report comes in parts (tbc): each part is let through');
    assert.equal(await refusal(st.call('Heartbeat')), 'SecurityError');
    assert.deepEqual(st.failures, []);
  } finally {
    await st.close();
    await pending.stop();
  }
});

test('negotiation: ocpp2.0.1 offered first gets 2.0.1, a 1.6-only client gets 1.6 on the same port, neither is refused with one line', { timeout: 20_000 }, async () => {
  const open = async (protocols: string[], id: string): Promise<string | Error> => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/${id}`, protocols);
    try {
      return await new Promise<string>((resolve, reject) => {
        ws.once('open', () => resolve(ws.protocol));
        ws.once('error', reject);
      });
    } catch (err) {
      return err as Error;
    } finally {
      ws.terminate();
    }
  };
  assert.equal(await open(['ocpp2.0.1', 'ocpp1.6'], 'NEG1'), 'ocpp2.0.1');
  assert.equal(await open(['ocpp1.6'], 'NEG2'), 'ocpp1.6');
  assert.ok((await open(['ocpp2.1'], 'NEG3')) instanceof Error);
  await until(() => /NEG3.*ocpp2\.1.*(ocpp2\.0\.1|served)/.test(csms.out()), 'the refusal line');
  assert.equal(csms.out().split('\n').filter((l) => l.includes('NEG3')).length, 1, csms.out());
});
