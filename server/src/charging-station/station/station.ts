/**
 * The 2.0.1 charging-station model at work: device model, EVSEs and connectors, the message
 * queue with guaranteed delivery (TransactionEvent, SecurityEventNotification), status
 * notifications, and what the shared {@link Lifecycle} needs from a 2.0.1 station (boot payload,
 * intervals from the device model, RetryBackOff* reconnect, B04 offline reporting). It talks to
 * the CSMS only through its {@link StationLink}; behaviours (`../behaviour/`) operate on it.
 * @module
 */
import { Journal } from '../../chargepoint/model/journal';
import { Meter } from '../../chargepoint/model/meter';
import type { BootState, LifecycleModel, StationLink } from '../../chargepoint/station/lifecycle';
import { TxQueue, type QueuedMessage } from '../../chargepoint/station/tx-queue';
import { Notifier } from '../../chargepoint/station/notifier';
import type { FtpOptions } from '../../files/ftp';
import { Runs } from '../../files/transfers';
import { CertificateStore } from '../../security/certificate-store';
import type { CertificateHashData } from '../../security/certificates';
import type { Payload } from '../../ocpp/frames';
import type { BootReasonEnumType, CertificateSigningUseEnumType, FirmwareStatusEnumType, InstallCertificateUseEnumType, Ocpp201Messages, UploadLogStatusEnumType } from '../../ocpp/v201/types';
import type { VariableSpec } from '../model/catalogue';
import { catalogueFor, DeviceModel } from '../model/device-model';
import { deriveStatus, isDcConnector, type Connector, type ConnectorStatus, type Evse } from '../model/evse';
import { resolveStationProfile, type ChargingStationProfile, type ResolvedStationProfile } from '../model/profile';

/** Request payload of a 2.0.1 action. */
export type Request201<A extends keyof Ocpp201Messages> = Ocpp201Messages[A]['request'];
/** Response payload of a 2.0.1 action. */
export type Response201<A extends keyof Ocpp201Messages> = Ocpp201Messages[A]['response'];

/** Security event types of 2.0.1 (Part 2 appendix) this station raises. */
export type SecurityEvent201 =
  | 'FirmwareUpdated' | 'FailedToAuthenticateAtCsms' | 'CsmsFailedToAuthenticate' | 'SettingSystemTime' | 'StartupOfTheDevice'
  | 'ResetOrReboot' | 'SecurityLogWasCleared' | 'ReconfigurationOfSecurityParameters' | 'MemoryExhaustion' | 'InvalidMessages'
  | 'AttemptedReplayAttacks' | 'TamperDetectionActivated' | 'InvalidFirmwareSignature' | 'InvalidFirmwareSigningCertificate'
  | 'InvalidCsmsCertificate' | 'InvalidChargingStationCertificate' | 'InvalidTLSVersion' | 'InvalidTLSCipherSuite';

/** Switches of the automatic behaviour; all on by default. */
export interface StationAutomation {
  /** Heartbeat every `HeartbeatInterval` once accepted. */
  heartbeat: boolean;
  /** Sampled and clock-aligned meter values. */
  meterValues: boolean;
  /** Reconnect with back-off when the connection drops. */
  reconnect: boolean;
  /** The simulated driver plugs in when a remote start is accepted on an empty EVSE. */
  autoPlugIn: boolean;
  /** Security events are sent as SecurityEventNotification. */
  securityEvents: boolean;
}

/** Options of the model. */
export interface StationModelOptions {
  /** Identity and hardware. */
  profile?: ChargingStationProfile;
  /** Initial automation switches. */
  automation?: Partial<StationAutomation>;
  /** Entries kept in the journal (default 200, 0 keeps none). */
  journal?: number;
  /** TLS settings of file transfers (firmware downloads, log uploads). */
  files?: FtpOptions;
}

/** What a CSR is for: a signing use, or both at once (`certificateType` omitted, TriggerMessage SignCombinedCertificate). */
export type CsrUse = CertificateSigningUseEnumType | 'Combined';

/** A CSR awaiting its CertificateSigned, with the private key (PEM) that signed it. */
export interface PendingCsr {
  /** The private key, PEM. */
  key: string;
  /** The CSR, PEM. */
  csr: string;
}

