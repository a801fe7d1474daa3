/**
 * Default answers of block M, certificate management, on the certificate store the 1.6 security
 * extension uses too: InstallCertificate (M05), GetInstalledCertificateIds (M03) and
 * DeleteCertificate (M04), with the 2.0.1 certificate type names; and the station certificate
 * renewal of A02/A03 (SignCertificate after TriggerMessage, CertificateSigned) on the same CSR
 * and chain checks.
 * @module
 */
import type { CertificateHashDataChainType, GetCertificateIdUseEnumType } from '../../ocpp/v201/types';
import { generateCsr, leafHashData, sameHashData, signedChainProblem, splitPemChain } from '../../security/certificates';
import { keystoreFor } from '../../security/keystore';
import type { StationContext } from '../station/context';
import type { CsrUse, PendingCsr, StationModel } from '../station/station';
import { installCheckedRoot } from '../station/root-rollover';
import type { Behaviours201 } from './types';

const NOT_REQUESTED: Record<CsrUse, string> = {
  ChargingStationCertificate: 'no certificate signing request is pending',
  V2GCertificate: 'no V2G certificate was requested',
  Combined: 'no combined certificate was requested',
};
/** Where the V2G key pair is kept, beside the TLS one (`<id>-v2g.key`, 0600). */
const V2G_ASIDE = '-v2g';

/**
 * The CSR of a use. A02.FR.02/03: the station certificate has an RSA key, O =
 * SecurityCtrlr.OrganizationName, CN = the serial number. A02.FR.15 / ISO 15118-2: the V2G (SECC)
 * certificate has an EC secp256r1 key, CN = ISO15118Ctrlr.SeccId (the station id when unset),
 * O = ISO15118Ctrlr.OrganizationName, C = ISO15118Ctrlr.CountryName. A combined one serves both:
 * the EC key ISO 15118 needs, the station's identity of A02 (CN = serial number, O from SecurityCtrlr).
 */
async function csrFor(s: StationModel, use: CsrUse): Promise<PendingCsr> {
  const organization = s.device.str('SecurityCtrlr', 'OrganizationName');
  if (use === 'ChargingStationCertificate') return generateCsr({ O: organization, CN: s.profile.serialNumber });
  const v2g = (name: string): string => s.device.str('ISO15118Ctrlr', name);
  // Loaded on first use: @peculiar/x509 costs ~140 ms to load, and few stations claim ISO 15118.
  const { generateEcCsr } = await import('../../security/ec-csr.js');
  if (use === 'Combined') return generateEcCsr({ CN: s.profile.serialNumber, O: organization, C: v2g('CountryName') });
  return generateEcCsr({ CN: v2g('SeccId') || s.link.id, O: v2g('OrganizationName'), C: v2g('CountryName') });
}

/**
 * Send SignCertificate with a new key's CSR (`certificateType` omitted for a combined one).
 * Accepted, the CSR is sent again after CertSigningWaitMinimum s, doubling, up to
 * CertSigningRepeatTimes times, until CertificateSigned arrives (A02.FR.17/18).
 * @param ctx The station.
 * @param use What for (V2GCertificate and Combined only for a profile with `iso15118`).
 */
export async function requestStationCertificate(ctx: StationContext, use: CsrUse = 'ChargingStationCertificate'): Promise<void> {
  const s = ctx.station;
  const pending = (s.pendingCsrs[use] = await csrFor(s, use));
  s.changed();
  const request = use === 'Combined' ? { csr: pending.csr } : { csr: pending.csr, certificateType: use };
  for (let attempt = 0; s.pendingCsrs[use] === pending; attempt++) {
    const answer = await s.notify('SignCertificate', request, true);
    if (answer?.status !== 'Accepted') {
      if (s.pendingCsrs[use] === pending) delete s.pendingCsrs[use];
      s.changed();
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
  // The V2G chain is kept aside (key 0600) and never becomes the TLS client certificate; a combined one is both.
  // certificateType omitted: the combined certificate when one was asked for, else the station certificate.
  CertificateSigned: ({ certificateChain, certificateType }, { station, lifecycle }) => {
    const use: CsrUse = certificateType ?? (station.pendingCsrs.Combined ? 'Combined' : 'ChargingStationCertificate');
    const pending = station.pendingCsrs[use];
    const problem = !pending ? NOT_REQUESTED[use] : signedChainProblem(certificateChain, pending.key, station.now());
    if (problem || !pending) {
      station.raise('InvalidChargingStationCertificate', problem);
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidCertificate', additionalInfo: problem?.slice(0, 512) } } };
    }
    delete station.pendingCsrs[use];
    const pems = splitPemChain(certificateChain);
    const chain = pems.join('\n');
    if (use !== 'ChargingStationCertificate') {
      keystoreFor(station.link.id).saveAside(V2G_ASIDE, pending.key, chain);
      station.v2gCertificate = { chain, hash: leafHashData(chain) };
    }
    station.changed();
    if (use === 'V2GCertificate') return { response: { status: 'Accepted' } };
    const followUp = async (): Promise<void> => {
      keystoreFor(station.link.id).save('', pending.key, chain);
      await lifecycle.reconnect();
    };
    return { response: { status: 'Accepted' }, followUp };
  },

  // M04.FR.01/02/04: Accepted when a certificate with that hash data was removed, else NotFound; the V2G chain
  // (the CSMS may withdraw it; SignV2GCertificate asks for a new one) included. M04.FR.06 / TC_M_23: the
  // station's TLS certificate is replaced by renewal (A02), never deleted: Failed.
  DeleteCertificate: ({ certificateHashData: hash }, { station }) => {
    if (keystoreFor(station.link.id).presents(hash)) {
      return { response: { status: 'Failed', statusInfo: { reasonCode: 'OwnCertificate', additionalInfo: 'the ChargingStationCertificate is replaced by renewal, not deleted' } } };
    }
    const v2g = station.v2gCertificate;
    if (v2g && sameHashData(leafHashData(v2g.chain, hash.hashAlgorithm), hash)) {
      station.v2gCertificate = undefined;
      keystoreFor(station.link.id).removeAside(V2G_ASIDE);
      station.changed();
      return { response: { status: 'Accepted' } };
    }
    return { response: { status: station.certificates.remove(hash) ? 'Accepted' : 'NotFound' } };
  },
};

