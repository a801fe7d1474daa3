/**
 * The OCPP 2.0.1 charging station: its script face, model (device model, EVSEs, transactions,
 * authorization, reservations) and default behaviours, by functional block.
 * @module
 */
export * from './charging-station';
export * from './model/catalogue';
export * from './model/device-model';
export * from './model/evse';
export * from './model/profile';
export * from './station/station';
export * from './station/context';
export * from './station/authorization';
export * from './station/reservations';
export * from './station/transactions';
export * from './station/sampling';
export * from './station/driver';
export * from './station/network';
export * from './station/state-store';
export * from './station/monitoring';
export * from './station/display';
export * from './station/tariff';
export * from './station/smart-charging';
export * from './model/charging-profiles';
export * from './station/blocks';
export * from './model/monitors';
export * from './behaviour/index';
