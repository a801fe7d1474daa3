/**
 * An embedded FTP server (ftp-srv) next to the mock CSMS, so GetDiagnostics, GetLog and firmware
 * updates run offline: one user, one root directory, explicit FTPS (AUTH TLS) when given a
 * certificate.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';

/** Options of {@link startFtpServer}. */
export interface FtpServerOptions {
  /** Control port (default 0: a free one). */
  port?: number;
  /** Address to bind and to hand out for passive transfers (default 127.0.0.1). */
  host?: string;
  /** The one user name accepted (default `ocpp`). */
  user?: string;
  /** Its password (default `ocpp`). */
  password?: string;
  /** Directory served (default: a fresh temporary directory, removed on close). */
  root?: string;
  /** Server key and certificate (PEM): clients may then switch to TLS with AUTH TLS (`ftps://`). */
  tls?: {
    /** Private key, PEM. */
    key: string | Buffer;
    /** Certificate (chain), PEM. */
    cert: string | Buffer;
  };
}

/** A running embedded FTP server. */
export interface EmbeddedFtpServer {
  /** `ftp://user:password@host:port/` (credentials percent-encoded). */
  url: string;
  /** The same with `ftps://` (explicit TLS), when started with `tls`. */
  ftpsUrl?: string;
  /** The bound control port. */
  port: number;
  /** The served directory. */
  root: string;
  /** Stop the server (and remove the root when it was a temporary one). */
  close(): Promise<void>;
}

// ftp-srv logs through a bunyan-style logger; ours stays quiet.
const silent: Record<string, unknown> = {};
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) silent[level] = () => undefined;
silent.child = () => silent;

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The parts of an ftp-srv connection the AUTH TLS fix touches. */
interface Connection {
  commandSocket: Socket & { _handle?: { readStop?(): number; reading?: boolean } | null };
  reply(options: unknown, ...letters: unknown[]): Promise<unknown>;
}

/**
 * ftp-srv answers AUTH TLS with 234 and wraps the socket in TLS a few event-loop turns later; a
 * fast client's ClientHello arriving in between is read as an FTP command, and the client sees
 * "wrong version number". Stopping reads before the 234 leaves those bytes in the kernel for the
 * TLS layer, which starts reading again once it wraps the socket.
 */
function holdReadsAtAuthTls(connection: Connection): void {
  const reply = connection.reply.bind(connection);
  connection.reply = (options: unknown, ...letters: unknown[]) => {
    const code = typeof options === 'number' ? options : (options as { code?: number } | undefined)?.code;
    const handle = connection.commandSocket._handle;
    if (code === 234 && handle?.readStop) {
      handle.readStop();
      handle.reading = false;
    }
    return reply(options, ...letters);
  };
}

/**
 * Start an FTP server with one user. Wrong credentials are answered `530 Login incorrect`.
 * @param options See {@link FtpServerOptions}.
 */
export async function startFtpServer(options: FtpServerOptions = {}): Promise<EmbeddedFtpServer> {
  const host = options.host ?? '127.0.0.1';
  const user = options.user ?? 'ocpp';
  const password = options.password ?? 'ocpp';
  const ownRoot = options.root === undefined;
  // No `ocpp-sim-` prefix: that one marks the transfer helpers' temp files, which tests count.
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'ocppsim-ftp-root-')));
  // A passive address must be one clients can dial, never a wildcard.
  const pasvHost = WILDCARD.has(host) ? '127.0.0.1' : host;
  // A random window, so parallel servers (test workers) rarely compete for the same ports.
  const pasvMin = 20000 + Math.floor(Math.random() * 40000);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const srv = new FtpSrv({
    url: `ftp://${urlHost}:${options.port ?? 0}`,
    pasv_url: pasvHost,
    pasv_min: pasvMin,
    pasv_max: pasvMin + 200,
    tls: options.tls ? { key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' } : false,
    anonymous: false,
    greeting: 'ocpp-sim FTP server',
    log: silent as never,
  });
  // ftp-srv emits `connect` for each client; its typings omit it.
  if (options.tls) (srv as unknown as EventEmitter).on('connect', ({ connection }: { connection: Connection }) => holdReadsAtAuthTls(connection));
  srv.on('login', ({ username, password: given }, resolve, reject) => {
    if (username === user && given === password) resolve({ root });
    else reject(new Error('Login incorrect'));
  });
  try {
    await srv.listen();
  } catch (err) {
    if (ownRoot) await rm(root, { recursive: true, force: true });
    throw err;
  }
  const port = ((srv as unknown as { server: Server }).server.address() as AddressInfo).port;
  const shownHost = WILDCARD.has(host) ? '127.0.0.1' : urlHost;
  const base = `${encodeURIComponent(user)}:${encodeURIComponent(password)}@${shownHost}:${port}/`;
  return {
    url: `ftp://${base}`,
    ftpsUrl: options.tls ? `ftps://${base}` : undefined,
    port,
    root,
    async close() {
      await srv.close();
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
