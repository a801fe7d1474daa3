/**
 * The 1.6 charge point as the shared {@link Lifecycle} sees it: BootNotification with the
 * profile's identity, or that of the script's own BootNotification (§4.2), `HeartbeatInterval`
 * and `WebSocketPingInterval` from the configuration keys, StatusNotification of connector 0 and
 * every connector after boot.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import type { LifecycleModel } from './lifecycle';
import type { Station } from './station';

/** The lifecycle's view of a 1.6 {@link Station}. */
export function v16LifecycleModel(station: Station): LifecycleModel {
  const config = station.config;
  return {
    get bootState() {
      return station.bootState;
    },
    set bootState(state) {
      station.bootState = state;
    },
    get online() {
      return station.online;
    },
    automation: station.automation,
    bootRequest: () => {
      // A charger does not change its identity when it reboots: a script's own boot named it.
      if (station.bootIdentity) return { ...station.bootIdentity } as unknown as Payload;
      const p = station.profile;
      const payload: Ocpp16Messages['BootNotification']['request'] = {
        chargePointVendor: p.vendor,
        chargePointModel: p.model,
        chargePointSerialNumber: p.serialNumber,
        firmwareVersion: p.firmwareVersion,
      };
      return payload as unknown as Payload;
    },
    heartbeatIntervalS: () => config.int('HeartbeatInterval'),
    setHeartbeatInterval: (s) => config.set('HeartbeatInterval', s),
    pingIntervalS: () => config.int('WebSocketPingInterval'),
    reportAll: () => station.reportAll(),
    raise: (type) => station.security.raise(type),
    heartbeat: () => void station.notify('Heartbeat', {}),
    pumpQueue: () => station.queue.pump(),
    startTimers: () => station.startTimers(),
    stopTimers: () => station.stopTimers(),
    warn: (line) => station.warn(line),
  };
}
