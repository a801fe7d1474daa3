/**
 * JSON-schema validation of OCPP payloads with ajv. One ajv instance per protocol version per
 * process; each schema is compiled on first use and cached, so start-up stays fast and no frame
 * ever compiles a schema.
 * @module
 */
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ErrorCodes, MessageKind, ProtocolVersion } from './protocol';

/** How strictly a direction is validated. `strict` refuses, `warn` reports and passes, `off` skips. */
export type ValidationMode = 'strict' | 'warn' | 'off';

/** A payload that does not match its schema. */
export interface Violation {
  /** Protocol error code for the first problem (e.g. `TypeConstraintViolation`). */
  code: string;
  /** One readable line naming the action and the field. */
  message: string;
  /** The raw ajv errors. */
  errors: ErrorObject[];
}

/** Which error class each JSON-schema keyword falls under (the mapping is not normative). */
const KEYWORD_CLASS: Record<string, keyof ErrorCodes> = {
  type: 'type',
  required: 'occurrence',
  minItems: 'occurrence',
  maxItems: 'occurrence',
  minProperties: 'occurrence',
  maxProperties: 'occurrence',
  additionalItems: 'occurrence',
  additionalProperties: 'property',
  enum: 'property',
  const: 'property',
  pattern: 'property',
  format: 'property',
  minLength: 'property',
  maxLength: 'property',
  minimum: 'property',
  maximum: 'property',
  exclusiveMinimum: 'property',
  exclusiveMaximum: 'property',
  multipleOf: 'property',
};

/** `/meterValue/0/sampledValue/0/value` → `meterValue[0].sampledValue[0].value`. */
function fieldName(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1);
  const extra = (error.params as { missingProperty?: string; additionalProperty?: string });
  const leaf = extra.missingProperty ?? extra.additionalProperty;
  if (leaf !== undefined) parts.push(leaf);
  return parts.reduce((path, p) => (/^\d+$/.test(p) ? `${path}[${p}]` : path ? `${path}.${p}` : p), '') || '(payload)';
}

