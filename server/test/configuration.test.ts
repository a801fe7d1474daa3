/** Configuration keys: GetConfiguration and ChangeConfiguration semantics of OCPP 1.6 §5.3, §5.8 and §9. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Configuration, STANDARD_KEYS } from '../src/chargepoint/model/configuration';
import { MEASURANDS } from '../src/chargepoint/model/meter';
import { ocpp16 } from '../src/ocpp/v16/protocol';
import { SchemaValidator } from '../src/ocpp/validator';

const schema = SchemaValidator.for(ocpp16);

/** key → { readonly, value } of a GetConfiguration.conf. */
function byKey(conf: ReturnType<Configuration['get']>): Map<string, { readonly: boolean; value?: string }> {
  return new Map((conf.configurationKey ?? []).map(({ key, ...rest }) => [key, rest]));
}

test('TC_019: GetConfiguration without keys lists every key with its readonly flag', () => {
  const conf = new Configuration().get();
  assert.equal(schema.check('GetConfiguration', 'response', conf), undefined);
  assert.equal(conf.unknownKey, undefined);
  const keys = byKey(conf);
  assert.equal(keys.size, STANDARD_KEYS.length);
  const readonly = ['GetConfigurationMaxKeys', 'NumberOfConnectors', 'SupportedFeatureProfiles', 'MeterValuesSampledDataMaxLength',
    'LocalAuthListMaxLength', 'SendLocalListMaxLength', 'ReserveConnectorZeroSupported', 'ChargeProfileMaxStackLevel',
    'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'ConnectorSwitch3to1PhaseSupported',
    'MaxChargingProfilesInstalled', 'AdditionalRootCertificateCheck', 'CertificateSignedMaxChainSize', 'CertificateStoreMaxLength'];
  const writable = ['HeartbeatInterval', 'MeterValueSampleInterval', 'MeterValuesSampledData', 'ConnectionTimeOut',
    'LocalAuthListEnabled', 'AuthorizeRemoteTxRequests', 'WebSocketPingInterval', 'SecurityProfile', 'CpoName', 'AuthorizationKey'];
  for (const k of readonly) assert.equal(keys.get(k)?.readonly, true, k);
  for (const k of writable) assert.equal(keys.get(k)?.readonly, false, k);
  assert.deepEqual(keys.get('HeartbeatInterval'), { readonly: false, value: '300' });
  assert.deepEqual(keys.get('MeterValuesSampledData'), { readonly: false, value: 'Energy.Active.Import.Register' });
});