/** Messages whose delivery the queue guarantees (E04, A04.FR.02; NotifyEvent while offline, N07.FR.04). */
export type QueuedAction = 'TransactionEvent' | 'SecurityEventNotification' | 'NotifyEvent';

/** The model of one 2.0.1 charging station. */
export class StationModel implements LifecycleModel {
  /** Identity and hardware with defaults applied. */
  readonly profile: ResolvedStationProfile;
  /** Components and variables. */
  readonly device: DeviceModel;
  /** EVSEs 1..N (index 0 is EVSE 1). */
  readonly evses: Evse[];
  /** Messages awaiting guaranteed delivery, in order. */
  readonly queue: TxQueue;
  /** Automatic behaviour switches (mutable). */
  readonly automation: StationAutomation;
  /** Recent frames and events. */
  readonly journal: Journal;
  /** Security events raised (the SecurityLog). */
  readonly securityLog = new Journal(100);
  /**
   * Installed root certificates (M03-M05), at most `SecurityCtrlr.CertificateEntries`' maxLimit;
   * CertificateEntries reads how many there are. CSMS roots are trusted for `wss://`.
   */
  readonly certificates = new CertificateStore<InstallCertificateUseEnumType>(
    () => this.device.spec(this.device.catalogue.index('SecurityCtrlr', 'CertificateEntries')!).maxLimit ?? 0,
    () => {
      this.device.put('SecurityCtrlr', 'CertificateEntries', String(this.certificates.all.length));
      this.changed();
    },
  );
  /** The old CSMS root kept as fallback while a renewed one is unproven (M05, AdditionalRootCertificateCheck), PEM. */
  fallbackRoot: string | undefined;
  /**
   * CSRs sent with SignCertificate and their private keys, awaiting CertificateSigned (A02), by
   * use: the station certificate, the V2G (ISO 15118 SECC) one, or one for both (`Combined`).
   */
  pendingCsrs: Partial<Record<CsrUse, PendingCsr>> = {};
  /** The signed V2G certificate chain (PEM) and its leaf's hash data, listed as V2GCertificateChain (M03). */
  v2gCertificate: { chain: string; hash: CertificateHashData } | undefined;
  /** Registration status from the last BootNotification answer. */
  bootState: BootState = 'None';
  /** Reason of the next BootNotification (B01-B04; RemoteReset after Reset, Triggered after TriggerMessage). */
  bootReason: BootReasonEnumType = 'PowerUp';
  /** The whole station made Inoperative (G04). */
  inoperative = false;
  /** Inoperative once every transaction ended. */
  scheduledInoperative: boolean | undefined;
  /** A Reset waiting for idle (B12.FR.01): the whole station, or one EVSE. */
  scheduledReset: { evseId?: number } | undefined;
  /** Network connection profiles set with SetNetworkProfile, by slot (B09). */
  readonly networkProfiles = new Map<number, Request201<'SetNetworkProfile'>['connectionData']>();
  /** When the connection was lost (B04); undefined while connected. */
  offlineSince: number | undefined;
  /** Simulated hardware faults: the cable lock does not open (UnlockConnector UnlockFailed) or does not lock a plugged cable (G05). */
  readonly hardware: { unlockFails: boolean; lockFails: boolean };
  /** TLS settings of file transfers. */
  readonly files: FtpOptions;
  /** The last firmware update's status (TriggerMessage FirmwareStatusNotification); Idle once it finished. */
  firmware: { status: FirmwareStatusEnumType; requestId?: number } = { status: 'Idle' };
  /** The last log upload's status (TriggerMessage LogStatusNotification); Idle once it finished. */
  logUpload: { status: UploadLogStatusEnumType; requestId?: number } = { status: 'Idle' };
  /** Which firmware update and which log upload are current (a new request supersedes the running one). */
  readonly runs = new Runs<'firmware' | 'log'>();
  /** Firmware installations waiting for the transactions to end (L01.FR.06). */
  readonly waitingInstalls: (() => void)[] = [];
  /** Meanwhile idle EVSEs are closed to new sessions (L01.FR.07). */
  closedForUpdate = false;
  private nextEventId = 1;
  /** Called after every change worth persisting (set by the state store). */
  onChange: (() => void) | undefined;
  /** Called after a variable was set (set by the script face: heartbeat, ping and sampling timers). */
  onVariable: ((component: string, variable: string) => void) | undefined;
  /** Called after a stored variable's value changed, with its catalogue index (variable monitors). */
  onValue: ((i: number) => void) | undefined;
  /** Called after the live station changed: a status, the power drawn (variable monitors). */
  onLive: (() => void) | undefined;
  /** Called for every delivered queued message (the transaction engine reads TransactionEvent answers). */
  onDelivered: ((m: QueuedMessage, response: Payload) => void) | undefined;
  private readonly notifier: Notifier;

