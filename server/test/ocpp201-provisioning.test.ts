/**
 * OCTT 2.0.1 station cases of block B (boot, device model, reports) and P (data transfer),
 * driven from the CSMS side: an ocpp-rpc RPCServer in strict mode against one ChargingStation.
 * Each test asserts the frames the case checks; every test also checks that the strict server
 * refused nothing the station sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRPCError } from 'ocpp-rpc';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = (t: { after: (fn: () => unknown) => void }, options: Parameters<typeof withBench201>[1] = {}): Promise<Bench201> => withBench201(t, { awaitStatus: false, ...options });

const getOne = async (b: Bench201, component: Params, variable: Params, attributeType?: string): Promise<Params> =>
  ((await b.call('GetVariables', { getVariableData: [{ component, variable, ...(attributeType ? { attributeType } : {}) }] })).getVariableResult as Params[])[0]!;

const setOne = async (b: Bench201, component: Params, variable: Params, attributeValue: string, attributeType?: string): Promise<string> =>
  ((await b.call('SetVariables', { setVariableData: [{ component, variable, attributeValue, ...(attributeType ? { attributeType } : {}) }] })).setVariableResult as Params[])[0]!.attributeStatus;

const OFFLINE_THRESHOLD = [{ name: 'OCPPCommCtrlr' }, { name: 'OfflineThreshold' }] as const;

/** Collect the NotifyReport parts of one request (after index `from`) until the one with tbc false. */
async function reportOf(b: Bench201, requestId: number, from: number): Promise<Params[]> {
  const parts = await b.waitFor('NotifyReport', { from, match: (p) => p.requestId === requestId && p.tbc === false });
  assert.equal(parts.length, 1);
  return b.since(from, 'NotifyReport').map((c) => c.params).filter((p) => p.requestId === requestId);
}

test('TC_B_01_CS Cold Boot Charging Station - Accepted: BootNotification PowerUp, then every connector reported', async (t) => {
  const b = await withBench(t, { profile: { evses: [{ connectors: ['cType2'] }, { connectors: ['cCCS2', 'cType2'] }] } });
  await b.waitFor('StatusNotification', { count: 3 });
  await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'StartupOfTheDevice' });
  assert.equal(b.calls[0]!.action, 'BootNotification');
  assert.equal(b.calls[0]!.params.reason, 'PowerUp');
  assert.deepEqual(b.calls[0]!.params.chargingStation, { model: 'Virtual AC 22', vendorName: 'ocpp-sim', serialNumber: 'CS1', firmwareVersion: '1.0.0' });
  const reported = b.since(1, 'StatusNotification').map((c) => `${c.params.evseId}/${c.params.connectorId} ${c.params.connectorStatus}`);
  assert.deepEqual(reported, ['1/1 Available', '2/1 Available', '2/2 Available']);
});

test('TC_B_02_CS Cold Boot Charging Station - Pending: serves the CSMS, refuses a remote start, boots again when triggered', async (t) => {
  let status = 'Pending';
  const b = await withBench(t, { virtual: true, answers: { BootNotification: () => ({ currentTime: new Date().toISOString(), interval: 3600, status }) } });
  assert.equal(b.cs.station.bootState, 'Pending');
  // B02.FR.02: nothing but what the CSMS asks for while Pending.
  assert.equal(b.since(0, 'StatusNotification').length, 0);
  assert.equal((await getOne(b, ...OFFLINE_THRESHOLD)).attributeValue, '300');
  assert.equal(await setOne(b, ...OFFLINE_THRESHOLD, '200'), 'Accepted');
  const from = b.calls.length;
  assert.deepEqual(await b.call('GetBaseReport', { requestId: 1, reportBase: 'ConfigurationInventory' }), { status: 'Accepted' });
  assert.ok((await reportOf(b, 1, from)).length >= 1);
  assert.equal((await b.call('RequestStartTransaction', { idToken: { idToken: 'AABBCCDD', type: 'ISO14443' }, remoteStartId: 1 })).status, 'Rejected');
  status = 'Accepted';
  const before = b.calls.length;
  assert.equal((await b.call('TriggerMessage', { requestedMessage: 'BootNotification' })).status, 'Accepted');
  const [boot] = await b.waitFor('BootNotification', { from: before });
  assert.equal(boot!.params.reason, 'Triggered');
  await b.waitFor('StatusNotification', { from: before });
  assert.equal(b.cs.station.bootState, 'Accepted');
});

