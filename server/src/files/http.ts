/**
 * HTTP(S) transfers: firmware downloads and log uploads, with the charge point's own TLS
 * settings: its trusted CAs and verification on unless `--insecure` (the global `fetch` takes
 * neither, and would follow `NODE_TLS_REJECT_UNAUTHORIZED`).
 * @module
 */
import { randomBytes } from 'node:crypto';
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

/**
 * Upload a file to an `http://` or `https://` location as an HTML form would: a POST of
 * `multipart/form-data` (RFC 7578) with the file in the field `file`, under its name. User and
 * password in the URL go out as Basic auth. Any 2xx answer is success.
 * @param location The URL that takes the upload.
 * @param fileName The file's name.
 * @param content What it holds.
 * @param options Trusted CAs and the verification switch for `https://`.
 */
export function httpUpload(location: string, fileName: string, content: string | Buffer, options: FtpOptions = {}): Promise<void> {
  const boundary = `ocpp-sim-${randomBytes(12).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName.replace(/["\r\n]/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const url = new URL(location);
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length };
    const request = url.protocol === 'https:'
      ? https.request(url, { method: 'POST', headers, ca: options.ca, rejectUnauthorized: options.rejectUnauthorized !== false })
      : http.request(url, { method: 'POST', headers });
    request.once('error', reject);
    request.once('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve();
      else reject(new Error(`HTTP ${status} for the upload to ${url.origin}${url.pathname}`));
    });
    request.end(body);
  });
}
