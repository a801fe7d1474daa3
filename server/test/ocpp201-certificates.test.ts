/**
 * OCTT 2.0.1 station cases of block M (certificate management, Core): InstallCertificate,
 * GetInstalledCertificateIds and DeleteCertificate driven from a strict ocpp-rpc CSMS, with root
 * certificates made in the test and hash data computed here independently of the station.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import forge from 'node-forge';
import { withBench201, type Bench201 } from './cs201-harness';
import { rsaCert } from './pki';

type Root = ReturnType<typeof rsaCert>;

/** certificateHashData of a self-signed root, from forge's parse (OCSP CertID fields, SHA256). */
function hashOf(root: Root): { hashAlgorithm: 'SHA256'; issuerNameHash: string; issuerKeyHash: string; serialNumber: string } {
  const sha = (bytes: string) => createHash('sha256').update(Buffer.from(bytes, 'binary')).digest('hex');
  const issuerDer = forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(root.cert.issuer)).getBytes();
  const keyDer = forge.asn1.toDer(forge.pki.publicKeyToRSAPublicKey(root.cert.publicKey as forge.pki.rsa.PublicKey)).getBytes();
  return { hashAlgorithm: 'SHA256', issuerNameHash: sha(issuerDer), issuerKeyHash: sha(keyDer), serialNumber: root.cert.serialNumber.replace(/^0+(?=.)/, '') };
}

const install = (b: Bench201, certificateType: string, root: Root) => b.call('InstallCertificate', { certificateType, certificate: root.pem });
const installed = (b: Bench201, certificateType?: string[]) => b.call('GetInstalledCertificateIds', certificateType ? { certificateType } : {});

const csmsRoot = rsaCert('CSMS root', { ca: true, serial: '0a01' });
const csmsRoot2 = rsaCert('CSMS root 2', { ca: true, serial: '0a02' });
const manufacturerRoot = rsaCert('Manufacturer root', { ca: true, serial: '0b01' });
const v2gRoot = rsaCert('V2G root', { ca: true, serial: '0c01' });

test('TC_M_01_CS Install CA certificate - CSMSRootCertificate: Accepted, then listed by GetInstalledCertificateIds', async (t) => {
  const b = await withBench201(t);
  assert.deepEqual(await install(b, 'CSMSRootCertificate', csmsRoot), { status: 'Accepted' });
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(csmsRoot) }],
  });
});

test('TC_M_02_CS Install CA certificate - ManufacturerRootCertificate: Accepted, then listed', async (t) => {
  const b = await withBench201(t);
  assert.deepEqual(await install(b, 'ManufacturerRootCertificate', manufacturerRoot), { status: 'Accepted' });
  assert.deepEqual(await installed(b, ['ManufacturerRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'ManufacturerRootCertificate', certificateHashData: hashOf(manufacturerRoot) }],
  });
});

test('TC_M_07_CS Install CA certificate - Rejected - Certificate invalid: an expired CSMS root is Rejected and not listed', async (t) => {
  const b = await withBench201(t);
  const expired = rsaCert('expired CSMS root', { ca: true, notBefore: Date.now() - 7_200_000, notAfter: Date.now() - 3_600_000 });
  const answer = await install(b, 'CSMSRootCertificate', expired);
  assert.equal(answer.status, 'Rejected');
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), { status: 'NotFound' });
});

test('TC_M_12_CS / TC_M_13_CS Retrieve certificates - CSMSRootCertificate, ManufacturerRootCertificate: the hash data of every stored root of the type', async (t) => {
  const b = await withBench201(t);
  for (const root of [csmsRoot, csmsRoot2]) assert.equal((await install(b, 'CSMSRootCertificate', root)).status, 'Accepted');
  assert.equal((await install(b, 'ManufacturerRootCertificate', manufacturerRoot)).status, 'Accepted');
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [csmsRoot, csmsRoot2].map((r) => ({ certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(r) })),
  });
  assert.deepEqual(await installed(b, ['ManufacturerRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'ManufacturerRootCertificate', certificateHashData: hashOf(manufacturerRoot) }],
  });
});

test('TC_M_17_CS / TC_M_18_CS Retrieve certificates - both root types asked for, then all types (none given)', async (t) => {
  const b = await withBench201(t);
  assert.equal((await install(b, 'CSMSRootCertificate', csmsRoot)).status, 'Accepted');
  assert.equal((await install(b, 'ManufacturerRootCertificate', manufacturerRoot)).status, 'Accepted');
  assert.equal((await install(b, 'V2GRootCertificate', v2gRoot)).status, 'Accepted');
  const both = await installed(b, ['CSMSRootCertificate', 'ManufacturerRootCertificate']);
  assert.equal(both.status, 'Accepted');
  assert.deepEqual(both.certificateHashDataChain.map((c: { certificateType: string }) => c.certificateType).sort(), ['CSMSRootCertificate', 'ManufacturerRootCertificate']);
  const all = await installed(b);
  assert.deepEqual(all, {
    status: 'Accepted',
    certificateHashDataChain: [
      { certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(csmsRoot) },
      { certificateType: 'ManufacturerRootCertificate', certificateHashData: hashOf(manufacturerRoot) },
      { certificateType: 'V2GRootCertificate', certificateHashData: hashOf(v2gRoot) },
    ],
  });
  const count = await b.call('GetVariables', { getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'CertificateEntries' } }] });
  assert.equal(count.getVariableResult[0].attributeValue, '3', 'SecurityCtrlr.CertificateEntries counts them');
});

test('TC_M_19_CS Retrieve certificates - No matching certificate found: MORootCertificate → NotFound without a hash chain', async (t) => {
  const b = await withBench201(t);
  assert.equal((await install(b, 'CSMSRootCertificate', csmsRoot)).status, 'Accepted');
  assert.deepEqual(await installed(b, ['MORootCertificate']), { status: 'NotFound' });
});

test('TC_M_20_CS / TC_M_22_CS Delete a certificate: an installed root → Accepted and no longer listed; an unknown hash → NotFound', async (t) => {
  const b = await withBench201(t);
  for (const root of [csmsRoot, csmsRoot2]) assert.equal((await install(b, 'CSMSRootCertificate', root)).status, 'Accepted');
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: hashOf(csmsRoot) }), { status: 'Accepted' });
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(csmsRoot2) }],
  });
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: hashOf(csmsRoot) }), { status: 'NotFound' }, 'TC_M_22: gone already');
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: hashOf(manufacturerRoot) }), { status: 'NotFound' }, 'TC_M_22: never installed');
});
