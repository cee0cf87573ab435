import fc from 'fast-check';
import { desiredState } from '../../src/templates/planning/desired-state';
import {
  planDestroy,
  planTemplate,
  templateDrift,
  type LiveState,
  type PlanContext,
} from '../../src/templates/planning/planner';
import type {
  DesiredContainerSpec,
  DesiredState,
  Plan,
  ResourceKind,
  TemplateDocument,
} from '../../src/templates/template.types';
import type { NetworkSpec } from '../../src/engine/engine.types';
import { documentArb, reorderKeys } from './template-planner/documents';
import { EngineSim } from './template-planner/engine-sim';

const INSTANCE = 'inst-1';
const context: PlanContext = { instanceId: INSTANCE };
const EMPTY: LiveState = { networks: [], containers: [] };
const RUNS = { numRuns: 150 };

function deploy(
  document: TemplateDocument,
  sim: EngineSim,
  revision = 1,
): { desired: DesiredState; live: LiveState } {
  const desired = desiredState(document, revision, INSTANCE);
  return { desired, live: sim.apply(desired, planTemplate(desired, EMPTY, context), EMPTY) };
}

function changed(plan: Plan): string[] {
  return plan.actions.filter((a) => a.action !== 'unchanged').map((a) => `${a.action} ${a.kind} ${a.name}`);
}

function inSync(desired: DesiredState, live: LiveState, ctx: PlanContext = context): void {
  const plan = planTemplate(desired, live, ctx);
  expect(changed(plan)).toEqual([]);
  expect(plan.conflicts).toEqual([]);
  expect(templateDrift(desired, live, ctx)).toEqual([]);
}

// The specs of a revision by hash, as the runtime knows them from the stored revisions.
function specsOf(...states: DesiredState[]): PlanContext['specOf'] {
  const specs = new Map<string, NetworkSpec | DesiredContainerSpec>();
  for (const s of states) {
    for (const n of s.networks) specs.set(`network:${n.hash}`, n.spec);
    for (const c of s.containers) specs.set(`container:${c.hash}`, c.spec);
  }
  return (kind: ResourceKind, hash: string) => specs.get(`${kind}:${hash}`);
}