test('TC_B_03_CS Cold Boot Charging Station - Rejected: silent until the interval passed, then boots again', async (t) => {
  let status = 'Rejected';
  const b = await withBench(t, { virtual: true, answers: { BootNotification: () => ({ currentTime: new Date().toISOString(), interval: 20, status }) } });
  await b.advance(19_000);
  assert.deepEqual(b.calls.map((c) => c.action), ['BootNotification'], 'nothing before the interval expired');
  status = 'Accepted';
  await b.advance(1_500);
  await b.waitFor('BootNotification', { count: 2 });
  await b.waitFor('StatusNotification');
});

test('TC_B_30_CS Cold Boot Charging Station - Pending/Rejected - SecurityError: a Rejected station answers SecurityError', async (t) => {
  const b = await withBench(t, { virtual: true, answers: { BootNotification: () => ({ currentTime: new Date().toISOString(), interval: 60, status: 'Rejected' }) } });
  await assert.rejects(b.call('GetBaseReport', { requestId: 2, reportBase: 'FullInventory' }), (err: Error & { rpcErrorCode?: string }) => err.rpcErrorCode === 'SecurityError');
});

test('TC_B_06_CS Get Variables - single value; TC_B_07_CS multiple values', async (t) => {
  const b = await withBench(t);
  const one = await getOne(b, ...OFFLINE_THRESHOLD);
  assert.deepEqual(one, { attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } });
  const two = (await b.call('GetVariables', {
    getVariableData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } },
      { component: { name: 'AuthCtrlr' }, variable: { name: 'LocalAuthorizeOffline' } },
    ],
  })).getVariableResult as Params[];
  assert.deepEqual(two.map((r) => [r.attributeStatus, r.attributeValue]), [['Accepted', '300'], ['Accepted', 'true']]);
});

test('TC_B_32_CS / TC_B_33_CS / TC_B_34_CS Get Variables - unknown component, unknown variable, unsupported attribute type', async (t) => {
  const b = await withBench(t);
  assert.equal((await getOne(b, { name: 'NoSuchCtrlr' }, { name: 'OfflineThreshold' })).attributeStatus, 'UnknownComponent');
  assert.equal((await getOne(b, { name: 'OCPPCommCtrlr' }, { name: 'NoSuchVariable' })).attributeStatus, 'UnknownVariable');
  const target = await getOne(b, ...OFFLINE_THRESHOLD, 'Target');
  assert.equal(target.attributeStatus, 'NotSupportedAttributeType');
  assert.equal(target.attributeValue, undefined);
  // B06.FR.09: a WriteOnly variable is never read back.
  assert.equal((await getOne(b, { name: 'SecurityCtrlr' }, { name: 'BasicAuthPassword' })).attributeStatus, 'Rejected');
  // An EVSE that does not exist is an unknown component.
  assert.equal((await getOne(b, { name: 'EVSE', evse: { id: 9 } }, { name: 'AvailabilityState' })).attributeStatus, 'UnknownComponent');
});

