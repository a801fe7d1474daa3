/**
 * The connection lifecycle of a charge point or charging station, the same for OCPP 1.6 and
 * 2.0.1: boot gate (1.6 §4.2, 2.0.1 B01-B03: nothing but BootNotification before Accepted or
 * Pending; Rejected means silence until the interval passed), heartbeats (1.6 §4.6, 2.0.1 G02),
 * WebSocket pings (`WebSocketPingInterval`), automatic reconnect with back-off (also after HTTP
 * 404, OCPP-J §3.1), and reboots. A plain reconnect does not boot again (2.0.1 Part 4 §5.3).
 * What differs between the versions (the BootNotification payload, where the intervals are
 * configured, how connectors are reported) comes from a {@link LifecycleModel}.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { Scheduler, TimerHandle } from '../../ocpp/scheduler';

/** Who sends the first BootNotification. */
export type BootMode = 'auto' | 'manual';

/** Reconnect back-off bounds in ms. */
export interface Backoff {
  /** First wait (default 1000). */
  minMs: number;
  /** Longest wait (default 60000). */
  maxMs: number;
}

/** BootNotification registration status, or `None` before the first answer. */
export type BootState = 'None' | 'Pending' | 'Accepted' | 'Rejected';

/** The connection side of a model (implemented by the script faces). */
export interface StationLink {
  /** Charge point / charging station identity. */
  readonly id: string;
  /** Clock and timers. */
  readonly scheduler: Scheduler;
  /** True while the WebSocket is open. */
  readonly connected: boolean;
  /** Send a CALL through the RPC endpoint. */
  call(action: string, payload: Payload): Promise<Payload>;
  /** Emit a model event (`status`, `transaction`, `warning`). */
  emit(event: string, ...args: unknown[]): boolean;
}

/** The answer to a BootNotification, in both versions. */
export interface BootAnswer {
  /** Registration status. */
  status: 'Accepted' | 'Pending' | 'Rejected';
  /** Heartbeat interval (Accepted) or wait before the next boot (Pending/Rejected), in s. */
  interval: number;
}

/** What the lifecycle needs from the model of one OCPP version. */
export interface LifecycleModel {
  /** Registration status from the last BootNotification answer. */
  bootState: BootState;
  /** Connected and accepted: free to send. */
  readonly online: boolean;
  /** Automatic behaviour switches the lifecycle obeys. */
  readonly automation: { readonly reconnect: boolean; readonly heartbeat: boolean };
  /** The BootNotification request of this version, with the model's identity. */
  bootRequest(): Payload;
  /** The heartbeat interval now configured, in s (0: none). */
  heartbeatIntervalS(): number;
  /** Adopt the interval of an Accepted boot. */
  setHeartbeatInterval(seconds: number): void;
  /** The WebSocket ping interval now configured, in s (0: none). */
  pingIntervalS(): number;
  /** Report every connector (after an Accepted boot). */
  reportAll(): Promise<void>;
  /** Record a security event and queue its notification. */
  raise(type: 'StartupOfTheDevice' | 'ResetOrReboot'): void;
  /** Send a Heartbeat. */
  heartbeat(): void;
  /** Send what waits in the message queue. */
  pumpQueue(): void;
  /** Arm the model's timers (meter values) that are not running. */
  startTimers(): void;
  /** Cancel the model's timers. */
  stopTimers(): void;
  /** A readable warning. */
  warn(line: string): void;
  /** Wait before reconnect attempt `attempt` (0-based), in ms; absent: the lifecycle's jittered back-off. */
  reconnectDelayMs?(attempt: number): number;
  /** Reconnected while accepted, without a new boot (2.0.1 B04: report what changed offline). */
  reconnected?(): void;
}

