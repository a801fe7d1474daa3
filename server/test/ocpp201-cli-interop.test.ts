/**
 * The script-less 2.0.1 CLI (`main.js --protocol 2.0.1 --cps 1`) against an independent
 * implementation: an `ocpp-rpc` RPCServer in strict mode on `ocpp2.0.1` sends every
 * CSMS-initiated Core action. Every answer must be schema-valid (ocpp-rpc checks), no CALLERROR
 * unless the specification asks for one, follow-ups in the specification's order, and never two
 * CALLs in flight against a deliberately slow server. Then the same CLI is killed mid-transaction
 * with `--state-dir` and restarted: nothing of its queue is lost.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RPCServer, type RPCClient } from 'ocpp-rpc';
import { DEFAULT_ANSWERS } from './cs201-harness';
import { freePort } from './helpers';

type Params = Record<string, any>;
const MAIN = path.resolve(__dirname, '../src/runtime/main.js');
/** Long enough that a pipelined second CALL would arrive while the first is still in the handler. */
const HANDLER_DELAY_MS = 25;
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Csms {
  url: string;
  calls: { action: string; params: Params }[];
  failures: unknown[];
  maxInFlight: number;
  /** Set to hold back TransactionEvent answers (a CSMS that stopped answering). */
  silent: { TransactionEvent: boolean };
  client(): Promise<RPCClient>;
  waitFor(action: string, match?: (p: Params) => boolean, from?: number, ms?: number): Promise<Params>;
  close(): Promise<void>;
}

async function strictCsms(): Promise<Csms> {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  let current: RPCClient | undefined;
  let waiting: ((c: RPCClient) => void)[] = [];
  const csms: Csms = {
    url: '',
    calls: [],
    failures: [],
    maxInFlight: 0,
    silent: { TransactionEvent: false },
    client: () => (current ? Promise.resolve(current) : new Promise((r) => waiting.push(r))),
    async waitFor(action, match = () => true, from = 0, ms = 8000) {
      for (let waited = 0; ; waited += 10) {
        const hit = csms.calls.slice(from).find((c) => c.action === action && match(c.params));
        if (hit) return hit.params;
        if (waited > ms) throw new Error(`no ${action} within ${ms} ms; got ${csms.calls.slice(from).map((c) => c.action).join(', ')}`);
        await pause(10);
      }
    },
    close: () => server.close({ force: true }),
  };
  let inFlight = 0;
  server.on('client', (client: RPCClient) => {
    current = client;
    client.on('close', () => {
      if (current === client) current = undefined;
    });
    client.on('strictValidationFailure', (e: { error?: Error }) => csms.failures.push(e.error?.message ?? e));
    client.on('badMessage', (e: unknown) => csms.failures.push(e));
    client.handle(async ({ method = '', params }: { method?: string; params?: any }) => {
      csms.calls.push({ action: method, params });
      inFlight++;
      csms.maxInFlight = Math.max(csms.maxInFlight, inFlight);
      try {
        if (method === 'TransactionEvent' && csms.silent.TransactionEvent) await new Promise(() => undefined);
        await pause(HANDLER_DELAY_MS);
        return DEFAULT_ANSWERS[method]!(params ?? {});
      } finally {
        inFlight--;
      }
    });
    for (const w of waiting.splice(0)) w(client);
  });
  const http = await server.listen(0, '127.0.0.1');
  csms.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  return csms;
}