test('attribute types: EVSE.Power has Actual and MaxSet (the EVSE rating); a profile component may carry Target / MinSet / MaxSet, each read, written and reported', async (t) => {
  const heater = { component: 'CableHeater', variable: 'Temperature', dataType: 'decimal', mutability: 'ReadWrite', unit: 'Celsius', minLimit: -40, maxLimit: 90, value: '20', attributes: ['Actual', 'Target', 'MinSet', 'MaxSet'], attributeValues: { Target: '25', MinSet: '5', MaxSet: '60' } };
  const b = await withBench(t, { profile: { evses: [{ maxPowerW: 11_000 }], components: [heater as never] } });
  const power = [{ name: 'EVSE', evse: { id: 1 } }, { name: 'Power' }] as const;
  assert.deepEqual(await getOne(b, ...power, 'MaxSet'), { attributeStatus: 'Accepted', attributeType: 'MaxSet', attributeValue: '11000', component: power[0], variable: power[1] });
  assert.equal(Number((await getOne(b, ...power)).attributeValue), 0, 'Actual: nothing drawn');
  assert.equal((await getOne(b, ...power, 'MinSet')).attributeStatus, 'NotSupportedAttributeType');
  assert.equal(await setOne(b, ...power, '5000', 'MaxSet'), 'Rejected', 'ReadOnly');
  const temperature = [{ name: 'CableHeater' }, { name: 'Temperature' }] as const;
  assert.equal((await getOne(b, ...temperature, 'MinSet')).attributeValue, '5');
  assert.equal(await setOne(b, ...temperature, '30', 'Target'), 'Accepted');
  assert.equal(await setOne(b, ...temperature, '120', 'MaxSet'), 'Rejected', 'above maxLimit');
  assert.equal((await getOne(b, ...temperature, 'Target')).attributeValue, '30');
  assert.equal((await getOne(b, ...temperature)).attributeValue, '20', 'the Actual value is its own');
  // B07.FR.04: the report lists every supported attribute with its value.
  const from = b.calls.length;
  await b.call('GetReport', { requestId: 77, componentVariable: [{ component: { name: 'CableHeater' } }, { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } }] });
  const entries = (await reportOf(b, 77, from)).flatMap((p) => p.reportData as Params[]);
  const attrs = (name: string) => entries.find((e) => e.component.name === name)!.variableAttribute.map((a: Params) => [a.type, a.value]);
  assert.deepEqual(attrs('CableHeater'), [['Actual', '20'], ['Target', '30'], ['MinSet', '5'], ['MaxSet', '60']]);
  assert.deepEqual(attrs('EVSE').map(([type]: string[]) => type), ['Actual', 'MaxSet']);
  assert.equal(attrs('EVSE')[1][1], '11000');
});

test('TC_B_09_CS / TC_B_10_CS Set Variables - single and multiple values, read back', async (t) => {
  const b = await withBench(t);
  assert.equal(await setOne(b, ...OFFLINE_THRESHOLD, '300'), 'Accepted');
  const results = (await b.call('SetVariables', {
    setVariableData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: '120' },
      { component: { name: 'AuthCtrlr' }, variable: { name: 'LocalPreAuthorize' }, attributeValue: 'true' },
    ],
  })).setVariableResult as Params[];
  assert.deepEqual(results.map((r) => r.attributeStatus), ['Accepted', 'Accepted']);
  assert.equal((await getOne(b, ...OFFLINE_THRESHOLD)).attributeValue, '120');
  assert.equal((await getOne(b, { name: 'AuthCtrlr' }, { name: 'LocalPreAuthorize' })).attributeValue, 'true');
});

test('TC_B_35_CS / TC_B_36_CS / TC_B_37_CS Set Variables - unknown component, unknown variable, unsupported attribute type', async (t) => {
  const b = await withBench(t);
  assert.equal(await setOne(b, { name: 'NoSuchCtrlr' }, { name: 'OfflineThreshold' }, '1'), 'UnknownComponent');
  assert.equal(await setOne(b, { name: 'OCPPCommCtrlr' }, { name: 'NoSuchVariable' }, '1'), 'UnknownVariable');
  assert.equal(await setOne(b, ...OFFLINE_THRESHOLD, '1', 'Target'), 'NotSupportedAttributeType');
});

