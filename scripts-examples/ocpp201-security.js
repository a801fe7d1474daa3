// OCPP 2.0.1 security with no handler written: certificate renewal (A02) and the upgrade to
// security profile 3 (A05), against the embedded mock CSMS, which signs CSRs with its own CA.
//  1. On profile 2 (TLS + Basic auth with SecurityCtrlr.BasicAuthPassword) the CSMS sends
//     TriggerMessage(SignChargingStationCertificate); the station makes a key and a CSR
//     (O = SecurityCtrlr.OrganizationName, CN = its serial number) and sends SignCertificate;
//     the CSMS answers and sends CertificateSigned; the station checks the chain against its
//     pending key, keeps both in its keystore (key file mode 0600) and reconnects presenting it.
//  2. SetNetworkProfile puts a profile-3 connection in slot 2, NetworkConfigurationPriority "2,1"
//     makes it the first choice, and a Reset moves the station to mutual TLS without a password.
//  3. A network profile below the one in use is Rejected (no downgrade, B09.FR.04).
//   ./start.sh --with-csms --tls --password 0123456789abcdef0123456789abcdef scripts-examples/ocpp201-security.js
// The keystore is written under ${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/keystore unless
// --keyStoreRoot DIR (or SSL_CLIENT_KEYSTORE_ROOT) says otherwise.
const id = 'SEC201';
const csms = connect.csms;
if (!csms || !csms.url.startsWith('wss:')) throw new Error('run me with --with-csms --tls --password …: I play the CSMS too');
const cs = await connect(csms.url + id, undefined, undefined, {
  protocol: 'ocpp2.0.1',
  boot: 'auto',
  profile: { serialNumber: 'SN-SEC-201', variables: { 'SecurityCtrlr.OrganizationName': 'Example CPO' } },
});
const profile = () => cs.station.device.str('SecurityCtrlr', 'SecurityProfile');
const peer = () => csms.stations.get(id)?.peerCertificate;
const reopened = () => new Promise((resolve) => cs.once('open', resolve));
// A reset: reconnected and booted again (BootNotification Accepted, then the connectors reported).
const rebooted = () => new Promise((resolve) => cs.once('boot', resolve));
console.log(`security profile ${profile()}, client certificate: ${peer() ? peer().subject : 'none'}`);

let next = reopened();
const trigger = await csms.call(id, 'TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
console.log(`TriggerMessage(SignChargingStationCertificate): ${trigger.status}`);
await next; // SignCertificate → CertificateSigned → keystore → reconnect
console.log(`reconnected presenting CN=${peer().subject}`);

const connection = (securityProfile) => ({ ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: csms.url, messageTimeout: 30, securityProfile, ocppInterface: 'Wired0' });
const slot = await csms.call(id, 'SetNetworkProfile', { configurationSlot: 2, connectionData: connection(3) });
console.log(`SetNetworkProfile(slot 2, profile 3): ${slot.status}`);
const priority = await csms.call(id, 'SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' }] });
console.log(`NetworkConfigurationPriority 2,1: ${priority.setVariableResult[0].attributeStatus}`);
next = rebooted();
console.log(`Reset(OnIdle): ${(await csms.call(id, 'Reset', { type: 'OnIdle' })).status}`);
await next;
console.log(`now at profile ${profile()}: mutual TLS as CN=${peer().subject}`);

const lower = await csms.call(id, 'SetNetworkProfile', { configurationSlot: 1, connectionData: connection(2) });
console.log(`SetNetworkProfile(slot 1, profile 2): ${lower.status} (${lower.statusInfo?.additionalInfo ?? 'no downgrade'})`);
await cs.station.notified(2000); // the StatusNotifications after the reboot are answered
await cs.close();
