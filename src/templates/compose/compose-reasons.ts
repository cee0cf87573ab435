// Why a compose field does not come across into a template, and what to do about it: every field
// an import cannot map is listed with one of these, never silently dropped.

const SERVICE_REASONS: Record<string, string> = {
  ports:
    'templates do not publish ports: containers reach each other on their networks; publish ports outside the template (or reach the container on its network address)',
  expose:
    'templates do not publish ports: containers reach each other on their networks, where every port is open',
  volumes:
    'templates have no volumes or mounts; bake the files into the image, or run that container outside the template',
  volumes_from:
    'templates have no volumes or mounts; bake the files into the image, or run that container outside the template',
  tmpfs:
    'templates have no mounts; bake the files into the image, or run that container outside the template',
  build:
    'templates run images that are already on the engine and never build; build and tag the image first and name it in `image`',
  depends_on:
    'a template orders creation itself (networks before the containers on them); state what must reach what in `x-switchyard.expectations` instead',
  links:
    'legacy links are not supported: containers on the same user-defined network resolve each other by name (and by `aliases`)',
  external_links:
    'legacy links are not supported: containers on the same user-defined network resolve each other by name (and by `aliases`)',
  healthcheck:
    'templates have no health checks; state what must reach what in `x-switchyard.expectations` instead',
  env_file: 'a template carries no files: put the variables in `environment` with their values',
  extends: 'resolve `extends` first (`docker-compose config` prints the merged file) and import that',
  profiles: 'a template has no profiles: import each profile as its own template',
  deploy: 'swarm deploy settings have no template equivalent',
  scale: 'a template container is one container: declare each replica as its own service',
  secrets:
    'templates carry no secrets: pass what the container needs in `environment`, or provision secrets outside Switchyard',
  configs: 'templates carry no config files: bake them into the image',
};

const TOP_LEVEL_REASONS: Record<string, string> = {
  volumes: 'templates manage only networks and containers: create volumes outside the template',
  secrets: 'templates manage only networks and containers: provision secrets outside Switchyard',
  configs: 'templates manage only networks and containers: bake config files into the images',
  name: 'the template is named by the import (the `name` parameter), not by the compose file',
};

export function serviceFieldReason(field: string): string {
  if (field.startsWith('x-'))
    return 'extension field other than `x-switchyard`: a template has no place for it';
  return (
    SERVICE_REASONS[field] ??
    `a template container has no equivalent of \`${field}\` (it maps image, command, entrypoint, environment, hostname, labels, restart, network_mode, networks, mac_address, container_name); remove it, or set it up outside the template`
  );
}

export function topLevelReason(field: string): string {
  if (field.startsWith('x-'))
    return 'extension field other than `x-switchyard`: a template has no place for it';
  return (
    TOP_LEVEL_REASONS[field] ??
    `a template has no equivalent of the top-level \`${field}\` (it maps services, networks and x-switchyard)`
  );
}

export function networkFieldReason(field: string): string {
  if (field.startsWith('x-')) return 'extension field: a template network has no place for it';
  return `a template network has no equivalent of \`${field}\` (it maps name, driver, driver_opts, ipam, internal, attachable, enable_ipv6, labels)`;
}
