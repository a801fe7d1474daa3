// Every action a charge point can initiate in OCPP 1.6-J (core profiles and the security
// extension), once each, with realistic schema-valid payloads: a smoke test of a central
// system's coverage, and the script the interop test runs against an independent CSMS.
// Run it against the embedded mock CSMS:  ./start.sh --with-csms --v scripts-examples/every-action.js
// or against your own central system:     CSMS_URL=ws://my-csms:9000/ocpp/ ./start.sh --v scripts-examples/every-action.js
const base = process.env.CSMS_URL || 'ws://localhost:8100/';
const cp = await connect(new URL('EVERY-ACTION', base.endsWith('/') ? base : base + '/').href);
const now = () => new Date().toISOString();

try {
  const boot = await cp.sendBootnotification({
    chargePointVendor: 'ocpp-sim',
    chargePointModel: 'every-action',
    chargePointSerialNumber: 'SN-0001',
    firmwareVersion: '1.0.0',
    meterType: 'DC meter',
  });
  cp.log(`BootNotification: ${boot.status}, interval ${boot.interval} s`);

  const beat = await cp.sendHeartbeat();
  cp.log(`Heartbeat: CSMS time ${beat.currentTime}`);

  await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });
  cp.log('StatusNotification: connector 1 Available');

  const idTag = 'EVERY-TAG';
  const auth = await cp.sendAuthorize({ idTag });
  cp.log(`Authorize: ${idTag} ${auth.idTagInfo.status}`);

  const tx = await cp.startTransaction({ connectorId: 1, idTag, meterStart: 10000, timestamp: now() });
  cp.log(`StartTransaction: transaction ${tx.transactionId}, ${tx.idTagInfo.status}`);

  // One sample per measurand a DC charger typically reports. 'Celsius' is the corrected
  // spelling; the runtime sends the 1.6 wire spelling 'Celcius'.
  const sample = (energyWh, context) => ({
    timestamp: now(),
    sampledValue: [
      { value: String(energyWh), context, measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' },
      { value: '11040', context, measurand: 'Power.Active.Import', unit: 'W' },
      { value: '16.0', context, measurand: 'Current.Import', unit: 'A', phase: 'L1' },
      { value: '230.1', context, measurand: 'Voltage', unit: 'V', phase: 'L1-N' },
      { value: '42', context, measurand: 'SoC', unit: 'Percent', location: 'EV' },
      { value: '31.5', context, measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
    ],
  });
  await cp.meterValues({ connectorId: 1, transactionId: tx.transactionId, meterValue: [sample(10250, 'Sample.Periodic')] });
  cp.log('MeterValues: energy, power, current, voltage, SoC, temperature');

  const stop = await cp.stopTransaction({
    transactionId: tx.transactionId,
    idTag,
    meterStop: 10500,
    timestamp: now(),
    reason: 'Local',
    transactionData: [sample(10000, 'Transaction.Begin'), sample(10500, 'Transaction.End')],
  });
  cp.log(`StopTransaction: transaction ${tx.transactionId}, ${stop.idTagInfo?.status ?? 'no idTagInfo'}`);

  const dt = await cp.sendDataTransfer({ vendorId: 'com.example.ocpp-sim', messageId: 'Ping', data: JSON.stringify({ hello: 'csms' }) });
  cp.log(`DataTransfer: ${dt.status}`);

  await cp.sendDiagnosticsStatusNotification({ status: 'Uploaded' });
  cp.log('DiagnosticsStatusNotification: Uploaded');

  await cp.sendFirmwareStatusNotification({ status: 'Installed' });
  cp.log('FirmwareStatusNotification: Installed');

  // Security extension (OCPP 1.6 security whitepaper).
  const { csr } = await cp.generateCsr({ O: 'ocpp-sim', CN: 'EVERY-ACTION' });
  const signed = await cp.sendSignCertificate({ csr });
  cp.log(`SignCertificate: ${signed.status}`);

  await cp.sendSecurityEventNotification({ type: 'SettingSystemTime', timestamp: now(), techInfo: 'clock set from Heartbeat' });
  cp.log('SecurityEventNotification: SettingSystemTime');

  await cp.sendLogStatusNotification({ status: 'Uploaded', requestId: 1 });
  cp.log('LogStatusNotification: Uploaded');

  await cp.sendSignedFirmwareStatusNotification({ status: 'SignatureVerified', requestId: 2 });
  cp.log('SignedFirmwareStatusNotification: SignatureVerified');
} finally {
  // Close even when a call fails, so the error (and exit code 1) is reported promptly.
  await cp.close();
}