function startCli(url: string, extra: string[] = []): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [MAIN, '--protocol', '2.0.1', '--cps', '1', '--url', url, '--id-prefix', 'CS', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([exited, pause(5000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

const TOKEN = { idToken: 'AABBCCDD', type: 'ISO14443' };

/** A strict CSMS and a script-less CLI station booted against it (both stopped after the test), with a call helper. */
async function bootedCli(t: { after: (fn: () => unknown) => void }) {
  const csms = await strictCsms();
  const cli = startCli(csms.url);
  t.after(async () => {
    await stop(cli.child);
    await csms.close();
  });
  await csms.waitFor('StatusNotification');
  const client = await csms.client();
  const call = async (action: string, params: Params): Promise<Params> => (await client.call(action, params)) as Params;
  return { csms, cli, call, mark: () => csms.calls.length };
}

test('every CSMS-initiated Core action against the script-less 2.0.1 CLI: valid answers, spec order, one CALL at a time', { timeout: 60_000 }, async (t) => {
  const { csms, cli, call, mark } = await bootedCli(t);
  const cv = (component: string, variable: string) => ({ component: { name: component }, variable: { name: variable } });

  assert.equal((await call('GetVariables', { getVariableData: [cv('OCPPCommCtrlr', 'HeartbeatInterval')] })).getVariableResult[0].attributeValue, '300');
  assert.equal((await call('SetVariables', { setVariableData: [{ ...cv('OCPPCommCtrlr', 'HeartbeatInterval'), attributeValue: '600' }] })).setVariableResult[0].attributeStatus, 'Accepted');
  let from = mark();
  assert.deepEqual(await call('GetBaseReport', { requestId: 9, reportBase: 'FullInventory' }), { status: 'Accepted' });
  await csms.waitFor('NotifyReport', (p) => p.requestId === 9 && p.tbc === false, from);
  assert.ok(csms.calls.slice(from).filter((c) => c.action === 'NotifyReport').every((c) => c.params.requestId === 9));
  from = mark();
  assert.deepEqual(await call('GetReport', { requestId: 10, componentVariable: [cv('TxCtrlr', 'TxStartPoint')] }), { status: 'Accepted' });
  await csms.waitFor('NotifyReport', (p) => p.requestId === 10, from);
  from = mark();
  assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
  await csms.waitFor('Heartbeat', undefined, from);
  from = mark();
  assert.deepEqual(await call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }), { status: 'Accepted' });
  await csms.waitFor('StatusNotification', (p) => p.connectorStatus === 'Unavailable', from);
  assert.deepEqual(await call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } }), { status: 'Accepted' });
  assert.deepEqual(await call('ClearCache', {}), { status: 'Accepted' });
  assert.deepEqual(await call('SendLocalList', { versionNumber: 3, updateType: 'Full', localAuthorizationList: [{ idToken: TOKEN, idTokenInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });
  assert.deepEqual(await call('GetLocalListVersion', {}), { versionNumber: 3 });
  assert.deepEqual(await call('ReserveNow', { id: 4, expiryDateTime: new Date(Date.now() + 60_000).toISOString(), idToken: TOKEN, evseId: 1 }), { status: 'Accepted' });
  assert.deepEqual(await call('CancelReservation', { reservationId: 4 }), { status: 'Accepted' });
  assert.deepEqual(await call('DataTransfer', { vendorId: 'com.example' }), { status: 'UnknownVendorId' });
  assert.deepEqual(await call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'Unlocked' });
  assert.deepEqual(await call('SetNetworkProfile', { configurationSlot: 999, connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: csms.url, messageTimeout: 30, securityProfile: 1, ocppInterface: 'Wired0' } }), { status: 'Rejected' });

  // GetLog, CustomerInformation, UpdateFirmware: answered in kind, the follow-ups carry the requestId.
  from = mark();
  const dead = `ftp://127.0.0.1:${await freePort()}/`;
  assert.equal((await call('GetLog', { logType: 'SecurityLog', requestId: 11, retries: 0, log: { remoteLocation: dead } })).status, 'Accepted');
  await csms.waitFor('LogStatusNotification', (p) => p.requestId === 11 && p.status === 'UploadFailure', from);
  assert.deepEqual(await call('CustomerInformation', { requestId: 12, report: true, clear: false, idToken: TOKEN }), { status: 'Accepted' });
  assert.equal((await csms.waitFor('NotifyCustomerInformation', (p) => p.requestId === 12, from)).seqNo, 0);
  assert.deepEqual(await call('UpdateFirmware', { requestId: 13, firmware: { location: dead, retrieveDateTime: new Date().toISOString() } }), { status: 'Rejected' });

  // RequestStartTransaction → Authorize (AuthorizeRemoteStart) → TransactionEvent Started with remoteStartId.
  from = mark();
  assert.deepEqual(await call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 42, evseId: 1 }), { status: 'Accepted' });
  const started = await csms.waitFor('TransactionEvent', (p) => p.eventType === 'Started', from);
  const order = csms.calls.slice(from).map((c) => c.action);
  assert.ok(order.indexOf('Authorize') >= 0 && order.indexOf('Authorize') < order.indexOf('TransactionEvent'), order.join());
  assert.equal(started.transactionInfo.remoteStartId, 42);
  const transactionId = started.transactionInfo.transactionId;
  // The Started event may still wait for the slow CSMS's answer, so only the indicator is certain.
  assert.equal((await call('GetTransactionStatus', { transactionId })).ongoingIndicator, true);
  from = mark();
  assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } }), { status: 'Accepted' });
  assert.equal((await csms.waitFor('TransactionEvent', (p) => p.triggerReason === 'Trigger', from)).eventType, 'Updated');
  from = mark();
  assert.deepEqual(await call('RequestStopTransaction', { transactionId }), { status: 'Accepted' });
  assert.equal((await csms.waitFor('TransactionEvent', (p) => p.eventType === 'Ended', from)).transactionInfo.stoppedReason, 'Remote');

  // Reset Immediate → TransactionEvent Ended (ImmediateReset) → reboot → BootNotification.
  assert.deepEqual(await call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 43, evseId: 1 }), { status: 'Accepted' });
  await csms.waitFor('TransactionEvent', (p) => p.transactionInfo.remoteStartId === 43);
  from = mark();
  assert.deepEqual(await call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
  const boot = await csms.waitFor('BootNotification', undefined, from);
  assert.equal(boot.reason, 'RemoteReset');
  const afterReset = csms.calls.slice(from).map((c) => `${c.action}${c.params.eventType ? ` ${c.params.eventType} ${c.params.transactionInfo.stoppedReason ?? ''}`.trimEnd() : ''}`);
  assert.ok(afterReset.indexOf('TransactionEvent Ended ImmediateReset') >= 0 && afterReset.indexOf('TransactionEvent Ended ImmediateReset') < afterReset.indexOf('BootNotification'), afterReset.join());
  await csms.waitFor('StatusNotification', undefined, csms.calls.findIndex((c, i) => i >= from && c.action === 'BootNotification'));

  assert.deepEqual(csms.failures, [], cli.output());
  assert.equal(csms.maxInFlight, 1, 'never two CALLs in flight');
});