  /**
   * Create the model of one charging station.
   * @param link The connection side.
   * @param options Profile and automation.
   */
  constructor(readonly link: StationLink, options: StationModelOptions = {}) {
    const p = (this.profile = resolveStationProfile(link.id, options.profile));
    this.device = new DeviceModel(catalogueFor({ phases: p.phases, evses: p.evses }, p.components));
    this.applyProfileValues(p.variables);
    this.device.put('SecurityCtrlr', 'Identity', link.id);
    this.automation = { heartbeat: true, meterValues: true, reconnect: true, autoPlugIn: true, securityEvents: true, ...options.automation };
    this.journal = new Journal(options.journal ?? 200);
    this.files = options.files ?? {};
    this.hardware = { ...p.hardware };
    this.notifier = new Notifier(link, (line) => this.warn(line));
    this.evses = p.evses.map((e, i) => ({
      id: i + 1,
      maxPowerW: e.maxPowerW,
      meter: new Meter({ phases: p.phases, voltage: p.voltage, maxPowerW: e.maxPowerW, seed: i + 1, dc: e.connectors.every(isDcConnector) }, p.meterStartWh),
      ev: e.ev,
      inoperative: false,
      connectors: e.connectors.map((type, j) => ({ id: j + 1, type, status: 'Available' as ConnectorStatus, plugged: false, inoperative: false, faulted: false })),
    }));
    this.device.live = (spec) => this.liveValue(spec);
    const station = this;
    const d = this.device;
    this.queue = new TxQueue({
      scheduler: link.scheduler,
      // Methods, not accessors: a literal with an accessor is a dictionary-mode object (~0.5 KB per station).
      online: () => station.online,
      call: (action, payload) => link.call(action, payload),
      transactionIdOf: () => undefined,
      delivered: (m, response) => this.onDelivered?.(m, response),
      retryPolicy: () => ({ attempts: d.int('OCPPCommCtrlr', 'MessageAttempts', 'TransactionEvent'), intervalS: d.int('OCPPCommCtrlr', 'MessageAttemptInterval', 'TransactionEvent') }),
      warn: (line) => this.warn(line),
      changed: () => this.changed(),
    });
    d.onChange = (spec, _attribute, i) => {
      this.onValue?.(i);
      this.onVariable?.(spec.component, spec.variable);
      this.changed();
    };
  }

  private applyProfileValues(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      const m = /^([^.[]+)\.([^[]+)(?:\[([^\]]+)\])?$/.exec(name);
      if (!m || this.device.catalogue.index(m[1]!, m[2]!, m[3]) === undefined) throw new Error(`profile: unknown variable "${name}" (write Component.Variable or Component.Variable[Instance])`);
      this.device.put(m[1]!, m[2]!, value, m[3]);
    }
  }

  /** AvailabilityState, Available, Power, the clock and the list size read the live station. */
  private liveValue(spec: VariableSpec): string {
    const e = this.evse(spec.evseId);
    const c = spec.connectorId === undefined ? undefined : e?.connectors.find((x) => x.id === spec.connectorId);
    switch (spec.live) {
      case 'availabilityState':
        return c ? c.status : e ? evseState(e) : this.inoperative ? 'Unavailable' : this.evses.some((x) => evseState(x) === 'Occupied') ? 'Occupied' : 'Available';
      case 'available':
        return String(!this.inoperative && !e?.inoperative && !c?.inoperative);
      case 'power':
        return (e?.meter.powerW ?? 0).toFixed(1);
      case 'clock':
        return new Date(this.now()).toISOString();
      case 'localListEntries':
        return String(this.localListSize());
      case 'lockProblem':
        return String(c?.lockFailed === true);
      case 'displayMessages':
        return String(this.displayMessageCount());
      case 'chargingProfiles':
        return String(this.chargingProfileCount());
      default:
        return spec.value ?? '';
    }
  }

