/**
 * CSMS-initiated calls on a period (`--command NAME --period S`, `--commands "NAME:S,NAME:S"`):
 * each command goes to every connected charge point, all on one shared scheduler entry (never
 * one interval per charge point), with a sensible, schema-valid default payload for every 1.6
 * and security-extension CSMS-initiated action, or the payload given.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Payload } from '../ocpp/frames';
import { actionEntry } from '../ocpp/protocol';
import { realScheduler, type Scheduler, type TimerHandle } from '../ocpp/scheduler';
import { SchemaValidator } from '../ocpp/validator';
import { OCPP16_ACTIONS, ocpp16 } from '../ocpp/v16/protocol';
import type { MockCsms } from './mock-csms';

/** Every action a 1.6 CSMS may send (core profiles and the security extension). */
export const CSMS_ACTIONS: readonly string[] = Object.entries(OCPP16_ACTIONS)
  .filter(([, spec]) => spec.initiator !== 'ChargePoint')
  .map(([action]) => action);

/** What a default payload may depend on. */
export interface CommandContext {
  /** The charge point the call goes to. */
  cpId: string;
  /** The CSMS (its transactions, policy, PKI). */
  csms: MockCsms;
  /** A fresh number for reservationId, requestId, listVersion ({@link MockCsms.nextRequestId}). */
  nextId(): number;
  /** Where GetDiagnostics / GetLog upload and UpdateFirmware downloads (the embedded FTP server by default). */
  fileServerUrl: string;
  /** The last reservationId sent to this charge point, if any. */
  lastReservationId?: number;
}

/** Base URL of the embedded FTP server with its default port and user (`--ftp`). */
export const DEFAULT_FILE_SERVER_URL = 'ftp://ocpp:ocpp@127.0.0.1:2121/';

const PLACEHOLDER_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQnBsYWNlaG9sZGVy\n-----END CERTIFICATE-----\n';
const ZERO_HASH = '0'.repeat(64);
const inMinutes = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
const firstToken = (csms: MockCsms): string => [...csms.policy.whitelist][0] ?? 'valid_token';
const fileUrl = (ctx: CommandContext, name: string): string => `${ctx.fileServerUrl.replace(/\/?$/, '/')}${name}`;

/**
 * Default request of every CSMS-initiated action; `undefined` means "nothing to send to this
 * charge point now" (RemoteStopTransaction without an open transaction). Chosen to be harmless
 * where the action allows it (Operative, the heartbeat interval the CSMS hands out, an
 * immediately cancellable reservation) and to exercise the charge point where it cannot be
 * (Reset Soft, a firmware URL on the CSMS's file server).
 */
export const DEFAULT_COMMAND_PAYLOADS: Readonly<Record<string, (ctx: CommandContext) => Payload | undefined>> = {
  ChangeAvailability: () => ({ connectorId: 0, type: 'Operative' }),
  ChangeConfiguration: ({ csms }) => ({ key: 'HeartbeatInterval', value: String(csms.heartbeatInterval) }),
  ClearCache: () => ({}),
  DataTransfer: () => ({ vendorId: 'ocpp-sim', messageId: 'ping', data: new Date().toISOString() }),
  GetConfiguration: () => ({}),
  RemoteStartTransaction: ({ cpId, csms }) => {
    const connectorId = csms.transactions.availableConnector(cpId);
    return connectorId === undefined ? { idTag: firstToken(csms) } : { connectorId, idTag: firstToken(csms) };
  },
  RemoteStopTransaction: ({ cpId, csms }) => {
    const open = csms.transactions.open(cpId)[0];
    return open && { transactionId: open.transactionId };
  },
  Reset: () => ({ type: 'Soft' }),
  UnlockConnector: () => ({ connectorId: 1 }),
  GetDiagnostics: (ctx) => ({ location: fileUrl(ctx, ''), retries: 1, retryInterval: 5 }),
  UpdateFirmware: (ctx) => ({ location: fileUrl(ctx, 'firmware.bin'), retrieveDate: new Date().toISOString(), retries: 1, retryInterval: 5 }),
  GetLocalListVersion: () => ({}),
  SendLocalList: (ctx) => ({
    listVersion: ctx.nextId(),
    updateType: 'Full',
    localAuthorizationList: [...ctx.csms.policy.whitelist].slice(0, 20).map((idTag) => ({ idTag, idTagInfo: { status: 'Accepted' } })),
  }),
  CancelReservation: (ctx) => ({ reservationId: ctx.lastReservationId ?? 1 }),
  ReserveNow: (ctx) => ({
    connectorId: ctx.csms.transactions.availableConnector(ctx.cpId) ?? 1,
    expiryDate: inMinutes(15),
    idTag: firstToken(ctx.csms),
    reservationId: ctx.nextId(),
  }),
  ClearChargingProfile: () => ({}),
  GetCompositeSchedule: () => ({ connectorId: 0, duration: 3600, chargingRateUnit: 'W' }),
  SetChargingProfile: () => ({
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: new Date().toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] },
    },
  }),
  TriggerMessage: () => ({ requestedMessage: 'Heartbeat' }),
  ExtendedTriggerMessage: () => ({ requestedMessage: 'Heartbeat' }),
  // Without a CA there is nothing real to send; the charge point must refuse the placeholder.
  CertificateSigned: () => ({ certificateChain: PLACEHOLDER_PEM }),
  InstallCertificate: ({ csms }) => ({ certificateType: 'CentralSystemRootCertificate', certificate: csms.caCertificate ?? PLACEHOLDER_PEM }),
  DeleteCertificate: () => ({ certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: ZERO_HASH, issuerKeyHash: ZERO_HASH, serialNumber: '1' } }),
  GetInstalledCertificateIds: () => ({ certificateType: 'CentralSystemRootCertificate' }),
  GetLog: (ctx) => ({ logType: 'DiagnosticsLog', requestId: ctx.nextId(), log: { remoteLocation: fileUrl(ctx, '') }, retries: 1, retryInterval: 5 }),
  SignedUpdateFirmware: (ctx) => ({
    requestId: ctx.nextId(),
    retries: 1,
    retryInterval: 5,
    firmware: { location: fileUrl(ctx, 'firmware.bin'), retrieveDateTime: new Date().toISOString(), signingCertificate: PLACEHOLDER_PEM, signature: 'c2lnbmF0dXJl' },
  }),
};

