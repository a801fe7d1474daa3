/**
 * ocpp-sim as a library: `connect()` and the {@link Chargepoint} API for charge-point scripts,
 * the {@link MockCsms}, the typed errors, and the protocol core beneath them.
 *
 * ```js
 * const { connect } = require('ocpp-sim');
 * const cp = await connect('ws://localhost:8100/CP001');
 * await cp.sendBootnotification({ chargePointVendor: 'vendor', chargePointModel: '1' });
 * ```
 * @module
 */
export { connect, makeConnect, type ConnectFunction } from './chargepoint/connect';
export * from './chargepoint/chargepoint';
export { MockCsms, type MockCsmsOptions, type Station } from './csms/mock-csms';
export * from './ocpp/index';
export type * from './ocpp/v16/types';
export type { TlsOptions } from './transport/client';
export type { Authenticator, BasicCredentials } from './transport/server';
export type { Keystore, Listener } from './chargepoint/extras';
