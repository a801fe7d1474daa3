/**
 * The CSMS view's server side (docs/web-api.md): the mock CSMS's own frame log and events per
 * station over REST and, live, only to the bridge tabs that subscribe to that station; bounded
 * rings; probe findings with severity to every tab; meter readings per transaction from 1.6
 * (meterStart, MeterValues, transactionData in kWh, meterStop) and 2.0.1 TransactionEvents.
 * Real sockets: the web server, the bridge and the mock CSMS on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { MeterSeries } from '../src/csms/meter-series';
import { v16Dialect } from '../src/csms/v16/dialect';
import { v201Dialect } from '../src/csms/v201/dialect';
import type { CsmsFeedMessage } from '../src/web/csms-feed';
import { until } from './helpers';
import { webWithCsms } from './web-helpers';

/** A bridge tab that keeps the CSMS feed's messages. */
async function tab(url: string, origin: string): Promise<{ ws: WebSocket; got: CsmsFeedMessage[] }> {
  const ws = new WebSocket(url, { headers: { origin } });
  const got: CsmsFeedMessage[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as CsmsFeedMessage;
    if (m.type.startsWith('csms') && m.type !== ('csms' as string)) got.push(m);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, got };
}

/** Send a tab's message and wait until the bridge has read it: a ping sent after it is answered after it. */
async function tell(ws: WebSocket, message: unknown): Promise<void> {
  ws.send(JSON.stringify(message));
  const pong = new Promise((resolve) => ws.once('pong', resolve));
  ws.ping();
  await pong;
}

test('the CSMS log of a station over REST and only to the tabs that subscribe; findings to every tab', async (t) => {
  const { csms, port, call } = await webWithCsms(t);
  const tabs: WebSocket[] = [];
  t.after(() => {
    for (const ws of tabs) ws.close();
  });
  const origin = `http://127.0.0.1:${port}`;
  const subscriber = await tab(`ws://127.0.0.1:${port + 1}/`, origin);
  const bystander = await tab(`ws://127.0.0.1:${port + 1}/`, origin);
  tabs.push(subscriber.ws, bystander.ws);
  await tell(subscriber.ws, { type: 'csmsSubscribe', id: 'F1' });
  bystander.ws.send('not json'); // ignored, the tab stays open
  await tell(bystander.ws, { type: 'csmsSubscribe', id: 42 });

  assert.equal((await call('POST', '/chargepoints', { id: 'F1', url: `${csms.url}F1`, connect: true })).status, 201);
  const frames = () => subscriber.got.flatMap((m) => (m.type === 'csmsFrame' ? [m.frame] : []));
  await until(() => frames().some((f) => f.action === 'BootNotification' && f.messageType === 3), 'the boot answer on the subscribed tab', 15_000);
  const boot = frames().filter((f) => f.action === 'BootNotification');
  assert.deepEqual(boot.map((f) => [f.direction, f.messageType]), [['in', 2], ['out', 3]]);
  assert.equal(boot[0]!.uniqueId, boot[1]!.uniqueId);
  await until(() => subscriber.got.some((m) => m.type === 'csmsEvent' && m.event.kind === 'boot'), 'the boot event');

  // A CSMS call gets its round trip on the answer, as on the charge-point side.
  assert.equal((await call('POST', '/csms/F1/actions/GetConfiguration', { payload: {} })).status, 200);
  const log = (await call('GET', '/csms/F1/log')).body as { frames: { action?: string; direction: string; messageType?: number; rttMs?: number }[]; events: { kind: string; text: string }[] };
  const answer = log.frames.find((f) => f.action === 'GetConfiguration' && f.messageType === 3);
  assert.equal(answer?.direction, 'in');
  assert.equal(typeof answer?.rttMs, 'number');
  assert.deepEqual(log.events.slice(0, 2).map((e) => e.kind), ['connected', 'boot']);
  assert.match(log.events[1]!.text, /^boot Accepted: ocpp-sim /);

  // A schema violation: a finding with its severity, live on every tab, and an event of the station.
  const forced = await call('POST', '/chargepoints/F1/actions/Authorize', { payload: { notAnIdTag: 1 }, force: true });
  assert.equal(forced.status, 502, JSON.stringify(forced.body));
  for (const t2 of [subscriber, bystander]) {
    await until(() => t2.got.some((m) => m.type === 'csmsFinding' && m.finding.probe === 'schema-violation' && m.finding.cpId === 'F1'), 'the finding on every tab');
  }
  const finding = (await call('GET', '/csms/findings')).body[0];
  assert.deepEqual([finding.cpId, finding.probe, finding.severity], ['F1', 'schema-violation', 'error']);
  await until(async () => ((await call('GET', '/csms/F1/log')).body.events as { kind: string }[]).some((e) => e.kind === 'finding'), 'the finding event');

  // Nothing of F1 for the tab that did not subscribe, nor after unsubscribing.
  assert.equal(bystander.got.filter((m) => m.type !== 'csmsFinding').length, 0);
  await tell(subscriber.ws, { type: 'csmsUnsubscribe', id: 'F1' });
  const before = frames().length;
  assert.equal((await call('POST', '/chargepoints/F1/actions/Heartbeat', { payload: {} })).status, 200);
  await until(async () => ((await call('GET', '/csms/F1/log')).body.frames as { action?: string }[]).some((f) => f.action === 'Heartbeat'), 'the heartbeat in the log');
  assert.equal(frames().length, before);

  // The ring keeps the newest 300 frames of a station.
  for (let i = 0; i < 160; i++) assert.equal((await call('POST', '/chargepoints/F1/actions/Heartbeat', { payload: {} })).status, 200);
  const ring = (await call('GET', '/csms/F1/log')).body.frames as { seq: number }[];
  assert.equal(ring.length, 300);
  assert.equal(ring.at(-1)!.seq - ring[0]!.seq, 299);
  assert.equal((await call('GET', '/csms/F1/log?since=x')).status, 400);
});