  /** Entries of the local authorization list (set by the authorization module). */
  localListSize: () => number = () => 0;
  /** Display messages configured (set by the display-message module). */
  displayMessageCount: () => number = () => 0;
  /** Charging profiles installed (set by the smart-charging module). */
  chargingProfileCount: () => number = () => 0;

  /** The next NotifyEvent eventId, unique on this station. */
  nextEvent(): number {
    return this.nextEventId++;
  }


  /** Current time on the station's clock (epoch ms). */
  now(): number {
    return this.link.scheduler.now();
  }

  /** Connected and accepted by the CSMS: free to send. */
  get online(): boolean {
    return this.link.connected && this.bootState === 'Accepted';
  }

  /** An EVSE by id, or undefined. */
  evse(id: number | undefined): Evse | undefined {
    return id !== undefined && Number.isInteger(id) && id >= 1 ? this.evses[id - 1] : undefined;
  }

  /** An EVSE by id; a readable RangeError for a wrong one (scripts). */
  mustEvse(id: number): Evse {
    const e = this.evse(id);
    if (!e) throw new RangeError(`EVSE ${id} does not exist (this station has ${this.evses.length})`);
    return e;
  }

  /** A connector, or undefined. */
  connector(evseId: number, connectorId: number): Connector | undefined {
    return this.evse(evseId)?.connectors.find((c) => c.id === connectorId);
  }

  // ---- sending ----

  /**
   * Send a message without guaranteed delivery (StatusNotification, Heartbeat, NotifyReport…).
   * It goes out only when allowed: accepted, or while Pending when the CSMS asked for it
   * (`requested`: TriggerMessage, GetBaseReport, GetReport; B02.FR.02). Otherwise it is dropped.
   * Never rejects: failures become warnings.
   */
  async notify<A extends keyof Ocpp201Messages>(action: A, payload: Request201<A>, requested = false): Promise<Response201<A> | undefined> {
    const allowed = this.link.connected && (this.bootState === 'Accepted' || (requested && this.bootState === 'Pending'));
    if (!allowed) return undefined;
    return (await this.notifier.send(action, payload as unknown as Payload)) as unknown as Response201<A> | undefined;
  }

  /** Resolve once every {@link StationModel.notify} so far was answered or failed, or after `timeoutMs`. */
  notified(timeoutMs: number): Promise<void> {
    return this.notifier.settled(timeoutMs);
  }


  /** Queue a message for guaranteed, in-order delivery. */
  enqueue(action: QueuedAction, payload: object): void {
    this.queue.push(action, payload as Payload);
  }

  /** Report one connector's status (G01); `requested` lets it out while Pending. */
  async report(e: Evse, c: Connector, requested = false): Promise<void> {
    const answer = await this.notify('StatusNotification', { timestamp: new Date(this.now()).toISOString(), connectorStatus: c.status, evseId: e.id, connectorId: c.id }, requested);
    if (answer) c.reported = c.status;
  }

  /** Report every connector (B01.FR.05 after an Accepted boot, B04.FR.01). */
  async reportAll(requested = false): Promise<void> {
    for (const e of this.evses) for (const c of e.connectors) await this.report(e, c, requested);
  }

  /** Re-derive every connector's status; report and emit the ones that changed. */
  refresh(): void {
    let moved = false;
    for (const e of this.evses) {
      const reserved = this.isReserved(e);
      for (const c of e.connectors) {
        const status = deriveStatus(e, c, this.inoperative, reserved, this.closedForUpdate);
        if (status === c.status) continue;
        c.status = status;
        moved = true;
        this.link.emit('status', { evseId: e.id, connectorId: c.id, status });
        void this.report(e, c);
      }
    }
    if (moved) this.onLive?.();
    this.changed();
  }

  /** Whether an EVSE is held by a reservation (set by the reservation module). */
  isReserved: (e: Evse) => boolean = (e) => e.reservation !== undefined;

