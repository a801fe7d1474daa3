/**
 * What the machine allows and what it is: open-file limit, ephemeral port range, CPU and
 * memory probes. Linux first (`/proc`), with portable fallbacks.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * The open-file limit this process actually runs with. Node raises its soft limit to the hard
 * limit at start-up, so this is effectively `ulimit -Hn` of the shell; undefined when unknown.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === 'unlimited') return Infinity;
    const n = Number(soft);
    if (Number.isFinite(n)) return n;
  } catch {
    // not Linux: ask a shell (it reports its own limit, which we inherited)
  }
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Infinity : Number(out) || undefined;
  } catch {
    return undefined;
  }
}

/** File descriptors open right now (undefined when it cannot be counted). */
export function openFileCount(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * How many local ports one (source address, destination address:port) pair can use: the
 * ceiling on connections to one CSMS address before 127.0.0.x spreading is needed.
 */
export function ephemeralPortCount(): number | undefined {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && hi >= lo) return hi - lo + 1;
  } catch {
    // unknown
  }
  return undefined;
}

/** CPU model and logical CPU count, e.g. `Intel(R) Xeon(R) Processor × 2`. */
export function cpuDescription(): { model: string; count: number } {
  const cpus = os.cpus();
  return { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length };
}

/** Memory figures of one process, in bytes. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Yield to the event loop once (lets closes and pending I/O settle). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Force full garbage collections (needs `--expose-gc`) and sample memory. Several rounds with a
 * turn of the event loop between them, so weak callbacks and finalisers also run.
 */
export async function settledMemory(): Promise<MemorySample> {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await tick();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}