/**
 * The default request of a CSMS-initiated action for one charge point, outside a
 * {@link PeriodicCommands} (the console, the REST API): undefined when there is nothing to send.
 * @param csms The CSMS.
 * @param cpId Charge point id.
 * @param action The action (canonical spelling).
 * @param fileServerUrl Base URL for file transfers (default {@link DEFAULT_FILE_SERVER_URL}).
 */
export function defaultCommandPayload(csms: MockCsms, cpId: string, action: string, fileServerUrl = DEFAULT_FILE_SERVER_URL): Payload | undefined {
  return actionEntry(DEFAULT_COMMAND_PAYLOADS, action)?.({ cpId, csms, nextId: () => csms.nextRequestId(), fileServerUrl });
}

/** One periodic command. */
export interface PeriodicCommand {
  /** CSMS-initiated action. */
  action: string;
  /** Period in seconds. */
  periodS: number;
  /** Request payload (default: {@link DEFAULT_COMMAND_PAYLOADS}). */
  payload?: Payload;
}

/**
 * Check a command: a CSMS-initiated action, a positive period, and a schema-valid payload;
 * throws one readable line otherwise. Returns the action in its canonical spelling.
 * @param command The command.
 */
export function checkCommand(command: PeriodicCommand): PeriodicCommand {
  const action = CSMS_ACTIONS.find((a) => a.toLowerCase() === command.action.toLowerCase());
  if (!action) throw new Error(`command '${command.action}' is not a CSMS-initiated 1.6 action (one of ${CSMS_ACTIONS.join(', ')})`);
  if (!Number.isFinite(command.periodS) || command.periodS <= 0) throw new Error(`command ${action}: the period must be a positive number of seconds, got ${String(command.periodS)}`);
  if (command.payload !== undefined) {
    const violation = SchemaValidator.for(ocpp16).check(action, 'request', command.payload);
    if (violation) throw new Error(`command ${action}: invalid payload: ${violation.message}`);
  }
  return { ...command, action };
}

/**
 * Parse `"NAME:S,NAME:S"` (e.g. `GetConfiguration:60,TriggerMessage:30`) into checked commands.
 * @param text The list.
 */
export function parseCommands(text: string): PeriodicCommand[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new Error('commands: expected NAME:SECONDS[,NAME:SECONDS…]');
  return items.map((item) => {
    const m = /^([A-Za-z]+)\s*:\s*(\d+(?:\.\d+)?)$/.exec(item);
    if (!m) throw new Error(`commands: '${item}' is not NAME:SECONDS (e.g. GetConfiguration:60)`);
    return checkCommand({ action: m[1]!, periodS: Number(m[2]) });
  });
}

/** The outcome of one periodic call (events `result` and `error`). */
export interface CommandOutcome {
  /** Charge point id. */
  cpId: string;
  /** Action. */
  action: string;
  /** The request sent. */
  payload: Payload;
  /** The answer (event `result`). */
  response?: Payload;
  /** Why it failed (event `error`): a CALLERROR, a timeout, a disconnect. */
  error?: Error;
}

/** Options of {@link PeriodicCommands}. */
export interface PeriodicCommandOptions {
  /** Clock (default: the process-wide real scheduler). */
  scheduler?: Scheduler;
  /** Base URL for GetDiagnostics, GetLog and firmware downloads (default {@link DEFAULT_FILE_SERVER_URL}). */
  fileServerUrl?: string;
  /** Timeout of each call in ms (default: the CSMS's response timeout). */
  timeoutMs?: number;
}

interface Scheduled extends PeriodicCommand {
  dueAt: number;
}

