/**
 * OCTT 2.0.1 station cases of block N, monitoring (N02-N08): SetVariableMonitoring,
 * ClearVariableMonitoring, SetMonitoringBase, SetMonitoringLevel, GetMonitoringReport →
 * NotifyMonitoringReport and the NotifyEvent a monitor raises when its variable changes (a
 * SetVariables write, the EVSE power, a connector status) or its period comes, driven from a
 * strict ocpp-rpc CSMS. Every test also checks that the strict server refused nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ChargingStation } from '../src/charging-station/charging-station';
import type { FrameEvent } from '../src/ocpp/endpoint';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = (t: { after: (fn: () => unknown) => void }, options: Parameters<typeof withBench201>[1] = {}): Promise<Bench201> => withBench201(t, { virtual: true, ...options });

const OFFLINE_THRESHOLD = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } };
const HEARTBEAT = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
const EVSE1_STATE = { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } };
const CONNECTOR_STATE = { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'AvailabilityState' } };
const EVSE1_POWER = { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } };

/** SetVariableMonitoring with the given entries; the results. */
async function monitor(b: Bench201, ...data: Params[]): Promise<Params[]> {
  return (await b.call('SetVariableMonitoring', { setMonitoringData: data })).setMonitoringResult;
}

/** One SetVariables write; its status. */
async function setVariable(b: Bench201, target: Params, value: string): Promise<string> {
  return (await b.call('SetVariables', { setVariableData: [{ ...target, attributeValue: value }] })).setVariableResult[0].attributeStatus;
}

