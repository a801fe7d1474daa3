/**
 * The 2.0.1 device model (Part 1 §4, Part 2 B05-B08): components (name, instance, EVSE,
 * connector) holding variables, each with attributes Actual / Target / MinSet / MaxSet, a
 * mutability, characteristics and persistence. It answers Get/SetVariables entries with the
 * result statuses of B05/B06 and lists report entries for GetBaseReport / GetReport.
 *
 * The variables are data ({@link VariableSpec}); a {@link DeviceCatalogue} of them is built once
 * per station layout and shared by every station of a fleet, so a station holds only the values
 * that differ from the catalogue. Values that mirror the live station (AvailabilityState,
 * DateTime…) are read through one resolver per station, not a closure per variable.
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
import { controllerSpecs, physicalRows, type PhysicalLayout, type VariableSpec } from './catalogue';

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

/** A station's reader of live values, by the spec's `live` tag. */
export type LiveResolver = (spec: VariableSpec) => string;

const ACTUAL: readonly AttributeEnumType[] = ['Actual'];
const ATTRIBUTES: readonly AttributeEnumType[] = ['Actual', 'Target', 'MinSet', 'MaxSet'];

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

const variableKey = (componentKeyText: string, name: string, instance: string | undefined): string => `${componentKeyText}/${name}|${instance ?? ''}`;

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
      return inRange(value.length) ? value : undefined;
  }
}

/** True when a variable matches a GetReport componentVariable entry (B08.FR.11). */
export function matchesFilter(s: VariableSpec, f: ComponentVariableFilter): boolean {
  const c = f.component;
  if (s.component !== c.name) return false;
  if (c.instance !== undefined && s.componentInstance !== c.instance) return false;
  if (c.evse !== undefined && (s.evseId !== c.evse.id || (c.evse.connectorId !== undefined && s.connectorId !== c.evse.connectorId))) return false;
  if (!f.variable) return true;
  return s.variable === f.variable.name && (f.variable.instance === undefined || s.instance === f.variable.instance);
}

/** The immutable part of a device model: its variables and their indexes, shared by stations. */
export class DeviceCatalogue {
  /** Every variable, in catalogue order; a variable is addressed by its index here. */
  readonly specs: readonly VariableSpec[];
  /** Each variable's persistence key. */
  readonly keys: readonly string[];
  private readonly byKey = new Map<string, number>();
  private readonly components = new Set<string>();

  /**
   * Index a list of variables.
   * @param specs Catalogue and physical rows, profile extras.
   */
  constructor(specs: readonly VariableSpec[]) {
    this.specs = specs;
    this.keys = specs.map((spec, i) => {
      const c = componentKey(specComponent(spec));
      this.components.add(c);
      const key = variableKey(c, spec.variable, spec.instance);
      this.byKey.set(key, i);
      return key;
    });
  }

  /** A variable's index by its addressing, or why there is none. */
  lookup(component: ComponentType, variable: VariableType): number | 'UnknownComponent' | 'UnknownVariable' {
    const c = componentKey(component);
    if (!this.components.has(c)) return 'UnknownComponent';
    return this.byKey.get(variableKey(c, variable.name, variable.instance)) ?? 'UnknownVariable';
  }

  /** A variable's index by names (EVSE and connector for physical components), or undefined. */
  index(component: string, variable: string, instance?: string, evseId?: number, connectorId?: number): number | undefined {
    const evse = evseId === undefined ? undefined : { id: evseId, connectorId };
    return this.byKey.get(variableKey(componentKey({ name: component, evse }), variable, instance));
  }

  /** The index of a persistence key. */
  indexOfKey(key: string): number | undefined {
    return this.byKey.get(key);
  }
}

const catalogues = new Map<string, DeviceCatalogue>();

/**
 * The device catalogue of a station layout: controllers, physical rows and a profile's extra
 * components. Built once per distinct layout and shared, so a fleet of 10,000 stations holds one.
 */
export function catalogueFor(layout: PhysicalLayout, extra: readonly VariableSpec[] = []): DeviceCatalogue {
  const key = JSON.stringify([layout.phases, layout.evses, extra]);
  let catalogue = catalogues.get(key);
  if (!catalogue) catalogues.set(key, (catalogue = new DeviceCatalogue([...controllerSpecs(), ...physicalRows(layout), ...extra])));
  return catalogue;
}

/** The device model of one station: the shared catalogue plus this station's values. */
export class DeviceModel {
  /** Values that differ from the catalogue, by `index × 4 + attribute`. */
  private readonly values = new Map<number, string>();
  /** Reads live values (set by the station). */
  live: LiveResolver | undefined;
  /** Called after a variable's value changed through {@link DeviceModel.set} or {@link DeviceModel.put}. */
  onChange: ((spec: VariableSpec, attribute: AttributeEnumType, i: number) => void) | undefined;

  /**
   * A station's device model.
   * @param catalogue The variables (shared).
   */
  constructor(readonly catalogue: DeviceCatalogue) {}

  /** Number of variables. */
  get size(): number {
    return this.catalogue.specs.length;
  }

