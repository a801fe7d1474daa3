/**
 * What the connected charge points do during the measured call phase. The bench harness owns
 * the phases around it (warm-up, baseline memory, connect, idle memory, timing and CPU of the
 * call phase, close); a scenario only drives calls on the fleet and may add rows of its own.
 *
 * To add one (idle, boot storm, steady charging...): write a {@link Scenario} and add it to
 * {@link SCENARIOS}; `--scenario NAME` picks it up, and `--help` lists it.
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import type { BenchOptions } from './options';
import type { Metric } from './report';
import type { Failures } from './stats';

/** What a scenario gets to work with. */
export interface ScenarioContext {
  /** The connected charge points. */
  chargepoints: readonly Chargepoint[];
  /** The command line. */
  options: BenchOptions;
  /** Count every failed call here (the bench then exits 1). */
  failures: Failures;
  /** True once the user interrupted the run: stop issuing new calls. */
  stopped: () => boolean;
  /** A line on stderr. */
  log: (line: string) => void;
}

/** A workload for the call phase. */
export interface Scenario {
  /** `--scenario` name. */
  name: string;
  /** One line for `--help`. */
  description: string;
  /** Drive the fleet; resolve when the phase is over. Extra rows go into the report. */
  run(ctx: ScenarioContext): Promise<Metric[]>;
}

const now = (): string => new Date().toISOString();

/**
 * One charge point's short life: BootNotification, StatusNotification for connectors 0 and 1,
 * Heartbeat, then Authorize, StartTransaction, two MeterValues, StopTransaction and
 * StatusNotification Available: 10 calls. Stops at the first failure (counted).
 * @returns True when every call succeeded.
 */
export async function chargingSession(cp: Chargepoint, failures: Failures, idTag = 'BENCH-TAG'): Promise<boolean> {
  let action = 'BootNotification';
  try {
    await cp.sendBootnotification({ chargePointVendor: 'ocpp-sim', chargePointModel: 'bench', chargePointSerialNumber: cp.id });
    action = 'StatusNotification';
    await cp.sendStatusNotification({ connectorId: 0, errorCode: 'NoError', status: 'Available', timestamp: now() });
    await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });
    action = 'Heartbeat';
    await cp.sendHeartbeat();
    action = 'Authorize';
    await cp.sendAuthorize({ idTag });
    action = 'StartTransaction';
    const meterStart = 1000;
    const { transactionId } = await cp.startTransaction({ connectorId: 1, idTag, meterStart, timestamp: now() });
    action = 'MeterValues';
    for (let k = 1; k <= 2; k++) {
      await cp.meterValues({
        connectorId: 1,
        transactionId,
        meterValue: [
          {
            timestamp: now(),
            sampledValue: [
              { value: String(meterStart + 100 * k), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
              { value: '11000', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
            ],
          },
        ],
      });
    }
    action = 'StopTransaction';
    await cp.stopTransaction({ transactionId, idTag, meterStop: meterStart + 300, timestamp: now(), reason: 'Local' });
    action = 'StatusNotification';
    await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });
    return true;
  } catch (err) {
    failures.add(action, err);
    return false;
  }
}

/** Calls in one {@link chargingSession}. */
export const CALLS_PER_SESSION = 10;

/** Every charge point runs one {@link chargingSession}, all at the same time. */
const session: Scenario = {
  name: 'session',
  description: `every charge point: boot, status, heartbeat, a short transaction (${CALLS_PER_SESSION} calls), all at once`,
  async run({ chargepoints, failures, stopped }) {
    let ok = 0;
    await Promise.all(
      chargepoints.map(async (cp) => {
        if (!stopped() && (await chargingSession(cp, failures))) ok++;
      }),
    );
    return [{ key: 'sessionsCompleted', label: 'sessions completed', value: ok, unit: 'sessions' }];
  },
};

/** Every charge point sends Heartbeats back to back for `--seconds`: raw round-trip rate. */
const throughput: Scenario = {
  name: 'throughput',
  description: 'every charge point sends Heartbeats back to back for --seconds',
  async run({ chargepoints, failures, stopped, options }) {
    const end = performance.now() + options.seconds * 1000;
    await Promise.all(
      chargepoints.map(async (cp) => {
        while (performance.now() < end && !stopped()) {
          try {
            await cp.sendHeartbeat();
          } catch (err) {
            failures.add('Heartbeat', err);
            return;
          }
        }
      }),
    );
    return [{ key: 'durationS', label: 'requested duration', value: options.seconds, unit: 's', decimals: 1 }];
  },
};

/** Scenarios by name. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([session, throughput].map((s) => [s.name, s]));
