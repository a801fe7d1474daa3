// UpdateFirmware and SignedUpdateFirmware with no handler written: the charge point downloads the
// image by FTP/FTPS (or HTTP), reports Downloading → Downloaded → Installing, reboots (a new
// BootNotification) and reports Installed. The signed variant also checks the signing
// certificate and the image's signature (SignatureVerified, or InvalidSignature and a
// SecurityEventNotification) and carries the requestId in every status.
//   ./start.sh --with-csms --ftp scripts-examples/firmware-update.js
const fs = require('node:fs');
const path = require('node:path');
const id = 'FW001';
const csms = connect.csms;
if (!csms || !csms.ftp) throw new Error('run me with --with-csms --ftp: I play the CSMS and need its FTP server');
const cp = await connect(csms.url + id, undefined, undefined, { boot: 'auto' });
let installed;
const untilInstalled = () => new Promise((resolve) => (installed = resolve));
cp.on('frame', (f) => {
  if (f.direction !== 'out' || f.frame?.type !== 2 || !/FirmwareStatusNotification|BootNotification/.test(f.action)) return;
  console.log(`${f.action}${f.frame.payload.status ? `: ${f.frame.payload.status}` : ''}`);
  if (f.frame.payload.status === 'Installed') installed();
});

// The image the CSMS offers.
const image = Buffer.from(`firmware 2.0 for ${id}\n`.repeat(100));
fs.writeFileSync(path.join(csms.ftp.root, 'fw-2.0.bin'), image);
const base = process.env.FTPS_URL || process.env.FTP_URL;
let done = untilInstalled();
await csms.call(id, 'UpdateFirmware', { location: `${base}fw-2.0.bin`, retrieveDate: new Date().toISOString() });
await done;
console.log('firmware 2.0 installed');

// Signed: the mock CSMS signs the image with its test signer (a manufacturer's code-signing certificate).
done = untilInstalled();
const answer = await csms.call(id, 'SignedUpdateFirmware', {
  requestId: 7,
  firmware: { location: `${base}fw-2.0.bin`, retrieveDateTime: new Date().toISOString(), ...(await csms.signFirmware(image)) },
});
console.log(`SignedUpdateFirmware: ${answer.status}`);
await done;
console.log('signed firmware installed');
await cp.close();
