/**
 * OCPP 2.0.1 stations in server mode, over the REST API on real sockets: the in-process mock CSMS
 * (both versions on one port) and the web server. A station is created with `protocol: '2.0.1'`,
 * driven per EVSE from the connector board's routes (the CSMS's transaction book shows the
 * TransactionEvent Started / Ended), its frames are listed with round-trip times, its device
 * model read and edited under SetVariables rules, the action panel's payloads checked against the
 * 2.0.1 schemas, and a CSMS call answered by hand.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MockCsms, type CertificateSigningResult, type MockCsmsOptions } from '../src/csms/mock-csms';
import { createCa } from '../src/security/pki';
import { ocpp201 } from '../src/ocpp/v201/protocol';
import { SchemaValidator } from '../src/ocpp/validator';
import type { ChargepointSummary, FrameRecord, PendingCall } from '../src/web/registry';
import { startWebServer } from '../src/web/server';
import type { VariableRow } from '../src/web/station-view-v201';
import { STATION_ACTIONS_201 } from '../src/web/templates-v201';
import { freePortPair, until } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
type Json = any;

async function setup(t: { after: (fn: () => Promise<void>) => void }, csmsOptions: Partial<MockCsmsOptions> = {}) {
  const csms = new MockCsms({ port: 0, host: '127.0.0.1', ...csmsOptions });
  await csms.listen();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-web201-'));
  const port = await freePortPair();
  const web = await startWebServer({ port, bind: '127.0.0.1', root, csms });
  t.after(async () => {
    await web.close();
    await csms.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  // The token goes along (console scripts need it on every address; the rest does not on loopback).
  const api = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${web.token}` };
    const res = await fetch(`http://127.0.0.1:${port}/api${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { csms, api, wsUrl: `${csms.url.replace(/\/+$/, '')}/` };
}

test('a 2.0.1 station is created, connected and driven per EVSE; the CSMS book shows TransactionEvent Started and Ended; frames carry rtt', async (t) => {
  const { csms, api, wsUrl } = await setup(t);
  const created = await api('POST', '/chargepoints', { id: 'WEB201', url: wsUrl, protocol: '2.0.1', connect: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const s: ChargepointSummary = created.body;
  assert.deepEqual([s.protocol, s.state, s.bootState, s.connectors], ['ocpp2.0.1', 'connected', 'Accepted', []]);
  assert.ok(s.evses && s.evses.length >= 1 && s.evses[0]!.connectors[0]!.status === 'Available', JSON.stringify(s.evses));
  const v16 = await api('POST', '/chargepoints', { id: 'WEB16', url: wsUrl });
  assert.equal(v16.body.protocol, 'ocpp1.6', 'a 1.6 summary names its protocol too');
  assert.equal(v16.body.evses, undefined);

  // Plug in, then present a card: TxStartPoint (default PowerPathClosed/EVConnected+Authorized) starts the transaction.
  const plugged = await api('POST', '/chargepoints/WEB201/evses/1/plug-in');
  assert.equal(plugged.status, 200, JSON.stringify(plugged.body));
  assert.deepEqual([plugged.body.evses[0].connectors[0].status, plugged.body.evses[0].connectors[0].plugged], ['Occupied', true]);
  const token = await api('POST', '/chargepoints/WEB201/evses/1/present-token', { idToken: '04A1B2C3D4E5F6' });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  await until(() => csms.transactions.open().some((r) => r.cpId === 'WEB201' && r.version === '2.0.1' && r.idTag === '04A1B2C3D4E5F6'), 'TransactionEvent Started in the CSMS book');
  const charging = (await api('GET', '/chargepoints/WEB201')).body as ChargepointSummary;
  const tx = charging.evses![0]!.transaction!;
  assert.equal(tx.idToken, '04A1B2C3D4E5F6');
  assert.equal(tx.chargingState, 'Charging');
  assert.equal((await api('POST', '/chargepoints/WEB201/evses/1/stop')).status, 200);
  await until(() => csms.transactions.finished().some((r) => r.transactionId === tx.id && r.reason === 'Local'), 'TransactionEvent Ended (Local) in the CSMS book');
  assert.equal((await api('POST', '/chargepoints/WEB201/evses/1/stop')).status, 409, 'no transaction left to stop');

  // start = present the token and plug in, in one step.
  const started = await api('POST', '/chargepoints/WEB201/evses/1/start', { idToken: 'CARD-2', type: 'Local' });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  await until(() => csms.transactions.open().some((r) => r.cpId === 'WEB201' && r.idTag === 'CARD-2'), 'the second transaction');
  assert.equal((await api('POST', '/chargepoints/WEB201/evses/1/stop')).status, 200);
  await until(() => csms.transactions.open().every((r) => r.cpId !== 'WEB201'), 'the second transaction ended');

  // Fault and clear a connector; bad addresses and operations are 400s naming the fix.
  assert.equal((await api('POST', '/chargepoints/WEB201/evses/1/fault', { connectorId: 1 })).body.evses[0].connectors[0].status, 'Faulted');
  assert.equal((await api('POST', '/chargepoints/WEB201/evses/1/clear-fault')).body.evses[0].connectors[0].status, 'Available');
  const wrongRoute = await api('POST', '/chargepoints/WEB201/connectors/1/plug-in');
  assert.equal(wrongRoute.status, 400);
  assert.match(wrongRoute.body.error, /per EVSE: \/evses/);
  assert.match((await api('POST', '/chargepoints/WEB16/evses/1/plug-in')).body.error, /per connector/);
  assert.match((await api('POST', '/chargepoints/WEB201/evses/9/plug-in')).body.error, /EVSE 9 does not exist/);
  assert.match((await api('POST', '/chargepoints/WEB201/evses/1/dance')).body.error, /unknown operation dance/);
  assert.match((await api('POST', '/chargepoints/WEB201/evses/1/start', { idToken: '' })).body.error, /idToken is required/);

  const frames: FrameRecord[] = (await api('GET', '/chargepoints/WEB201/frames')).body;
  const events = frames.filter((f) => f.action === 'TransactionEvent');
  const calls = events.filter((f) => f.messageType === 2 && f.direction === 'out');
  const answers = events.filter((f) => f.messageType === 3 && f.direction === 'in');
  assert.ok(calls.length >= 4 && answers.length === calls.length, `${calls.length} TransactionEvent CALLs, ${answers.length} answers`);
  assert.ok(answers.every((f) => typeof f.rttMs === 'number' && f.rttMs >= 0), 'every answer carries its round-trip time');
  const types = calls.map((f) => (JSON.parse(f.text) as [number, string, string, { eventType: string }])[3].eventType);
  assert.deepEqual([types[0], types.at(-1)], ['Started', 'Ended']);
  assert.ok(frames.every((f, i) => i === 0 || f.seq > frames[i - 1]!.seq), 'seq increases');
});

test('the device model is a table of attributes; edits go through SetVariables: accepted, ReadOnly refused with the reason, type checked', async (t) => {
  const { api, wsUrl } = await setup(t);
  assert.equal((await api('POST', '/chargepoints', { id: 'DM201', url: wsUrl, protocol: 'ocpp2.0.1' })).status, 201);
  const rows: VariableRow[] = (await api('GET', '/chargepoints/DM201/variables')).body.variables;
  const find = (component: string, variable: string, evse?: number) => rows.find((r) => r.component.name === component && r.variable.name === variable && r.component.evse?.id === evse && r.attributeType === 'Actual');
  const hb = find('OCPPCommCtrlr', 'HeartbeatInterval')!;
  assert.equal(hb.mutability, 'ReadWrite');
  assert.equal(hb.characteristics.dataType, 'integer');
  assert.ok(rows.some((r) => r.component.evse?.id === 1 && r.component.evse.connectorId === 1), 'connector components carry their EVSE');
  assert.ok(rows.every((r) => ['Actual', 'Target', 'MinSet', 'MaxSet'].includes(r.attributeType)), 'one row per attribute type');
  assert.equal(find('SecurityCtrlr', 'BasicAuthPassword')?.value, undefined, 'a WriteOnly value is never shown (B07.FR.04)');

  const ok = await api('PUT', '/chargepoints/DM201/variables', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, value: '120' });
  assert.deepEqual(ok, { status: 200, body: { status: 'Accepted' } });
  const after: VariableRow[] = (await api('GET', '/chargepoints/DM201/variables')).body.variables;
  assert.equal(after.find((r) => r.variable.name === 'HeartbeatInterval' && r.attributeType === 'Actual')?.value, '120');

  const readOnly = await api('PUT', '/chargepoints/DM201/variables', { component: { name: 'ChargingStation' }, variable: { name: 'SupplyPhases' }, value: '1' });
  assert.equal(readOnly.status, 200);
  assert.deepEqual(readOnly.body, { status: 'Rejected', reason: 'ChargingStation.SupplyPhases is ReadOnly' });
  const badType = await api('PUT', '/chargepoints/DM201/variables', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, value: 'soon' });
  assert.equal(badType.body.status, 'Rejected');
  assert.match(badType.body.reason, /"soon" does not fit OCPPCommCtrlr.HeartbeatInterval: dataType integer/);
  const unknown = await api('PUT', '/chargepoints/DM201/variables', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchThing' }, value: '1' });
  assert.deepEqual(unknown.body, { status: 'UnknownVariable', reason: 'no variable OCPPCommCtrlr.NoSuchThing' });
  const malformed = await api('PUT', '/chargepoints/DM201/variables', { component: 'OCPPCommCtrlr', value: '1' });
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.error, /not a SetVariables entry/);

  const config = await api('GET', '/chargepoints/DM201/configuration');
  assert.equal(config.status, 400);
  assert.match(config.body.error, /ocpp2\.0\.1: its settings are at \/api\/chargepoints\/DM201\/variables/);
});

test('the action panel of a 2.0.1 station: schema-valid templates, the 2.0.1 schema checked before sending, CSMS calls answered by hand', async (t) => {
  const { csms, api, wsUrl } = await setup(t);
  assert.equal((await api('POST', '/chargepoints', { id: 'ACT201', url: wsUrl, protocol: '2.0.1', connect: true })).body.bootState, 'Accepted');
  const info = (await api('GET', '/info')).body;
  assert.deepEqual(info.actionsByProtocol['ocpp2.0.1'].chargePoint, STATION_ACTIONS_201);
  assert.ok(info.actionsByProtocol['ocpp2.0.1'].csms.includes('SetVariables'));

  assert.equal((await api('POST', '/chargepoints/ACT201/evses/1/plug-in')).status, 200);
  const templates: Record<string, object> = (await api('GET', '/chargepoints/ACT201/templates')).body;
  assert.deepEqual(Object.keys(templates), STATION_ACTIONS_201);
  const validator = SchemaValidator.for(ocpp201);
  for (const [action, payload] of Object.entries(templates)) {
    const { violation } = validator.repair(action, 'request', payload as never);
    assert.equal(violation, undefined, `${action} template: ${violation?.message}`);
  }
  assert.equal((templates.StatusNotification as { connectorStatus: string }).connectorStatus, 'Occupied', 'from the station state');

  const heartbeat = await api('POST', '/chargepoints/ACT201/actions/Heartbeat', { payload: templates.Heartbeat });
  assert.equal(heartbeat.status, 200);
  assert.match(heartbeat.body.response.currentTime, /^\d{4}-/);
  const status = await api('POST', '/chargepoints/ACT201/actions/StatusNotification', { payload: templates.StatusNotification });
  assert.deepEqual(status, { status: 200, body: { response: {} } });
  const invalid = await api('POST', '/chargepoints/ACT201/actions/StatusNotification', { payload: { ...templates.StatusNotification, connectorStatus: 'Charging' } });
  assert.equal(invalid.status, 400, 'Charging is a 1.6 status, not a 2.0.1 connectorStatus');
  assert.ok(invalid.body.violation?.code, JSON.stringify(invalid.body));
  assert.match(JSON.stringify(invalid.body.violation.errors), /connectorStatus/);
  assert.match((await api('POST', '/chargepoints/ACT201/actions/StartTransaction', { payload: {} })).body.error, /not a charge-point-initiated ocpp2\.0\.1 action/);

  // A CSMS GetVariables held for a manual answer, answered from the REST API.
  assert.equal((await api('PUT', '/chargepoints/ACT201/manual-answers/ChangeConfiguration', { on: true })).status, 400, 'a 1.6 action');
  assert.deepEqual((await api('PUT', '/chargepoints/ACT201/manual-answers/GetVariables', { on: true })).body.manualAnswers, ['GetVariables']);
  const asked = csms.call('ACT201', 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
  let pending: PendingCall[] = [];
  await until(async () => (pending = (await api('GET', '/chargepoints/ACT201/pending')).body).length === 1, 'the held GetVariables');
  const answer = { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '42', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] };
  assert.equal((await api('POST', `/chargepoints/ACT201/pending/${pending[0]!.uniqueId}`, { payload: { getVariableResult: 'nope' } })).status, 400, 'checked against the 2.0.1 response schema');
  assert.equal((await api('POST', `/chargepoints/ACT201/pending/${pending[0]!.uniqueId}`, { payload: answer })).status, 200);
  assert.deepEqual(await asked, answer);

  // The automation switches and the built-in answers act on the station.
  const patched = await api('PATCH', '/chargepoints/ACT201/automation', { heartbeat: false, defaults: false });
  assert.deepEqual([patched.body.automation.heartbeat, patched.body.defaults], [false, false]);
  await assert.rejects(csms.call('ACT201', 'ClearCache', {}), /NotSupported|NotImplemented/, 'without the built-in answers an unhandled call is refused');

  // The console script's `cp` is the ChargingStation itself.
  const script = await api('POST', '/chargepoints/ACT201/script', { code: "return [cp.station.evses.length, cp.station.device.str('OCPPCommCtrlr', 'HeartbeatInterval')]" });
  assert.deepEqual(script, { status: 200, body: { output: [], result: [1, '300'] } });
});

test('iso15118 at creation: the station renews a V2G certificate the mock CSMS signs, and its Station state lists the chain; refused on 1.6 or when not a boolean', async (t) => {
  const { csms, api, wsUrl } = await setup(t, { pki: await createCa('web201 V2G CA') });
  assert.equal((await api('POST', '/chargepoints', { id: 'V2G16', url: wsUrl, iso15118: true })).status, 400);
  const notBoolean = await api('POST', '/chargepoints', { id: 'V2GX', url: wsUrl, protocol: '2.0.1', iso15118: 'yes' });
  assert.deepEqual([notBoolean.status, notBoolean.body.error], [400, 'iso15118 must be true or false']);
  const created = await api('POST', '/chargepoints', { id: 'V2G201', url: wsUrl, protocol: '2.0.1', iso15118: true, connect: true });
  assert.equal(created.body.bootState, 'Accepted');
  const signed = new Promise<CertificateSigningResult>((resolve) => csms.once('certificateSigned', (_s: unknown, r: CertificateSigningResult) => resolve(r)));
  assert.deepEqual(await csms.call('V2G201', 'TriggerMessage', { requestedMessage: 'SignV2GCertificate' }), { status: 'Accepted' });
  assert.equal((await signed).status, 'Accepted');
  const state = (await api('GET', '/chargepoints/V2G201/station')).body;
  const v2g = state.security.certificates.find((c: { type: string }) => c.type === 'V2GCertificateChain');
  assert.ok(v2g, JSON.stringify(state.security));
  assert.equal(v2g.serialNumber, new X509Certificate((await signed).certificateChain!).serialNumber.toLowerCase());
  assert.equal(state.security.renewalPending, false);
});
