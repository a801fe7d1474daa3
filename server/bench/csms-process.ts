/**
 * The mock CSMS in a process of its own, so the bench measures the simulator's memory and CPU
 * without the central system's. Started by bench.ts with `child_process.fork`: it listens on
 * 127.0.0.1 on a free port (heartbeat interval: argv[2] seconds; OCPP version: argv[3], default ocpp1.6) with strict validation both ways, reports `{type:'ready', port}` over
 * IPC, answers `stats` requests (memory, CPU; optionally after a forced GC), profiles itself on
 * request (`--cpu-prof`), and exits on `stop`, when the parent disconnects, or on
 * SIGINT / SIGTERM.
 * @module
 */
import { MockCsms } from '../src/csms/mock-csms';
import type { FromCsms, ToCsms } from './ipc';
import { PhaseProfiler } from './profiler';

function send(message: FromCsms): void {
  if (process.connected) process.send!(message);
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('csms-process: start me through the bench (child_process.fork); I talk to it over IPC');
    process.exitCode = 2;
    return;
  }
  const heartbeatInterval = Number(process.argv[2]) || 300;
  // The versions served: `ocpp1.6`, `ocpp2.0.1`, or both for a mixed fleet (`ocpp1.6,ocpp2.0.1`).
  const protocols = (process.argv[3] ?? 'ocpp1.6').split(',');
  const csms = new MockCsms({ port: 0, host: '127.0.0.1', heartbeatInterval, protocols, validation: { inbound: 'strict', outbound: 'strict' } });
  let warnings = 0;
  csms.on('warning', () => warnings++);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await csms.close();
    if (process.connected) process.disconnect();
    // Everything is closed, so the loop should drain by itself; never hang the bench on a leak.
    setTimeout(() => process.exit(0), 5_000).unref();
  };

  let profiler: Promise<PhaseProfiler> | undefined;
  const writeProfile = async (dir: string, name: string): Promise<void> => {
    const started = profiler;
    profiler = undefined;
    try {
      if (!started) throw new Error('no profile was started');
      send({ type: 'profile-written', file: await (await started).stop(dir, name) });
    } catch (err) {
      send({ type: 'profile-written', error: String((err as Error)?.message ?? err) });
    }
  };

  process.on('message', (message: ToCsms) => {
    switch (message.type) {
      case 'stats': {
        if (message.gc) globalThis.gc?.();
        const m = process.memoryUsage();
        send({ type: 'stats', id: message.id, rss: m.rss, heapUsed: m.heapUsed, cpu: process.cpuUsage(), stations: csms.stations.size, warnings });
        break;
      }
      case 'profile-start':
        profiler ??= PhaseProfiler.start();
        break;
      case 'profile-stop':
        void writeProfile(message.dir, message.name);
        break;
      case 'stop':
        void stop();
        break;
    }
  });
  process.on('disconnect', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  try {
    const port = await csms.listen();
    send({ type: 'ready', port, url: csms.url });
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message });
    await stop();
  }
}

void main();
