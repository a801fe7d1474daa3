/**
 * The 1.6 charge point as the shared {@link Lifecycle} sees it: BootNotification with the
 * profile's identity, or that of the script's own BootNotification (§4.2), `HeartbeatInterval`
 * and `WebSocketPingInterval` from the configuration keys, StatusNotification of connector 0 and
 * every connector after boot.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import type { BootState, LifecycleModel } from './lifecycle';
import type { Station } from './station';

/**
 * The lifecycle's view of a 1.6 {@link Station}. A class, not an object literal: a literal with
 * accessors is a dictionary-mode object in V8, and its arrow functions are a closure each, which
 * every charge point of a fleet would pay for (about 1.5 KB).
 */
class V16LifecycleModel implements LifecycleModel {
  readonly automation: LifecycleModel['automation'];

  constructor(private readonly station: Station) {
    this.automation = station.automation;
  }

  get bootState(): BootState {
    return this.station.bootState;
  }

  set bootState(state: BootState) {
    this.station.bootState = state;
  }

  get online(): boolean {
    return this.station.online;
  }

  bootRequest(): Payload {
    const station = this.station;
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
  }

  heartbeatIntervalS(): number {
    return this.station.config.int('HeartbeatInterval');
  }

  setHeartbeatInterval(seconds: number): void {
    this.station.config.set('HeartbeatInterval', seconds);
  }

  pingIntervalS(): number {
    return this.station.config.int('WebSocketPingInterval');
  }

  reportAll(): Promise<void> {
    return this.station.reportAll();
  }

  raise(type: 'StartupOfTheDevice' | 'ResetOrReboot'): void {
    this.station.security.raise(type);
  }

  heartbeat(): void {
    void this.station.notify('Heartbeat', {});
  }

  pumpQueue(): void {
    this.station.queue.pump();
  }

  startTimers(): void {
    this.station.startTimers();
  }

  stopTimers(): void {
    this.station.stopTimers();
  }

  warn(line: string): void {
    this.station.warn(line);
  }
}

/** The lifecycle's view of a 1.6 {@link Station}. @param station The model. */
export function v16LifecycleModel(station: Station): LifecycleModel {
  return new V16LifecycleModel(station);
}
