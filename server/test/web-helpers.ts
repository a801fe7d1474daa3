/**
 * Server mode's web server in the test's own process beside a mock CSMS (kept apart from
 * helpers.ts, which every test loads, so only the tests that need the web server load it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockCsms } from '../src/csms/mock-csms';
import { startWebServer } from '../src/web/server';
import { freePortPair } from './helpers';

/** Server mode's web server in this process beside a mock CSMS, on free ports. */
export interface WebWithCsms {
  /** The mock CSMS (any port). */
  csms: MockCsms;
  /** The web server's port (the bridge on port + 1). */
  port: number;
  /** A REST call under `/api`: the status and the parsed JSON answer. */
  call(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

/**
 * Start a mock CSMS and server mode's web server (a scratch root with a package.json, no UI
 * build), both stopped after the test.
 */
export async function webWithCsms(t: { after: (fn: () => unknown) => void }): Promise<WebWithCsms> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-web-'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ version: '0.0.0' }));
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const port = await freePortPair();
  const web = await startWebServer({ port, bind: '127.0.0.1', csms, root, scriptTimeoutMs: 3000 });
  t.after(async () => {
    await web.close();
    await csms.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}/api${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  return { csms, port, call };
}
