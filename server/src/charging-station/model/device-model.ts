/**
 * The 2.0.1 device model (Part 1 §4, Part 2 B05-B08): components (name, instance, EVSE,
 * connector) holding variables, each with attributes Actual / Target / MinSet / MaxSet, a
 * mutability, characteristics and persistence. It answers Get/SetVariables entries with the
 * result statuses of B05/B06 and lists report entries for GetBaseReport / GetReport. The
 * variables themselves are data ({@link VariableSpec}); values that mirror the live station
 * (AvailabilityState, DateTime) are read through bound functions.
 * @module
 */
import type {
  AttributeEnumType,
  ComponentType,
  GetVariableStatusEnumType,
  ReportDataType,
  SetVariableStatusEnumType,
  VariableAttributeType,
  VariableType,
} from '../../ocpp/v201/types';
import type { VariableSpec } from './catalogue';

/** A variable with its current attribute values. */
export interface DeviceVariable {
  /** Its catalogue row. */
  readonly spec: VariableSpec;
  /** Attribute values set so far (Actual from the catalogue's `value`). */
  values: Partial<Record<AttributeEnumType, string>>;
  /** Reads the Actual value from the live station, when bound. */
  live?: () => string;
}

/** Outcome of reading one variable. */
export interface ReadResult {
  /** GetVariableResult.attributeStatus. */
  status: GetVariableStatusEnumType;
  /** The value (Accepted only). */
  value?: string;
}

/** Report entry filter (GetReport componentVariable, B08.FR.11: absent instance or EVSE matches all). */
export interface ComponentVariableFilter {
  /** Component to match. */
  component: ComponentType;
  /** Variable to match; absent: every variable of the component. */
  variable?: VariableType;
}

/** Every attribute type; a variable supports Actual unless its spec says otherwise. */
const ACTUAL: readonly AttributeEnumType[] = ['Actual'];

/** Key of a component: name, instance, EVSE and connector. */
export function componentKey(c: { name: string; instance?: string; evse?: { id: number; connectorId?: number } }): string {
  return `${c.name}|${c.instance ?? ''}|${c.evse?.id ?? ''}|${c.evse?.connectorId ?? ''}`;
}

function specComponent(spec: VariableSpec): ComponentType {
  const c: ComponentType = { name: spec.component };
  if (spec.componentInstance !== undefined) c.instance = spec.componentInstance;
  if (spec.evseId !== undefined) c.evse = spec.connectorId !== undefined ? { id: spec.evseId, connectorId: spec.connectorId } : { id: spec.evseId };
  return c;
}

