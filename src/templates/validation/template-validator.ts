import { Injectable } from '@nestjs/common';
import type { Actor } from '../../auth/roles';
import type { TemplateDocument } from '../template.types';

// STUB (foundation): replaced by the validator workstream.
// Checks a template document before anything is stored and answers it normalised for storage
// (the key's scope labels merged into the top-level labels). Throws DomainError
// TEMPLATE_INVALID with context.problems = TemplateProblem[] listing EVERY problem, each with its
// JSON path ($.networks.front.ipam.config[0].subnet).
@Injectable()
export class TemplateValidator {
  // `raw` is the parsed body (JSON, or YAML parsed with parseTemplateYaml). `name`, when given,
  // is the name the template must have (PUT /templates/{name}, import ?name=).
  validate(raw: unknown, actor: Actor, options: { name?: string } = {}): Promise<TemplateDocument> {
    void raw;
    void actor;
    void options;
    return Promise.reject(new Error('TemplateValidator.validate is not implemented yet'));
  }
}