describe('planner properties', () => {
  it('creates everything on an empty engine, and then has nothing to do', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const desired = desiredState(doc, 1, INSTANCE);
        const plan = planTemplate(desired, EMPTY, context);
        expect(plan.conflicts).toEqual([]);
        expect(plan.actions.every((a) => a.action === 'create')).toBe(true);
        expect(plan.actions).toHaveLength(desired.networks.length + desired.containers.length);
        const kinds = plan.actions.map((a) => a.kind);
        expect(kinds).toEqual([...kinds].sort((a, b) => (a === b ? 0 : a === 'network' ? -1 : 1)));
        const live = new EngineSim().apply(desired, plan, EMPTY);
        inSync(desired, live);
        // A later revision of the same document changes nothing either.
        inSync(desiredState(doc, 2, INSTANCE), live);
      }),
      RUNS,
    );
  });

  it('hashes a document alike whatever its key order', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const a = desiredState(doc, 1, INSTANCE);
        const b = desiredState(reorderKeys(doc) as TemplateDocument, 1, INSTANCE);
        const hashes = (s: DesiredState) =>
          [...s.networks, ...s.containers].map((r) => `${r.name}=${r.hash}`).sort();
        expect(hashes(b)).toEqual(hashes(a));
      }),
      RUNS,
    );
  });

  it('destroys exactly what the template owns on this instance', () => {
    fc.assert(
      fc.property(documentArb, documentArb, (doc, otherDoc) => {
        const sim = new EngineSim('destroy');
        const { live } = deploy(doc, sim);
        const other = desiredState({ ...otherDoc, name: 'other' }, 1, INSTANCE);
        const elsewhere = desiredState(doc, 1, 'inst-2');
        const foreign = [other, elsewhere].map((d) =>
          sim.apply(d, planTemplate(d, EMPTY, { instanceId: 'x' }), EMPTY),
        );
        const all: LiveState = {
          networks: [...live.networks, ...foreign.flatMap((f) => f.networks)],
          containers: [...live.containers, ...foreign.flatMap((f) => f.containers)],
        };
        const plan = planDestroy('prop', all, context);
        expect(plan.actions.every((a) => a.action === 'remove')).toBe(true);
        expect(plan.actions.map((a) => a.liveId).sort()).toEqual(
          [...live.networks, ...live.containers].map((r) => r.id).sort(),
        );
        const kinds = plan.actions.map((a) => a.kind);
        expect(
          kinds.indexOf('network') === -1 || kinds.lastIndexOf('container') < kinds.indexOf('network'),
        ).toBe(true);
      }),
      RUNS,
    );
  });

  it('recreates exactly an edited container', () => {
    fc.assert(
      fc.property(
        documentArb.filter((d) => Object.keys(d.containers ?? {}).length > 0),
        fc.nat(),
        (doc, pick) => {
          const sim = new EngineSim('edit-container');
          const { desired: v1, live } = deploy(doc, sim);
          const names = Object.keys(doc.containers ?? {});
          const name = names[pick % names.length];
          const edited = structuredClone(doc);
          edited.containers![name].env = { ...(edited.containers![name].env ?? {}), EDITED: 'yes' };
          const v2 = desiredState(edited, 2, INSTANCE);
          const ctx = { instanceId: INSTANCE, specOf: specsOf(v1) };
          const plan = planTemplate(v2, live, ctx);
          expect(changed(plan)).toEqual([`recreate container ${name}`]);
          expect(plan.actions.find((a) => a.action === 'recreate')?.changes).toEqual([
            { path: 'env.EDITED', from: null, to: 'yes' },
          ]);
          inSync(v2, sim.apply(v2, plan, live), ctx);
        },
      ),
      RUNS,
    );
  });

  it('recreates exactly an edited network and the containers on it', () => {
    fc.assert(
      fc.property(
        documentArb.filter((d) => Object.keys(d.networks ?? {}).length > 0),
        fc.nat(),
        (doc, pick) => {
          const sim = new EngineSim('edit-network');
          const { desired: v1, live } = deploy(doc, sim);
          const names = Object.keys(doc.networks ?? {});
          const name = names[pick % names.length];
          const edited = structuredClone(doc);
          edited.networks![name].labels = { ...(edited.networks![name].labels ?? {}), edited: 'yes' };
          const v2 = desiredState(edited, 2, INSTANCE);
          const ctx = { instanceId: INSTANCE, specOf: specsOf(v1) };
          const plan = planTemplate(v2, live, ctx);
          const onIt = Object.entries(doc.containers ?? {})
            .filter(([, c]) => Object.keys(c.networks ?? {}).includes(name))
            .map(([c]) => `recreate container ${c}`)
            .sort();
          expect(changed(plan)).toEqual([`recreate network ${name}`, ...onIt]);
          expect(plan.actions[0].changes).toEqual([{ path: 'labels.edited', from: null, to: 'yes' }]);
          inSync(v2, sim.apply(v2, plan, live), ctx);
        },
      ),
      RUNS,
    );
  });

  it('sees every change by hand as drift, and one apply repairs it', () => {
    const edits = [
      'stop',
      'remove-container',
      'remove-network',
      'disconnect',
      'restart',
      'leftover',
    ] as const;
    fc.assert(
      fc.property(documentArb, fc.constantFrom(...edits), fc.nat(), (doc, edit, pick) => {
        const sim = new EngineSim('drift');
        const { desired, live } = deploy(doc, sim);
        const broken = structuredClone(live);
        const containers = broken.containers;
        const target = containers.length ? containers[pick % containers.length] : undefined;
        switch (edit) {
          case 'stop': {
            const running = containers.filter((c) => c.running);
            if (!running.length) return;
            Object.assign(running[pick % running.length], { running: false, state: 'exited', exitCode: 137 });
            break;
          }
          case 'remove-container':
            if (!target) return;
            broken.containers = containers.filter((c) => c !== target);
            break;
          case 'remove-network': {
            if (!broken.networks.length) return;
            const gone = broken.networks[pick % broken.networks.length];
            broken.networks = broken.networks.filter((n) => n !== gone);
            break;
          }
          case 'disconnect':
            if (!target || !target.endpoints.length) return;
            target.endpoints.splice(pick % target.endpoints.length, 1);
            break;
          case 'restart':
            if (!target) return;
            target.restartPolicy = {
              name: target.restartPolicy.name === 'always' ? 'no' : 'always',
              maximumRetryCount: 0,
            };
            break;
          case 'leftover':
            if (!target) return;
            containers.push({
              ...structuredClone(target),
              id: 'f'.repeat(64),
              name: `${target.name}-old`,
              names: [`${target.name}-old`],
            });
            break;
        }
        expect(templateDrift(desired, broken, context).length).toBeGreaterThan(0);
        const plan = planTemplate(desired, broken, context);
        expect(changed(plan).length).toBeGreaterThan(0);
        inSync(desired, sim.apply(desired, plan, broken));
      }),
      RUNS,
    );
  });
});
