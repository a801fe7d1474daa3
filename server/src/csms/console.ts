/**
 * The operator console of the standalone mock CSMS: one command per line (`list`,
 * `remote-start`, `remote-stop`, `reset`, `trigger`, `send`, `tx`, `meter`, `probes`, `help`,
 * `exit` / `quit`),
 * and a live line per MeterValues. {@link CsmsConsole.execute} is the command language,
 * testable without a terminal; {@link startConsole} puts it on a readline and ends on `exit` / `quit`.
 * @module
 */
import readline from 'node:readline';
import type { Payload } from '../ocpp/frames';
import type { MockCsms } from './mock-csms';
import { Operator, csmsAction, type Sent } from './operations';
import type { MeterReading, TransactionRecord } from './transactions';

/** The help text. */
export const CONSOLE_HELP = `commands:
  list                                 connected charge points, version, registration, connector / EVSE statuses
  remote-start CP [TAG] [EVSE]         RemoteStartTransaction (1.6) / RequestStartTransaction (2.0.1)
                                       (default: first whitelist token, a free connector / EVSE)
  remote-stop CP [TX]                  RemoteStopTransaction / RequestStopTransaction (default: the open transaction)
  reset CP [Soft|Hard]                 Reset (default Soft; 2.0.1: Soft = OnIdle, Hard = Immediate)
  trigger CP MESSAGE [EVSE]            TriggerMessage, e.g. trigger CP001 StatusNotification
  send CP ACTION [{json}]              any CSMS-initiated action; no payload: the default for that station
  tx                                   open and finished transactions with energy
  meter                                latest meter values per charge point
  probes                               conformance findings so far
  help                                 this text
  exit, quit                           stop the mock CSMS (as Ctrl-C: records saved, --report written)`;

/** The commands that end the console and the CSMS with it. */
const EXIT = /^\s*(exit|quit)\s*$/i;

const kwh = (wh: number): string => `${(wh / 1000).toFixed(3)} kWh`;

/**
 * One readable line for a meter reading: `CP001 #1 tx 12: 12.345 kWh, 7.40 kW, 32.0 A, 230.0 V`.
 * @param r The reading.
 */
export function meterLine(r: MeterReading): string {
  const parts: string[] = [];
  if (r.energyWh !== undefined) parts.push(kwh(r.energyWh));
  if (r.powerW !== undefined) parts.push(`${(r.powerW / 1000).toFixed(2)} kW`);
  const current = r.values['Current.Import']?.value ?? r.values['Current.Import.L1']?.value;
  if (current !== undefined) parts.push(`${current.toFixed(1)} A`);
  const voltage = r.values.Voltage?.value ?? r.values['Voltage.L1-N']?.value ?? r.values['Voltage.L1']?.value;
  if (voltage !== undefined) parts.push(`${voltage.toFixed(1)} V`);
  const soc = r.values.SoC?.value;
  if (soc !== undefined) parts.push(`SoC ${soc}%`);
  return `${r.cpId} #${r.connectorId}${r.transactionId === undefined ? '' : ` tx ${r.transactionId}`}: ${parts.join(', ') || 'no values'}`;
}

/** What the console shows of a request sent: the station, the action and the answer. */
function shown(sent: Sent): string {
  return `${sent.cpId} ${sent.action} → ${JSON.stringify(sent.response)}`;
}

function txLine(t: TransactionRecord): string {
  const end = t.stoppedAt === undefined ? 'open' : `stopped ${t.stoppedAt} (${t.reason})`;
  return `  ${String(t.transactionId).padStart(5)}  ${t.cpId} #${t.connectorId}  ${t.idTag}  ${kwh(t.energyWh)}  started ${t.startedAt}  ${end}`;
}

/** Splits a command line into words; the rest after `send CP ACTION` is the JSON payload. */
function words(line: string): string[] {
  return line.trim().split(/\s+/).filter((w) => w.length > 0);
}

/** The console's command language over a {@link MockCsms}. */
export class CsmsConsole {
  /**
   * Create a console.
   * @param csms The CSMS it operates.
   * @param options `timeoutMs`: timeout of each call (default: the CSMS's).
   */
  constructor(private readonly csms: MockCsms, options: { timeoutMs?: number; fileServerUrl?: string } = {}) {
    this.operator = new Operator(csms, options);
  }

  private readonly operator: Operator;

