/**
 * FTP / explicit FTPS transfers for diagnostics and firmware scripts (GetDiagnostics,
 * UpdateFirmware, GetLog, SignedUpdateFirmware hand the charge point such a URL).
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { type AccessOptions, Client } from 'basic-ftp';

/** TLS settings for `ftps://` (and `https://`) locations; ignored for `ftp://`. */
export interface FtpOptions {
  /** Verify the server certificate (default true; set explicitly, so `NODE_TLS_REJECT_UNAUTHORIZED` has no say). */
  rejectUnauthorized?: boolean;
  /** Trusted CA certificate(s) in PEM, e.g. for a test server with a self-signed certificate. */
  ca?: string | Buffer | (string | Buffer)[];
}

interface FtpTarget {
  access: AccessOptions;
  /** Path relative to the login directory (RFC 1738); `%2F` at the start makes it absolute. */
  path: string;
  /** The location without credentials, for messages. */
  display: string;
}

function parseLocation(location: string, options: FtpOptions): FtpTarget {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    // The location is not echoed: it may carry a password.
    throw new Error('not a valid URL');
  }
  if (url.protocol !== 'ftp:' && url.protocol !== 'ftps:') throw new Error(`unsupported URL scheme ${url.protocol}`);
  const secure = url.protocol === 'ftps:';
  const port = Number(url.port || 21);
  return {
    access: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      user: url.username ? decodeURIComponent(url.username) : 'anonymous',
      password: url.password ? decodeURIComponent(url.password) : undefined,
      secure,
      secureOptions: secure ? { rejectUnauthorized: options.rejectUnauthorized ?? true, ca: options.ca } : undefined,
    },
    path: decodeURIComponent(url.pathname.replace(/^\//, '')),
    display: `${url.protocol}//${url.hostname}:${port}${url.pathname}`,
  };
}

/** Runs one session, always closes it, and turns any failure into one line without secrets. */
async function session<T>(
  what: string,
  location: string,
  options: FtpOptions,
  work: (client: Client, target: FtpTarget) => Promise<T>,
): Promise<T> {
  let target: FtpTarget | undefined;
  const client = new Client();
  try {
    target = parseLocation(location, options);
    await client.access(target.access);
    return await work(client, target);
  } catch (err) {
    let reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
    // Very short passwords would mangle ordinary words and are no secret worth hiding anyway.
    const password = target?.access.password;
    if (password && password.length >= 4) reason = reason.split(password).join('***');
    throw new Error(`${what} ${target?.display ?? '(unparsable URL)'} failed: ${reason}`, { cause: err });
  } finally {
    client.close();
  }
}

/**
 * Upload content by FTP / explicit FTPS (AUTH TLS), in passive mode.
 * @param location `ftp[s]://user:pass@host[:port]/dir`; the directory must exist.
 * @param fileName Name of the file in that directory.
 * @param content File content.
 * @param options TLS settings for `ftps://`.
 */
export async function ftpUpload(
  location: string,
  fileName: string,
  content: string | Buffer,
  options: FtpOptions = {},
): Promise<void> {
  await session('FTP upload to', location, options, async (client, target) => {
    if (target.path) await client.cd(target.path);
    await client.uploadFrom(Readable.from([Buffer.from(content)]), fileName);
  });
}

/**
 * Upload a small generated text file, standing in for a real diagnostics or log file.
 * @param location `ftp[s]://user:pass@host[:port]/dir`; the directory must exist.
 * @param fileName Name of the file in that directory.
 * @param options TLS settings for `ftps://`.
 */
export function ftpUploadDummyFile(location: string, fileName: string, options: FtpOptions = {}): Promise<void> {
  const content = `ocpp-sim dummy file\n${fileName}\n${new Date().toISOString()}\n`;
  return ftpUpload(location, fileName, content, options);
}

/**
 * Download a file into a fresh temporary directory (the caller removes it when done).
 * @param location `ftp[s]://user:pass@host[:port]/path/file`.
 * @param options TLS settings for `ftps://`.
 * @returns The local file path.
 */
export async function ftpDownload(location: string, options: FtpOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ocpp-sim-'));
  try {
    return await session('FTP download from', location, options, async (client, target) => {
      const name = posix.basename(target.path);
      if (!name || name === '.' || name === '..') throw new Error('the URL names no file');
      const local = join(dir, name);
      await client.downloadTo(local, target.path);
      return local;
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
