/**
 * CSMS-initiated calls on a period (`--command NAME --period S`, `--commands "NAME:S,NAME:S"`):
 * each command goes to every connected station in the version it speaks (its twin when the
 * name is the other version's: RemoteStartTransaction ↔ RequestStartTransaction), all on one
 * shared scheduler entry (never one interval per station), with the version's default payload
 * built from the station's state, or the payload given.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Payload } from '../ocpp/frames';
import { realScheduler, type Scheduler, type TimerHandle } from '../ocpp/scheduler';
import { SchemaValidator } from '../ocpp/validator';
import { DIALECTS } from './dialects';
import type { MockCsms } from './mock-csms';
import { ALL_CSMS_ACTIONS, DEFAULT_FILE_SERVER_URL, Operator, OperationError, csmsAction } from './operations';

export { DEFAULT_FILE_SERVER_URL };

/** Every CSMS-initiated action of every version the mock CSMS speaks. */
export const CSMS_ACTIONS = ALL_CSMS_ACTIONS;

/** One periodic command. */
export interface PeriodicCommand {
  /** CSMS-initiated action. */
  action: string;
  /** Period in seconds. */
  periodS: number;
  /** Request payload (default: the station's version's default, built from its state). */
  payload?: Payload;
}

/**
 * Check a command: a CSMS-initiated action, a positive period, and a schema-valid payload;
 * throws one readable line otherwise. Returns the action in its canonical spelling.
 * @param command The command.
 */
export function checkCommand(command: PeriodicCommand): PeriodicCommand {
  const action = csmsAction(command.action);
  if (!action) throw new Error(`command '${command.action}' is not a CSMS-initiated OCPP action (one of ${CSMS_ACTIONS.join(', ')})`);
  if (!Number.isFinite(command.periodS) || command.periodS <= 0) throw new Error(`command ${action}: the period must be a positive number of seconds, got ${String(command.periodS)}`);
  if (command.payload !== undefined) {
    // A payload is one version's: it must be valid in a version that has the action by this name.
    const versions = DIALECTS.filter((d) => Object.hasOwn(d.commands, action));
    const violations = versions.map((d) => SchemaValidator.for(d.protocol).check(action, 'request', command.payload));
    if (violations.every((v) => v !== undefined)) {
      const why = violations.map((v, i) => (versions.length > 1 ? `${v!.message} (OCPP ${versions[i]!.version})` : v!.message));
      throw new Error(`command ${action}: invalid payload: ${why.join('; ')}`);
    }
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

/** One round of a command (event `round`): to whom it went, how many were skipped. */
export interface RoundSummary {
  /** The command's action (a station of the other version got its twin). */
  action: string;
  /** The stations it was sent to. */
  sent: string[];
  /** Connected stations it was not sent to (see the `skipped` and `unsupported` events). */
  skipped: number;
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
 * Sends commands on their periods to every connected station. A station whose boot was
 * Rejected is skipped (it must not answer), so are remote start and stop while Pending (1.6
 * §4.2.1, B02.FR.05), a call whose previous round to the same station is still unanswered, and
 * a command with nothing to send (no open transaction to stop, no reservation to cancel).
 *
 * Events: `round` ({@link RoundSummary}, once per round that sent anything), `result`
 * ({@link CommandOutcome}), `error` ({@link CommandOutcome}), `skipped` (cpId, action, reason),
 * and `unsupported` (cpId, action, reason) once per station for a command its version has no
 * counterpart of.
 */
export class PeriodicCommands extends EventEmitter {
  /** The commands, checked. */
  readonly commands: readonly PeriodicCommand[];
  private readonly scheduled: Scheduled[];
  private readonly scheduler: Scheduler;
  private readonly operator: Operator;
  private readonly inFlight = new Set<string>();
  /** `cpId NUL action` of commands already reported unsupported (said once). */
  private readonly unsupported = new Set<string>();
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
    this.operator = new Operator(csms, { timeoutMs: options.timeoutMs, fileServerUrl: options.fileServerUrl });
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
   * The request a command makes of one station now: the action in the station's version and
   * its payload (undefined: nothing to send). Throws an `OperationError` when the version has no
   * such action.
   * @param command The command.
   * @param cpId Station id.
   */
  requestFor(command: PeriodicCommand, cpId: string): { action: string; payload: Payload | undefined } {
    return this.operator.request(cpId, command.action, command.payload);
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
    const sent: string[] = [];
    const stations = this.csms.chargePointIds;
    for (const cpId of stations) {
      const key = `${cpId}\u0000${command.action}`;
      let request: { action: string; payload: Payload | undefined };
      try {
        request = this.requestFor(command, cpId);
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        if (!this.unsupported.has(key)) this.emit('unsupported', cpId, command.action, err.message);
        this.unsupported.add(key);
        continue;
      }
      const { action, payload } = request;
      const registration = this.csms.discipline.registrationOf(cpId);
      const skip =
        registration === 'Rejected'
          ? 'its boot was Rejected'
          : registration === 'Pending' && /^(Remote|Request)(Start|Stop)Transaction$/.test(action)
            ? 'its boot is Pending'
            : this.inFlight.has(key)
              ? 'the previous call is unanswered'
              : payload === undefined
                ? `nothing to send (${action === 'CancelReservation' ? 'no reservation to cancel' : 'no open transaction'})`
                : undefined;
      if (skip || !payload) {
        this.emit('skipped', cpId, action, skip);
        continue;
      }
      this.inFlight.add(key);
      sent.push(cpId);
      calls.push(
        this.operator.send(cpId, { action, payload }).then(
          ({ response }) => {
            const outcome: CommandOutcome = { cpId, action, payload, response };
            this.emit('result', outcome);
            return outcome;
          },
          (error: Error) => {
            const outcome: CommandOutcome = { cpId, action, payload, error };
            if (this.listenerCount('error') > 0) this.emit('error', outcome);
            return outcome;
          },
        ).finally(() => this.inFlight.delete(key)),
      );
    }
    if (sent.length > 0) this.emit('round', { action: command.action, sent, skipped: stations.length - sent.length } satisfies RoundSummary);
    return Promise.all(calls);
  }
}
