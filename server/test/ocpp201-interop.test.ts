/**
 * OCPP 2.0.1 against an independent implementation: `ocpp-rpc` in strict mode (its own copy of
 * the 2.0.1 schemas and its own ajv) talks to our RpcEndpoint over real sockets, in both roles.
 * Every frame either side sends must be valid for the other; ocpp-rpc's misspelt
 * `OccurenceConstraintViolation` must reach our code in the 2.0.1 spelling.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { RPCClient, RPCServer } from 'ocpp-rpc';
import { RpcEndpoint, type InboundViolation } from '../src/ocpp/endpoint';
import { OcppCallError } from '../src/ocpp/errors';
import type { Payload } from '../src/ocpp/frames';
import { protocolBySubprotocol } from '../src/ocpp/protocols';
import { ocpp201 } from '../src/ocpp/v201/protocol';
import { openSocket } from '../src/transport/client';
import { OcppServer, type Accepted } from '../src/transport/server';
import { bindSocket } from '../src/transport/socket';

type Params = Record<string, unknown>;
const now = (): string => new Date().toISOString();

/** What a station sends in a short session, each valid 2.0.1. */
const STATION_CALLS: [string, Params][] = [
  ['BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M1', vendorName: 'ocpp-sim', serialNumber: 'S-1' } }],
  ['StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 }],
  ['Heartbeat', {}],
  ['TransactionEvent', {
    eventType: 'Started', timestamp: now(), triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { transactionId: 'tx-201', chargingState: 'Charging' },
    idToken: { idToken: 'AABBCCDD', type: 'ISO14443' }, evse: { id: 1, connectorId: 1 },
    meterValue: [{ timestamp: now(), sampledValue: [{ value: 1234.5, measurand: 'Energy.Active.Import.Register', context: 'Transaction.Begin', unitOfMeasure: { unit: 'Wh' } }] }],
  }],
];

/** A CSMS's answers to those. */
const CSMS_ANSWERS: Record<string, () => Params> = {
  BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
  StatusNotification: () => ({}),
  Heartbeat: () => ({ currentTime: now() }),
  TransactionEvent: () => ({ idTokenInfo: { status: 'Accepted' } }),
};

const GET_VARIABLES = { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] };
const getVariablesAnswer = () => ({
  getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
});

/** Record what the strict peer objects to. */
function watch(rpc: RPCClient, failures: unknown[]): void {
  rpc.on('strictValidationFailure', (e: { error?: Error }) => failures.push(e.error?.message ?? e));
  rpc.on('badMessage', (e: unknown) => failures.push(e));
}

test('our station endpoint against an ocpp-rpc RPCServer (strict, ocpp2.0.1)', async (t) => {
  const failures: unknown[] = [];
  const received: string[] = [];
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  const connected = new Promise<RPCClient>((resolve) => server.on('client', resolve));
  server.on('client', (client: RPCClient) => {
    watch(client, failures);
    for (const [action, answer] of Object.entries(CSMS_ANSWERS)) {
      client.handle(action, async () => (received.push(action), answer()));
    }
  });
  const http = await server.listen(0, '127.0.0.1');
  t.after(() => server.close({ force: true }));

  const ws = await openSocket(new URL(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/CS201`), { protocols: ['ocpp2.0.1', 'ocpp1.6'] });
  assert.equal(ws.protocol, 'ocpp2.0.1');
  t.after(() => ws.terminate());
  const station = new RpcEndpoint({ protocol: protocolBySubprotocol(ws.protocol), role: 'ChargePoint' });
  const invalid: InboundViolation[] = [];
  station.on('invalid', (v: InboundViolation) => invalid.push(v));
  station.handle('GetVariables', () => getVariablesAnswer());
  bindSocket(ws, station);

  for (const [action, payload] of STATION_CALLS) await station.call(action, payload as Payload);
  assert.deepEqual(received, STATION_CALLS.map(([action]) => action));
  const csms = await connected;
  const answer = (await csms.call('GetVariables', GET_VARIABLES)) as { getVariableResult: { attributeValue: string }[] };
  assert.equal(answer.getVariableResult[0]!.attributeValue, '300');

  // A deliberately incomplete StatusNotification: ocpp-rpc answers with its single-r spelling.
  const refused = station.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1 }, { validation: 'off' });
  const err = await refused.then(() => assert.fail('ocpp-rpc should refuse it'), (e: unknown) => e);
  assert.ok(err instanceof OcppCallError);
  assert.equal(err.code, 'OccurrenceConstraintViolation');
  assert.equal(failures.length, 1, 'only the deliberate one');
  assert.deepEqual(invalid, []);
});

test('an ocpp-rpc RPCClient (strict, ocpp2.0.1) against our OcppServer and CSMS endpoint', async (t) => {
  const server = new OcppServer({ port: 0, protocols: ['ocpp2.0.1', 'ocpp1.6'] });
  const port = await server.listen();
  t.after(() => server.close());
  const invalid: InboundViolation[] = [];
  const endpoint = new Promise<RpcEndpoint>((resolve) => {
    server.once('connection', ({ protocol, ws }: Accepted) => {
      const csms = new RpcEndpoint({ protocol: protocolBySubprotocol(protocol), role: 'CSMS' });
      csms.on('invalid', (v: InboundViolation) => invalid.push(v));
      for (const [action, answer] of Object.entries(CSMS_ANSWERS)) csms.handle(action, answer);
      bindSocket(ws, csms);
      resolve(csms);
    });
  });
  const failures: unknown[] = [];
  const options = { endpoint: `ws://127.0.0.1:${port}`, identity: 'RPC201', protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false };
  const client = new RPCClient(options as unknown as ConstructorParameters<typeof RPCClient>[0]);
  watch(client, failures);
  client.handle('GetVariables', async () => getVariablesAnswer());
  await client.connect();
  t.after(() => client.close({ force: true }));
  assert.equal(client.protocol, 'ocpp2.0.1');

  const boot = (await client.call('BootNotification', STATION_CALLS[0]![1])) as Params;
  assert.equal(boot.status, 'Accepted');
  for (const [action, payload] of STATION_CALLS.slice(1)) assert.ok(await client.call(action, payload));
  const csms = await endpoint;
  assert.equal(csms.protocol, ocpp201);
  const answer = await csms.call('GetVariables', GET_VARIABLES);
  assert.deepEqual(answer, getVariablesAnswer());

  // Our CALLERRORs parse on the strict side: a valid Authorize this CSMS has no handler for.
  const authorize = client.call('Authorize', { idToken: { idToken: 'AABBCCDD', type: 'ISO14443' } }) as Promise<unknown>;
  const refused = await authorize.then(() => assert.fail('should be refused'), (e: { rpcErrorCode?: string }) => e);
  assert.equal(refused.rpcErrorCode, 'NotSupported');
  assert.deepEqual(failures, []);
  assert.deepEqual(invalid, []);
});
