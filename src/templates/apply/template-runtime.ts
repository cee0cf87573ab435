import { Injectable } from '@nestjs/common';
import type { Actor } from '../../auth/roles';
import type { Deployment, Plan, TemplateRecord, TemplateStatus } from '../template.types';

export interface DeploymentPage {
  items: Deployment[];
  nextCursor: string | null;
}

// STUB (foundation): replaced by the apply workstream.
// Plans, applies, checks and destroys templates on the engine, and keeps their deployments.
@Injectable()
export class TemplateRuntime {
  plan(record: TemplateRecord, actor: Actor): Promise<Plan> {
    void record;
    void actor;
    return Promise.reject(new Error('TemplateRuntime.plan is not implemented yet'));
  }

  // Runs the plan, then the expectations; answers the finished deployment, or (wait false) the
  // running one at once. A second apply or destroy of the template while one runs: TEMPLATE_BUSY.
  apply(record: TemplateRecord, actor: Actor, options: { wait: boolean }): Promise<Deployment> {
    void record;
    void actor;
    void options;
    return Promise.reject(new Error('TemplateRuntime.apply is not implemented yet'));
  }

  // `record` is null when the template was deleted: status then reports what is left.
  status(name: string, record: TemplateRecord | null, actor: Actor): Promise<TemplateStatus> {
    void name;
    void record;
    void actor;
    return Promise.reject(new Error('TemplateRuntime.status is not implemented yet'));
  }

  // Removes everything carrying the template's label (also after the template was edited or
  // deleted), recorded as a deployment of kind destroy.
  destroy(name: string, actor: Actor, options: { wait: boolean }): Promise<Deployment> {
    void name;
    void actor;
    void options;
    return Promise.reject(new Error('TemplateRuntime.destroy is not implemented yet'));
  }

  deployments(
    template: string,
    actor: Actor,
    page: { limit: number; cursor?: string },
  ): Promise<DeploymentPage> {
    void template;
    void actor;
    void page;
    return Promise.reject(new Error('TemplateRuntime.deployments is not implemented yet'));
  }

  deployment(id: string, actor: Actor): Promise<Deployment> {
    void id;
    void actor;
    return Promise.reject(new Error('TemplateRuntime.deployment is not implemented yet'));
  }
}