/** The socket side the lifecycle drives (implemented by the script faces). */
export interface LifecycleLink extends StationLink {
  /** Open the WebSocket; rejects with a readable error. */
  open(): Promise<unknown>;
  /** Close the WebSocket without stopping the lifecycle (a reboot). */
  drop(): Promise<void>;
  /** Send a WebSocket ping. */
  ping(): void;
  /** While true, inbound CALLs are not served (Rejected: 1.6 §4.2.1 silence, 2.0.1 B03.FR.08 SecurityError). */
  mute(on: boolean): void;
}

/** Boot, heartbeat, ping and reconnect of one charge point. */
export class Lifecycle {
  private needsBoot: boolean;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;
  private bootTimer: TimerHandle | undefined;
  private afterBoot: (() => void)[] = [];
  /** False until the first boot of this process was accepted (StartupOfTheDevice). */
  private startedUp = false;
  /** Reconnect back-off. */
  backoff: Backoff;

  /**
   * Create the lifecycle of one charge point.
   * @param link The socket side.
   * @param station The model.
   * @param mode `auto`: boot on the first connection; `manual`: the script sends BootNotification.
   * @param backoff Reconnect back-off bounds.
   */
  constructor(private readonly link: LifecycleLink, private readonly station: LifecycleModel, readonly mode: BootMode, backoff?: Partial<Backoff>) {
    this.needsBoot = mode === 'auto';
    this.backoff = { minMs: 1000, maxMs: 60_000, ...backoff };
  }

  /** True while the charge point itself will send the next BootNotification (automatic boot, or after a reboot). */
  get bootDue(): boolean {
    return this.needsBoot;
  }

  /** The socket opened; resolves once the boot (if one is due) got its first answer. */
  async opened(): Promise<void> {
    this.stopped = false;
    this.attempt = 0;
    this.link.scheduler.cancel(this.reconnectTimer);
    this.link.mute(false);
    if (this.needsBoot) await this.boot();
    else if (this.station.bootState === 'Accepted') {
      this.station.reconnected?.();
      this.online();
    }
  }

  /** The socket closed. Unless stopped on purpose, reconnect. */
  closed(): void {
    this.cancel(this.heartbeatTimer, this.pingTimer, this.bootTimer);
    if (!this.stopped && this.station.automation.reconnect) this.scheduleReconnect();
  }

  /** Stop for good (the script or the runtime closed the charge point). */
  stop(): void {
    this.stopped = true;
    this.cancel(this.reconnectTimer, this.heartbeatTimer, this.pingTimer, this.bootTimer);
    this.station.stopTimers();
  }

  /**
   * Connect now; on failure keep retrying with back-off (fleets, reboots). Resolves true when
   * this first attempt connected.
   */
  async connectNow(): Promise<boolean> {
    this.stopped = false;
    try {
      await this.link.open();
      return true;
    } catch (err) {
      // A server that speaks none of our OCPP versions will not start to on a retry.
      const hopeless = (err as { code?: string }).code === 'NoSubprotocol';
      this.station.warn(`connect failed: ${(err as Error).message}${hopeless ? '; not retrying' : ''}`);
      if (!hopeless && !this.stopped && this.station.automation.reconnect) this.scheduleReconnect();
      return false;
    }
  }

  /**
   * Reboot (Reset, firmware installed): close, wait `delayMs`, reconnect and send
   * BootNotification again.
   */
  async reboot(delayMs = 1000): Promise<void> {
    this.startedUp = true;
    this.needsBoot = true;
    this.stopped = true;
    this.station.stopTimers();
    await this.link.drop();
    this.station.bootState = 'None';
    // Queued while down, delivered after the new boot.
    this.station.raise('ResetOrReboot');
    this.reconnectTimer = this.link.scheduler.after(delayMs, () => void this.connectNow());
  }

  /**
   * Drop the connection and open it again at once, without a new BootNotification: new
   * credentials or a new client certificate take effect (AuthorizationKey, CertificateSigned,
   * SecurityProfile).
   */
  async reconnect(): Promise<void> {
    this.stopped = true;
    this.cancel(this.reconnectTimer);
    await this.link.drop();
    await this.connectNow();
  }