test('TC_B_11_CS Set Variables - invalidly formatted values are Rejected, valid ones Accepted', async (t) => {
  const b = await withBench(t);
  const heartbeat = [{ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }] as const;
  for (const bad of ['12.5', 'abc', 'true', '2026-01-01T00:00:00Z', '0']) assert.equal(await setOne(b, ...heartbeat, bad), 'Rejected', bad);
  const flag = [{ name: 'TxCtrlr' }, { name: 'StopTxOnInvalidId' }] as const;
  for (const bad of ['1', 'yes', '12']) assert.equal(await setOne(b, ...flag, bad), 'Rejected', bad);
  assert.equal(await setOne(b, ...flag, 'false'), 'Accepted');
  const start = [{ name: 'TxCtrlr' }, { name: 'TxStopPoint' }] as const;
  assert.equal(await setOne(b, ...start, 'DataSigned'), 'Rejected', 'DataSigned cannot stop a transaction');
  assert.equal(await setOne(b, ...start, 'EVConnected,Authorized,Nonsense'), 'Rejected');
  assert.equal(await setOne(b, ...start, 'EVConnected'), 'Accepted');
  // A01.FR.01: a password of 16 to 40 characters.
  assert.equal(await setOne(b, { name: 'SecurityCtrlr' }, { name: 'BasicAuthPassword' }, 'short'), 'Rejected');
  assert.equal(await setOne(b, ...heartbeat, '60'), 'Accepted');
});

test('TC_B_39_CS Set Variables - Read-only: MessageTimeout[Default] is Rejected', async (t) => {
  const b = await withBench(t);
  assert.equal(await setOne(b, { name: 'OCPPCommCtrlr' }, { name: 'MessageTimeout', instance: 'Default' }, '45'), 'Rejected');
  assert.equal((await getOne(b, { name: 'OCPPCommCtrlr' }, { name: 'MessageTimeout', instance: 'Default' })).attributeValue, '30');
});

test('B06.FR.16 GetVariables with more entries than ItemsPerMessage[GetVariables] is an OccurrenceConstraintViolation', async (t) => {
  const b = await withBench(t, { profile: { variables: {} } });
  const entry = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } };
  await assert.rejects(b.call('GetVariables', { getVariableData: Array.from({ length: 51 }, () => entry) }), (err: Error & { rpcErrorCode?: string }) => err.rpcErrorCode === 'OccurrenceConstraintViolation');
});

test('TC_B_12_CS Get Base Report - ConfigurationInventory: only writable variables, seqNo from 0, tbc, one requestId', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('GetBaseReport', { requestId: 42, reportBase: 'ConfigurationInventory' }), { status: 'Accepted' });
  const parts = await reportOf(b, 42, from);
  assert.deepEqual(parts.map((p) => p.seqNo), parts.map((_p, i) => i));
  assert.deepEqual(parts.map((p) => p.tbc), parts.map((_p, i) => i < parts.length - 1));
  const entries = parts.flatMap((p) => p.reportData as Params[]);
  assert.ok(entries.length > 20);
  for (const e of entries) {
    const actual = (e.variableAttribute as Params[]).find((a) => a.type === 'Actual')!;
    assert.notEqual(actual.mutability, 'ReadOnly', `${e.component.name}.${e.variable.name}`);
    if (actual.mutability === 'WriteOnly') assert.equal(actual.value, undefined, 'never a WriteOnly value');
    if (['OptionList', 'MemberList', 'SequenceList'].includes(e.variableCharacteristics.dataType)) assert.ok(e.variableCharacteristics.valuesList, `${e.variable.name} has a valuesList`);
  }
  assert.ok(entries.some((e) => e.variable.name === 'BasicAuthPassword'));
});

