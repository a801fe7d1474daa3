/**
 * The protocol core: frames, the RPC endpoint, schema validation, errors, time and the protocol
 * version tables. Knows nothing of charge points; both roles are built on it.
 * @module
 */
export * from './errors';
export * from './frames';
export * from './protocol';
export * from './validator';
export * from './scheduler';
export * from './endpoint';
export { ocpp16, OCPP16_ACTIONS } from './v16/protocol';
export { ocpp201, OCPP201_ACTIONS } from './v201/protocol';
export * from './protocols';
