/**
 * Default answers of block M, certificate management, on the certificate store the 1.6 security
 * extension uses too: InstallCertificate (M05), GetInstalledCertificateIds (M03) and
 * DeleteCertificate (M04), with the 2.0.1 certificate type names; and the station certificate
 * renewal of A02/A03 (SignCertificate after TriggerMessage, CertificateSigned) on the same CSR
 * and chain checks.
 * @module
 */
import type { CertificateHashDataChainType, GetCertificateIdUseEnumType } from '../../ocpp/v201/types';
import { generateCsr, signedChainProblem, splitPemChain } from '../../security/certificates';
import { keystoreFor } from '../../security/keystore';
import type { StationContext } from '../station/context';
import { installCheckedRoot } from '../station/root-rollover';
import type { Behaviours201 } from './types';

/**
 * Send SignCertificate with a new key's CSR (A02.FR.02/03: O = SecurityCtrlr.OrganizationName,
 * CN = the serial number). Accepted, the CSR is sent again after CertSigningWaitMinimum s,
 * doubling, up to CertSigningRepeatTimes times, until CertificateSigned arrives (A02.FR.17/18).
 * @param ctx The station.
 */
export async function requestStationCertificate(ctx: StationContext): Promise<void> {
  const s = ctx.station;
  const pending = (s.pendingCsr = await generateCsr({ O: s.device.str('SecurityCtrlr', 'OrganizationName'), CN: s.profile.serialNumber }));
  for (let attempt = 0; s.pendingCsr === pending; attempt++) {
    const answer = await s.notify('SignCertificate', { csr: pending.csr, certificateType: 'ChargingStationCertificate' }, true);
    if (answer?.status !== 'Accepted') {
      if (s.pendingCsr === pending) s.pendingCsr = undefined;
      return;
    }
    const waitS = s.device.int('SecurityCtrlr', 'CertSigningWaitMinimum');
    if (waitS <= 0 || attempt >= s.device.int('SecurityCtrlr', 'CertSigningRepeatTimes')) return;
    await new Promise<void>((resolve) => s.link.scheduler.after(waitS * 1000 * 2 ** attempt, resolve));
  }
}

/** Certificate management defaults. */
export const certificates: Behaviours201 = {
  // M05.FR.01/02: a usable root (signed by the installed CSMS root under AdditionalRootCertificateCheck, M05.FR.10/11) (parsable, within its validity) is Accepted; M05.FR.07: an invalid one Rejected; a full store Failed.
  InstallCertificate: ({ certificateType, certificate }, { station }) => {
    const checked = certificateType === 'CSMSRootCertificate' && station.device.bool('SecurityCtrlr', 'AdditionalRootCertificateCheck');
    const result = checked ? installCheckedRoot(station, certificate) : station.certificates.install(certificateType, certificate, station.now());
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

  // A02.FR.07 / A03.FR.07: a chain that does not fit the pending CSR is Rejected with InvalidChargingStationCertificate;
  // a good one goes to the keystore and is presented from the next connection on, which starts at once.
  CertificateSigned: ({ certificateChain, certificateType }, { station, lifecycle }) => {
    const pending = station.pendingCsr;
    const problem =
      certificateType === 'V2GCertificate' ? 'no V2G certificate was requested'
      : !pending ? 'no certificate signing request is pending'
      : signedChainProblem(certificateChain, pending.key, station.now());
    if (problem || !pending) {
      station.raise('InvalidChargingStationCertificate', problem);
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidCertificate', additionalInfo: problem?.slice(0, 512) } } };
    }
    station.pendingCsr = undefined;
    const followUp = async (): Promise<void> => {
      keystoreFor(station.link.id).save('', pending.key, splitPemChain(certificateChain).join('\n'));
      await lifecycle.reconnect();
    };
    return { response: { status: 'Accepted' }, followUp };
  },

  // M04.FR.01/02/04: Accepted when a certificate with that hash data was removed, else NotFound.
  DeleteCertificate: ({ certificateHashData }, { station }) => ({
    response: { status: station.certificates.remove(certificateHashData) ? 'Accepted' : 'NotFound' },
  }),
};
