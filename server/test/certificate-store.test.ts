/** The charge point's root certificate store: install, list, remove by certificateHashData, limits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertificateStore } from '../src/security/certificate-store';
import { certificateHashData } from '../src/security/certificates';
import { rsaCert } from './pki';

const rootA = rsaCert('Root A', { ca: true, serial: '0a' });
const rootB = rsaCert('Root B', { ca: true, serial: '0b' });
const rootC = rsaCert('Root C', { ca: true, serial: '0c' });

function store(max = 20) {
  let changes = 0;
  let limit = max;
  const s = new CertificateStore(() => limit, () => changes++);
  return { s, changes: () => changes, setLimit: (n: number) => (limit = n) };
}

test('install and list: hash data of each type, a reinstall takes no extra room', () => {
  const { s, changes } = store();
  const now = Date.now();
  assert.deepEqual(s.install('CentralSystemRootCertificate', rootA.pem, now), { status: 'Accepted' });
  assert.deepEqual(s.install('ManufacturerRootCertificate', rootB.pem.replace(/\n/g, '\r\n'), now), { status: 'Accepted' });
  assert.deepEqual(s.list('CentralSystemRootCertificate'), [certificateHashData(rootA.pem)]);
  assert.deepEqual(s.list('ManufacturerRootCertificate'), [certificateHashData(rootB.pem)]);
  assert.equal(s.pems('ManufacturerRootCertificate')[0]!.includes('\r'), false, 'stored with LF');
  assert.deepEqual(s.install('CentralSystemRootCertificate', rootA.pem, now), { status: 'Accepted' });
  assert.equal(s.all.length, 2);
  assert.equal(changes(), 3);
});

test('install: unusable certificates are Rejected, a full store Failed', () => {
  const { s, setLimit, changes } = store(2);
  const now = Date.now();
  const expired = rsaCert('Old Root', { ca: true, notAfter: now - 1000 });
  assert.equal(s.install('CentralSystemRootCertificate', expired.pem, now).status, 'Rejected');
  assert.match(s.install('CentralSystemRootCertificate', expired.pem, now).reason!, /expired/);
  assert.equal(s.install('CentralSystemRootCertificate', 'garbage', now).status, 'Rejected');
  assert.equal(s.install('CentralSystemRootCertificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', now).status, 'Rejected');
  // A leaf issued by someone else is not a root certificate.
  const leaf = rsaCert('leaf', { issuer: { cert: rootA.cert, key: rootA.key } });
  assert.match(s.install('CentralSystemRootCertificate', leaf.pem, now).reason!, /neither a root/);
  assert.equal(changes(), 0);
  assert.equal(s.install('CentralSystemRootCertificate', rootA.pem, now).status, 'Accepted');
  assert.equal(s.install('ManufacturerRootCertificate', rootB.pem, now).status, 'Accepted');
  const full = s.install('CentralSystemRootCertificate', rootC.pem, now);
  assert.equal(full.status, 'Failed');
  assert.match(full.reason!, /CertificateStoreMaxLength \(2\)/);
  setLimit(3);
  assert.equal(s.install('CentralSystemRootCertificate', rootC.pem, now).status, 'Accepted');
});

test('an intermediate CA is accepted once its issuer is installed, hashed against that issuer', () => {
  const { s } = store();
  const now = Date.now();
  const sub = rsaCert('Sub CA', { ca: true, issuer: { cert: rootA.cert, key: rootA.key }, serial: '5b' });
  assert.equal(s.install('CentralSystemRootCertificate', sub.pem, now).status, 'Rejected');
  assert.equal(s.install('CentralSystemRootCertificate', rootA.pem, now).status, 'Accepted');
  assert.equal(s.install('CentralSystemRootCertificate', sub.pem, now).status, 'Accepted');
  assert.deepEqual(s.list('CentralSystemRootCertificate')[1], certificateHashData(sub.pem, rootA.pem));
  assert.ok(s.remove({ ...certificateHashData(sub.pem, rootA.pem, 'SHA512') }), 'found with another algorithm, same issuer');
});

test('remove by certificateHashData: any algorithm, any hex case, serial with leading zeros', () => {
  const { s, changes } = store();
  const now = Date.now();
  s.install('CentralSystemRootCertificate', rootA.pem, now);
  s.install('CentralSystemRootCertificate', rootB.pem, now);
  s.install('ManufacturerRootCertificate', rootC.pem, now);
  const before = changes();
  const a = certificateHashData(rootA.pem);
  assert.equal(s.remove({ ...a, serialNumber: 'ff' }), false);
  assert.equal(s.remove({ ...a, issuerNameHash: a.issuerNameHash.toUpperCase(), serialNumber: '000A' }), true);
  assert.equal(s.remove(a), false, 'already gone');
  assert.equal(s.remove(certificateHashData(rootB.pem, undefined, 'SHA384')), true);
  assert.deepEqual(s.list('CentralSystemRootCertificate'), []);
  assert.deepEqual(s.list('ManufacturerRootCertificate'), [certificateHashData(rootC.pem)]);
  assert.equal(changes(), before + 2);
});

test('restore replaces the contents (persisted state)', () => {
  const a = store();
  a.s.install('ManufacturerRootCertificate', rootA.pem, Date.now());
  const saved = JSON.parse(JSON.stringify(a.s.all));
  const b = store();
  b.s.restore(saved);
  assert.deepEqual(b.s.list('ManufacturerRootCertificate'), [certificateHashData(rootA.pem)]);
  assert.deepEqual(b.s.pems('ManufacturerRootCertificate'), [rootA.pem.replace(/\r\n/g, '\n').trim()]);
  assert.equal(b.changes(), 0);
});
