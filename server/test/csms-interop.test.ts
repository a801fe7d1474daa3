/**
 * Interoperability of the mock CSMS with an independent implementation: an `ocpp-rpc`
 * RPCClient in strict mode runs a full session and answers every periodic command, with zero
 * validation failures on its side.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import { PeriodicCommands } from '../src/csms/commands';
import { v16Dialect } from '../src/csms/v16/dialect';
import { MockCsms } from '../src/csms/mock-csms';

let csms: MockCsms;
let client: RPCClient;
const failures: unknown[] = [];
const received: string[] = [];
/** The CSMS-initiated actions of 1.6 (the client here speaks 1.6). */
const CSMS_ACTIONS = Object.entries(v16Dialect.protocol.actions).filter(([, s]) => s.initiator === 'CSMS').map(([a]) => a);
const now = (): string => new Date().toISOString();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Params = Record<string, any>;
/** client.call, typed loosely for assertions. */
const call = (action: string, params: Params): Promise<Params> => client.call(action, params) as Promise<Params>;

/** Valid answers of a charge point to every CSMS-initiated action. */
const ANSWERS: Record<string, (params: Record<string, unknown>) => Record<string, unknown>> = {
  ChangeAvailability: () => ({ status: 'Accepted' }),
  ChangeConfiguration: () => ({ status: 'Accepted' }),
  ClearCache: () => ({ status: 'Accepted' }),
  DataTransfer: () => ({ status: 'Accepted' }),
  GetConfiguration: () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: [] }),
  RemoteStartTransaction: () => ({ status: 'Accepted' }),
  RemoteStopTransaction: () => ({ status: 'Accepted' }),
  Reset: () => ({ status: 'Accepted' }),
  UnlockConnector: () => ({ status: 'Unlocked' }),
  GetDiagnostics: () => ({ fileName: 'diagnostics.txt' }),
  UpdateFirmware: () => ({}),
  GetLocalListVersion: () => ({ listVersion: 1 }),
  SendLocalList: () => ({ status: 'Accepted' }),
  CancelReservation: () => ({ status: 'Accepted' }),
  ReserveNow: () => ({ status: 'Accepted' }),
  ClearChargingProfile: () => ({ status: 'Accepted' }),
  GetCompositeSchedule: () => ({ status: 'Rejected' }),
  SetChargingProfile: () => ({ status: 'Accepted' }),
  TriggerMessage: () => ({ status: 'Accepted' }),
  ExtendedTriggerMessage: () => ({ status: 'Accepted' }),
  CertificateSigned: () => ({ status: 'Rejected' }),
  InstallCertificate: () => ({ status: 'Rejected' }),
  DeleteCertificate: () => ({ status: 'NotFound' }),
  GetInstalledCertificateIds: () => ({ status: 'NotFound' }),
  GetLog: () => ({ status: 'Accepted', filename: 'log.txt' }),
  SignedUpdateFirmware: () => ({ status: 'Accepted' }),
};

before(async () => {
  csms = new MockCsms({ port: 0 });
  await csms.listen();
  const options = { endpoint: csms.url.replace(/\/$/, ''), identity: 'RPC001', protocols: ['ocpp1.6'], strictMode: true, reconnect: false };
  client = new RPCClient(options as unknown as ConstructorParameters<typeof RPCClient>[0]);
  client.on('strictValidationFailure', (e: unknown) => failures.push(e));
  for (const [action, answer] of Object.entries(ANSWERS)) {
    const handler = ({ params }: { params: Record<string, unknown> }) => {
      received.push(action);
      return answer(params);
    };
    client.handle(action, handler as never);
  }
  await client.connect();
});
after(async () => {
  await client.close({ force: true });
  await csms.close();
});

test('an ocpp-rpc strict client runs a full session against the mock CSMS', async () => {
  const boot = await call('BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'strict' });
  assert.equal(boot.status, 'Accepted');
  assert.deepEqual(await call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }), {});
  assert.ok((await call('Heartbeat', {})).currentTime);
  assert.equal((await call('Authorize', { idTag: 'valid_token' })).idTagInfo.status, 'Accepted');
  const start = await call('StartTransaction', { connectorId: 1, idTag: 'valid_token', meterStart: 1000, timestamp: now() });
  const transactionId = start.transactionId as number;
  await call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
  await call('MeterValues', {
    connectorId: 1,
    transactionId,
    meterValue: [{ timestamp: now(), sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, { value: '7400', measurand: 'Power.Active.Import', unit: 'W' }] }],
  });
  const stop = await call('StopTransaction', { transactionId, meterStop: 2500, timestamp: now(), idTag: 'valid_token', reason: 'Local' });
  assert.equal(stop.idTagInfo.status, 'Accepted');
  assert.equal((await call('DataTransfer', { vendorId: 'ocpp-rpc', messageId: 'hello', data: 'x' })).status, 'Accepted');
  await call('DiagnosticsStatusNotification', { status: 'Uploaded' });
  await call('FirmwareStatusNotification', { status: 'Installed' });
  await call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: now() });
  await call('LogStatusNotification', { status: 'Uploaded', requestId: 1 });
  await call('SignedFirmwareStatusNotification', { status: 'Installed', requestId: 1 });
  assert.equal((await call('SignCertificate', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n' })).status, 'Accepted');
  assert.deepEqual(failures, []);
  const tx = csms.transactions.get(transactionId)!;
  assert.deepEqual([tx.meterStart, tx.meterStop, tx.energyWh, tx.reason], [1000, 2500, 1500, 'Local']);
  assert.deepEqual(csms.probes!.report(), {});
});

test('it answers every command sent by the periodic-commands module without error', async () => {
  // A transaction to stop and a reservation to cancel, so RemoteStopTransaction and CancelReservation have a default.
  await call('StartTransaction', { connectorId: 1, idTag: 'valid_token', meterStart: 0, timestamp: now() });
  await csms.call('RPC001', 'ReserveNow', { connectorId: 2, expiryDate: new Date(Date.now() + 60_000).toISOString(), idTag: 'valid_token', reservationId: 5 });
  received.length = 0;
  const commands = new PeriodicCommands(csms, CSMS_ACTIONS.map((action) => ({ action, periodS: 3600 })));
  const outcomes = await commands.runNow();
  assert.deepEqual(outcomes.filter((o) => o.error).map((o) => `${o.action}: ${o.error!.message}`), []);
  assert.deepEqual(outcomes.map((o) => o.action).sort(), [...CSMS_ACTIONS].sort());
  assert.deepEqual([...received].sort(), [...CSMS_ACTIONS].sort());
  assert.deepEqual(failures, []);
});
