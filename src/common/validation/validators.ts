import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';
import { macProblem, parseCidr, parseIp } from '../net/ip';

// Docker's own rule for object names, which the engine does not enforce for networks
// (it accepts `a/../x`): a letter or digit, then letters, digits, `_`, `.` or `-`.
export const RESOURCE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const RESOURCE_NAME_MAX = 64;

export function IsResourceName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isResourceName',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length <= RESOURCE_NAME_MAX && RESOURCE_NAME_PATTERN.test(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be 1-${RESOURCE_NAME_MAX} characters: a letter or digit, then letters, digits, "_", "." or "-"`,
          options,
        ),
      },
    },
    options,
  );
}

// A reference to a network or container as the API accepts it: a name, a full id or an id prefix.
// Whether it matches anything is the lookup's answer; here only its shape is checked.
export const REFERENCE_MAX = 128;

export function IsReference(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isReference',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length >= 1 && value.length <= REFERENCE_MAX,
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a name, a full id or an id prefix (1-${REFERENCE_MAX} characters)`,
          options,
        ),
      },
    },
    options,
  );
}

export function IsCidr(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCidr',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseCidr(value).ok,
        defaultMessage: buildMessage((each, args) => {
          const parsed = parseCidr(args?.value as string);
          return `${each}$property ${parsed.ok ? 'is invalid' : parsed.reason}`;
        }, options),
      },
    },
    options,
  );
}

export function IsIpAddress(version?: 4 | 6, options?: ValidationOptions): PropertyDecorator {
  const label = version ? `IPv${version}` : 'IPv4 or IPv6';
  return ValidateBy(
    {
      name: 'isIpAddress',
      constraints: [version],
      validator: {
        validate: (value: unknown) => {
          const ip = typeof value === 'string' ? parseIp(value) : null;
          return ip !== null && (version === undefined || ip.version === version);
        },
        defaultMessage: buildMessage((each) => `${each}$property must be a valid ${label} address`, options),
      },
    },
    options,
  );
}

export function IsMacAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMacAddress',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && macProblem(value) === null,
        defaultMessage: buildMessage(
          (each, args) => `${each}$property ${macProblem(args?.value as string) ?? 'is invalid'}`,
          options,
        ),
      },
    },
    options,
  );
}

// NUL cannot be passed to a program (argv and the environment are NUL-terminated C strings):
// the kernel or the engine would cut the string there, so what runs would differ from what the
// audit log records. Refused in argv, environment keys and values, and labels. Other control
// characters (tab, newline, escape) pass: they reach the program unchanged.
export const NUL_MESSAGE = 'must not contain a NUL character (\\u0000)';
export const hasNul = (value: unknown): boolean => typeof value === 'string' && value.includes('\0');

export function HasNoNul(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoNul',
      validator: {
        validate: (value: unknown) => !hasNul(value),
        defaultMessage: buildMessage((each) => `${each}$property ${NUL_MESSAGE}`, options),
      },
    },
    options,
  );
}

export interface StringMapRules {
  maxEntries: number;
  keyPattern: RegExp;
  keyHint: string;
  maxKeyLength: number;
  maxValueLength: number;
  reservedPrefix?: string;
}

export function stringMapProblem(value: unknown, rules: StringMapRules): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'must be an object of string keys to string values';
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > rules.maxEntries) return `must have at most ${rules.maxEntries} entries`;
  for (const [key, v] of entries) {
    if (hasNul(key)) return `key "${key.replace(/\0/g, '\\u0000').slice(0, 80)}" ${NUL_MESSAGE}`;
    if (key.length === 0 || key.length > rules.maxKeyLength || !rules.keyPattern.test(key)) {
      return `key "${key.slice(0, 80)}" is invalid: ${rules.keyHint}`;
    }
    // Docker labels are case-sensitive, but no label may look like Switchyard's own.
    if (rules.reservedPrefix && key.toLowerCase().startsWith(rules.reservedPrefix.toLowerCase())) {
      return `key "${key}" is reserved: "${rules.reservedPrefix}*" labels are set by Switchyard itself`;
    }
    if (typeof v !== 'string') return `value of "${key}" must be a string`;
    if (hasNul(v)) return `value of "${key}" ${NUL_MESSAGE}`;
    if (v.length > rules.maxValueLength)
      return `value of "${key}" must be at most ${rules.maxValueLength} characters`;
  }
  return null;
}

export function IsStringMap(rules: StringMapRules, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) => stringMapProblem(value, rules) === null,
        defaultMessage: buildMessage(
          (each, args) => `${each}$property ${stringMapProblem(args?.value, rules) ?? 'is invalid'}`,
          options,
        ),
      },
    },
    options,
  );
}

export const LABEL_RULES: StringMapRules = {
  maxEntries: 64,
  keyPattern: /^[a-zA-Z0-9]([a-zA-Z0-9._/-]*[a-zA-Z0-9])?$/,
  keyHint: 'letters, digits, ".", "_", "/" and "-", starting and ending with a letter or digit',
  maxKeyLength: 255,
  maxValueLength: 4096,
  reservedPrefix: 'io.switchyard.',
};

// A label filter: `key` or `key=value`, with a key that is not empty (the engine reads `=x` or ``
// as nothing to filter by, or refuses it with a message of its own).
export function labelFilterProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const key = value.split('=')[0];
  if (key.trim() === '') return `"${value.slice(0, 80)}" has no label key: write key or key=value`;
  return null;
}

export function IsLabelFilter(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLabelFilter',
      validator: {
        validate: (value: unknown) => labelFilterProblem(value) === null,
        // With `each`, the value told is the whole list: tell its first bad item.
        defaultMessage: buildMessage((each, args) => {
          const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
          const problem = values.map(labelFilterProblem).find((p) => p !== null);
          return `${each}$property ${problem ?? 'must be key or key=value'}`;
        }, options),
      },
    },
    options,
  );
}