  /**
   * Run one command line; resolves with the text to show (errors start with `error:`). Never rejects.
   * @param line The command line.
   */
  async execute(line: string): Promise<string> {
    const [command, ...args] = words(line);
    try {
      switch (command?.toLowerCase()) {
        case undefined:
          return '';
        case 'help':
        case '?':
          return CONSOLE_HELP;
        case 'list':
          return this.list();
        case 'tx':
          return this.tx();
        case 'meter':
          return this.meter();
        case 'probes':
          return this.probes();
        case 'remote-start':
          return await this.remoteStart(args);
        case 'remote-stop':
          return await this.remoteStop(args);
        case 'reset':
          return shown(await this.operator.reset(this.cp(args[0]), args[1] ?? 'Soft'));
        case 'trigger': {
          const cp = this.cp(args[0]);
          if (args[1] === undefined) return `error: usage: trigger CP MESSAGE [EVSE], MESSAGE one of ${this.operator.station(cp).dialect.triggerable.join(', ')}`;
          return shown(await this.operator.trigger(cp, args[1], args[2] === undefined ? undefined : this.integer(args[2], 'EVSE')));
        }
        case 'send': {
          const m = /^\s*\S+\s+(\S+)\s+(\S+)\s*(.*)$/s.exec(line);
          if (!m) return 'error: usage: send CP ACTION [{json}]';
          let payload: unknown = {};
          if (m[3]!.trim()) {
            try {
              payload = JSON.parse(m[3]!);
            } catch (err) {
              return `error: the payload is not JSON: ${(err as Error).message}`;
            }
          }
          if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'error: the payload must be a JSON object';
          const cp = this.cp(m[1]);
          const action = csmsAction(m[2]!);
          if (!action) return `error: ${m[2]} is not a CSMS-initiated OCPP action`;
          const request = this.operator.request(cp, action, Object.keys(payload).length > 0 ? (payload as Payload) : undefined);
          if (!request.payload) return `error: no default ${request.action} for ${cp} now (e.g. no open transaction): give a payload`;
          return shown(await this.operator.send(cp, { action: request.action, payload: request.payload }));
        }
        default:
          return `error: unknown command '${command}' (try help)`;
      }
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }

  private cp(id: string | undefined): string {
    if (!id) throw new Error('name a charge point (see list)');
    if (!this.csms.stations.has(id)) {
      const ids = this.csms.chargePointIds;
      throw new Error(`${id} is not connected (${ids.length ? `connected: ${ids.join(', ')}` : 'none connected'})`);
    }
    return id;
  }

  private integer(text: string, name: string): number {
    if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got '${text}'`);
    return Number(text);
  }

  private list(): string {
    const ids = this.csms.chargePointIds;
    if (ids.length === 0) return 'no charge points connected';
    return ids
      .map((id) => {
        const statuses = [...this.csms.transactions.connectorStatuses(id)].sort(([a], [b]) => a - b).map(([c, s]) => `#${c} ${s.status}`);
        const open = this.csms.transactions.open(id).map((t) => t.transactionId);
        const boot = this.csms.discipline.registrationOf(id) ?? 'not booted';
        return `${id}  OCPP ${this.csms.stations.get(id)?.version ?? '?'}  ${boot}  ${statuses.join(', ') || 'no status yet'}${open.length ? `  open tx ${open.join(', ')}` : ''}`;
      })
      .join('\n');
  }

  private tx(): string {
    const open = this.csms.transactions.open();
    const finished = this.csms.transactions.finished();
    return [`open (${open.length}):`, ...open.map(txLine), `finished (${finished.length}):`, ...finished.map(txLine)].join('\n');
  }

  private meter(): string {
    const lines = Object.values(this.csms.transactions.latestMeterValues()).flatMap((byConnector) => Object.values(byConnector).map(meterLine));
    return lines.length ? lines.join('\n') : 'no meter values yet';
  }

  private probes(): string {
    if (!this.csms.probes) return 'conformance probes are off';
    const report = this.csms.probes.report();
    const lines = Object.entries(report).flatMap(([id, findings]) => findings.map((f) => `${id} ${f.probe}: ${f.detail}`));
    return lines.length ? lines.join('\n') : 'clean: no probe fired';
  }

  private async remoteStart(args: string[]): Promise<string> {
    const unit = args[2] === undefined ? undefined : this.integer(args[2], 'EVSE');
    return shown(await this.operator.remoteStart(this.cp(args[0]), { token: args[1], unit }));
  }

  private async remoteStop(args: string[]): Promise<string> {
    const cpId = this.cp(args[0]);
    // 1.6 ids are numbers, 2.0.1 ids the station's strings.
    const given = args[1] === undefined ? undefined : this.operator.station(cpId).version === '1.6' ? this.integer(args[1], 'TX') : args[1];
    return shown(await this.operator.remoteStop(cpId, given));
  }
}

/** A running console; close it to stop reading. */
export interface ConsoleHandle {
  /** The command language. */
  console: CsmsConsole;
  /** Stop reading and printing. */
  close(): void;
}

/**
 * Run the console on a readline (a terminal, or any stream in tests): a `csms> ` prompt, the
 * answer of each command, and a live line for each MeterValues (printed above the prompt).
 * @param csms The CSMS.
 * @param input Where commands come from (e.g. `process.stdin`).
 * @param output Where answers and live lines go (e.g. `process.stdout`).
 * @param options `liveMeterValues` and `greeting` (default true); `onClose` is called when the
 *   input ends (Ctrl-D), `onExit` when the operator types `exit` or `quit` (default: `onClose`).
 */
export function startConsole(
  csms: MockCsms,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  options: { liveMeterValues?: boolean; greeting?: boolean; onClose?: () => void; onExit?: () => void; timeoutMs?: number } = {},
): ConsoleHandle {
  const csmsConsole = new CsmsConsole(csms, { timeoutMs: options.timeoutMs });
  const terminal = (output as NodeJS.WriteStream).isTTY === true;
  const rl = readline.createInterface({ input, output, prompt: 'csms> ', terminal });
  let closed = false;
  const print = (text: string): void => {
    if (closed || !text) return;
    if (terminal) {
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
    }
    output.write(`${text}\n`);
    if (terminal) rl.prompt(true);
  };
  const live = (r: MeterReading): void => print(meterLine(r));
  if (options.liveMeterValues !== false) csms.transactions.on('meterValues', live);
  rl.on('line', (line) => {
    if (EXIT.test(line)) {
      close();
      (options.onExit ?? options.onClose)?.();
      return;
    }
    void csmsConsole.execute(line).then((text) => {
      if (text) print(text);
      else if (terminal && !closed) rl.prompt();
    });
  });
  const close = (): void => {
    if (closed) return;
    closed = true;
    csms.transactions.off('meterValues', live);
    rl.close();
  };
  rl.on('close', () => {
    const wasOpen = !closed;
    close();
    if (wasOpen) options.onClose?.();
  });
  if (options.greeting !== false) print(`operator console: ${csms.chargePointIds.length} charge point(s) connected; type help`);
  if (terminal) rl.prompt();
  return { console: csmsConsole, close };
}
