// OCPP 2.0.1 secure firmware update (L01) with no handler written: the station checks the signing
// certificate, downloads the image by FTP, verifies its signature, reports Downloading →
// Downloaded → SignatureVerified → Installing → InstallRebooting, reboots (BootNotification
// FirmwareUpdate with the new firmwareVersion, taken from the image's file name) and reports
// Installed; every status carries the request's requestId. A tampered signature ends in
// InvalidSignature and a SecurityEventNotification.
//   ./start.sh --with-csms --ftp scripts-examples/ocpp201-signed-firmware.js
const fs = require('node:fs');
const path = require('node:path');
const id = 'FW201';
const csms = connect.csms;
if (!csms || !csms.ftp) throw new Error('run me with --with-csms --ftp: I play the CSMS and need its FTP server');
const cs = await connect(csms.url + id, undefined, undefined, { protocol: 'ocpp2.0.1', boot: 'auto' });
const waiters = [];
const until = (match) => new Promise((resolve) => waiters.push({ match, resolve }));
cs.on('frame', (f) => {
  if (f.direction !== 'out' || f.frame?.type !== 2) return;
  const p = f.frame.payload;
  if (f.action === 'FirmwareStatusNotification') console.log(`FirmwareStatusNotification: ${p.status} (request ${p.requestId})`);
  else if (f.action === 'BootNotification') console.log(`BootNotification: ${p.reason}, firmwareVersion ${p.chargingStation.firmwareVersion}`);
  else if (f.action === 'SecurityEventNotification') console.log(`SecurityEventNotification: ${p.type}`);
  else return;
  for (const w of waiters.splice(0)) {
    if (w.match(f.action, p)) w.resolve();
    else waiters.push(w);
  }
});

// The image the CSMS offers, signed by the mock CSMS's test signer (a manufacturer's code-signing certificate).
const image = Buffer.from(`firmware 2.1.0 for ${id}\n`.repeat(100));
fs.writeFileSync(path.join(csms.ftp.root, 'fw-2.1.0.bin'), image);
const base = process.env.FTPS_URL || process.env.FTP_URL;
const firmware = { location: `${base}fw-2.1.0.bin`, retrieveDateTime: new Date().toISOString(), ...(await csms.signFirmware(image)) };
let done = until((action, p) => action === 'FirmwareStatusNotification' && p.status === 'Installed');
console.log(`UpdateFirmware: ${(await csms.call(id, 'UpdateFirmware', { requestId: 1, firmware })).status}`);
await done;
console.log('firmware 2.1.0 installed');

// The same image with a signature that does not match it.
done = until((action, p) => action === 'SecurityEventNotification' && p.type === 'InvalidFirmwareSignature');
const tampered = { ...firmware, signature: Buffer.from('not the signature').toString('base64') };
console.log(`UpdateFirmware: ${(await csms.call(id, 'UpdateFirmware', { requestId: 2, firmware: tampered })).status}`);
await done;
console.log('tampered image refused');
await cs.close();