test('TC_B_13_CS Get Base Report - FullInventory; TC_B_53_CS every mandatory Core variable is in it', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('GetBaseReport', { requestId: 43, reportBase: 'FullInventory' }), { status: 'Accepted' });
  const entries = (await reportOf(b, 43, from)).flatMap((p) => p.reportData as Params[]);
  const names = new Set(entries.map((e) => `${e.component.name}${e.component.evse ? `@${e.component.evse.id}${e.component.evse.connectorId ? `.${e.component.evse.connectorId}` : ''}` : ''}.${e.variable.name}${e.variable.instance ? `[${e.variable.instance}]` : ''}`));
  const required = [
    'OCPPCommCtrlr.HeartbeatInterval', 'OCPPCommCtrlr.MessageTimeout[Default]', 'OCPPCommCtrlr.MessageAttempts[TransactionEvent]',
    'OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]', 'OCPPCommCtrlr.NetworkConfigurationPriority', 'OCPPCommCtrlr.NetworkProfileConnectionAttempts',
    'OCPPCommCtrlr.OfflineThreshold', 'OCPPCommCtrlr.ResetRetries', 'OCPPCommCtrlr.UnlockOnEVSideDisconnect', 'OCPPCommCtrlr.FileTransferProtocols',
    'OCPPCommCtrlr.RetryBackOffWaitMinimum', 'OCPPCommCtrlr.RetryBackOffRandomRange', 'OCPPCommCtrlr.RetryBackOffRepeatTimes', 'OCPPCommCtrlr.WebSocketPingInterval',
    'SecurityCtrlr.SecurityProfile', 'SecurityCtrlr.OrganizationName', 'SecurityCtrlr.CertificateEntries', 'SecurityCtrlr.BasicAuthPassword',
    'AuthCtrlr.AuthorizeRemoteStart', 'AuthCtrlr.LocalAuthorizeOffline', 'AuthCtrlr.LocalPreAuthorize',
    'TxCtrlr.TxStartPoint', 'TxCtrlr.TxStopPoint', 'TxCtrlr.EVConnectionTimeOut', 'TxCtrlr.StopTxOnEVSideDisconnect', 'TxCtrlr.StopTxOnInvalidId',
    'SampledDataCtrlr.TxStartedMeasurands', 'SampledDataCtrlr.TxUpdatedMeasurands', 'SampledDataCtrlr.TxUpdatedInterval', 'SampledDataCtrlr.TxEndedMeasurands', 'SampledDataCtrlr.TxEndedInterval',
    'AlignedDataCtrlr.Interval', 'AlignedDataCtrlr.Measurands', 'AlignedDataCtrlr.TxEndedInterval', 'AlignedDataCtrlr.TxEndedMeasurands',
    'DeviceDataCtrlr.ItemsPerMessage[GetReport]', 'DeviceDataCtrlr.ItemsPerMessage[GetVariables]', 'DeviceDataCtrlr.BytesPerMessage[GetReport]', 'DeviceDataCtrlr.BytesPerMessage[GetVariables]',
    'ClockCtrlr.DateTime', 'ClockCtrlr.TimeSource',
    'ChargingStation.AvailabilityState', 'ChargingStation.Available', 'ChargingStation.SupplyPhases',
    'EVSE@1.AvailabilityState', 'EVSE@1.Available', 'EVSE@1.Power', 'Connector@1.1.AvailabilityState', 'Connector@1.1.Available', 'Connector@1.1.ConnectorType',
  ];
  assert.deepEqual(required.filter((r) => !names.has(r)), []);
  const power = entries.find((e) => e.component.name === 'EVSE' && e.variable.name === 'Power')!;
  assert.equal(power.variableCharacteristics.maxLimit, 22000);
});

test('TC_B_14_CS Get Base Report - SummaryInventory reports availability and problems', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  assert.deepEqual(await b.call('GetBaseReport', { requestId: 44, reportBase: 'SummaryInventory' }), { status: 'Accepted' });
  const entries = (await reportOf(b, 44, from)).flatMap((p) => p.reportData as Params[]);
  assert.ok(entries.some((e) => e.component.name === 'Connector' && e.variable.name === 'AvailabilityState' && e.variableAttribute[0].value === 'Available'));
  assert.ok(entries.every((e) => ['AvailabilityState', 'Available', 'Problem'].includes(e.variable.name)));
});