  /** Send BootNotification with the profile's identity and act on the answer. */
  async boot(): Promise<void> {
    this.cancel(this.bootTimer);
    let conf: BootAnswer;
    try {
      conf = (await this.link.call('BootNotification', this.station.bootRequest())) as unknown as BootAnswer;
    } catch (err) {
      if (!this.link.connected) return;
      this.station.warn(`BootNotification failed: ${(err as Error).message}`);
      this.bootTimer = this.link.scheduler.after(this.nextDelay(), () => void this.boot());
      return;
    }
    await this.answered(conf, true);
  }

  /**
   * Act on a BootNotification answer (ours, or one a script sent itself). Accepted: adopt the
   * heartbeat interval, report every connector (when we booted), go online. Pending/Rejected:
   * boot again after `interval` (0: a sane default).
   */
  async answered(conf: BootAnswer, ours: boolean): Promise<void> {
    this.station.bootState = conf.status;
    this.link.emit('boot', conf.status);
    if (conf.status === 'Accepted') {
      this.needsBoot = false;
      if (conf.interval > 0) this.station.setHeartbeatInterval(conf.interval);
      if (ours) await this.station.reportAll();
      if (ours && !this.startedUp) {
        this.startedUp = true;
        this.station.raise('StartupOfTheDevice');
      }
      this.online();
      for (const fn of this.afterBoot.splice(0)) fn();
      return;
    }
    if (!ours && !this.needsBoot) return;
    const rejected = conf.status === 'Rejected';
    this.link.mute(rejected);
    const waitS = conf.interval > 0 ? conf.interval : rejected ? 60 : 30;
    this.bootTimer = this.link.scheduler.after(waitS * 1000, () => {
      this.link.mute(false);
      void this.boot();
    });
  }

  /** Run `fn` once the next BootNotification is accepted (FirmwareStatusNotification Installed after a reboot). */
  whenBooted(fn: () => void): void {
    this.afterBoot.push(fn);
  }

  /** Accepted and connected: start heartbeats, pings, meter timers, and flush the queue. */
  private online(): void {
    this.station.startTimers();
    this.armHeartbeat();
    this.armPing();
    this.station.pumpQueue();
  }

  /** (Re)arm the heartbeat at `HeartbeatInterval`. */
  armHeartbeat(): void {
    this.cancel(this.heartbeatTimer);
    const intervalS = this.station.heartbeatIntervalS();
    if (intervalS <= 0 || !this.station.online) return;
    this.heartbeatTimer = this.link.scheduler.after(intervalS * 1000, () => {
      if (this.station.automation.heartbeat) this.station.heartbeat();
      this.armHeartbeat();
    });
  }

  /** (Re)arm the WebSocket ping at `WebSocketPingInterval` (0: off). */
  armPing(): void {
    this.cancel(this.pingTimer);
    const intervalS = this.station.pingIntervalS();
    if (intervalS <= 0 || !this.link.connected) return;
    this.pingTimer = this.link.scheduler.after(intervalS * 1000, () => {
      this.link.ping();
      this.armPing();
    });
  }

  private scheduleReconnect(): void {
    this.cancel(this.reconnectTimer);
    this.reconnectTimer = this.link.scheduler.after(this.nextDelay(), () => void this.connectNow());
  }

  /** Jittered exponential back-off: a fleet that lost its CSMS must not reconnect in lockstep. */
  private nextDelay(): number {
    if (this.station.reconnectDelayMs) return this.station.reconnectDelayMs(this.attempt++);
    const { minMs, maxMs } = this.backoff;
    const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt++, 16));
    return Math.round(ceiling * (0.5 + Math.random() * 0.5));
  }

  private cancel(...timers: (TimerHandle | undefined)[]): void {
    for (const t of timers) this.link.scheduler.cancel(t);
  }
}
