/**
 * ocpp-sim as a library: `connect()` and the {@link Chargepoint} API for charge-point scripts
 * (OCPP 1.6), the {@link ChargingStation} (OCPP 2.0.1, `connect(url, id, undefined, {protocol:
 * 'ocpp2.0.1'})`), the {@link MockCsms}, the typed errors, and the protocol core beneath them.
 *
 * ```js
 * const { connect } = require('ocpp-sim');
 * const cp = await connect('ws://localhost:8100/CP001');
 * await cp.sendBootnotification({ chargePointVendor: 'vendor', chargePointModel: '1' });
 * ```
 * @module
 */
export * from './chargepoint/connect';
export * from './chargepoint/station/station';
export * from './chargepoint/station/lifecycle';
export * from './chargepoint/station/tx-queue';
export * from './chargepoint/station/transaction-ids';
export * from './chargepoint/station/meter-sampling';
export * from './chargepoint/station/state-store';
export * from './chargepoint/station/security';
export * from './security/certificate-store';
export * from './chargepoint/model/journal';
export * from './chargepoint/security-profile';
export * from './chargepoint/model/profile';
export * from './chargepoint/model/configuration';
export * from './chargepoint/model/connector';
export * from './chargepoint/model/meter';
export * from './ev/ev';
export * from './ev/telemetry';
export * from './chargepoint/model/authorization';
export * from './chargepoint/model/charging-profiles';
export * from './charging/schedule';
export * from './chargepoint/behaviour/index';
export * from './chargepoint/chargepoint';
export * from './chargepoint/station/lifecycle-v16';
export * from './chargepoint/station/state-file';
export * from './chargepoint/station/notifier';
export * from './chargepoint/script-face';
export { ChargingStation, type ChargingStationOptions, type StationAnswerHandler } from './charging-station/charging-station';
/** The OCPP 2.0.1 charging station's model and behaviours (a namespace: several names are the 1.6 model's too). */
export * as station201 from './charging-station/index';
export { MockCsms, passwordMatches, type MockCsmsOptions, type ConnectedStation, type CertificateSigningResult, type CsmsCallHandler } from './csms/mock-csms';
export { CallHistory, type SentCall } from './csms/call-history';
export * from './csms/policy';
export * from './csms/discipline';
export * from './csms/transactions';
export * from './csms/probes';
export * from './csms/commands';
export * from './csms/console';
export * from './csms/http-api';
export * from './csms/script-api';
export type { AnswerContext, CommandContext, CsmsDialect, OperatorRequests, Request, TransactionMeterValues, Verdict } from './csms/dialect';
export { DIALECTS, dialectFor } from './csms/dialects';
export * from './csms/operations';
export type { LoadedScript, ScriptFunction } from './runtime/script';
export * from './csms/ftp-server';
export * from './security/pki';
export * from './ocpp/index';
export type * from './ocpp/v16/types';
/** Payload types of every OCPP 2.0.1 message (a namespace: many names are the same as 1.6's). */
export type * as v201 from './ocpp/v201/types';
export type { TlsOptions } from './transport/client';
export type { FtpOptions } from './files/ftp';
export { Runs } from './files/transfers';
export type { Authenticator, BasicCredentials } from './transport/server';
export type { Keystore, Listener, SavedKeyPair } from './chargepoint/extras';
export { PemText } from './chargepoint/extras';
