// Query strings arrive as strings: these turn them into what the validation rules expect, and
// leave anything else alone so that the rules report it.

type Input = { value: unknown };

// `?label=a` gives a string, `?label=a&label=b` an array.
export const toArray = ({ value }: Input) => (value === undefined || Array.isArray(value) ? value : [value]);

export const toInt = ({ value }: Input) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

export const toBoolean = ({ value }: Input) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
