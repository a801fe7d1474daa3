/**
 * The charge point's configuration keys (OCPP 1.6 §9, plus the keys of the 1.6 Security
 * Whitepaper ed. 3) with the semantics of ChangeConfiguration (§5.3) and GetConfiguration (§5.8).
 *
 * The key table is shared by every charge point of the process; an instance only holds the
 * values that differ from the defaults and the few specs it defines itself, so thousands of
 * charge points cost a few small maps. Key names are `CiString50Type`, so lookup ignores case
 * and answers use the canonical spelling.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { AUTHORIZATION_KEY } from '../../ocpp/v16/protocol';
import { MEASURANDS } from './meter';

/** Feature profiles of 1.6 §3 plus the security extension, which owns the security keys. */
export type FeatureProfile =
  | 'Core' | 'FirmwareManagement' | 'LocalAuthListManagement' | 'Reservation' | 'SmartCharging' | 'RemoteTrigger' | 'Security';

/** How one configuration key behaves. Values travel as strings on the wire, so defaults are strings. */
export interface KeySpec {
  /** Canonical key name. */ key: string;
  /** Feature profile the key belongs to; keys of unsupported profiles behave as unknown. */ profile: FeatureProfile;
  /** Value type; `csl` is a comma separated list (§9 "CSL"). */ type: 'integer' | 'boolean' | 'string' | 'csl';
  /** Reported as readonly and refused by ChangeConfiguration. */ readonly: boolean;
  /** Value until changed. */ default: string;
  /** Smallest accepted integer. */ min?: number;
  /** Largest accepted integer. */ max?: number;
  /** Allowed members of a csl, or allowed values of a string. */ allowed?: readonly string[];
  /** Pattern a string value, or each csl member, must match (extension of the brief's spec). */ pattern?: RegExp;
  /** Longest csl; a `<key>MaxLength` key, when known, wins (§9: MeterValuesSampledDataMaxLength...). */ maxItems?: number;
  /** A change answers RebootRequired instead of Accepted. */ reboot?: boolean;
  /** Never reported by GetConfiguration (the whitepaper's AuthorizationKey). */ writeOnly?: boolean;
  /** Not listed by GetConfiguration without keys (still answered when asked by name). */ hidden?: boolean;
}

type Extra = Partial<Omit<KeySpec, 'key' | 'profile' | 'type' | 'readonly' | 'default'>>;
const spec = (profile: FeatureProfile, type: KeySpec['type']) =>
  (key: string, readonly: boolean, def: string, extra: Extra = {}): KeySpec =>
    Object.freeze({ key, profile, type, readonly, default: def, ...extra });
const N = { min: 0 } as const;
const [R, RW] = [true, false];
const [cInt, cBool, cCsl] = [spec('Core', 'integer'), spec('Core', 'boolean'), spec('Core', 'csl')];
const meas = { allowed: MEASURANDS, maxItems: 10 } as const;

/** The 1.6 feature profile names SupportedFeatureProfiles may list (§9.1); Security is not one. */
const PROFILES_16: readonly FeatureProfile[] = ['Core', 'FirmwareManagement', 'LocalAuthListManagement', 'Reservation', 'SmartCharging', 'RemoteTrigger'];
const ALL_PROFILES: readonly FeatureProfile[] = Object.freeze([...PROFILES_16, 'Security']);

/**
 * The standard keys: 1.6 §9.1 Core, §9.2 LocalAuthListManagement, §9.3 Reservation, §9.4
 * SmartCharging, and the Security Whitepaper ed. 3 keys. Optional keys carry simulator defaults.
 */
