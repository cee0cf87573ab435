import { IsArray, type ValidationArguments } from 'class-validator';

// The input fields that are an argument vector (argv, no shell), by input type, with the
// example their messages give.
export const ARGV_FIELDS: Record<string, Record<string, string[]>> = {
  RunContainerInput: { command: ['sleep', '3600'] },
  ExecInput: { command: ['cat', '/etc/hostname'] },
};

const shown = (example: string[]) => `[${example.map((a) => JSON.stringify(a)).join(', ')}]`;

// A command given as one string: never split (quoting rules differ, and a wrong split runs
// something else), answered with what to send instead. The same words on REST and GraphQL.
export function argvStringMessage(field: string, example: string[]): string {
  return `${field} must be a list of arguments such as ${shown(example)}, not one string: no shell runs it, so give each argument as its own item`;
}

// An argv field: a list, and a string in its place gets the message above.
export function IsArgvList(example: string[]): PropertyDecorator {
  return IsArray({
    message: (args: ValidationArguments) =>
      typeof args.value === 'string'
        ? argvStringMessage(args.property, example)
        : `${args.property} must be a list of strings such as ${shown(example)}`,
  });
}
