import { DomainError, type FieldError } from '../common/errors/domain-error';
import {
  cidrContainsCidr,
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  lastAddress,
  parseCidr,
  parseIp,
  reservedOverlap,
  type Cidr,
} from '../common/net/ip';
import type { NetworkSpec } from '../engine/engine.types';
import { MANAGED_LABEL } from '../common/labels';
import type { CreateNetworkInput } from './dto/create-network.input';

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

const INTERFACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,14}$/;
// A parent may be a VLAN sub-interface such as eth1.10 (the engine creates it when missing).
const PARENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,14}(\.[0-9]{1,4})?$/;

interface OptionRule {
  drivers?: readonly string[];
  check: (value: string) => string | null;
}

const oneOf = (values: readonly string[]) => (v: string) =>
  values.includes(v) ? null : `must be one of ${values.join(', ')}`;
const bool = oneOf(['true', 'false']);

// Options whose meaning we know; anything else passes through to the driver (plugins have their own).
const KNOWN_OPTIONS: Record<string, OptionRule> = {
  [BRIDGE_NAME_OPTION]: {
    drivers: ['bridge'],
    check: (v) => (INTERFACE_NAME.test(v) ? null : 'must be an interface name of at most 15 characters'),
  },
  'com.docker.network.driver.mtu': {
    check: (v) =>
      /^\d+$/.test(v) && Number(v) >= 68 && Number(v) <= 65535 ? null : 'must be an MTU from 68 to 65535',
  },
  'com.docker.network.bridge.enable_icc': { drivers: ['bridge'], check: bool },
  'com.docker.network.bridge.enable_ip_masquerade': { drivers: ['bridge'], check: bool },
  'com.docker.network.bridge.host_binding_ipv4': {
    drivers: ['bridge'],
    check: (v) => (parseIp(v)?.version === 4 ? null : 'must be an IPv4 address'),
  },
  parent: {
    drivers: ['macvlan', 'ipvlan'],
    check: (v) =>
      PARENT_NAME.test(v)
        ? null
        : 'must be a host interface name such as eth1, or a VLAN sub-interface such as eth1.10',
  },
  macvlan_mode: { drivers: ['macvlan'], check: oneOf(['bridge', 'private', 'vepa', 'passthru']) },
  ipvlan_mode: { drivers: ['ipvlan'], check: oneOf(['l2', 'l3', 'l3s']) },
  ipvlan_flag: { drivers: ['ipvlan'], check: oneOf(['bridge', 'private', 'vepa']) },
};

export interface PlannedNetwork {
  spec: NetworkSpec;
  // Parsed subnets of the request, for overlap checks against what exists.
  subnets: Cidr[];
}