export const STANDARD_KEYS: readonly KeySpec[] = Object.freeze([
  cBool('AllowOfflineTxForUnknownId', RW, 'false'),
  cBool('AuthorizationCacheEnabled', RW, 'true'),
  cBool('AuthorizeRemoteTxRequests', RW, 'true'), // §9.1 lets the charge point choose R or RW
  cInt('BlinkRepeat', RW, '3', N),
  cInt('ClockAlignedDataInterval', RW, '0', N), // seconds, 0 = no clock-aligned data
  cInt('ConnectionTimeOut', RW, '60', N),
  // §9.1: per connector `<id>.<rotation>`; a bare value is accepted for the single-phase default.
  cCsl('ConnectorPhaseRotation', RW, 'NotApplicable', { pattern: /^(\d+\.)?(NotApplicable|Unknown|RST|RTS|SRT|STR|TRS|TSR)$/ }),
  cInt('ConnectorPhaseRotationMaxLength', R, '10'),
  cInt('GetConfigurationMaxKeys', R, '50'),
  cInt('HeartbeatInterval', RW, '300', N),
  cInt('LightIntensity', RW, '100', { min: 0, max: 100 }), // percent
  cBool('LocalAuthorizeOffline', RW, 'true'),
  cBool('LocalPreAuthorize', RW, 'false'),
  cInt('MaxEnergyOnInvalidId', RW, '0', N),
  cCsl('MeterValuesAlignedData', RW, 'Energy.Active.Import.Register', meas),
  cInt('MeterValuesAlignedDataMaxLength', R, '10'),
  cCsl('MeterValuesSampledData', RW, 'Energy.Active.Import.Register', meas),
  cInt('MeterValuesSampledDataMaxLength', R, '10'),
  cInt('MeterValueSampleInterval', RW, '60', N), // seconds, 0 = no sampled data
  cInt('MinimumStatusDuration', RW, '0', N),
  cInt('NumberOfConnectors', R, '1'),
  cInt('ResetRetries', RW, '3', N),
  cBool('StopTransactionOnEVSideDisconnect', RW, 'true'),
  cBool('StopTransactionOnInvalidId', RW, 'true'),
  cCsl('StopTxnAlignedData', RW, '', meas),
  cInt('StopTxnAlignedDataMaxLength', R, '10'),
  cCsl('StopTxnSampledData', RW, '', meas),
  cInt('StopTxnSampledDataMaxLength', R, '10'),
  cCsl('SupportedFeatureProfiles', R, PROFILES_16.join(','), { allowed: PROFILES_16 }),
  cInt('SupportedFeatureProfilesMaxLength', R, String(PROFILES_16.length)),
  cInt('TransactionMessageAttempts', RW, '3', N),
  cInt('TransactionMessageRetryInterval', RW, '60', N),
  cBool('UnlockConnectorOnEVSideDisconnect', RW, 'true'),
  cInt('WebSocketPingInterval', RW, '0', N), // seconds, 0 = no pings; applies without reboot
  spec('LocalAuthListManagement', 'boolean')('LocalAuthListEnabled', RW, 'true'),
  spec('LocalAuthListManagement', 'integer')('LocalAuthListMaxLength', R, '100'),
  spec('LocalAuthListManagement', 'integer')('SendLocalListMaxLength', R, '100'),
  spec('Reservation', 'boolean')('ReserveConnectorZeroSupported', R, 'true'),
  spec('SmartCharging', 'integer')('ChargeProfileMaxStackLevel', R, '10'),
  spec('SmartCharging', 'csl')('ChargingScheduleAllowedChargingRateUnit', R, 'Current,Power', { allowed: ['Current', 'Power'] }),
  spec('SmartCharging', 'integer')('ChargingScheduleMaxPeriods', R, '24'),
  spec('SmartCharging', 'boolean')('ConnectorSwitch3to1PhaseSupported', R, 'false'),
  spec('SmartCharging', 'integer')('MaxChargingProfilesInstalled', R, '10'),
  spec('Security', 'boolean')('AdditionalRootCertificateCheck', R, 'false'),
  // OCTT TC_073 checks the same format.
  spec('Security', 'string')('AuthorizationKey', RW, '', { writeOnly: true, pattern: AUTHORIZATION_KEY }),
  spec('Security', 'integer')('CertificateSignedMaxChainSize', R, '10000'),
  spec('Security', 'integer')('CertificateStoreMaxLength', R, '20'),
  spec('Security', 'string')('CpoName', RW, ''),
  // 0 (no security, 1.6 without the whitepaper) to 3; the whitepaper only allows raising it.
  spec('Security', 'integer')('SecurityProfile', RW, '0', { min: 0, max: 3 }),
]);

const STANDARD_INDEX: ReadonlyMap<string, KeySpec> = new Map(STANDARD_KEYS.map((s) => [s.key.toLowerCase(), s]));

/** ChangeConfiguration.conf status (§5.3). */
export type ChangeResult = Ocpp16Messages['ChangeConfiguration']['response']['status'];

/** Options of a {@link Configuration}. */
export interface ConfigurationOptions {
  /** Initial values, applied like {@link Configuration.set} (unknown keys become custom keys). */ values?: Record<string, string | number | boolean>;
  /** Extra or overriding key specs. */ keys?: readonly KeySpec[];
  /** Supported feature profiles; default all. */ profiles?: readonly FeatureProfile[];
}