function specVariable(spec: VariableSpec): VariableType {
  return spec.instance !== undefined ? { name: spec.variable, instance: spec.instance } : { name: spec.variable };
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/**
 * The value normalised when it fits the variable's data type and limits (B05.FR.07), else
 * undefined.
 */
export function checkValue(spec: VariableSpec, value: string): string | undefined {
  const inRange = (n: number): boolean => (spec.minLimit === undefined || n >= spec.minLimit) && (spec.maxLimit === undefined || n <= spec.maxLimit);
  const allowed = spec.valuesList?.split(',');
  switch (spec.dataType) {
    case 'integer':
      return INTEGER.test(value) && inRange(Number(value)) ? String(Number(value)) : undefined;
    case 'decimal':
      return DECIMAL.test(value) && inRange(Number(value)) ? value : undefined;
    case 'boolean': {
      const lower = value.toLowerCase();
      return lower === 'true' || lower === 'false' ? lower : undefined;
    }
    case 'dateTime':
      return DATE_TIME.test(value) && Number.isFinite(Date.parse(value)) ? value : undefined;
    case 'OptionList':
      return allowed?.includes(value) ? value : undefined;
    case 'MemberList':
    case 'SequenceList': {
      const members = value.split(',').map((m) => m.trim());
      const ok = members.every((m) => m !== '' && (!allowed || allowed.includes(m))) && new Set(members).size === members.length;
      return ok ? members.join(',') : undefined;
    }
    default:
      return inRange(value.length) || (spec.minLimit === undefined && spec.maxLimit === undefined) ? value : undefined;
  }
}

/** The device model of one charging station. */
export class DeviceModel {
  private readonly variables = new Map<string, DeviceVariable>();
  private readonly components = new Set<string>();
  /** Called after a variable's value changed through {@link DeviceModel.set} or {@link DeviceModel.put}. */
  onChange: ((v: DeviceVariable, attribute: AttributeEnumType) => void) | undefined;

  /**
   * Build a device model.
   * @param specs Its variables (catalogue and physical rows, profile extras).
   */
  constructor(specs: readonly VariableSpec[]) {
    for (const spec of specs) this.add(spec);
  }

  /** Add (or replace) a variable. */
  add(spec: VariableSpec): DeviceVariable {
    const c = componentKey(specComponent(spec));
    this.components.add(c);
    const v: DeviceVariable = { spec, values: spec.value !== undefined ? { Actual: spec.value } : {} };
    this.variables.set(`${c}/${spec.variable}|${spec.instance ?? ''}`, v);
    return v;
  }

  /** Every variable, in catalogue order. */
  all(): IterableIterator<DeviceVariable> {
    return this.variables.values();
  }

  /** Number of variables. */
  get size(): number {
    return this.variables.size;
  }

  /** A variable by its addressing, or why there is none. */
  lookup(component: ComponentType, variable: VariableType): DeviceVariable | 'UnknownComponent' | 'UnknownVariable' {
    const c = componentKey(component);
    if (!this.components.has(c)) return 'UnknownComponent';
    return this.variables.get(`${c}/${variable.name}|${variable.instance ?? ''}`) ?? 'UnknownVariable';
  }

  /** A top-level (station-wide) variable by names, for the station's own reads. */
  variable(component: string, variable: string, instance?: string, evseId?: number, connectorId?: number): DeviceVariable | undefined {
    const evse = evseId === undefined ? undefined : { id: evseId, connectorId };
    return this.variables.get(`${componentKey({ name: component, evse })}/${variable}|${instance ?? ''}`);
  }

  /** The Actual value of a station-wide variable (`""` when unset or unknown). */
  str(component: string, variable: string, instance?: string): string {
    const v = this.variable(component, variable, instance);
    return v ? (v.live?.() ?? v.values.Actual ?? '') : '';
  }

  /** An integer variable (0 when unset). */
  int(component: string, variable: string, instance?: string): number {
    return Math.trunc(Number(this.str(component, variable, instance))) || 0;
  }

  /** A boolean variable. */
  bool(component: string, variable: string, instance?: string): boolean {
    return this.str(component, variable, instance) === 'true';
  }

  /** The members of a MemberList / SequenceList variable. */
  list(component: string, variable: string, instance?: string): string[] {
    return this.str(component, variable, instance).split(',').filter(Boolean);
  }

  /** Read one attribute as GetVariables does (B06). */
  get(component: ComponentType, variable: VariableType, attribute: AttributeEnumType = 'Actual'): ReadResult {
    const v = this.lookup(component, variable);
    if (typeof v === 'string') return { status: v };
    if (!(v.spec.attributes ?? ACTUAL).includes(attribute)) return { status: 'NotSupportedAttributeType' };
    // B06.FR.09: a WriteOnly value is never read back.
    if (v.spec.mutability === 'WriteOnly') return { status: 'Rejected' };
    return { status: 'Accepted', value: (attribute === 'Actual' ? v.live?.() : undefined) ?? v.values[attribute] ?? '' };
  }

  /** Write one attribute as SetVariables does (B05): type, limits and mutability checked. */
  set(component: ComponentType, variable: VariableType, value: string, attribute: AttributeEnumType = 'Actual'): SetVariableStatusEnumType {
    const v = this.lookup(component, variable);
    if (typeof v === 'string') return v;
    if (!(v.spec.attributes ?? ACTUAL).includes(attribute)) return 'NotSupportedAttributeType';
    if (v.spec.mutability === 'ReadOnly' || v.live) return 'Rejected';
    const checked = checkValue(v.spec, value);
    if (checked === undefined) return 'Rejected';
    this.store(v, attribute, checked);
    return v.spec.rebootRequired ? 'RebootRequired' : 'Accepted';
  }

  /** Set a value from the station itself (boot interval, counters), bypassing mutability. */
  put(component: string, variable: string, value: string, instance?: string): void {
    const v = this.variable(component, variable, instance);
    if (v) this.store(v, 'Actual', value);
  }

  private store(v: DeviceVariable, attribute: AttributeEnumType, value: string): void {
    if (v.values[attribute] === value) return;
    v.values[attribute] = value;
    this.onChange?.(v, attribute);
  }

  /** Read a variable's Actual value from the live station from now on. */
  bind(v: DeviceVariable | undefined, read: () => string): void {
    if (v) v.live = read;
  }

  /** The report entry of a variable (NotifyReport, B07.FR.04: every supported attribute, never a WriteOnly value). */
  reportEntry(v: DeviceVariable): ReportDataType {
    const spec = v.spec;
    const attributes = (spec.attributes ?? ACTUAL).map((type) => {
      const a: VariableAttributeType = { type, mutability: spec.mutability, persistent: !spec.volatile, constant: spec.mutability === 'ReadOnly' && !v.live && !spec.volatile };
      const value = spec.mutability === 'WriteOnly' ? undefined : type === 'Actual' ? (v.live?.() ?? v.values.Actual) : v.values[type];
      if (value !== undefined) a.value = value;
      return a;
    });
    const characteristics: NonNullable<ReportDataType['variableCharacteristics']> = { dataType: spec.dataType, supportsMonitoring: false };
    if (spec.unit) characteristics.unit = spec.unit;
    if (spec.minLimit !== undefined) characteristics.minLimit = spec.minLimit;
    if (spec.maxLimit !== undefined) characteristics.maxLimit = spec.maxLimit;
    if (spec.valuesList) characteristics.valuesList = spec.valuesList;
    return {
      component: specComponent(spec),
      variable: specVariable(spec),
      variableAttribute: attributes as ReportDataType['variableAttribute'],
      variableCharacteristics: characteristics,
    };
  }

  /** True when a variable matches a GetReport componentVariable entry (B08.FR.11). */
  static matches(v: DeviceVariable, f: ComponentVariableFilter): boolean {
    const s = v.spec;
    const c = f.component;
    if (s.component !== c.name) return false;
    if (c.instance !== undefined && s.componentInstance !== c.instance) return false;
    if (c.evse !== undefined && (s.evseId !== c.evse.id || (c.evse.connectorId !== undefined && s.connectorId !== c.evse.connectorId))) return false;
    if (!f.variable) return true;
    return s.variable === f.variable.name && (f.variable.instance === undefined || s.instance === f.variable.instance);
  }

  /** The values worth keeping across a restart: every persistent attribute that differs from the catalogue. */
  snapshot(): Record<string, Partial<Record<AttributeEnumType, string>>> {
    const out: Record<string, Partial<Record<AttributeEnumType, string>>> = {};
    for (const [key, v] of this.variables) {
      if (v.spec.volatile || v.live) continue;
      const changed = Object.entries(v.values).filter(([type, value]) => !(type === 'Actual' && value === v.spec.value));
      if (changed.length) out[key] = Object.fromEntries(changed);
    }
    return out;
  }

  /** Restore values saved with {@link DeviceModel.snapshot}; unknown keys are skipped. */
  restore(saved: Record<string, Partial<Record<AttributeEnumType, string>>>): void {
    for (const [key, values] of Object.entries(saved)) {
      const v = this.variables.get(key);
      if (v) Object.assign(v.values, values);
    }
  }
}
