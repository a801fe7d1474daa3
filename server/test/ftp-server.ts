/** A real FTP(S) server on 127.0.0.1 for tests (ftp-srv), rooted in a fresh temp dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';

const silent: Record<string, unknown> = {};
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) silent[level] = () => undefined;
silent.child = () => silent;

/** A running test FTP server. */
export interface TestFtpServer {
  port: number;
  root: string;
  /** `ftp://user:pass@127.0.0.1:port` (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

/** Start a loopback FTP server with one user; `tls` makes it FTPS. */
export async function startFtpServer(user: string, password: string, tls?: { key: string; cert: string }): Promise<TestFtpServer> {
  const root = await mkdtemp(join(tmpdir(), 'ftp-test-root-'));
  const pasvMin = 20000 + Math.floor(Math.random() * 40000);
  const srv = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    pasv_min: pasvMin,
    pasv_max: pasvMin + 200,
    tls: tls ?? false,
    log: silent,
  });
  srv.on('login', ({ username, password: given }, resolve, reject) => {
    if (username === user && given === password) resolve({ root });
    else reject(new Error('Login incorrect'));
  });
  await srv.listen();
  const port = ((srv as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    port,
    root,
    url: `ftp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    async close() {
      await srv.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
