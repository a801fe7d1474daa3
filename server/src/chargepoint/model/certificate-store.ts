/**
 * The charge point's installed root certificates (security whitepaper: InstallCertificate,
 * DeleteCertificate, GetInstalledCertificateIds), identified by their certificateHashData.
 * Installed CentralSystemRootCertificates are trusted for `wss://` connections.
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
} from '../../security/certificates';

export type { CertificateHashData, HashAlgorithm } from '../../security/certificates';

/** The certificate types a CSMS may install. */
export type InstalledCertificateType = 'CentralSystemRootCertificate' | 'ManufacturerRootCertificate';

/** An installed certificate. */
export interface InstalledCertificate {
  /** Its type. */
  type: InstalledCertificateType;
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

/** Installed certificates of one charge point. */
export class CertificateStore {
  private items: InstalledCertificate[] = [];

  /**
   * Create an empty store.
   * @param maxLength Current `CertificateStoreMaxLength` (certificates of all types together).
   * @param changed Called after every change (persistence).
   */
  constructor(private readonly maxLength: () => number, private readonly changed: () => void = () => undefined) {}

  /** Every installed certificate (persistence). */
  get all(): InstalledCertificate[] {
    return [...this.items];
  }

  /** PEMs of the installed certificates of one type. @param type Certificate type. */
  pems(type: InstalledCertificateType): string[] {
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
  install(type: InstalledCertificateType, certificate: string, now: number): InstallResult {
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
  list(type: InstalledCertificateType): CertificateHashData[] {
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
  restore(items: InstalledCertificate[]): void {
    this.items = items.filter((c) => c && typeof c.pem === 'string' && c.hash).map((c) => ({ ...c }));
  }

  /** A certificate's hash data in another algorithm, computed against the same issuer. */
  private hashIn(c: InstalledCertificate, algorithm: CertificateHashData['hashAlgorithm']): CertificateHashData {
    if (algorithm === c.hash.hashAlgorithm) return c.hash;
    const issuer = isIssuedBy(c.pem, c.pem) ? undefined : this.items.find((x) => x !== c && isIssuedBy(c.pem, x.pem))?.pem;
    try {
      return certificateHashData(c.pem, issuer, algorithm);
    } catch {
      return c.hash;
    }
  }
}
