/**
 * Extra trusted CAs for `wss://`, handed to each TLS connection (never a process-wide switch).
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

/**
 * The CA list for TLS connections: Node's built-in roots plus the PEM files given and every
 * `.pem` / `.crt` file in the directories given. Undefined when nothing extra is configured, so
 * Node's defaults apply unchanged.
 * @param files CA files (`--ca`, `SSL_CERT_FILE`).
 * @param dirs CA directories (`--cadir`, `SSL_CERT_DIR`).
 */
export function trustedCas(files: string[], dirs: string[]): string[] | undefined {
  const fromDirs = dirs.flatMap((dir) => {
    try {
      return fs.readdirSync(dir).filter((f) => /\.(pem|crt)$/i.test(f)).map((f) => path.join(dir, f));
    } catch (err) {
      throw new Error(`cannot read CA directory ${dir}: ${(err as Error).message}`);
    }
  });
  const all = [...files, ...fromDirs];
  if (all.length === 0) return undefined;
  return [
    ...tls.rootCertificates,
    ...all.map((file) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`cannot read CA file ${file}: ${(err as Error).message}`);
      }
    }),
  ];
}