test('every monitoring, display-message and cost action against the script-less 2.0.1 CLI: valid answers, SetVariableMonitoring then a change → NotifyEvent', { timeout: 60_000 }, async (t) => {
  const { csms, cli, call, mark } = await bootedCli(t);
  const offlineThreshold = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } };

  // N04 then N07: the monitor, the change, and only then the event.
  const [installed] = (await call('SetVariableMonitoring', { setMonitoringData: [{ value: 400, type: 'UpperThreshold', severity: 5, ...offlineThreshold }] })).setMonitoringResult;
  assert.equal(installed.status, 'Accepted');
  let from = mark();
  assert.equal((await call('SetVariables', { setVariableData: [{ ...offlineThreshold, attributeValue: '500' }] })).setVariableResult[0].attributeStatus, 'Accepted');
  const event = await csms.waitFor('NotifyEvent', undefined, from);
  assert.deepEqual([event.eventData[0].trigger, event.eventData[0].actualValue, event.eventData[0].variableMonitoringId], ['Alerting', '500', installed.id]);
  from = mark();
  assert.deepEqual(await call('GetMonitoringReport', { requestId: 21, monitoringCriteria: ['ThresholdMonitoring'] }), { status: 'Accepted' });
  const monitors = await csms.waitFor('NotifyMonitoringReport', (p) => p.requestId === 21, from);
  assert.ok(monitors.monitor.some((m: Params) => m.variable.name === 'OfflineThreshold'));
  assert.deepEqual(await call('SetMonitoringLevel', { severity: 8 }), { status: 'Accepted' });
  assert.deepEqual((await call('ClearVariableMonitoring', { id: [installed.id, 1] })).clearMonitoringResult, [{ id: installed.id, status: 'Accepted' }, { id: 1, status: 'Rejected' }]);
  assert.deepEqual(await call('SetMonitoringBase', { monitoringBase: 'FactoryDefault' }), { status: 'Accepted' });

  // O01-O05.
  assert.deepEqual(await call('SetDisplayMessage', { message: { id: 1, priority: 'InFront', message: { format: 'UTF8', content: 'Welcome' } } }), { status: 'Accepted' });
  from = mark();
  assert.deepEqual(await call('GetDisplayMessages', { requestId: 22 }), { status: 'Accepted' });
  assert.equal((await csms.waitFor('NotifyDisplayMessages', (p) => p.requestId === 22, from)).messageInfo[0].message.content, 'Welcome');
  assert.deepEqual(await call('ClearDisplayMessage', { id: 1 }), { status: 'Accepted' });
  assert.deepEqual(await call('GetDisplayMessages', { requestId: 23, id: [1] }), { status: 'Unknown' });

  // I02: a running transaction's cost.
  from = mark();
  assert.deepEqual(await call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 7, evseId: 1 }), { status: 'Accepted' });
  const started = await csms.waitFor('TransactionEvent', (p) => p.eventType === 'Started', from);
  assert.deepEqual(await call('CostUpdated', { totalCost: 3.2, transactionId: started.transactionInfo.transactionId }), {});

  assert.deepEqual(csms.failures, [], cli.output());
  assert.equal(csms.maxInFlight, 1, 'never two CALLs in flight');
});