/** GetMonitoringReport: the answer's status and the reported monitors as `Component.Variable type value severity`. */
async function report(b: Bench201, request: Params = {}): Promise<{ status: string; monitors: string[]; parts: Params[] }> {
  const from = b.calls.length;
  const requestId = 100 + from;
  const { status } = await b.call('GetMonitoringReport', { requestId, ...request });
  if (status !== 'Accepted') return { status, monitors: [], parts: [] };
  const parts: Params[] = [];
  for (let tbc = true; tbc; ) {
    const got = await b.waitFor('NotifyMonitoringReport', { from, count: parts.length + 1 });
    const last = got.at(-1)!.params;
    parts.push(last);
    tbc = last.tbc === true;
  }
  const monitors = parts.flatMap((p) =>
    (p.monitor as Params[]).flatMap((m) => (m.variableMonitoring as Params[]).map((v) => `${m.component.name}${m.component.evse ? `#${m.component.evse.id}` : ''}.${m.variable.name} ${v.type} ${v.value} ${v.severity}`)),
  );
  assert.ok(parts.every((p) => p.requestId === requestId));
  assert.deepEqual(parts.map((p) => p.seqNo), parts.map((_p, i) => i));
  return { status, monitors, parts };
}

const events = (b: Bench201, from: number): Params[] => b.since(from, 'NotifyEvent').flatMap((c) => c.params.eventData as Params[]);

test('TC_N_08_CS / TC_N_09_CS / TC_N_10_CS / TC_N_47_CS Set Variable Monitoring, then a report of all monitors: ids given, every monitor reported', async (t) => {
  const b = await withBench(t);
  const [one] = await monitor(b, { value: 0, type: 'Delta', severity: 5, ...EVSE1_STATE });
  assert.equal(one!.status, 'Accepted');
  assert.equal(typeof one!.id, 'number');
  const several = await monitor(b, { value: 400, type: 'UpperThreshold', severity: 4, ...OFFLINE_THRESHOLD }, { value: 100, type: 'LowerThreshold', severity: 4, ...OFFLINE_THRESHOLD }, { value: 60, type: 'Periodic', severity: 8, ...HEARTBEAT });
  assert.deepEqual(several.map((r) => r.status), ['Accepted', 'Accepted', 'Accepted']);
  assert.equal(new Set([one!.id, ...several.map((r) => r.id)]).size, 4, 'unique ids');
  const all = await report(b);
  assert.equal(all.status, 'Accepted');
  for (const line of ['EVSE#1.AvailabilityState Delta 0 5', 'OCPPCommCtrlr.OfflineThreshold UpperThreshold 400 4', 'OCPPCommCtrlr.OfflineThreshold LowerThreshold 100 4', 'OCPPCommCtrlr.HeartbeatInterval Periodic 60 8']) {
    assert.ok(all.monitors.includes(line), `${line} reported: ${all.monitors.join('; ')}`);
  }
  // The factory's monitors too: hard-wired on ChargingStation.Problem, pre-configured on the EVSE's power.
  assert.ok(all.monitors.includes('ChargingStation.Problem Delta 1 1'));
  assert.ok(all.monitors.includes('EVSE#1.Power UpperThreshold 22000 4'));
  // The device model says so: supportsMonitoring.
  const { status } = await b.call('GetReport', { requestId: 7, componentVariable: [OFFLINE_THRESHOLD] });
  assert.equal(status, 'Accepted');
  const [nr] = await b.waitFor('NotifyReport', { match: (p) => p.requestId === 7 });
  assert.equal(nr!.params.reportData[0].variableCharacteristics.supportsMonitoring, true);
});

test('TC_N_11_CS / TC_N_37_CS / TC_N_38_CS / TC_N_12_CS / TC_N_13_CS / TC_N_15_CS / TC_N_43_CS Set Variable Monitoring refusals, entry by entry', async (t) => {
  const b = await withBench(t);
  const results = await monitor(
    b,
    { value: 1, type: 'Delta', severity: 5, component: { name: 'NoSuchCtrlr' }, variable: { name: 'Enabled' } },
    { value: 1, type: 'Delta', severity: 5, component: { name: 'EVSE', evse: { id: 9 } }, variable: { name: 'AvailabilityState' } },
    { value: 1, type: 'Delta', severity: 5, component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchVariable' } },
    { value: 1, type: 'UpperThreshold', severity: 5, ...EVSE1_STATE },
    { value: -5, type: 'Delta', severity: 5, ...OFFLINE_THRESHOLD },
    { value: 50_000, type: 'UpperThreshold', severity: 5, ...EVSE1_POWER },
    { value: 10, type: 'Delta', severity: 6, ...OFFLINE_THRESHOLD },
    { value: 20, type: 'Delta', severity: 6, ...OFFLINE_THRESHOLD },
  );
  assert.deepEqual(results.map((r) => r.status), ['UnknownComponent', 'UnknownComponent', 'UnknownVariable', 'UnsupportedMonitorType', 'Rejected', 'Rejected', 'Accepted', 'Duplicate']);
  assert.ok(results.slice(0, 6).every((r) => r.id === undefined), 'no id unless Accepted');
  // TC_N_43: valid, out of range, valid → Accepted, Rejected, Accepted.
  const mixed = await monitor(b, { value: 5, type: 'Delta', severity: 2, ...HEARTBEAT }, { value: -1, type: 'Delta', severity: 3, ...HEARTBEAT }, { value: 600, type: 'UpperThreshold', severity: 3, ...HEARTBEAT });
  assert.deepEqual(mixed.map((r) => r.status), ['Accepted', 'Rejected', 'Accepted']);
  // More entries than MonitoringCtrlr.ItemsPerMessage[SetVariableMonitoring] (20): a CALLERROR, nothing installed.
  const many = Array.from({ length: 21 }, (_x, i) => ({ value: i + 1, type: 'Delta', severity: 9, ...HEARTBEAT }));
  await assert.rejects(monitor(b, ...many), (err: Error & { rpcErrorCode?: string }) => /Occurr?enceConstraintViolation/.test(err.rpcErrorCode ?? ''));
  await assert.rejects(b.call('ClearVariableMonitoring', { id: Array.from({ length: 21 }, (_x, i) => i + 100) }), /ItemsPerMessage/);
});

test('TC_N_39_CS / TC_N_40_CS Set Variable Monitoring with an id: replaces that monitor, refused for another variable or an unknown id', async (t) => {
  const b = await withBench(t);
  const [first] = await monitor(b, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  const [replaced] = await monitor(b, { id: first!.id, value: 500, type: 'UpperThreshold', severity: 3, ...OFFLINE_THRESHOLD });
  assert.deepEqual([replaced!.status, replaced!.id], ['Accepted', first!.id]);
  const [other] = await monitor(b, { id: first!.id, value: 500, type: 'UpperThreshold', severity: 3, ...HEARTBEAT });
  assert.equal(other!.status, 'Rejected');
  const [unknown] = await monitor(b, { id: 9999, value: 1, type: 'Delta', severity: 3, ...HEARTBEAT });
  assert.equal(unknown!.status, 'Rejected');
  assert.deepEqual((await report(b, { componentVariable: [OFFLINE_THRESHOLD] })).monitors, ['OCPPCommCtrlr.OfflineThreshold UpperThreshold 500 3']);
});

test('TC_N_01_CS / TC_N_02_CS / TC_N_03_CS Get Monitoring Report by criteria and component/variable; EmptyResultSet when nothing matches', async (t) => {
  const b = await withBench(t);
  await monitor(b, { value: 0, type: 'Delta', severity: 5, ...EVSE1_STATE }, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD }, { value: 30, type: 'Periodic', severity: 7, ...HEARTBEAT });
  const threshold = await report(b, { monitoringCriteria: ['ThresholdMonitoring'] });
  assert.deepEqual(threshold.monitors, ['OCPPCommCtrlr.OfflineThreshold UpperThreshold 400 5', 'EVSE#1.Power UpperThreshold 22000 4']);
  const deltaPeriodic = await report(b, { monitoringCriteria: ['DeltaMonitoring', 'PeriodicMonitoring'], componentVariable: [HEARTBEAT, EVSE1_STATE] });
  assert.deepEqual(deltaPeriodic.monitors.sort(), ['EVSE#1.AvailabilityState Delta 0 5', 'OCPPCommCtrlr.HeartbeatInterval Periodic 30 7']);
  // TC_N_02: a whole component.
  assert.deepEqual((await report(b, { componentVariable: [{ component: { name: 'EVSE', evse: { id: 1 } } }] })).monitors.sort(), ['EVSE#1.AvailabilityState Delta 0 5', 'EVSE#1.Power UpperThreshold 22000 4']);
  // TC_N_03: a threshold on AvailabilityState does not exist.
  assert.equal((await report(b, { monitoringCriteria: ['ThresholdMonitoring'], componentVariable: [EVSE1_STATE] })).status, 'EmptyResultSet');
});

test('TC_N_05_CS / TC_N_06_CS / TC_N_41_CS Set Monitoring Base: HardWiredOnly removes custom monitors, FactoryDefault restores an altered pre-configured one', async (t) => {
  const b = await withBench(t);
  await monitor(b, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  // Alter the pre-configured power monitor (id 2).
  const [altered] = await monitor(b, { id: 2, value: 11_000, type: 'UpperThreshold', severity: 4, ...EVSE1_POWER });
  assert.equal(altered!.status, 'Accepted');
  assert.ok((await report(b, { componentVariable: [EVSE1_POWER] })).monitors.includes('EVSE#1.Power UpperThreshold 11000 4'));
  assert.deepEqual(await b.call('SetMonitoringBase', { monitoringBase: 'All' }), { status: 'Accepted' });
  assert.equal((await report(b)).monitors.length, 3, 'All keeps every monitor');
  assert.deepEqual(await b.call('SetMonitoringBase', { monitoringBase: 'FactoryDefault' }), { status: 'Accepted' });
  assert.deepEqual((await report(b)).monitors.sort(), ['ChargingStation.Problem Delta 1 1', 'EVSE#1.Power UpperThreshold 22000 4']);
  await monitor(b, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  assert.deepEqual(await b.call('SetMonitoringBase', { monitoringBase: 'HardWiredOnly' }), { status: 'Accepted' });
  assert.equal((await report(b, { componentVariable: [OFFLINE_THRESHOLD] })).status, 'EmptyResultSet', 'custom monitor removed');
  const got = await b.call('GetVariables', { getVariableData: [{ component: { name: 'MonitoringCtrlr' }, variable: { name: 'ActiveMonitoringBase' } }] });
  assert.equal(got.getVariableResult[0].attributeValue, 'HardWiredOnly');
});

test('TC_N_18_CS / TC_N_19_CS / TC_N_44_CS Clear Monitoring: Accepted then gone, NotFound for an unknown id, Rejected for the hard-wired one', async (t) => {
  const b = await withBench(t);
  const [m] = await monitor(b, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  const res = await b.call('ClearVariableMonitoring', { id: [m!.id, 4242, 1] });
  assert.deepEqual(res.clearMonitoringResult, [{ id: m!.id, status: 'Accepted' }, { id: 4242, status: 'NotFound' }, { id: 1, status: 'Rejected' }]);
  assert.equal((await report(b, { componentVariable: [OFFLINE_THRESHOLD] })).status, 'EmptyResultSet');
});

test('TC_N_20_CS Alert Event - Threshold: SetVariableMonitoring, then a change → NotifyEvent Alerting after the SetVariables answer; back in range → cleared', async (t) => {
  const b = await withBench(t);
  const wire: string[] = [];
  const watched = new Set(['SetVariableMonitoring', 'SetVariables', 'NotifyEvent']);
  b.cs.on('frame', (f: FrameEvent) => watched.has(f.action ?? '') && wire.push(`${f.direction} ${JSON.parse(f.text)[0]} ${f.action}`));
  const [m] = await monitor(b, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  const from = b.calls.length;
  assert.equal(await setVariable(b, OFFLINE_THRESHOLD, '450'), 'Accepted');
  const [alert] = await b.waitFor('NotifyEvent', { from });
  // The specification's order: the monitor's answer, the SetVariables answer, then the event.
  assert.deepEqual(wire.slice(0, 5), ['in 2 SetVariableMonitoring', 'out 3 SetVariableMonitoring', 'in 2 SetVariables', 'out 3 SetVariables', 'out 2 NotifyEvent']);
  const data = alert!.params.eventData[0];
  assert.equal(alert!.params.seqNo, 0);
  assert.deepEqual(
    { trigger: data.trigger, actualValue: data.actualValue, variableMonitoringId: data.variableMonitoringId, eventNotificationType: data.eventNotificationType, component: data.component, variable: data.variable, cleared: data.cleared },
    { trigger: 'Alerting', actualValue: '450', variableMonitoringId: m!.id, eventNotificationType: 'CustomMonitor', ...OFFLINE_THRESHOLD, cleared: undefined },
  );
  await setVariable(b, OFFLINE_THRESHOLD, '460');
  await b.settle(30);
  assert.equal(events(b, from).length, 1, 'no second alert while it stands');
  await setVariable(b, OFFLINE_THRESHOLD, '300');
  const all = await b.waitFor('NotifyEvent', { from, count: 2 });
  assert.deepEqual([all[1]!.params.eventData[0].cleared, all[1]!.params.eventData[0].actualValue], [true, '300']);
  assert.ok(all[1]!.params.eventData[0].eventId > data.eventId, 'eventIds grow');
});

test('TC_N_20_CS Alert Event on a live variable: a transaction-bound threshold on the EVSE power fires when charging starts, with the transactionId', async (t) => {
  const b = await withBench(t);
  const [m] = await monitor(b, { value: 5000, type: 'UpperThreshold', severity: 3, transaction: true, ...EVSE1_POWER });
  assert.equal(m!.status, 'Accepted');
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  const [alert] = await b.waitFor('NotifyEvent', { from });
  const tx = b.cs.station.evses[0]!.transaction!;
  const data = alert!.params.eventData[0];
  assert.deepEqual([data.trigger, data.transactionId, data.variableMonitoringId], ['Alerting', tx.id, m!.id]);
  assert.ok(Number(data.actualValue) > 5000, `power ${data.actualValue} W`);
  b.cs.stopCharging(1);
  await b.settle(30);
  assert.ok(events(b, from).every((e) => e.variableMonitoringId === m!.id && e.transactionId === tx.id), 'only while the transaction runs');
  // The next transaction raises the alert afresh.
  const before = events(b, from).length;
  const sent = b.since(from, 'NotifyEvent').length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.waitFor('NotifyEvent', { from, count: sent + 1 });
  const next = events(b, from).slice(before);
  assert.deepEqual([next[0]!.trigger, next[0]!.cleared, next[0]!.transactionId], ['Alerting', undefined, b.cs.station.evses[0]!.transaction!.id]);
});

test('TC_N_45_CS / TC_N_61_CS / TC_N_56_CS Delta: a numeric change of at least the delta, every change of a non-numeric variable', async (t) => {
  const b = await withBench(t);
  await monitor(b, { value: 100, type: 'Delta', severity: 5, ...OFFLINE_THRESHOLD }, { value: 0, type: 'Delta', severity: 5, ...CONNECTOR_STATE });
  const from = b.calls.length;
  await setVariable(b, OFFLINE_THRESHOLD, '350');
  await b.settle(30);
  assert.equal(b.since(from, 'NotifyEvent').length, 0, '50 is less than the delta');
  await setVariable(b, OFFLINE_THRESHOLD, '450');
  const [delta] = await b.waitFor('NotifyEvent', { from });
  assert.deepEqual([delta!.params.eventData[0].trigger, delta!.params.eventData[0].actualValue], ['Delta', '450']);
  // A connector status (a live value, not polled).
  b.cs.plugIn(1);
  const got = await b.waitFor('NotifyEvent', { from, count: 2 });
  assert.deepEqual([got[1]!.params.eventData[0].actualValue, got[1]!.params.eventData[0].component], ['Occupied', CONNECTOR_STATE.component]);
});

test('TC_N_48_CS Alert Event - monitoring a write-only variable: the event carries an empty actualValue', async (t) => {
  const b = await withBench(t);
  const PASSWORD = { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } };
  await monitor(b, { value: 0, type: 'Delta', severity: 5, ...PASSWORD });
  const from = b.calls.length;
  assert.equal(await setVariable(b, PASSWORD, 'a-new-password-0123456789'), 'Accepted');
  const [e] = await b.waitFor('NotifyEvent', { from });
  assert.equal(e!.params.eventData[0].actualValue, '');
});

test('TC_N_16_CS / TC_N_17_CS Set Monitoring Level: events above the level are not sent; outside 0-9 Rejected', async (t) => {
  const b = await withBench(t);
  assert.deepEqual(await b.call('SetMonitoringLevel', { severity: 10 }), { status: 'Rejected' });
  assert.deepEqual(await b.call('SetMonitoringLevel', { severity: 3 }), { status: 'Accepted' });
  await monitor(b, { value: 0, type: 'Delta', severity: 5, ...OFFLINE_THRESHOLD }, { value: 0, type: 'Delta', severity: 2, ...HEARTBEAT });
  const from = b.calls.length;
  await setVariable(b, OFFLINE_THRESHOLD, '1000');
  await setVariable(b, HEARTBEAT, '120');
  await b.waitFor('NotifyEvent', { from });
  await b.settle(30);
  assert.deepEqual(events(b, from).map((e) => e.variable.name), ['HeartbeatInterval'], 'only severity ≤ 3');
});

test('TC_N_51_CS / TC_N_52_CS A threshold the value already violates fires at once; removing it clears the alert, then nothing more', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  const [m] = await monitor(b, { value: 100, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  const [alert] = await b.waitFor('NotifyEvent', { from });
  assert.deepEqual([alert!.params.eventData[0].actualValue, alert!.params.eventData[0].cleared], ['300', undefined]);
  await b.call('ClearVariableMonitoring', { id: [m!.id] });
  const both = await b.waitFor('NotifyEvent', { from, count: 2 });
  assert.equal(both[1]!.params.eventData[0].cleared, true);
  await setVariable(b, OFFLINE_THRESHOLD, '900');
  await b.settle(30);
  assert.equal(b.since(from, 'NotifyEvent').length, 2);
});

test('TC_N_24_CS Periodic and clock-aligned monitors: NotifyEvent trigger Periodic every period on the station clock', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  await monitor(b, { value: 60, type: 'Periodic', severity: 5, ...HEARTBEAT }, { value: 900, type: 'PeriodicClockAligned', severity: 5, ...OFFLINE_THRESHOLD });
  await b.advance(60_000);
  await b.advance(60_000);
  const periodic = (await b.waitFor('NotifyEvent', { from, count: 2 })).map((c) => c.params.eventData[0]);
  assert.deepEqual(periodic.map((e) => [e.trigger, e.variable.name, e.actualValue]), [['Periodic', 'HeartbeatInterval', '300'], ['Periodic', 'HeartbeatInterval', '300']]);
  for (let i = 0; i < 13; i++) await b.advance(60_000);
  const aligned = events(b, from).filter((e) => e.variable.name === 'OfflineThreshold');
  assert.equal(aligned.length, 1);
  assert.equal(Date.parse(aligned[0]!.timestamp) % 900_000, 0, 'on the quarter hour');
});

/** Drop the link from the CSMS side and wait until the station saw it. */
async function dropLink(b: Bench201): Promise<void> {
  await (await b.client()).close({ force: true });
  for (let i = 0; i < 200 && b.cs.connected; i++) await b.settle(5);
  assert.equal(b.cs.connected, false);
}

test('TC_N_22_CS / TC_N_23_CS Offline: events of severity ≤ OfflineQueuingSeverity are queued and sent after the reconnect, the others dropped', async (t) => {
  const b = await withBench(t, { profile: { variables: { 'MonitoringCtrlr.OfflineQueuingSeverity': 4, 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 100, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 } } });
  await monitor(b, { value: 0, type: 'Delta', severity: 3, ...CONNECTOR_STATE }, { value: 0, type: 'Delta', severity: 8, ...EVSE1_STATE });
  await dropLink(b);
  const from = b.calls.length;
  b.cs.plugIn(1);
  for (let i = 0; i < 10 && !b.cs.connected; i++) await b.advance(60_000);
  const [queued] = await b.waitFor('NotifyEvent', { from });
  await b.settle(30);
  assert.deepEqual(events(b, from).map((e) => [e.component.name, e.actualValue]), [['Connector', 'Occupied']], 'severity 3 kept, severity 8 dropped');
  assert.ok(Date.parse(queued!.params.eventData[0].timestamp) < queued!.at, 'raised while offline');
});

test('TC_N_53_CS Custom monitors persist over a restart with --state-dir', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cs201-monitors-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const b = await withBench201(t, { stateDir: dir });
  const [m] = await monitor(b, { value: 400, type: 'UpperThreshold', severity: 5, ...OFFLINE_THRESHOLD });
  await b.settle(20);
  await b.cs.close();
  const again = new ChargingStation(`${b.url}CS1`, 'CS1', { boot: 'auto', stateDir: dir });
  t.after(() => again.close());
  await again.connect();
  const kept = again.monitoring.monitors.get(m!.id);
  assert.deepEqual([kept?.type, kept?.value, kept?.severity, kept?.origin], ['UpperThreshold', 400, 5, 'CustomMonitor']);
});

test('TC_N_21_CS Alert Event - caused by a hard-wired trigger: the cable lock fails, NotifyEvent HardWiredNotification on ConnectorPlugRetentionLock.Problem', async (t) => {
  const b = await withBench(t, { profile: { hardware: { lockFails: true } } });
  const from = b.calls.length;
  b.cs.plugIn(1);
  const [event] = await b.waitFor('NotifyEvent', { from });
  const data = event!.params.eventData[0];
  assert.deepEqual([data.eventNotificationType, data.component.name, data.variable.name, data.actualValue], ['HardWiredNotification', 'ConnectorPlugRetentionLock', 'Problem', 'true']);
});
