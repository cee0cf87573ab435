import type { ContainerInfo, NetworkInfo } from '../../engine/engine.types';
import type { DesiredState, DriftItem, Plan } from '../template.types';

// STUB (foundation): replaced by the planner workstream. Pure functions: no engine, no database.

// What the engine holds that concerns a template: every network and container that carries the
// template's label (io.switchyard.template) or has a name the template declares. Containers are
// inspected (ContainerInfo).
export interface LiveState {
  networks: NetworkInfo[];
  containers: ContainerInfo[];
}

export interface PlanContext {
  // This instance's id (io.switchyard.instance): a resource is owned by the template when it
  // carries the template's label and this instance's.
  instanceId: string;
}

// The actions that make the engine match `desired`: create, recreate (reason + changes), remove
// (owned resources the revision no longer has), unchanged; conflicts for resources with a
// declared name that the template does not own (never touched).
export function planTemplate(desired: DesiredState, live: LiveState, context: PlanContext): Plan {
  void desired;
  void live;
  void context;
  throw new Error('planTemplate is not implemented yet');
}

// Everything the template owns on the engine, to remove (containers before networks).
export function planDestroy(template: string, live: LiveState, context: PlanContext): Plan {
  void template;
  void live;
  void context;
  throw new Error('planDestroy is not implemented yet');
}

// What differs between the engine and `desired`: container removed, stopped, changed by hand,
// network removed or changed, extra owned resource.
export function templateDrift(desired: DesiredState, live: LiveState, context: PlanContext): DriftItem[] {
  void desired;
  void live;
  void context;
  throw new Error('templateDrift is not implemented yet');
}
