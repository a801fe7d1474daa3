/**
 * Renewal of the CSMS root under `SecurityCtrlr.AdditionalRootCertificateCheck` (M05.FR.09-16,
 * B10.FR.07): a new CSMSRootCertificate must be signed by the installed one and replaces it, but
 * the old root stays as the one fallback until a TLS connection verified with the new root
 * succeeds. Until then every connection attempt trusts the new root first and, when the server's
 * certificate does not verify with it, the fallback root.
 * @module
 */
import { isIssuedBy, splitPemChain } from '../../security/certificates';
import type { InstallResult } from '../../security/certificate-store';
import type { StationModel } from './station';

const CSMS_ROOT = 'CSMSRootCertificate';

/**
 * Install a CSMSRootCertificate with AdditionalRootCertificateCheck on: Rejected unless an
 * installed CSMS root signed it (M05.FR.10/11; the first root needs no check); accepted, it
 * replaces the others and the root that was trusted before is kept as fallback (M05.FR.12).
 * @param station The station.
 * @param certificate PEM of the new root.
 */
export function installCheckedRoot(station: StationModel, certificate: string): InstallResult {
  const pem = splitPemChain(certificate)[0] ?? '';
  const installed = station.certificates.pems(CSMS_ROOT);
  const signer = installed.find((old) => old !== pem && isIssuedBy(pem, old));
  if (installed.length > 0 && !signer && !installed.includes(pem)) {
    return { status: 'Rejected', reason: 'AdditionalRootCertificateCheck: the new CSMS root is not signed by the installed one' };
  }
  const result = station.certificates.install(CSMS_ROOT, pem, station.now());
  if (result.status !== 'Accepted' || !signer) return result;
  // One fallback only: the root proven last (an earlier fallback stays if the signer was never proven).
  const fallback = station.fallbackRoot && installed.includes(station.fallbackRoot) ? station.fallbackRoot : signer;
  station.fallbackRoot = fallback;
  for (const old of installed) if (old !== fallback && old !== pem) removeRoot(station, old);
  station.changed();
  return result;
}

/**
 * The trusted-root sets of one connection attempt, in the order to try: the new roots, then the
 * fallback (M05.FR.14); just the installed roots when no renewal is pending.
 * @param station The station.
 */
export function rootAttempts(station: StationModel): string[][] {
  const roots = station.certificates.pems(CSMS_ROOT);
  const fallback = station.fallbackRoot;
  const renewed = roots.filter((r) => r !== fallback);
  // No renewal pending (or the new root was deleted meanwhile): the installed roots as they are.
  if (!fallback || !roots.includes(fallback) || renewed.length === 0) return [roots];
  return [renewed, [fallback]];
}

/**
 * A TLS connection verified with `roots` is up: if the new root did it, the fallback goes (M05.FR.13).
 * @param station The station.
 * @param roots The root set the connection trusted.
 */
export function verifiedWith(station: StationModel, roots: readonly string[]): void {
  const fallback = station.fallbackRoot;
  if (!fallback || roots.includes(fallback)) return;
  station.fallbackRoot = undefined;
  removeRoot(station, fallback);
  station.warn('CSMS root renewal: connected with the new CSMS root, the old one is removed');
}

function removeRoot(station: StationModel, pem: string): void {
  const entry = station.certificates.all.find((c) => c.type === CSMS_ROOT && c.pem === pem);
  if (entry) station.certificates.remove(entry.hash);
}
