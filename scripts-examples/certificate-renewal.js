// Certificate renewal and security profile 3 (OCTT TC_074, TC_083): the CSMS asks for a new
// client certificate with ExtendedTriggerMessage(SignChargePointCertificate); the charge point
// makes an RSA 2048 key and a SHA-256 CSR (O = CpoName, CN = serial number) and sends
// SignCertificate; the CSMS signs it and sends CertificateSigned; the charge point checks the
// certificate against its pending key, saves both in its keystore (key file mode 0600) and
// reconnects presenting it. Then SecurityProfile goes up to 3: mutual TLS, no password.
//   ./start.sh --with-csms --tls --password 0123456789abcdef0123456789abcdef scripts-examples/certificate-renewal.js
// The keystore is written under ${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/keystore unless
// --keyStoreRoot DIR (or SSL_CLIENT_KEYSTORE_ROOT) says otherwise.
const id = 'RENEW001';
const csms = connect.csms;
if (!csms) throw new Error('run me with --with-csms --tls --password …: I play the CSMS too');
const cp = await connect(csms.url + id, undefined, undefined, {
  boot: 'auto',
  profile: { serialNumber: 'SN-RENEW-001', configuration: { CpoName: 'Example CPO' } },
});
const peer = () => csms.stations.get(id)?.peerCertificate;
console.log(`profile ${cp.station.config.int('SecurityProfile')}, client certificate: ${peer() ? peer().subject : 'none'}`);

const reopened = () => new Promise((resolve) => cp.once('open', resolve));
let next = reopened();
const trigger = await csms.call(id, 'ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' });
console.log(`ExtendedTriggerMessage(SignChargePointCertificate): ${trigger.status}`);
await next; // SignCertificate → CertificateSigned → keystore → reconnect
console.log(`keystore: ${JSON.stringify(cp.keystore().get())}`);
console.log(`reconnected presenting CN=${peer().subject} (serial ${peer().serialNumber})`);

next = reopened();
const raise = await csms.call(id, 'ChangeConfiguration', { key: 'SecurityProfile', value: '3' });
console.log(`ChangeConfiguration(SecurityProfile=3): ${raise.status}`);
await next;
console.log(`now at profile ${cp.station.config.int('SecurityProfile')}: mutual TLS as CN=${peer().subject}`);
const lower = await csms.call(id, 'ChangeConfiguration', { key: 'SecurityProfile', value: '2' });
console.log(`ChangeConfiguration(SecurityProfile=2): ${lower.status} (a profile is only ever raised)`);
await cp.close();
