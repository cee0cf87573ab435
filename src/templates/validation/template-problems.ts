import { DomainError, type FieldError } from '../../common/errors/domain-error';
import type { TemplateProblem } from '../template.types';

// JSON paths into a template document (`$.networks.front.ipam.config[0].gateway`), and the one
// error that carries every problem found.

// A key that reads unambiguously after a dot; any other (labels such as `com.example.team`,
// names with dots) is written in brackets: `$.labels["com.example.team"]`.
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

export function keyPath(parent: string, key: string): string {
  return PLAIN_KEY.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

// Fields of the DTOs whose next segment is a map key (that may itself contain dots).
const MAP_FIELDS = new Set(['auxAddresses', 'options', 'labels', 'env']);

// A dotted DTO field (`ipam.config.0.auxAddresses.router.lan`) as a JSON path below `base`.
export function fieldPath(base: string, field: string): string {
  const segments = field.split('.');
  let path = base;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    path = /^\d+$/.test(segment) ? indexPath(path, Number(segment)) : keyPath(path, segment);
    if (MAP_FIELDS.has(segment) && i + 1 < segments.length) {
      return keyPath(path, segments.slice(i + 1).join('.'));
    }
  }
  return path;
}

// The DTO messages start with their dotted field ("ipam.config.0.gateway 10.0.0.0 is ..."); the
// problem's path says where, so the message keeps only what is wrong.
export function withoutField(field: string, message: string): string {
  if (!message.startsWith(field)) return message;
  return message.slice(field.length).replace(/^:\s*/, '').replace(/^\s+/, '');
}

// The DTO field errors of one part of the document as problems below `base`.
export function fieldProblems(base: string, errors: readonly FieldError[]): TemplateProblem[] {
  return errors.map(({ field, message }) => ({
    path: fieldPath(base, field),
    message: withoutField(field, message),
  }));
}

const SHOWN_IN_DETAIL = 3;

// TEMPLATE_INVALID with every problem: in context.problems, and as field errors so that REST's
// `errors` lists them too. The detail counts them and tells the first few.
export function templateInvalid(problems: readonly TemplateProblem[]): DomainError {
  const count = problems.length;
  const shown = problems
    .slice(0, SHOWN_IN_DETAIL)
    // A message that is a sentence of its own keeps no full stop inside the list.
    .map((p) => `${p.path}: ${p.message.replace(/\.$/, '')}`)
    .join('; ');
  const more = count > SHOWN_IN_DETAIL ? ` (and ${count - SHOWN_IN_DETAIL} more)` : '';
  const detail =
    `The template has ${count} problem${count === 1 ? '' : 's'}: ${shown}${more}. ` +
    'Every one is listed with its path in problems; fix them and send the template again.';
  return new DomainError('TEMPLATE_INVALID', detail, {
    errors: problems.map((p) => ({ field: p.path, message: p.message })),
    context: { problems: problems.map((p) => ({ path: p.path, message: p.message })) },
  });
}