function describe(error: ErrorObject): string {
  const field = fieldName(error);
  switch (error.keyword) {
    case 'required':
      return `field '${field}' is required`;
    case 'additionalProperties':
      return `field '${field}' is not allowed`;
    case 'enum':
      return `field '${field}' must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return `field '${field}' ${error.message ?? 'is invalid'}`;
  }
}

type JsonContainer = Record<string, unknown> | unknown[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The node at a JSON-pointer path (already split), or undefined when the path leaves the document. */
function resolvePath(root: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, p) => (node === undefined || node === null ? undefined : (node as JsonContainer)[p as never]), root);
}

/** Turn a number into the string a schema wants, or a numeric string into the number, when unambiguous. */
function coerceScalar(value: unknown, wanted: string): { value: unknown } | undefined {
  if (wanted === 'string' && typeof value === 'number' && Number.isFinite(value)) return { value: String(value) };
  if ((wanted === 'number' || wanted === 'integer') && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    if (wanted === 'number' || Number.isInteger(n)) return { value: n };
  }
  return undefined;
}

/**
 * ajv settings, shared with the build-time precompiler (server/scripts/gen-validators.mjs).
 * multipleOfPrecision: the official schemas use multipleOf 0.1 for limits; 6.3 must pass.
 */
export const AJV_OPTIONS = { strict: false, allErrors: false, multipleOfPrecision: 6 } as const;

/** Validates and (outbound) repairs payloads of one protocol version. */
export class SchemaValidator {
  private static readonly instances = new Map<string, SchemaValidator>();
  private ajvInstance: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private readonly precompiled: Record<string, ValidateFunction> | undefined;

  private constructor(private readonly protocol: ProtocolVersion) {
    // Standalone validators have the same call shape and `errors` as compiled ones.
    this.precompiled = protocol.precompiledValidators?.() as Record<string, ValidateFunction> | undefined;
  }

  /** ajv itself, loaded only when a schema has no precompiled validator. */
  private get ajv(): Ajv {
    if (!this.ajvInstance) {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
      const addFormats = (require('ajv-formats') as { default: (ajv: Ajv) => Ajv }).default;
      /* eslint-enable @typescript-eslint/no-require-imports */
      this.ajvInstance = new AjvClass(AJV_OPTIONS);
      addFormats(this.ajvInstance);
    }
    return this.ajvInstance;
  }

  /** The shared validator of a protocol version. */
  static for(protocol: ProtocolVersion): SchemaValidator {
    let v = SchemaValidator.instances.get(protocol.subprotocol);
    if (!v) SchemaValidator.instances.set(protocol.subprotocol, (v = new SchemaValidator(protocol)));
    return v;
  }

  private validatorFor(action: string, kind: MessageKind): ValidateFunction | null {
    const key = `${action}/${kind}`;
    let fn = this.compiled.get(key);
    if (fn === undefined) {
      fn = this.precompiled?.[key];
      if (!fn) {
        const schema = this.protocol.schema(action, kind);
        fn = schema ? this.ajv.compile(schema) : null;
      }
      this.compiled.set(key, fn);
    }
    return fn;
  }

  private violation(action: string, kind: MessageKind, errors: ErrorObject[]): Violation {
    const first = errors[0]!;
    const code = this.protocol.errors[KEYWORD_CLASS[first.keyword] ?? 'formation'];
    return { code, message: `${action} ${kind}: ${describe(first)}`, errors };
  }

  /** Check a payload; undefined when it is valid (or the action has no schema). */
  check(action: string, kind: MessageKind, payload: unknown): Violation | undefined {
    const fn = this.validatorFor(action, kind);
    if (!fn || fn(payload)) return undefined;
    return this.violation(action, kind, fn.errors ?? []);
  }

  /**
   * Check an outbound payload, first repairing unambiguous slips so the wire stays valid: a
   * scalar of the wrong type (a number where the schema wants a string, a numeric string where it
   * wants a number) is coerced, and a property the schema does not allow
   * (`additionalProperties: false`, e.g. the OCPP 2.0 `typeOfCertificate` in a 1.6
   * SignCertificate) is dropped. Repairs apply only when the repaired payload is valid; otherwise
   * the payload is returned unchanged with the violation that remains. The caller's object is
   * never modified: a repaired copy is returned, with the fields coerced and those dropped.
   */
  repair(action: string, kind: MessageKind, payload: Record<string, unknown>): {
    payload: Record<string, unknown>;
    repaired: string[];
    dropped: string[];
    violation?: Violation;
  } {
    const fn = this.validatorFor(action, kind);
    const repaired: string[] = [];
    const dropped: string[] = [];
    if (!fn) return { payload, repaired, dropped };
    let current = payload;
    // Each pass fixes the first error ajv reports; the bound guards against a schema loop.
    for (let pass = 0; pass < 64; pass++) {
      if (fn(current)) return { payload: current, repaired, dropped };
      const error = fn.errors![0]!;
      if (error.keyword !== 'type' && error.keyword !== 'additionalProperties') break;
      if (current === payload) current = structuredClone(payload);
      if (error.keyword === 'additionalProperties') {
        const owner = resolvePath(current, error.instancePath.split('/').slice(1));
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        if (!isRecord(owner) || !Object.hasOwn(owner, extra)) break;
        delete owner[extra];
        dropped.push(fieldName(error));
        continue;
      }
      const path = error.instancePath.split('/').slice(1);
      const key = path.pop();
      const parent = resolvePath(current, path);
      if (key === undefined || !isRecord(parent) && !Array.isArray(parent)) break;
      const fixed = coerceScalar((parent as Record<string, unknown>)[key], (error.params as { type: string }).type);
      if (!fixed) break;
      (parent as Record<string, unknown>)[key] = fixed.value;
      repaired.push(fieldName(error));
    }
    return { payload, repaired: [], dropped: [], violation: this.violation(action, kind, fn.errors ?? []) };
  }
}
