/**
 * `--scenario start`: how long `./start.sh --cps 1 --url ws://127.0.0.1:PORT/` takes from spawn
 * to its first frame on the wire (the BootNotification), received by a plain `ws` server on
 * 127.0.0.1. Runs the launcher as a user would (with its up-to-date build check), several times.
 * @module
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import type { Metric } from './report';
import { summarize } from './stats';

/** Budget: start to first frame. */
const BUDGET_MS = 300;

/** Spawn start.sh once; ms from spawn to the first frame received. */
async function once(script: string, wss: WebSocketServer): Promise<number> {
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  const first = new Promise<number>((resolve) => {
    wss.once('connection', (ws) => ws.once('message', () => resolve(performance.now())));
  });
  const t0 = performance.now();
  const child = spawn(script, ['--cps', '1', '--url', url, '--s'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`start.sh exited (${code}) before sending a frame: ${err.trim()}`))));
  try {
    return (await Promise.race([first, exited])) - t0;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

/** Run the measurement `runs` times (the first also warms the OS file cache); rows for the report. */
export async function startLatency(runs: number, log: (line: string) => void): Promise<Metric[]> {
  const script = path.resolve(__dirname, '../../../start.sh');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await new Promise((r) => wss.once('listening', r));
  const times: number[] = [];
  try {
    await once(script, wss); // warm the file cache, as on any second start
    for (let i = 0; i < runs; i++) {
      times.push(await once(script, wss));
      log(`  start ${i + 1}/${runs}: ${times[times.length - 1]!.toFixed(0)} ms`);
    }
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  }
  const s = summarize(Float64Array.from(times));
  return [
    { key: 'startRuns', label: 'runs (after one warm-up start)', value: runs, unit: '' },
    { key: 'startToFirstFrameP50Ms', label: './start.sh to first frame, median', value: s.p50, unit: 'ms', decimals: 0, budget: { kind: 'max', limit: BUDGET_MS } },
    { key: 'startToFirstFrameMaxMs', label: './start.sh to first frame, max', value: s.max, unit: 'ms', decimals: 0 },
  ];
}