/** The wire form of a value of `spec`, or undefined when it does not fit the type (ranges not checked). */
function normalise(spec: KeySpec, value: string): string | undefined {
  switch (spec.type) {
    case 'integer': {
      if (!/^-?\d+$/.test(value)) return undefined;
      const n = Number(value);
      return Number.isSafeInteger(n) ? String(n) : undefined; // '060' → '60', '-0' → '0'
    }
    case 'boolean':
      return /^(true|false)$/i.test(value) ? value.toLowerCase() : undefined;
    case 'csl':
      return value.trim() === '' ? '' : value.split(',').map((m) => m.trim()).join(',');
    default:
      return value;
  }
}

function splitCsl(value: string): string[] {
  return value === '' ? [] : value.split(',');
}

/** One charge point's configuration: the shared key table plus this instance's differences. */
export class Configuration {
  /** Supported feature profiles. */
  readonly profiles: readonly FeatureProfile[];
  /** Listener called after any successful change or set, with the canonical key and the stored value. */
  onChange: ((key: string, value: string) => void) | undefined;
  /** Values that differ from the defaults (custom keys always), by canonical key. */
  private values: Map<string, string> | undefined;
  /** Specs this instance defines or overrides, by lower-cased key. */
  private own: Map<string, KeySpec> | undefined;
  /** SupportedFeatureProfiles when the profiles are not all of them. */
  private readonly featureProfiles: string | undefined;

  /** A configuration with the standard defaults, then `opts.keys`, then `opts.values`. */
  constructor(opts: ConfigurationOptions = {}) {
    this.profiles = opts.profiles ? Object.freeze([...opts.profiles]) : ALL_PROFILES;
    const listed = PROFILES_16.filter((p) => this.profiles.includes(p)).join(',');
    this.featureProfiles = listed === PROFILES_16.join(',') ? undefined : listed;
    for (const s of opts.keys ?? []) this.define(s);
    for (const [k, v] of Object.entries(opts.values ?? {})) this.store(this.specOrCustom(k), v, false);
  }

  /** Define a key, or override a standard one, for this instance only. */
  define(spec: KeySpec): void {
    (this.own ??= new Map()).set(spec.key.toLowerCase(), Object.freeze({ ...spec }));
  }

  /**
   * GetConfiguration.conf (§5.8). Without keys: every visible key of the supported profiles.
   * With keys: each known one (once), the rest in `unknownKey`. A request naming more keys
   * than GetConfigurationMaxKeys (§9.1) is answered for the first that many only, the
   * spec leaving the excess undefined. writeOnly values are never reported.
   */
  get(keys?: readonly string[]): Ocpp16Messages['GetConfiguration']['response'] {
    const entry = (s: KeySpec) => (s.writeOnly ? { key: s.key, readonly: s.readonly } : { key: s.key, readonly: s.readonly, value: this.raw(s) });
    if (!keys || keys.length === 0) return { configurationKey: this.specs().filter((s) => !s.hidden).map(entry) };
    const configurationKey: ReturnType<typeof entry>[] = [];
    const unknownKey: string[] = [];
    const seen = new Set<string>();
    for (const name of keys.slice(0, Math.max(0, this.int('GetConfigurationMaxKeys')))) {
      const s = this.lookup(name);
      if (!s) unknownKey.push(name);
      else if (!seen.has(s.key)) configurationKey.push(entry(s));
      if (s) seen.add(s.key);
    }
    return unknownKey.length ? { configurationKey, unknownKey } : { configurationKey };
  }

  /**
   * ChangeConfiguration (§5.3): unknown key → NotSupported, readonly → Rejected, a value that
   * does not fit the type, range, allowed members or length → Rejected; the value is stored
   * normalised ('TRUE' → 'true', '060' → '60'). SecurityProfile may only be raised (whitepaper).
   */
  change(key: string, value: string): ChangeResult {
    const s = this.lookup(key);
    if (!s) return 'NotSupported';
    if (s.readonly) return 'Rejected';
    const v = this.validate(s, value);
    if (v === undefined) return 'Rejected';
    if (s.key === 'SecurityProfile' && Number(v) < this.int('SecurityProfile')) return 'Rejected';
    this.store(s, v, true);
    return s.reboot ? 'RebootRequired' : 'Accepted';
  }