test('TC_B_17_CS / TC_B_18_CS / TC_B_56_CS Get Custom Report - component/variable with and without criteria and EVSE', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  let from = b.calls.length;
  const evse1 = { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } };
  assert.deepEqual(await b.call('GetReport', { requestId: 50, componentVariable: [evse1] }), { status: 'Accepted' });
  const [only] = (await reportOf(b, 50, from)).flatMap((p) => p.reportData as Params[]);
  assert.deepEqual(only!.variableAttribute, [{ type: 'Actual', value: 'Available', mutability: 'ReadOnly', persistent: false, constant: false }]);
  assert.equal(only!.variableCharacteristics.dataType, 'OptionList');
  from = b.calls.length;
  assert.deepEqual(await b.call('GetReport', { requestId: 51, componentCriteria: ['Available'], componentVariable: [evse1] }), { status: 'Accepted' });
  await reportOf(b, 51, from);
  assert.deepEqual(await b.call('GetReport', { requestId: 52, componentCriteria: ['Problem'], componentVariable: [evse1] }), { status: 'EmptyResultSet' });
  from = b.calls.length;
  assert.deepEqual(await b.call('GetReport', { requestId: 53, componentVariable: [{ component: { name: 'EVSE' }, variable: { name: 'AvailabilityState' } }] }), { status: 'Accepted' });
  const perEvse = (await reportOf(b, 53, from)).flatMap((p) => p.reportData as Params[]);
  assert.deepEqual(perEvse.map((e) => e.component.evse.id), [1, 2]);
});

test('TC_B_54_CS / TC_B_55_CS Get Custom Report - variable with and without instance', async (t) => {
  const b = await withBench(t);
  let from = b.calls.length;
  const items = { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage' } };
  assert.deepEqual(await b.call('GetReport', { requestId: 60, componentVariable: [items] }), { status: 'Accepted' });
  const all = (await reportOf(b, 60, from)).flatMap((p) => p.reportData as Params[]);
  assert.deepEqual(all.map((e) => e.variable.instance).sort(), ['GetReport', 'GetVariables', 'SetVariables']);
  from = b.calls.length;
  assert.deepEqual(await b.call('GetReport', { requestId: 61, componentVariable: [{ ...items, variable: { name: 'ItemsPerMessage', instance: 'GetVariables' } }] }), { status: 'Accepted' });
  const one = (await reportOf(b, 61, from)).flatMap((p) => p.reportData as Params[]);
  assert.deepEqual(one.map((e) => e.variable.instance), ['GetVariables']);
});

test('TC_B_43_CS Set new NetworkConnectionProfile - Rejected for a slot that does not exist', async (t) => {
  const b = await withBench(t);
  const connectionData = { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: `${b.url}CS1`, messageTimeout: 30, securityProfile: 1, ocppInterface: 'Wired0' };
  assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 999, connectionData }), { status: 'Rejected' });
  assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData }), { status: 'Accepted' });
});

test('TC_P_01_CS Data Transfer to the Charging Station - UnknownVendorId', async (t) => {
  const b = await withBench(t);
  assert.deepEqual(await b.call('DataTransfer', { vendorId: 'com.example.unknown', messageId: 'x', data: { a: 1 } }), { status: 'UnknownVendorId' });
});

test('TC_P_03_CS CustomData - Receive custom data in Set/GetVariables', async (t) => {
  const b = await withBench(t);
  const customData = { vendorId: 'com.example', extra: 42 };
  const set = await b.call('SetVariables', { customData, setVariableData: [{ customData, component: { name: 'OCPPCommCtrlr', customData }, variable: { name: 'OfflineThreshold' }, attributeValue: '200' }] });
  assert.equal((set.setVariableResult as Params[])[0]!.attributeStatus, 'Accepted');
  const got = await b.call('GetVariables', { customData, getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold', customData } }] });
  assert.equal((got.getVariableResult as Params[])[0]!.attributeValue, '200');
});

test('a script handler overrides a default answer and may delegate to it', async (t) => {
  const b = await withBench(t);
  b.cs.answer('DataTransfer', (req) => ({ status: 'Accepted', data: (req.payload as Params).data }));
  assert.deepEqual(await b.call('DataTransfer', { vendorId: 'v', data: 'echo' }), { status: 'Accepted', data: 'echo' });
  b.cs.answer('GetVariables', (req) => b.cs.defaultAnswer(req));
  assert.equal((await getOne(b, ...OFFLINE_THRESHOLD)).attributeValue, '300');
  b.answers.Heartbeat = () => {
    throw createRPCError('InternalError', 'test');
  };
  await assert.rejects(b.cs.call('Heartbeat', {}));
});
