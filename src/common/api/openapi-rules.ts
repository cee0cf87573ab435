import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import {
  LABEL_RULES,
  RESOURCE_NAME_MAX,
  RESOURCE_NAME_PATTERN,
  type StringMapRules,
} from '../validation/validators';

// The rules the validation pipe enforces, written into the OpenAPI document from the same
// class-validator metadata, so that validators and generated clients catch what the service would
// refuse: unknown fields (additionalProperties: false), ranges, lengths, list sizes, patterns.

export type Schema = Record<string, unknown>;
type Class = new (...args: never[]) => unknown;

// A unicast MAC address (what IsMacAddress accepts, but for the all-zero address).
const MAC_PATTERN = '^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$';

function metadataOf(target: Class): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
}

function stringMapSchema(rules: StringMapRules): Schema {
  return {
    maxProperties: rules.maxEntries,
    propertyNames: { maxLength: rules.maxKeyLength, pattern: rules.keyPattern.source },
    additionalProperties: { type: 'string', maxLength: rules.maxValueLength },
  };
}

// What one class-validator rule says in JSON Schema (for each element when `each` is set).
function ruleSchema(rule: ValidationMetadata): { schema: Schema; each: boolean } | null {
  const [first] = (rule.constraints ?? []) as unknown[];
  const named = (schema: Schema) => ({ schema, each: rule.each ?? false });
  switch (rule.name) {
    case 'min':
      return named({ minimum: first });
    case 'max':
      return named({ maximum: first });
    case 'minLength':
      return named({ minLength: first });
    case 'maxLength':
      return named({ maxLength: first });
    case 'isInt':
      return named({ type: 'integer' });
    case 'arrayMinSize':
      return { schema: { minItems: first }, each: false };
    case 'arrayMaxSize':
      return { schema: { maxItems: first }, each: false };
    case 'isIn':
      return named({ enum: [...(first as unknown[])] });
    case 'matches':
      return named({ pattern: first instanceof RegExp ? first.source : String(first) });
    case 'isUuid':
      return named({ format: 'uuid' });
    case 'isDateString':
      return named({ format: 'date-time' });
    case 'isResourceName':
      return named({ minLength: 1, maxLength: RESOURCE_NAME_MAX, pattern: RESOURCE_NAME_PATTERN.source });
    case 'isReference':
      return named({ minLength: 1, maxLength: 128 });
    case 'isMacAddress':
      return named({ pattern: MAC_PATTERN });
    case 'isStringMap':
      return named(stringMapSchema(LABEL_RULES));
    default:
      return null;
  }
}

// Adds the rules of `target`'s properties to the schema `schemaOf` finds for each (an object
// schema's property or a query parameter's schema), in place. `each` rules go on array items.
export function applyRules(target: Class, schemaOf: (property: string) => Schema | undefined): void {
  for (const rule of metadataOf(target)) {
    const schema = schemaOf(rule.propertyName);
    if (!schema) continue;
    const found = ruleSchema(rule);
    if (!found) continue;
    const into =
      found.each && schema.type === 'array' && schema.items && typeof schema.items === 'object'
        ? (schema.items as Schema)
        : schema;
    if (into.$ref || into.allOf) continue;
    Object.assign(into, found.schema);
  }
}

// The classes a route validates: its @Body() and @Query() parameter types.
export function validatedArguments(controller: Class, method: string): { body?: Class; query?: Class } {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { index: number }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, method) ??
    []) as unknown[];
  const found: { body?: Class; query?: Class } = {};
  for (const [key, { index }] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]) as RouteParamtypes;
    const type = types[index];
    if (typeof type !== 'function' || metadataOf(type as Class).length === 0) continue;
    if (kind === RouteParamtypes.BODY) found.body = type as Class;
    if (kind === RouteParamtypes.QUERY) found.query = type as Class;
  }
  return found;
}

// Classes nested in `target` through validated properties (swagger's `type: () => Class`).
export function nestedClasses(target: Class): Class[] {
  const out: Class[] = [];
  const properties = (Reflect.getMetadata('swagger/apiModelPropertiesArray', target.prototype as object) ??
    []) as string[];
  for (const entry of properties) {
    const name = entry.replace(/^:/, '');
    const meta = Reflect.getMetadata('swagger/apiModelProperties', target.prototype as object, name) as
      { type?: unknown } | undefined;
    let type = meta?.type;
    if (typeof type === 'function' && !/^class\s/.test(Function.prototype.toString.call(type)))
      type = (type as () => unknown)();
    if (Array.isArray(type)) type = type[0];
    if (typeof type === 'function' && metadataOf(type as Class).length > 0) out.push(type as Class);
  }
  return out;
}
