/**
 * Default answers of block M, certificate management, on the certificate store the 1.6 security
 * extension uses too: InstallCertificate (M05), GetInstalledCertificateIds (M03) and
 * DeleteCertificate (M04), with the 2.0.1 certificate type names; and the station certificate
 * renewal of A02/A03 (SignCertificate after TriggerMessage, CertificateSigned) on the same CSR
 * and chain checks.
 * @module
 */
import type { CertificateHashDataChainType, CertificateSigningUseEnumType, GetCertificateIdUseEnumType } from '../../ocpp/v201/types';
import { certificateHashData, generateCsr, signedChainProblem, splitPemChain } from '../../security/certificates';
import { keystoreFor } from '../../security/keystore';
import type { StationContext } from '../station/context';
import type { StationModel } from '../station/station';
import { installCheckedRoot } from '../station/root-rollover';
import type { Behaviours201 } from './types';

type SigningUse = CertificateSigningUseEnumType;
const NOT_REQUESTED = { ChargingStationCertificate: 'no certificate signing request is pending', V2GCertificate: 'no V2G certificate was requested' } as const;
const PENDING = { ChargingStationCertificate: 'pendingCsr', V2GCertificate: 'pendingV2gCsr' } as const satisfies Record<SigningUse, keyof StationModel>;

/**
 * The CSR of a certificate type. A02.FR.02/03: the station certificate has an RSA key, O =
 * SecurityCtrlr.OrganizationName, CN = the serial number. A02.FR.15 / ISO 15118-2: the V2G (SECC)
 * certificate has an EC secp256r1 key, CN = ISO15118Ctrlr.SeccId (the station id when unset),
 * O = ISO15118Ctrlr.OrganizationName, C = ISO15118Ctrlr.CountryName.
 */
async function csrFor(s: StationModel, type: SigningUse): Promise<{ key: string; csr: string }> {
  if (type === 'ChargingStationCertificate') return generateCsr({ O: s.device.str('SecurityCtrlr', 'OrganizationName'), CN: s.profile.serialNumber });
  const v2g = (name: string): string => s.device.str('ISO15118Ctrlr', name);
  // Loaded on first use: @peculiar/x509 costs ~140 ms to load, and few stations claim ISO 15118.
  const { generateEcCsr } = await import('../../security/ec-csr.js');
  return generateEcCsr({ CN: v2g('SeccId') || s.link.id, O: v2g('OrganizationName'), C: v2g('CountryName') });
}

/**
 * Send SignCertificate with a new key's CSR. Accepted, the CSR is sent again after
 * CertSigningWaitMinimum s, doubling, up to CertSigningRepeatTimes times, until CertificateSigned
 * arrives (A02.FR.17/18).
 * @param ctx The station.
 * @param certificateType Which certificate (V2GCertificate only for a profile with `iso15118`).
 */
export async function requestStationCertificate(ctx: StationContext, certificateType: SigningUse = 'ChargingStationCertificate'): Promise<void> {
  const s = ctx.station;
  const slot = PENDING[certificateType];
  const pending = (s[slot] = await csrFor(s, certificateType));
  for (let attempt = 0; s[slot] === pending; attempt++) {
    const answer = await s.notify('SignCertificate', { csr: pending.csr, certificateType }, true);
    if (answer?.status !== 'Accepted') {
      if (s[slot] === pending) s[slot] = undefined;
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
    const v2g = station.v2gCertificate ? [{ type: 'V2GCertificateChain' as const, hash: station.v2gCertificate.hash }] : [];
    const chain: CertificateHashDataChainType[] = [...station.certificates.all, ...v2g]
      .filter((c) => wanted.size === 0 || wanted.has(c.type))
      .map((c) => ({ certificateType: c.type, certificateHashData: c.hash }));
    const [first, ...rest] = chain;
    return { response: first ? { status: 'Accepted', certificateHashDataChain: [first, ...rest] } : { status: 'NotFound' } };
  },

  // A02.FR.07 / A03.FR.07: a chain that does not fit the pending CSR is Rejected with InvalidChargingStationCertificate;
  // a good one goes to the keystore and is presented from the next connection on, which starts at once.
  // The V2G chain is kept aside (key 0600) and never becomes the TLS client certificate.
  CertificateSigned: ({ certificateChain, certificateType = 'ChargingStationCertificate' }, { station, lifecycle }) => {
    const pending = station[PENDING[certificateType]];
    const problem = !pending
      ? NOT_REQUESTED[certificateType]
      : signedChainProblem(certificateChain, pending.key, station.now());
    if (problem || !pending) {
      station.raise('InvalidChargingStationCertificate', problem);
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidCertificate', additionalInfo: problem?.slice(0, 512) } } };
    }
    station[PENDING[certificateType]] = undefined;
    if (certificateType === 'V2GCertificate') {
      const pems = splitPemChain(certificateChain);
      keystoreFor(station.link.id).saveAside('-v2g', pending.key, pems.join('\n'));
      station.v2gCertificate = { chain: pems.join('\n'), hash: certificateHashData(pems[0]!, pems[1]) };
      return { response: { status: 'Accepted' } };
    }
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