// Turns a validated-shape input into the engine spec, checking everything that needs arithmetic
// or cross-field rules. The engine answers 500 to most of these mistakes; we answer 400 first.
export function planNetwork(input: CreateNetworkInput): PlannedNetwork {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message: `${field} ${message}` });
  const driver = input.driver ?? 'bridge';
  const enableIPv6 = input.enableIPv6 ?? false;
  const subnets: Cidr[] = [];

  if (['host', 'null'].includes(driver)) {
    fail(
      'driver',
      `"${driver}" networks are predefined by Docker and cannot be created; use networkMode on a container instead`,
    );
  }

  (input.ipam?.config ?? []).forEach((config, i) => {
    const at = `ipam.config.${i}`;
    if (!config.subnet) {
      if (config.gateway || config.ipRange || config.auxAddresses) {
        fail(`${at}.subnet`, 'is required when gateway, ipRange or auxAddresses are given');
      }
      return;
    }
    const parsed = parseCidr(config.subnet);
    if (!parsed.ok) return; // already reported by the field validator
    const subnet = parsed.cidr;
    const family = `IPv${subnet.version}`;
    const hostBits = (subnet.version === 4 ? 32 : 128) - subnet.prefix;
    if (subnet.version === 4 && (subnet.prefix < 8 || subnet.prefix > 30)) {
      fail(
        `${at}.subnet`,
        'must have an IPv4 prefix length from /8 to /30 (room for a gateway and containers)',
      );
    }
    if (subnet.version === 6 && (subnet.prefix < 16 || subnet.prefix > 124)) {
      fail(`${at}.subnet`, 'must have an IPv6 prefix length from /16 to /124');
    }
    if (subnet.version === 6 && !enableIPv6) {
      fail(`${at}.subnet`, 'is an IPv6 subnet: set enableIPv6 to true to use it');
    }
    const reserved = reservedOverlap(subnet);
    if (reserved)
      fail(`${at}.subnet`, `overlaps the ${reserved} range, which must not be used for a container network`);
    subnets.forEach((other, j) => {
      if (cidrsOverlap(other, subnet))
        fail(`${at}.subnet`, `overlaps ipam.config.${j}.subnet (${formatCidr(other)})`);
    });
    subnets.push(subnet);

    if (config.gateway) {
      const gateway = parseIp(config.gateway);
      if (gateway) {
        if (!cidrContainsIp(subnet, gateway)) {
          fail(`${at}.gateway`, `${config.gateway} is not inside the subnet ${config.subnet}`);
        } else if (gateway.value === subnet.network && hostBits > 1) {
          fail(
            `${at}.gateway`,
            `${config.gateway} is the subnet's network address; use a host address such as the next one`,
          );
        } else if (subnet.version === 4 && gateway.value === lastAddress(subnet) && hostBits > 1) {
          fail(`${at}.gateway`, `${config.gateway} is the subnet's broadcast address`);
        }
      }
    }
    if (config.ipRange) {
      const range = parseCidr(config.ipRange);
      if (range.ok && !cidrContainsCidr(subnet, range.cidr)) {
        fail(`${at}.ipRange`, `${config.ipRange} is not inside the subnet ${config.subnet}`);
      }
      if (range.ok && range.cidr.version !== subnet.version)
        fail(`${at}.ipRange`, `must be an ${family} range`);
    }
    // The default IPAM driver gives the gateway the subnet's first address unless told otherwise.
    const gateway = config.gateway
      ? parseIp(config.gateway)
      : (input.ipam?.driver ?? 'default') === 'default'
        ? { version: subnet.version, value: subnet.network + 1n }
        : null;
    const seen = new Map<bigint, string>();
    for (const [host, address] of Object.entries(config.auxAddresses ?? {})) {
      const field = `${at}.auxAddresses.${host}`;
      const ip = parseIp(address);
      if (!ip) fail(field, `"${address}" is not an IP address`);
      else if (!cidrContainsIp(subnet, ip))
        fail(field, `${address} is not inside the subnet ${config.subnet}`);
      else if (gateway && ip.value === gateway.value && ip.version === gateway.version) {
        fail(
          field,
          `${address} is the gateway address${config.gateway ? '' : ' (the first address, unless gateway says otherwise)'}`,
        );
      } else if (seen.has(ip.value))
        fail(field, `${address} is also given to auxAddresses.${seen.get(ip.value)}`);
      else seen.set(ip.value, host);
    }
  });

  for (const [key, value] of Object.entries(input.options ?? {})) {
    const rule = KNOWN_OPTIONS[key];
    if (!rule) continue;
    if (rule.drivers && !rule.drivers.includes(driver)) {
      fail(
        `options.${key}`,
        `applies only to the ${rule.drivers.join(' and ')} driver${rule.drivers.length > 1 ? 's' : ''}, not ${driver}`,
      );
      continue;
    }
    const problem = rule.check(value);
    if (problem) fail(`options.${key}`, problem);
  }

  if (errors.length) throw DomainError.validation(errors);

  return {
    subnets,
    spec: {
      name: input.name,
      driver,
      internal: input.internal ?? false,
      attachable: input.attachable ?? false,
      enableIPv6,
      ipam: {
        driver: input.ipam?.driver ?? 'default',
        config: (input.ipam?.config ?? []).map((c) => ({
          ...(c.subnet ? { subnet: c.subnet } : {}),
          ...(c.gateway ? { gateway: c.gateway } : {}),
          ...(c.ipRange ? { ipRange: c.ipRange } : {}),
          ...(c.auxAddresses ? { auxAddresses: c.auxAddresses } : {}),
        })),
        options: input.ipam?.options ?? {},
      },
      options: input.options ?? {},
      labels: { ...(input.labels ?? {}), [MANAGED_LABEL]: 'true' },
    },
  };
}
