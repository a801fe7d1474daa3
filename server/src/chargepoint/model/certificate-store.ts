/**
 * The charge point's installed root certificates (security whitepaper: InstallCertificate,
 * DeleteCertificate, GetInstalledCertificateIds), identified by their certificateHashData.
 * Installed CentralSystemRootCertificates are trusted for `wss://` connections.
 * @module
 */

/** The certificate types a CSMS may install. */
export type InstalledCertificateType = 'CentralSystemRootCertificate' | 'ManufacturerRootCertificate';

/** How a certificate is named on the wire (OCSP-style hashes). */
export interface CertificateHashData {
  /** Hash algorithm of the two hashes. */
  hashAlgorithm: 'SHA256' | 'SHA384' | 'SHA512';
  /** Hash of the DER-encoded issuer name, hex. */
  issuerNameHash: string;
  /** Hash of the issuer's public key (the subjectPublicKey bits), hex. */
  issuerKeyHash: string;
  /** Serial number, hex. */
  serialNumber: string;
}

/** An installed certificate. */
export interface InstalledCertificate {
  /** Its type. */
  type: InstalledCertificateType;
  /** PEM. */
  pem: string;
  /** Its hash data (SHA256). */
  hash: CertificateHashData;
}

/** Installed certificates of one charge point. TODO(issue 4): implemented by the certificates helper. */
export class CertificateStore {
  private items: InstalledCertificate[] = [];

  /**
   * Create an empty store.
   * @param maxLength Current `CertificateStoreMaxLength`.
   */
  constructor(private readonly maxLength: () => number) {}

  /** Every installed certificate (persistence). */
  get all(): InstalledCertificate[] {
    return [...this.items];
  }

  /** PEMs of the installed certificates of one type. @param type Certificate type. */
  pems(type: InstalledCertificateType): string[] {
    return this.items.filter((c) => c.type === type).map((c) => c.pem);
  }

  /** Replace the contents (restoring persisted state). @param items Certificates. */
  restore(items: InstalledCertificate[]): void {
    this.items = [...items];
    void this.maxLength;
  }
}