  /** A variable's spec. */
  spec(i: number): VariableSpec {
    return this.catalogue.specs[i]!;
  }

  /** An attribute's value: live, set, or the catalogue's (undefined when unset). */
  value(i: number, attribute: AttributeEnumType = 'Actual'): string | undefined {
    const spec = this.spec(i);
    if (attribute === 'Actual' && spec.live && this.live) return this.live(spec);
    return this.values.get(i * 4 + ATTRIBUTES.indexOf(attribute)) ?? (attribute === 'Actual' ? spec.value : undefined);
  }

  /** The Actual value of a variable by names (`""` when unset or unknown). */
  str(component: string, variable: string, instance?: string): string {
    const i = this.catalogue.index(component, variable, instance);
    return i === undefined ? '' : (this.value(i) ?? '');
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
    const i = this.catalogue.lookup(component, variable);
    if (typeof i === 'string') return { status: i };
    const spec = this.spec(i);
    if (!(spec.attributes ?? ACTUAL).includes(attribute)) return { status: 'NotSupportedAttributeType' };
    // B06.FR.09: a WriteOnly value is never read back.
    if (spec.mutability === 'WriteOnly') return { status: 'Rejected' };
    return { status: 'Accepted', value: this.value(i, attribute) ?? '' };
  }

  /** Write one attribute as SetVariables does (B05): type, limits and mutability checked. */
  set(component: ComponentType, variable: VariableType, value: string, attribute: AttributeEnumType = 'Actual'): SetVariableStatusEnumType {
    const i = this.catalogue.lookup(component, variable);
    if (typeof i === 'string') return i;
    const spec = this.spec(i);
    if (!(spec.attributes ?? ACTUAL).includes(attribute)) return 'NotSupportedAttributeType';
    if (spec.mutability === 'ReadOnly' || spec.live) return 'Rejected';
    const checked = checkValue(spec, value);
    if (checked === undefined) return 'Rejected';
    this.store(i, attribute, checked);
    return spec.rebootRequired ? 'RebootRequired' : 'Accepted';
  }

  /** Set a value from the station itself (boot interval, profile values), bypassing mutability. */
  put(component: string, variable: string, value: string, instance?: string): void {
    const i = this.catalogue.index(component, variable, instance);
    if (i !== undefined) this.store(i, 'Actual', value);
  }

  private store(i: number, attribute: AttributeEnumType, value: string): void {
    if (this.value(i, attribute) === value) return;
    this.values.set(i * 4 + ATTRIBUTES.indexOf(attribute), value);
    this.onChange?.(this.spec(i), attribute, i);
  }

  /** The report entry of a variable (NotifyReport, B07.FR.04: every supported attribute, never a WriteOnly value). */
  reportEntry(i: number): ReportDataType {
    const spec = this.spec(i);
    const attributes = (spec.attributes ?? ACTUAL).map((type) => {
      const a: VariableAttributeType = { type, mutability: spec.mutability, persistent: !spec.volatile, constant: spec.mutability === 'ReadOnly' && !spec.live && !spec.volatile };
      const value = spec.mutability === 'WriteOnly' ? undefined : this.value(i, type);
      if (value !== undefined) a.value = value;
      return a;
    });
    // N04: every variable takes Delta and Periodic monitors (thresholds the numeric ones).
    const characteristics: NonNullable<ReportDataType['variableCharacteristics']> = { dataType: spec.dataType, supportsMonitoring: true };
    if (spec.unit) characteristics.unit = spec.unit;
    if (spec.minLimit !== undefined) characteristics.minLimit = spec.minLimit;
    if (spec.maxLimit !== undefined) characteristics.maxLimit = spec.maxLimit;
    if (spec.valuesList) characteristics.valuesList = spec.valuesList;
    const variable: VariableType = spec.instance !== undefined ? { name: spec.variable, instance: spec.instance } : { name: spec.variable };
    return { component: specComponent(spec), variable, variableAttribute: attributes as ReportDataType['variableAttribute'], variableCharacteristics: characteristics };
  }

  /** The values worth keeping across a restart: every persistent attribute that differs from the catalogue. */
  snapshot(): Record<string, Partial<Record<AttributeEnumType, string>>> {
    const out: Record<string, Partial<Record<AttributeEnumType, string>>> = {};
    for (const [slot, value] of this.values) {
      const i = slot >> 2;
      const spec = this.spec(i);
      if (spec.volatile || spec.live) continue;
      (out[this.catalogue.keys[i]!] ??= {})[ATTRIBUTES[slot & 3]!] = value;
    }
    return out;
  }

  /** Restore values saved with {@link DeviceModel.snapshot}; unknown keys are skipped. */
  restore(saved: Record<string, Partial<Record<AttributeEnumType, string>>>): void {
    for (const [key, values] of Object.entries(saved)) {
      const i = this.catalogue.indexOfKey(key);
      if (i === undefined) continue;
      for (const [type, value] of Object.entries(values)) if (value !== undefined) this.values.set(i * 4 + ATTRIBUTES.indexOf(type as AttributeEnumType), value);
    }
  }
}
