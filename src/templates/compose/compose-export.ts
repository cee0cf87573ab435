import { Document, Scalar, visit } from 'yaml';
import type { StringMap } from '../../engine/engine.types';
import type {
  TemplateContainer,
  TemplateDocument,
  TemplateEndpoint,
  TemplateNetwork,
} from '../template.types';
import { escapeDollars } from './interpolation';

// Template document -> compose file for Debian's docker-compose 1.29 (compose-spec format: no
// `version` key, except in an empty file, which 1.29 would read as v1; `docker-compose config`
// accepts it and prints `version: '3.9'`). The engine names are the template's: each service sets `container_name` and each network `name`, so that
// `docker-compose up` creates what an apply creates. What compose has no field for travels in
// `x-switchyard` extensions, which compose ignores and an import reads back:
// - top level: description, labels (the template's labels, put on every resource), expectations;
// - per service: start (when set);
// - per service network: macAddress, for every network but the first. Compose 1.29 has no
//   per-network MAC; its service-level `mac_address` applies where the container is created,
//   which is the first network (networks get a descending `priority` so compose keeps the
//   template's order).
// `docker-compose config` keeps service and network extensions but drops the top-level one.
// A container with neither networks nor a network mode runs on the engine's default bridge, so it
// is exported as `network_mode: bridge` (an import reads that back as networkMode bridge).

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function exportCompose(document: TemplateDocument): string {
  const compose: Record<string, Json> = {};
  // Always written, empty when the template has no containers: docker-compose 1.29 reads a file
  // without `services` as the old v1 format, where every top-level key (x-switchyard too) is a
  // service, and refuses it.
  compose.services = Object.fromEntries(
    Object.entries(document.containers ?? {}).map(([name, container]) => [name, service(name, container)]),
  );
  if (document.networks) {
    compose.networks = Object.fromEntries(
      Object.entries(document.networks).map(([name, spec]) => [name, network(name, spec)]),
    );
  }
  // With neither services nor networks, compose 1.29 still reads the file as v1 (it looks for a
  // non-empty section): an empty template says its version (what `config` would print anyway).
  const empty = (section: Json | undefined) =>
    section === undefined || Object.keys(section as Record<string, Json>).length === 0;
  if (empty(compose.services) && empty(compose.networks)) {
    return toYaml({ version: '3.9', ...compose, ...extensionOf(document) });
  }
  return toYaml({ ...compose, ...extensionOf(document) });
}

function extensionOf(document: TemplateDocument): Record<string, Json> {
  const extension = topLevelExtension(document);
  return extension ? { 'x-switchyard': extension } : {};
}

// Sets `key` when `value` is defined (so that an absent template field stays absent).
function put(target: Record<string, Json>, key: string, value: Json | undefined): void {
  if (value !== undefined) target[key] = value;
}

function text(value: string | undefined): string | undefined {
  return value === undefined ? undefined : escapeDollars(value);
}

function texts(values: string[] | undefined): string[] | undefined {
  return values?.map(escapeDollars);
}

function textMap(values: StringMap | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, escapeDollars(value)]));
}

function service(name: string, container: TemplateContainer): Record<string, Json> {
  const out: Record<string, Json> = {};
  put(out, 'image', text(container.image));
  out.container_name = escapeDollars(name);
  put(out, 'entrypoint', texts(container.entrypoint));
  put(out, 'command', texts(container.command));
  put(out, 'environment', textMap(container.env));
  put(out, 'hostname', text(container.hostname));
  put(out, 'labels', textMap(container.labels));
  put(out, 'restart', restart(container.restartPolicy));
  const attachments = Object.entries(container.networks ?? {});
  if (attachments.length === 0) {
    out.network_mode = container.networkMode ?? 'bridge';
  } else {
    put(out, 'mac_address', text(attachments[0][1].macAddress));
    out.networks = Object.fromEntries(
      attachments.map(([network, endpoint], index) => [
        network,
        attachment(endpoint, index, attachments.length),
      ]),
    );
  }
  if (container.start !== undefined) out['x-switchyard'] = { start: container.start };
  return out;
}

function restart(policy: TemplateContainer['restartPolicy']): string | undefined {
  if (!policy?.name) return undefined;
  if (policy.name === 'on-failure' && policy.maximumRetryCount !== undefined) {
    return `on-failure:${policy.maximumRetryCount}`;
  }
  return policy.name;
}

function attachment(endpoint: TemplateEndpoint, index: number, count: number): Record<string, Json> {
  const out: Record<string, Json> = {};
  // Compose creates the container on its highest-priority network (else the first by name).
  if (count > 1) out.priority = count - index;
  put(out, 'ipv4_address', text(endpoint.ipv4Address));
  put(out, 'ipv6_address', text(endpoint.ipv6Address));
  put(out, 'aliases', texts(endpoint.aliases));
  // The first network's MAC is the service's mac_address.
  if (index > 0 && endpoint.macAddress !== undefined) {
    out['x-switchyard'] = { macAddress: escapeDollars(endpoint.macAddress) };
  }
  return out;
}

function network(name: string, spec: TemplateNetwork): Record<string, Json> {
  const out: Record<string, Json> = { name: escapeDollars(name) };
  put(out, 'driver', text(spec.driver));
  put(out, 'driver_opts', textMap(spec.options));
  if (spec.ipam) {
    const ipam: Record<string, Json> = {};
    put(ipam, 'driver', text(spec.ipam.driver));
    put(
      ipam,
      'config',
      spec.ipam.config?.map((entry) => {
        const config: Record<string, Json> = {};
        put(config, 'subnet', text(entry.subnet));
        put(config, 'gateway', text(entry.gateway));
        put(config, 'ip_range', text(entry.ipRange));
        put(config, 'aux_addresses', textMap(entry.auxAddresses));
        return config;
      }),
    );
    put(ipam, 'options', textMap(spec.ipam.options));
    out.ipam = ipam;
  }
  put(out, 'internal', spec.internal);
  put(out, 'attachable', spec.attachable);
  put(out, 'enable_ipv6', spec.enableIPv6);
  put(out, 'labels', textMap(spec.labels));
  return out;
}

// Not interpolated by compose (it is no section of its), so written as is.
function topLevelExtension(document: TemplateDocument): Record<string, Json> | null {
  const out: Record<string, Json> = {};
  put(out, 'description', document.description);
  put(out, 'labels', document.labels);
  put(
    out,
    'expectations',
    document.expectations?.map(({ from, to, reachable }) => ({ from, to, reachable })),
  );
  return Object.keys(out).length > 0 ? out : null;
}

// docker-compose reads YAML 1.1 (PyYAML): `no`, `on`, `1:20`, `2001-12-14` are no strings there,
// so the writer uses the 1.1 schema, which quotes them. PyYAML also gives `=` and `<<` tags of
// their own (value, merge) even as values, and its scanner refuses a tab in a plain scalar: those
// are double-quoted by hand (the writer's own merge tag would print `<<` bare, so it is left out).
// No line folding, no anchors.
const QUOTED = /^(?:=|<<)|\p{Cc}/u;

function toYaml(compose: Record<string, Json>): string {
  const doc = new Document(compose, {
    version: '1.1',
    aliasDuplicateObjects: false,
    customTags: (tags) =>
      tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:merge'),
  });
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && QUOTED.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