  /**
   * Set a value without the CSMS-facing checks (readonly, range, members): for scripts and the
   * model itself, e.g. NumberOfConnectors. An unknown key becomes a custom read-write string key.
   * Throws a TypeError when the value does not fit the key's type.
   */
  set(key: string, value: string | number | boolean): void {
    this.store(this.specOrCustom(key), value, true);
  }

  /** Integer value of a key (also of unsupported profiles); throws for an unknown key or a non-integer. */
  int(key: string): number {
    const v = this.str(key);
    if (!/^-?\d+$/.test(v)) throw new TypeError(`configuration key ${key} is not an integer: '${v}'`);
    return Number(v);
  }

  /** Boolean value of a key; throws for an unknown key. */
  bool(key: string): boolean {
    return this.str(key).toLowerCase() === 'true';
  }

  /** Raw value of a key, writeOnly ones included; throws for an unknown key. */
  str(key: string): string {
    const s = this.spec(key);
    if (!s) throw new RangeError(`unknown configuration key ${key}`);
    return this.raw(s);
  }

  /** Members of a csl key ([] for an empty value); throws for an unknown key. */
  list(key: string): string[] {
    return splitCsl(this.str(key));
  }

  /** The values that differ from the defaults (and custom keys), for persistence. */
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.values ?? []);
  }

  /**
   * Restore a {@link snapshot}: back to defaults, then the values, without onChange calls.
   * A value that no longer fits its key's type (an older snapshot) is skipped, not fatal.
   */
  restore(values: Record<string, string>): void {
    this.values = undefined;
    for (const [k, v] of Object.entries(values)) {
      const s = this.specOrCustom(k);
      if (normalise(s, String(v)) !== undefined) this.store(s, v, false);
    }
  }

  /** Spec by name regardless of profile support. */
  private spec(key: string): KeySpec | undefined {
    const k = key.toLowerCase();
    return this.own?.get(k) ?? STANDARD_INDEX.get(k);
  }

  /** Spec as the CSMS sees it: undefined for unknown keys and keys of unsupported profiles. */
  private lookup(key: string): KeySpec | undefined {
    const s = this.spec(key);
    return s && this.profiles.includes(s.profile) ? s : undefined;
  }

  /** The spec of `key`, first defining it as a custom read-write string key when unknown. */
  private specOrCustom(key: string): KeySpec {
    if (!this.spec(key)) this.define({ key, profile: 'Core', type: 'string', readonly: false, default: '' });
    return this.spec(key)!;
  }

  /** Supported specs in table order, overrides in place, then this instance's own keys. */
  private specs(): KeySpec[] {
    const out = STANDARD_KEYS.map((s) => this.own?.get(s.key.toLowerCase()) ?? s);
    for (const [k, s] of this.own ?? []) if (!STANDARD_INDEX.has(k)) out.push(s);
    return out.filter((s) => this.profiles.includes(s.profile));
  }

  private raw(s: KeySpec): string {
    return this.values?.get(s.key) ?? (s.key === 'SupportedFeatureProfiles' ? this.featureProfiles : undefined) ?? s.default;
  }

  /** Normalised value when `value` passes every ChangeConfiguration check of `s`. */
  private validate(s: KeySpec, value: string): string | undefined {
    const v = normalise(s, value);
    if (v === undefined) return undefined;
    if (s.type === 'integer') {
      const n = Number(v);
      return (s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max) ? undefined : v;
    }
    const members = s.type === 'csl' ? splitCsl(v) : [v];
    if (s.type === 'csl') {
      const maxKey = this.lookup(`${s.key}MaxLength`);
      const max = maxKey ? this.int(maxKey.key) : s.maxItems;
      if ((max !== undefined && members.length > max) || members.some((m) => m === '')) return undefined;
    }
    if (s.allowed && !members.every((m) => s.allowed!.includes(m))) return undefined;
    if (s.pattern && !members.every((m) => s.pattern!.test(m))) return undefined;
    return v;
  }

  private store(s: KeySpec, value: string | number | boolean, notify: boolean): void {
    const v = normalise(s, String(value));
    if (v === undefined) throw new TypeError(`configuration key ${s.key} takes a ${s.type}, not '${String(value)}'`);
    const shared = STANDARD_INDEX.get(s.key.toLowerCase()) === s;
    if (shared && v === s.default && s.key !== 'SupportedFeatureProfiles') this.values?.delete(s.key);
    else (this.values ??= new Map()).set(s.key, v);
    if (notify) this.onChange?.(s.key, v);
  }
}
