/**
 * The file, certificate, keystore and HTTP helpers behind the charge point script API,
 * gathered under the names the charge point uses.
 * @module
 */
import { convertDerToPem } from '../security/certificates';

export { ftpDownload, ftpUploadDummyFile } from '../files/ftp';
export { certificateSignedToPem, generateCsr } from '../security/certificates';
export { type Keystore, type SavedKeyPair, keystoreFor, readKeyStoreElement } from '../security/keystore';
export { type Listener, startListener } from './listener';

/**
 * A PEM text usable both ways scripts use it: at once, as a string (`${pem}`, `pem.split(…)`), and
 * as the Promise the earlier tool returned (`await pem`, `pem.then(…)` give a primitive string).
 * Where a primitive is required (`fs.writeFileSync`, `crypto.X509Certificate`, `===`), `await` it
 * or use `String(pem)`.
 */
export class PemText extends String {
  /**
   * Resolve with the PEM as a primitive string (this makes it a thenable).
   * @param onFulfilled Receives the PEM.
   * @param onRejected Never called: the conversion already succeeded.
   */
  then<A = string, B = never>(onFulfilled?: ((pem: string) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return Promise.resolve(this.valueOf()).then(onFulfilled, onRejected);
  }

  /** As `Promise.prototype.catch` (nothing to catch: the conversion already succeeded). @param onRejected Never called. */
  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<string | B> {
    return this.then(undefined, onRejected);
  }

  /** As `Promise.prototype.finally`. @param onFinally Called once. */
  finally(onFinally?: (() => void) | null): Promise<string> {
    return Promise.resolve(this.valueOf()).finally(onFinally);
  }
}

/**
 * Convert a hex-encoded DER certificate to PEM, as a {@link PemText}: a string that can also be
 * awaited. Throws at once on input that is not hex.
 * @param hexDer Hex digits of the DER bytes; whitespace is ignored.
 */
export function convertDerToPemText(hexDer: string): PemText {
  return new PemText(convertDerToPem(hexDer));
}