/**
 * Sends commands on their periods to every connected charge point. A charge point whose boot
 * was Rejected is skipped (it must not answer), so is RemoteStart/Stop while Pending (1.6
 * §4.2.1), and a call whose previous round to the same charge point is still unanswered.
 *
 * Events: `result` ({@link CommandOutcome}), `error` ({@link CommandOutcome}), `skipped`
 * (cpId, action, reason).
 */
export class PeriodicCommands extends EventEmitter {
  /** The commands, checked. */
  readonly commands: readonly PeriodicCommand[];
  private readonly scheduled: Scheduled[];
  private readonly scheduler: Scheduler;
  private readonly fileServerUrl: string;
  private readonly timeoutMs: number | undefined;
  private readonly inFlight = new Set<string>();
  private readonly reservations = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private running = false;

  /**
   * Prepare the commands (throws on an unknown action or an invalid payload); {@link PeriodicCommands.start} runs them.
   * @param csms The CSMS whose charge points are called.
   * @param commands The commands.
   * @param options See {@link PeriodicCommandOptions}.
   */
  constructor(private readonly csms: MockCsms, commands: PeriodicCommand[], options: PeriodicCommandOptions = {}) {
    super();
    this.commands = commands.map(checkCommand);
    this.scheduler = options.scheduler ?? realScheduler;
    this.fileServerUrl = options.fileServerUrl ?? DEFAULT_FILE_SERVER_URL;
    this.timeoutMs = options.timeoutMs;
    this.scheduled = this.commands.map((c) => ({ ...c, dueAt: 0 }));
    csms.once('close', () => this.stop());
  }

  /** Start: the first round of each command goes out one period from now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.scheduler.now();
    for (const c of this.scheduled) c.dueAt = now + c.periodS * 1000;
    this.arm();
  }

  /** Stop sending (calls in flight still complete). */
  stop(): void {
    this.running = false;
    this.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  /**
   * The payload a command sends to one charge point now (undefined: nothing to send).
   * @param command The command.
   * @param cpId Charge point id.
   */
  payloadFor(command: PeriodicCommand, cpId: string): Payload | undefined {
    if (command.payload) return command.payload;
    return actionEntry(DEFAULT_COMMAND_PAYLOADS, command.action)?.(this.context(cpId));
  }

  /**
   * The context default payloads are built with, for one charge point (also used by the console and REST API).
   * @param cpId Charge point id.
   */
  context(cpId: string): CommandContext {
    return { cpId, csms: this.csms, nextId: () => this.csms.nextRequestId(), fileServerUrl: this.fileServerUrl, lastReservationId: this.reservations.get(cpId) };
  }

  /**
   * Send one round of a command (or of every command) now to every connected charge point;
   * resolves with the outcomes.
   * @param action Only this command (default: all).
   */
  async runNow(action?: string): Promise<CommandOutcome[]> {
    const rounds = this.commands.filter((c) => action === undefined || c.action === action).map((c) => this.round(c));
    return (await Promise.all(rounds)).flat();
  }

  private arm(): void {
    this.scheduler.cancel(this.timer);
    if (!this.running || this.scheduled.length === 0) return;
    const next = Math.min(...this.scheduled.map((c) => c.dueAt));
    this.timer = this.scheduler.after(Math.max(0, next - this.scheduler.now()), () => this.tick());
  }

  private tick(): void {
    if (!this.running) return;
    const now = this.scheduler.now();
    for (const c of this.scheduled) {
      if (c.dueAt > now) continue;
      void this.round(c);
      // A late tick (a busy process) does not fire a burst of missed rounds.
      c.dueAt = Math.max(c.dueAt + c.periodS * 1000, now + 1);
    }
    this.arm();
  }

  private round(command: PeriodicCommand): Promise<CommandOutcome[]> {
    const calls: Promise<CommandOutcome>[] = [];
    for (const cpId of this.csms.chargePointIds) {
      const key = `${cpId}\u0000${command.action}`;
      const registration = this.csms.discipline.registrationOf(cpId);
      const skip =
        registration === 'Rejected'
          ? 'its boot was Rejected'
          : registration === 'Pending' && command.action.startsWith('Remote')
            ? 'its boot is Pending'
            : this.inFlight.has(key)
              ? 'the previous call is unanswered'
              : undefined;
      const payload = skip ? undefined : this.payloadFor(command, cpId);
      if (skip || !payload) {
        this.emit('skipped', cpId, command.action, skip ?? 'nothing to send');
        continue;
      }
      if (command.action === 'ReserveNow') this.reservations.set(cpId, Number(payload.reservationId));
      this.inFlight.add(key);
      calls.push(
        this.csms.call(cpId, command.action, payload, this.timeoutMs === undefined ? undefined : { timeoutMs: this.timeoutMs }).then(
          (response) => {
            const outcome: CommandOutcome = { cpId, action: command.action, payload, response };
            this.emit('result', outcome);
            return outcome;
          },
          (error: Error) => {
            const outcome: CommandOutcome = { cpId, action: command.action, payload, error };
            if (this.listenerCount('error') > 0) this.emit('error', outcome);
            return outcome;
          },
        ).finally(() => this.inFlight.delete(key)),
      );
    }
    return Promise.all(calls);
  }
}
