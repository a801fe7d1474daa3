/** The embedded FTP(S) server for tests, in the call shape the tests were written against. */
import { startFtpServer as startEmbedded, type EmbeddedFtpServer } from '../src/csms/ftp-server';

/** A running test FTP server; `url` has no trailing slash. */
export type TestFtpServer = EmbeddedFtpServer;

/** Start a loopback FTP server with one user, rooted in a fresh temp dir; `tls` adds FTPS (AUTH TLS). */
export async function startFtpServer(user: string, password: string, tls?: { key: string; cert: string }): Promise<TestFtpServer> {
  const server = await startEmbedded({ user, password, tls });
  return { ...server, url: server.url.replace(/\/$/, '') };
}
