// GetDiagnostics with no handler written: the charge point answers with a file name, reports
// Uploading, uploads a diagnostics file (its state and its recent frames and events within
// startTime..stopTime) by FTP or FTPS, and reports Uploaded (UploadFailed after `retries`).
//   ./start.sh --with-csms --ftp scripts-examples/diagnostics-upload.js
// --ftp starts an FTP server next to the mock CSMS (FTP_URL; FTPS_URL too with --tls).
const fs = require('node:fs');
const path = require('node:path');
const id = 'DIAG001';
const csms = connect.csms;
if (!csms || !csms.ftp) throw new Error('run me with --with-csms --ftp: I play the CSMS and need its FTP server');
const cp = await connect(csms.url + id, undefined, undefined, { boot: 'auto' });
cp.on('frame', (f) => f.action === 'DiagnosticsStatusNotification' && f.frame.type === 2 && console.log(`DiagnosticsStatusNotification: ${f.frame.payload.status}`));
await cp.startCharging(1, 'DRIVER-1'); // something worth diagnosing
await cp.sleep(300);

const location = process.env.FTPS_URL || process.env.FTP_URL;
const since = new Date(Date.now() - 10 * 60_000).toISOString();
const { fileName } = await csms.call(id, 'GetDiagnostics', { location, startTime: since, retries: 2, retryInterval: 5 });
console.log(`GetDiagnostics: the charge point will upload ${fileName}`);
while (cp.station.diagnosticsStatus !== 'Idle' || !fs.existsSync(path.join(csms.ftp.root, fileName))) await cp.sleep(50);

const file = JSON.parse(fs.readFileSync(path.join(csms.ftp.root, fileName), 'utf8'));
console.log(`received ${fileName}: ${file.connectors.length} connectors, ${file.journal.length} journal lines, e.g.`);
for (const line of file.journal.slice(0, 3)) console.log(`  ${line.slice(0, 110)}`);
cp.stopCharging(1);
await cp.sleep(200);
await cp.close();
