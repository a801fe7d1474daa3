/**
 * Default answers of block M, certificate management, on the certificate store the 1.6 security
 * extension uses too: InstallCertificate (M05), GetInstalledCertificateIds (M03) and
 * DeleteCertificate (M04), with the 2.0.1 certificate type names.
 * @module
 */
import type { CertificateHashDataChainType, GetCertificateIdUseEnumType } from '../../ocpp/v201/types';
import type { Behaviours201 } from './types';

/** Certificate management defaults. */
export const certificates: Behaviours201 = {
  // M05.FR.01/02: a usable root (parsable, within its validity) is Accepted; M05.FR.07: an invalid one Rejected; a full store Failed.
  InstallCertificate: ({ certificateType, certificate }, { station }) => {
    const result = station.certificates.install(certificateType, certificate, station.now());
    if (result.status !== 'Accepted') station.warn(`InstallCertificate ${certificateType} ${result.status}: ${result.reason}`);
    return { response: result.status === 'Accepted' ? { status: 'Accepted' } : { status: result.status, statusInfo: { reasonCode: result.status === 'Failed' ? 'StoreFull' : 'InvalidCertificate' } } };
  },

  // M03.FR.01-04: every installed certificate of the types asked for (all types when none is given), or NotFound.
  GetInstalledCertificateIds: ({ certificateType }, { station }) => {
    const wanted = new Set<GetCertificateIdUseEnumType>(certificateType ?? []);
    const chain: CertificateHashDataChainType[] = station.certificates.all
      .filter((c) => wanted.size === 0 || wanted.has(c.type))
      .map((c) => ({ certificateType: c.type, certificateHashData: c.hash }));
    const [first, ...rest] = chain;
    return { response: first ? { status: 'Accepted', certificateHashDataChain: [first, ...rest] } : { status: 'NotFound' } };
  },

  // M04.FR.01/02/04: Accepted when a certificate with that hash data was removed, else NotFound.
  DeleteCertificate: ({ certificateHashData }, { station }) => ({
    response: { status: station.certificates.remove(certificateHashData) ? 'Accepted' : 'NotFound' },
  }),
};