test('the 2.0.1 queue survives a killed simulator with --state-dir: every event delivered, the transaction ends PowerLoss', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cs201-kill-'));
  const csms = await strictCsms();
  let cli = startCli(csms.url, ['--state-dir', dir]);
  t.after(async () => {
    await stop(cli.child);
    await csms.close();
    await rm(dir, { recursive: true, force: true });
  });
  await csms.waitFor('StatusNotification');
  let client = await csms.client();
  await client.call('SetVariables', { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' }] });
  await client.call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 1, evseId: 1 });
  const started = await csms.waitFor('TransactionEvent', (p) => p.eventType === 'Started');
  csms.silent.TransactionEvent = true; // the CSMS stops answering: the events pile up in the queue
  await csms.waitFor('TransactionEvent', (p) => p.seqNo === 1);
  await pause(2500);
  await stop(cli.child, 'SIGKILL');
  csms.silent.TransactionEvent = false;
  const from = csms.calls.length;
  cli = startCli(csms.url, ['--state-dir', dir]);
  client = await csms.client();
  const ended = await csms.waitFor('TransactionEvent', (p) => p.eventType === 'Ended', from);
  assert.equal(ended.transactionInfo.stoppedReason, 'PowerLoss');
  assert.equal(ended.transactionInfo.transactionId, started.transactionInfo.transactionId);
  const seqNos = csms.calls.filter((c) => c.action === 'TransactionEvent').map((c) => c.params.seqNo as number);
  const distinct = [...new Set(seqNos)].sort((a, b) => a - b);
  assert.deepEqual(distinct, distinct.map((_s, i) => i), `no seqNo lost: ${seqNos.join()}`);
  assert.ok(distinct.length >= 4, `the queued Updated events came through: ${seqNos.join()}`);
  assert.deepEqual(csms.failures, [], cli.output());
});

test('every smart-charging action against the script-less 2.0.1 CLI: valid answers, ReportChargingProfiles with the requestId, a remote start with a TxProfile', { timeout: 60_000 }, async (t) => {
  const { csms, cli, call, mark } = await bootedCli(t);
  const start = new Date().toISOString();
  const schedule = (id: number, limit: number, unit = 'A') => [{ id, startSchedule: start, chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] }];
  const max = { id: 1, stackLevel: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Absolute', chargingSchedule: schedule(1, 11040, 'W') };
  const txDefault = { id: 2, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: schedule(2, 10) };

  assert.deepEqual(await call('SetChargingProfile', { evseId: 0, chargingProfile: max }), { status: 'Accepted' });
  assert.deepEqual(await call('SetChargingProfile', { evseId: 1, chargingProfile: txDefault }), { status: 'Accepted' });
  const refused = await call('SetChargingProfile', { evseId: 0, chargingProfile: { ...txDefault, id: 3, chargingProfilePurpose: 'ChargingStationExternalConstraints' } });
  assert.equal(refused.status, 'Rejected');
  let from = mark();
  assert.deepEqual(await call('GetChargingProfiles', { requestId: 31, chargingProfile: { chargingLimitSource: ['CSO'] } }), { status: 'Accepted' });
  await csms.waitFor('ReportChargingProfiles', (p) => p.requestId === 31 && !p.tbc, from);
  const reported = csms.calls.slice(from).filter((c) => c.action === 'ReportChargingProfiles');
  assert.deepEqual(reported.flatMap((c) => c.params.chargingProfile.map((p: Params) => p.id)).sort(), [1, 2]);
  assert.deepEqual(await call('GetChargingProfiles', { requestId: 32, evseId: 1, chargingProfile: { stackLevel: 5 } }), { status: 'NoProfiles' });
  // 10 A × 230 V × 3 = 6900 W, under the 11 040 W maximum.
  const composite = await call('GetCompositeSchedule', { evseId: 1, duration: 300, chargingRateUnit: 'W' });
  assert.equal(composite.status, 'Accepted');
  assert.deepEqual(composite.schedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6900 }]);
  assert.equal((await call('GetCompositeSchedule', { evseId: 9, duration: 300 })).status, 'Rejected');

  // K05: the remote start's TxProfile belongs to the transaction it starts.
  from = mark();
  const txProfile = { id: 4, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: [{ id: 4, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] }] };
  assert.deepEqual(await call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 50, evseId: 1, chargingProfile: txProfile }), { status: 'Accepted' });
  const started = await csms.waitFor('TransactionEvent', (p) => p.eventType === 'Started', from);
  from = mark();
  assert.deepEqual(await call('GetChargingProfiles', { requestId: 33, evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxProfile' } }), { status: 'Accepted' });
  const report = await csms.waitFor('ReportChargingProfiles', (p) => p.requestId === 33, from);
  assert.equal(report.chargingProfile[0].transactionId, started.transactionInfo.transactionId);

  assert.deepEqual(await call('ClearChargingProfile', { chargingProfileId: 2 }), { status: 'Accepted' });
  assert.deepEqual(await call('ClearChargingProfile', { chargingProfileCriteria: { evseId: 0, chargingProfilePurpose: 'ChargingStationMaxProfile' } }), { status: 'Accepted' });
  assert.deepEqual(await call('ClearChargingProfile', { chargingProfileId: 2 }), { status: 'Unknown' });
  assert.deepEqual(csms.failures, [], cli.output());
  assert.equal(csms.maxInFlight, 1, 'never two CALLs in flight');
});
