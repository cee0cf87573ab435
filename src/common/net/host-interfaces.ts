import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { subnetOfInterfaceAddress, type Cidr } from './ip';

// Interfaces that Docker itself creates: their subnets are networks the engine already reports.
const DOCKER_MADE = /^(docker|br-|veth|vx-|ov-)/;

export interface HostSubnet {
  interfaceName: string;
  cidr: Cidr;
}

// Subnets of this machine's own interfaces (loopback and Docker's bridges left out).
export function hostSubnets(): HostSubnet[] {
  const out: HostSubnet[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (DOCKER_MADE.test(name)) continue;
    for (const address of addresses ?? []) {
      if (address.internal || !address.cidr) continue;
      const cidr = subnetOfInterfaceAddress(address.cidr);
      // Link-local addresses (fe80::/64 on every interface) are not a LAN anyone routes.
      if (cidr && !(cidr.version === 6 && address.address.toLowerCase().startsWith('fe80'))) {
        out.push({ interfaceName: name, cidr });
      }
    }
  }
  return out;
}

// Whether an interface of that name exists on this machine, with or without an address.
export function hostInterfaceExists(name: string): boolean {
  return /^[a-zA-Z0-9_.-]{1,15}$/.test(name) && existsSync(`/sys/class/net/${name}`);
}
