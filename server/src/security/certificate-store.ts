/**
 * A station's installed root certificates, identified by their certificateHashData: the store
 * behind InstallCertificate, DeleteCertificate and GetInstalledCertificateIds of the 1.6
 * security whitepaper and of 2.0.1 (M03-M05). The certificate type names differ by version
 * (1.6 CentralSystemRootCertificate, 2.0.1 CSMSRootCertificate, V2G/MO roots), so the store is
 * generic over them. Installed CSMS roots are trusted for `wss://` connections.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import {
  certificateHashData,
  certificateProblem,
  isIssuedBy,
  sameHashData,
  splitPemChain,
  type CertificateHashData,
} from './certificates';

export type { CertificateHashData, HashAlgorithm } from './certificates';

/** The certificate types a 1.6 CSMS may install. */
export type InstalledCertificateType = 'CentralSystemRootCertificate' | 'ManufacturerRootCertificate';

/** An installed certificate (of a version's certificate type `T`). */
export interface InstalledCertificate<T extends string = InstalledCertificateType> {
  /** Its type. */
  type: T;
  /** PEM. */
  pem: string;
  /** Its hash data (SHA256). */
  hash: CertificateHashData;
}

/** The outcome of {@link CertificateStore.install}, in InstallCertificate.conf's terms. */
export interface InstallResult {
  /** Accepted; Rejected for an unusable certificate; Failed when the store is full. */
  status: 'Accepted' | 'Rejected' | 'Failed';
  /** Why it was not Accepted. */
  reason?: string;
}

/** Installed certificates of one station; `T` names the certificate types of its OCPP version. */
export class CertificateStore<T extends string = InstalledCertificateType> {
  private items: InstalledCertificate<T>[] = [];

  /**
   * Create an empty store.
   * @param maxLength Most certificates of all types together (1.6 `CertificateStoreMaxLength`).
   * @param changed Called after every change (persistence).
   */
  constructor(private readonly maxLength: () => number, private readonly changed: () => void = () => undefined) {}

  /** Every installed certificate (persistence). */
  get all(): InstalledCertificate<T>[] {
    return [...this.items];
  }

  /** PEMs of the installed certificates of one type. @param type Certificate type. */
  pems(type: T): string[] {
    return this.items.filter((c) => c.type === type).map((c) => c.pem);
  }

  /**
   * Install a certificate. It must parse, be valid at `now`, and be a root (self-issued) or a CA
   * certificate issued by an installed one: a leaf is no trust anchor, and without its issuer a
   * certificate's hash data could not be computed, so it could never be listed or deleted.
   * Installing a certificate that is already there replaces it and takes no extra room.
   * @param type Certificate type.
   * @param certificate PEM (CRLF allowed; the first certificate is taken).
   * @param now The charge point's clock (epoch ms).
   */
  install(type: T, certificate: string, now: number): InstallResult {
    const pem = splitPemChain(certificate)[0];
    if (!pem) return { status: 'Rejected', reason: 'no PEM certificate' };
    const problem = certificateProblem(pem, now);
    if (problem) return { status: 'Rejected', reason: problem };
    const selfIssued = isIssuedBy(pem, pem);
    const issuer = selfIssued ? undefined : this.items.find((c) => isIssuedBy(pem, c.pem))?.pem;
    if (!selfIssued && !(new X509Certificate(pem).ca && issuer)) {
      return { status: 'Rejected', reason: 'neither a root certificate nor a CA certificate issued by an installed one' };
    }
    const hash = certificateHashData(pem, issuer);
    const existing = this.items.findIndex((c) => c.type === type && sameHashData(c.hash, hash));
    if (existing >= 0) {
      this.items[existing] = { type, pem, hash };
    } else {
      const max = this.maxLength();
      if (this.items.length >= max) return { status: 'Failed', reason: `CertificateStoreMaxLength (${max}) reached` };
      this.items.push({ type, pem, hash });
    }
    this.changed();
    return { status: 'Accepted' };
  }

  /**
   * The hash data (SHA256) of the installed certificates of one type.
   * @param type Certificate type.
   */
  list(type: T): CertificateHashData[] {
    return this.items.filter((c) => c.type === type).map((c) => c.hash);
  }

  /**
   * Remove the certificate a CSMS names by its hash data (any of the three hash algorithms).
   * @param hash The certificateHashData of DeleteCertificate.
   * @returns True when one was removed.
   */
  remove(hash: CertificateHashData): boolean {
    const index = this.items.findIndex((c) => sameHashData(this.hashIn(c, hash.hashAlgorithm), hash));
    if (index < 0) return false;
    this.items.splice(index, 1);
    this.changed();
    return true;
  }

  /** Replace the contents (restoring persisted state). @param items Certificates. */
  restore(items: InstalledCertificate<T>[]): void {
    this.items = items.filter((c) => c && typeof c.pem === 'string' && c.hash).map((c) => ({ ...c }));
  }

  /** A certificate's hash data in another algorithm, computed against the same issuer. */
  private hashIn(c: InstalledCertificate<T>, algorithm: CertificateHashData['hashAlgorithm']): CertificateHashData {
    if (algorithm === c.hash.hashAlgorithm) return c.hash;
    const issuer = isIssuedBy(c.pem, c.pem) ? undefined : this.items.find((x) => x !== c && isIssuedBy(c.pem, x.pem))?.pem;
    try {
      return certificateHashData(c.pem, issuer, algorithm);
    } catch {
      return c.hash;
    }
  }
}