test('a 2.0.1 station charging: its TransactionEvents give the CSMS view a meter series and transaction events', async (t) => {
  const { csms, call } = await webWithCsms(t);
  assert.equal((await call('POST', '/chargepoints', { id: 'G1', url: `${csms.url}G1`, connect: true, protocol: '2.0.1' })).status, 201);
  await until(async () => (await call('GET', '/chargepoints/G1')).body.bootState === 'Accepted', 'G1 booted', 15_000);
  assert.equal((await call('POST', '/chargepoints/G1/evses/1/start', { idToken: 'valid_token' })).status, 200);
  await until(async () => (await call('GET', '/csms')).body.transactions.open.some((tx: { cpId: string }) => tx.cpId === 'G1'), 'the open transaction', 15_000);
  assert.equal((await call('POST', '/chargepoints/G1/evses/1/stop')).status, 200);
  await until(async () => (await call('GET', '/csms')).body.transactions.finished.some((tx: { cpId: string }) => tx.cpId === 'G1'), 'the ended transaction', 15_000);
  const [series] = (await call('GET', '/csms/G1/meter')).body as { transactionId: string; unit: number; points: { energyWh?: number }[] }[];
  const tx = (await call('GET', '/csms')).body.transactions.finished.find((f: { cpId: string }) => f.cpId === 'G1') as { transactionId: string; energyWh: number };
  assert.equal(series?.transactionId, tx.transactionId);
  assert.equal(series.unit, 1);
  const energies = series.points.flatMap((p) => (p.energyWh === undefined ? [] : [p.energyWh]));
  assert.ok(energies.length >= 2, JSON.stringify(series.points));
  assert.equal(energies.at(-1)! - energies[0]!, tx.energyWh);
  const kinds = ((await call('GET', '/csms/G1/log')).body.events as { kind: string }[]).map((e) => e.kind);
  assert.deepEqual(kinds.filter((k) => k.startsWith('transaction')), ['transaction-started', 'transaction-ended']);
});

test('meter readings per transaction: 1.6 meterStart, MeterValues, transactionData in kWh and meterStop; 2.0.1 TransactionEvents', () => {
  const series = new MeterSeries();
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
  series.take(v16Dialect, 'A', 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 1000, timestamp: at(0) }, { transactionId: 7, idTagInfo: { status: 'Accepted' } });
  const mv = { connectorId: 1, transactionId: 7, meterValue: [{ timestamp: at(60), sampledValue: [{ value: '1100', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, { value: '6.0', measurand: 'Power.Active.Import', unit: 'kW' }, { value: '2000', measurand: 'Power.Active.Import', phase: 'L1', unit: 'W' }] }] };
  series.take(v16Dialect, 'A', 'MeterValues', mv, {});
  series.take(v16Dialect, 'A', 'MeterValues', mv, {}); // a resend after a lost answer
  series.take(v16Dialect, 'A', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: at(90), sampledValue: [{ value: '5' }] }] }, {}); // no transaction
  series.take(v16Dialect, 'A', 'StopTransaction', { transactionId: 7, meterStop: 1300, timestamp: at(180), transactionData: [{ timestamp: at(120), sampledValue: [{ value: '1.2', unit: 'kWh' }] }] }, {});
  assert.deepEqual(series.list('A'), [
    { cpId: 'A', transactionId: 7, unit: 1, points: [{ at: Date.parse(at(0)), energyWh: 1000 }, { at: Date.parse(at(60)), energyWh: 1100, powerW: 6000 }, { at: Date.parse(at(120)), energyWh: 1200 }, { at: Date.parse(at(180)), energyWh: 1300 }] },
  ]);

  const event = (seqNo: number, eventType: string, s: number, wh: number) => ({
    eventType, seqNo, timestamp: at(s), triggerReason: 'MeterValuePeriodic', transactionInfo: { transactionId: 'tx-1' }, evse: { id: 2, connectorId: 1 },
    meterValue: [{ timestamp: at(s), sampledValue: [{ value: wh / 1000, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }, { value: 80, measurand: 'SoC', unitOfMeasure: { unit: 'Percent' } }] }],
  });
  series.take(v201Dialect, 'B', 'TransactionEvent', event(0, 'Started', 0, 500), {});
  series.take(v201Dialect, 'B', 'TransactionEvent', event(1, 'Ended', 30, 650), {});
  assert.deepEqual(series.list('B')[0]!.points, [{ at: Date.parse(at(0)), energyWh: 500, soc: 80 }, { at: Date.parse(at(30)), energyWh: 650, soc: 80 }]);
  assert.equal(series.list().length, 2);
});