  /**
   * Report a changed variable as NotifyEvent (N07, G05.FR.02): one event, trigger Delta, from a
   * hard-wired notification, with the variable's value now.
   */
  async notifyEvent(component: string, variable: string, where: { evseId?: number; connectorId?: number } = {}): Promise<void> {
    const i = this.device.catalogue.index(component, variable, undefined, where.evseId, where.connectorId);
    if (i === undefined) return this.warn(`NotifyEvent: no variable ${component}.${variable}`);
    const at = new Date(this.now()).toISOString();
    const evse = where.evseId === undefined ? undefined : where.connectorId === undefined ? { id: where.evseId } : { id: where.evseId, connectorId: where.connectorId };
    await this.notify('NotifyEvent', {
      generatedAt: at,
      seqNo: 0,
      eventData: [{ eventId: this.nextEvent(), timestamp: at, trigger: 'Delta', actualValue: this.device.value(i) ?? '', eventNotificationType: 'HardWiredNotification', component: evse ? { name: component, evse } : { name: component }, variable: { name: variable } }],
    });
  }

  /** Record a security event and queue its notification (A04: critical events, guaranteed delivery). */
  raise(type: SecurityEvent201, techInfo?: string): void {
    const at = this.now();
    this.securityLog.record(at, 'security', techInfo ? `${type}: ${techInfo}` : type);
    this.link.emit('securityEvent', type, techInfo);
    if (!this.automation.securityEvents) return;
    const payload: Request201<'SecurityEventNotification'> = { type, timestamp: new Date(at).toISOString() };
    if (techInfo) payload.techInfo = techInfo.slice(0, 255);
    this.enqueue('SecurityEventNotification', payload);
  }

  // ---- what the shared lifecycle needs ----

  /** @inheritDoc */
  bootRequest(): Payload {
    const p = this.profile;
    const payload: Request201<'BootNotification'> = {
      reason: this.bootReason,
      chargingStation: { model: p.model, vendorName: p.vendor, serialNumber: p.serialNumber, firmwareVersion: p.firmwareVersion },
    };
    return payload as unknown as Payload;
  }

  /** @inheritDoc */
  heartbeatIntervalS(): number {
    return this.device.int('OCPPCommCtrlr', 'HeartbeatInterval');
  }

  /** @inheritDoc */
  setHeartbeatInterval(seconds: number): void {
    this.device.put('OCPPCommCtrlr', 'HeartbeatInterval', String(seconds));
  }

  /** @inheritDoc */
  pingIntervalS(): number {
    return this.device.int('OCPPCommCtrlr', 'WebSocketPingInterval');
  }

  /** @inheritDoc */
  heartbeat(): void {
    void this.notify('Heartbeat', {});
  }

  /** @inheritDoc */
  pumpQueue(): void {
    this.queue.pump();
  }

  /** Timers of the model (meter sampling) start here; set by the transaction engine. */
  startTimers: () => void = () => undefined;
  /** And stop here. */
  stopTimers: () => void = () => this.queue.stop();

  /**
   * Part 4 §5.3: wait RetryBackOffWaitMinimum + random(0..RetryBackOffRandomRange) s, doubled
   * after each failure up to RetryBackOffRepeatTimes times, then keep the last wait.
   */
  reconnectDelayMs(attempt: number): number {
    const d = this.device;
    const doublings = Math.min(attempt, d.int('OCPPCommCtrlr', 'RetryBackOffRepeatTimes'));
    const wait = d.int('OCPPCommCtrlr', 'RetryBackOffWaitMinimum') * 2 ** doublings;
    return Math.round((wait + Math.random() * d.int('OCPPCommCtrlr', 'RetryBackOffRandomRange')) * 1000);
  }

  /**
   * Back online without a new boot (B04): offline longer than OfflineThreshold, report every
   * connector (B04.FR.01); shorter, only those whose status changed meanwhile (B04.FR.02).
   */
  reconnected(): void {
    const since = this.offlineSince;
    this.offlineSince = undefined;
    const long = since === undefined || this.now() - since > this.device.int('OCPPCommCtrlr', 'OfflineThreshold') * 1000;
    void (async () => {
      for (const e of this.evses) for (const c of e.connectors) if (long || c.reported !== c.status) await this.report(e, c);
    })();
  }

  /** A readable warning line. */
  warn(line: string): void {
    this.link.emit('warning', line);
  }

  /** Something worth persisting changed. */
  changed(): void {
    this.onChange?.();
  }
}

/** An EVSE's AvailabilityState: its connectors' most telling status. */
function evseState(e: Evse): string {
  for (const s of ['Faulted', 'Occupied', 'Reserved', 'Unavailable'] as const) if (e.connectors.some((c) => c.status === s)) return s;
  return 'Available';
}