test('TC_019: SupportedFeatureProfiles names the 1.6 profiles only, following the supported ones', () => {
  assert.equal(new Configuration().str('SupportedFeatureProfiles'), 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger');
  const core = new Configuration({ profiles: ['Core', 'RemoteTrigger', 'Security'] });
  assert.deepEqual(core.get(['SupportedFeatureProfiles']).configurationKey, [{ key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,RemoteTrigger' }]);
  // Keys of unsupported profiles behave as unknown to the CSMS.
  const keys = byKey(core.get());
  assert.ok(!keys.has('LocalAuthListEnabled') && !keys.has('ChargeProfileMaxStackLevel'));
  assert.ok(keys.has('SecurityProfile'));
  assert.deepEqual(core.get(['LocalAuthListEnabled']), { configurationKey: [], unknownKey: ['LocalAuthListEnabled'] });
  assert.equal(core.change('LocalAuthListEnabled', 'false'), 'NotSupported');
  const noSecurity = new Configuration({ profiles: ['Core'] });
  assert.equal(noSecurity.change('SecurityProfile', '1'), 'NotSupported');
});

test('TC_019: GetConfigurationMaxKeys caps the keys answered', () => {
  const config = new Configuration();
  assert.equal(config.int('GetConfigurationMaxKeys'), 50);
  config.set('GetConfigurationMaxKeys', 2);
  const conf = config.get(['HeartbeatInterval', 'Nope', 'ConnectionTimeOut']);
  assert.deepEqual(conf, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] });
});

test('GetConfiguration with keys: known once each, canonical names, unknown echoed', () => {
  const conf = new Configuration().get(['heartbeatinterval', 'HeartbeatInterval', 'Foo']);
  assert.equal(schema.check('GetConfiguration', 'response', conf), undefined);
  assert.deepEqual(conf, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Foo'] });
});

test('TC_021: ChangeConfiguration MeterValueSampleInterval, then read back', () => {
  const config = new Configuration();
  assert.equal(config.change('MeterValueSampleInterval', '30'), 'Accepted');
  assert.deepEqual(config.get(['MeterValueSampleInterval']).configurationKey, [{ key: 'MeterValueSampleInterval', readonly: false, value: '30' }]);
  assert.equal(config.int('MeterValueSampleInterval'), 30);
});

test('TC_040_1: an unknown key is NotSupported', () => {
  const config = new Configuration();
  assert.equal(config.change('Testing', '1'), 'NotSupported');
  assert.deepEqual(config.get(['Testing']), { configurationKey: [], unknownKey: ['Testing'] });
});

test('TC_040_2: MeterValueSampleInterval -1 is Rejected', () => {
  const config = new Configuration();
  assert.equal(config.change('MeterValueSampleInterval', '-1'), 'Rejected');
  assert.equal(config.int('MeterValueSampleInterval'), 60);
});

test('readonly keys and badly typed values are Rejected, good values normalised', () => {
  const config = new Configuration();
  assert.equal(config.change('NumberOfConnectors', '2'), 'Rejected');
  assert.equal(config.change('GetConfigurationMaxKeys', '10'), 'Rejected');
  for (const bad of ['1.5', 'abc', '', ' 30', '1e3', '99999999999999999999']) assert.equal(config.change('HeartbeatInterval', bad), 'Rejected', bad);
  for (const bad of ['yes', '1', '']) assert.equal(config.change('LocalPreAuthorize', bad), 'Rejected', bad);
  assert.equal(config.change('HeartbeatInterval', '0060'), 'Accepted');
  assert.equal(config.str('HeartbeatInterval'), '60');
  assert.equal(config.change('LocalPreAuthorize', 'TRUE'), 'Accepted');
  assert.equal(config.str('LocalPreAuthorize'), 'true');
  assert.equal(config.bool('LocalPreAuthorize'), true);
  assert.equal(config.change('LightIntensity', '101'), 'Rejected');
  assert.equal(config.change('LightIntensity', '50'), 'Accepted');
});

test('measurand lists: members, length from the MaxLength key, empty lists', () => {
  const config = new Configuration();
  assert.equal(MEASURANDS.length, 22);
  assert.equal(config.change('MeterValuesSampledData', 'Energy.Active.Import.Register, Power.Active.Import,SoC'), 'Accepted');
  assert.deepEqual(config.list('MeterValuesSampledData'), ['Energy.Active.Import.Register', 'Power.Active.Import', 'SoC']);
  assert.equal(config.change('MeterValuesSampledData', 'Energy.Active.Import.Register,Bogus'), 'Rejected');
  assert.equal(config.change('MeterValuesSampledData', 'Voltage,,SoC'), 'Rejected');
  assert.equal(config.change('StopTxnSampledData', ''), 'Accepted');
  assert.deepEqual(config.list('StopTxnSampledData'), []);
  config.set('MeterValuesAlignedDataMaxLength', 2);
  assert.equal(config.change('MeterValuesAlignedData', 'Voltage,Frequency,SoC'), 'Rejected');
  assert.equal(config.change('MeterValuesAlignedData', 'Voltage,Frequency'), 'Accepted');
  assert.equal(config.change('ConnectorPhaseRotation', '0.RST,1.RTS'), 'Accepted');
  assert.equal(config.change('ConnectorPhaseRotation', '1.XYZ'), 'Rejected');
});

test('AuthorizationKey: 16..20 bytes hex encoded, write-only', () => {
  const config = new Configuration();
  const octt = '4F43415F4F4354545F61646D696E5F74657374'; // "OCA_OCTT_admin_test", OCTT TC_073
  assert.equal(config.change('AuthorizationKey', octt), 'Accepted');
  assert.equal(config.str('AuthorizationKey'), octt);
  assert.deepEqual(config.get(['AuthorizationKey']).configurationKey, [{ key: 'AuthorizationKey', readonly: false }]);
  assert.equal(byKey(config.get()).get('AuthorizationKey')?.value, undefined);
  assert.equal(config.change('AuthorizationKey', '00'.repeat(16)), 'Accepted');
  assert.equal(config.change('AuthorizationKey', 'ab'.repeat(20)), 'Accepted');
  for (const bad of ['00'.repeat(15), 'ab'.repeat(21), `${'0'.repeat(33)}`, 'zz'.repeat(16), '']) {
    assert.equal(config.change('AuthorizationKey', bad), 'Rejected', bad);
  }
});

test('SecurityProfile may only be raised, up to 3', () => {
  const config = new Configuration();
  assert.equal(config.change('SecurityProfile', '2'), 'Accepted');
  assert.equal(config.change('SecurityProfile', '1'), 'Rejected');
  assert.equal(config.change('SecurityProfile', '2'), 'Accepted');
  assert.equal(config.change('SecurityProfile', '4'), 'Rejected');
  assert.equal(config.int('SecurityProfile'), 2);
});

test('define: overrides, reboot keys, hidden keys; set: custom keys and type checks', () => {
  const config = new Configuration({ keys: [{ key: 'HeartbeatInterval', profile: 'Core', type: 'integer', readonly: false, default: '60', reboot: true }] });
  assert.equal(config.int('HeartbeatInterval'), 60);
  assert.equal(config.change('HeartbeatInterval', '120'), 'RebootRequired');
  config.define({ key: 'VendorSecret', profile: 'Core', type: 'string', readonly: false, default: 'x', hidden: true });
  assert.ok(!byKey(config.get()).has('VendorSecret'));
  assert.deepEqual(config.get(['VendorSecret']).configurationKey, [{ key: 'VendorSecret', readonly: false, value: 'x' }]);
  config.set('NumberOfConnectors', 2);
  assert.equal(config.int('NumberOfConnectors'), 2);
  config.set('MyKey', 'hello');
  assert.equal(config.change('MyKey', 'world'), 'Accepted');
  assert.equal(byKey(config.get()).get('MyKey')?.value, 'world');
  assert.throws(() => config.set('HeartbeatInterval', 'soon'), TypeError);
  assert.throws(() => config.int('Nope'), RangeError);
  assert.throws(() => config.str('Nope'), RangeError);
  // Another instance sees none of it: the table is shared, the differences are not.
  const other = new Configuration();
  assert.equal(other.int('HeartbeatInterval'), 300);
  assert.equal(other.int('NumberOfConnectors'), 1);
  assert.equal(other.change('MyKey', 'x'), 'NotSupported');
});

test('onChange after successful changes and sets only', () => {
  const config = new Configuration();
  const seen: string[] = [];
  config.onChange = (k, v) => seen.push(`${k}=${v}`);
  config.change('HeartbeatInterval', '-5');
  config.change('NumberOfConnectors', '3');
  config.change('heartbeatinterval', '0120');
  config.set('LocalPreAuthorize', true);
  assert.deepEqual(seen, ['HeartbeatInterval=120', 'LocalPreAuthorize=true']);
});

test('snapshot holds changed values only; restore brings them back', () => {
  const config = new Configuration({ values: { NumberOfConnectors: 2 } });
  config.change('HeartbeatInterval', '120');
  config.change('ConnectionTimeOut', '60'); // the default: nothing to keep
  config.set('Custom', 'v');
  const snap = config.snapshot();
  assert.deepEqual(snap, { NumberOfConnectors: '2', HeartbeatInterval: '120', Custom: 'v' });
  const copy = new Configuration();
  let calls = 0;
  copy.onChange = () => calls++;
  copy.change('MeterValueSampleInterval', '10');
  copy.restore(snap);
  assert.equal(calls, 1);
  assert.deepEqual(copy.snapshot(), snap);
  assert.equal(copy.int('MeterValueSampleInterval'), 60);
  assert.equal(copy.str('Custom'), 'v');
  assert.deepEqual(new Configuration().snapshot(), {});
  // A stale value that no longer fits its key is skipped, the rest restored.
  const stale = new Configuration();
  stale.restore({ HeartbeatInterval: 'soon', ResetRetries: '5' });
  assert.deepEqual(stale.snapshot(), { ResetRetries: '5' });
});
