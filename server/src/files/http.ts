/**
 * HTTP(S) downloads for firmware locations, with the charge point's own TLS settings: its
 * trusted CAs and verification on unless `--insecure` (the global `fetch` takes neither, and
 * would follow `NODE_TLS_REJECT_UNAUTHORIZED`).
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import type { FtpOptions } from './ftp';

/** Redirects followed before giving up (RFC 9110 §15.4 leaves the limit to the client). */
const MAX_REDIRECTS = 5;

/**
 * Fetch an `http://` or `https://` location into memory, following redirects.
 * @param location The URL.
 * @param options Trusted CAs and the verification switch for `https://`.
 * @param redirects Redirects still allowed.
 */
export function httpDownload(location: string, options: FtpOptions = {}, redirects = MAX_REDIRECTS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const url = new URL(location);
    const tls = { ca: options.ca, rejectUnauthorized: options.rejectUnauthorized !== false };
    const request = url.protocol === 'https:' ? https.get(url, tls) : http.get(url);
    request.once('error', reject);
    request.once('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) return reject(new Error(`too many redirects for ${location}`));
        return resolve(httpDownload(new URL(res.headers.location, url).href, options, redirects - 1));
      }
      if (status !== 200) {
        res.resume();
        return reject(new Error(`HTTP ${status} for ${location}`));
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve(Buffer.concat(chunks)));
      res.once('error', reject);
    });
  });
}
