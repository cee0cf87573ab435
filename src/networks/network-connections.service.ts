import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { cidrContainsIp, formatCidr, normaliseIp, parseCidr, parseIp } from '../common/net/ip';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { NetworkInfo } from '../engine/engine.types';
import type { ConnectContainerInput } from './dto/connect-container.input';
import type { NetworkConnectionModel } from './models/network.model';
import { connectFailure, engineRefused } from './network-errors';
import { endpointOn } from '../lookup/network-facts';
import { ResourceLookup } from '../lookup/resource-lookup';

// Containers joining and leaving networks.
@Injectable()
export class NetworkConnectionsService {
  private readonly logger = new Logger(NetworkConnectionsService.name);

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
  ) {}

  async connect(ref: string, input: ConnectContainerInput): Promise<NetworkConnectionModel> {
    const [network, { info: container }] = await Promise.all([
      this.lookup.network(ref),
      this.lookup.container(input.container),
    ]);
    if (
      network.name === 'host' ||
      network.name === 'none' ||
      network.driver === 'host' ||
      network.driver === 'null'
    ) {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `Containers cannot be connected to the "${network.name}" network; they join it only when created with networkMode ${network.name}.`,
      );
    }
    if (endpointOn(container, network)) {
      throw new DomainError(
        'ALREADY_CONNECTED',
        `Container "${container.name}" is already connected to network "${network.name}".`,
        {
          context: { network: network.name, container: container.name },
        },
      );
    }
    if (input.macAddress) {
      const features = await this.engine.features();
      if (!features.macAddressOnConnect) {
        throw new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `This engine (API ${features.apiVersion}) ignores a MAC address given on connect; engines honour it from API 1.54. ` +
            'Give the MAC address when the container is created (its first network), or connect without macAddress.',
          { context: { apiVersion: features.apiVersion, requiredApiVersion: '1.54' } },
        );
      }
    }
    const inspected = await this.engine.inspectNetwork(network.id);
    checkAddressesFree(inspected, input);

    try {
      await this.engine.connectNetwork(network.id, container.id, {
        ipv4Address: input.ipv4Address,
        ipv6Address: input.ipv6Address,
        macAddress: input.macAddress,
        aliases: input.aliases,
      });
    } catch (error) {
      const stale =
        error instanceof EngineRejection && error.reason !== 'ALREADY_CONNECTED'
          ? await this.undoHalfConnection(network, container.id)
          : false;
      throw connectFailure(error, network, container, input, stale);
    }
    return this.verifyConnection(network, container.id, input);
  }

  async disconnect(ref: string, containerRef: string, force = false): Promise<void> {
    const [network, { info: container }] = await Promise.all([
      this.lookup.network(ref),
      this.lookup.container(containerRef),
    ]);
    if (network.name === 'host' || network.name === 'none') {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `A container leaves the "${network.name}" network only by being re-created with another network.`,
      );
    }
    if (!endpointOn(container, network)) {
      throw new DomainError(
        'CONNECTION_NOT_FOUND',
        `Container "${container.name}" is not connected to network "${network.name}".`,
        {
          context: {
            network: network.name,
            container: container.name,
            networks: container.endpoints.map((e) => e.networkName),
          },
        },
      );
    }
    try {
      await this.engine.disconnectNetwork(network.id, container.id, force);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_CONNECTED') return; // disconnected meanwhile
      throw engineRefused(error, `disconnect "${container.name}" from "${network.name}"`);
    }
  }

  // Some engine failures (ipvlan on a kernel that cannot attach it) leave the endpoint recorded
  // on the container although the request failed: take it away so that nothing is half done.
  // Answers true when a stale record is left that only a stop can clear: engine 20.10 refuses to
  // disconnect a running container from a network it never really joined.
  private async undoHalfConnection(network: NetworkInfo, containerId: string): Promise<boolean> {
    try {
      if (!endpointOn(await this.engine.inspectContainer(containerId), network)) return false;
      await this.engine.disconnectNetwork(network.id, containerId, true);
      return false;
    } catch (error) {
      this.logger.warn(
        { err: error, network: network.name, container: containerId },
        'could not undo a failed connection',
      );
      return true;
    }
  }

  // The engine answers 200 to settings it ignores: read back what it applied, and undo the
  // connection rather than report something that is not true.
  private async verifyConnection(
    network: NetworkInfo,
    containerId: string,
    input: ConnectContainerInput,
  ): Promise<NetworkConnectionModel> {
    const container = await this.engine.inspectContainer(containerId);
    const endpoint = endpointOn(container, network);
    const problems: string[] = [];
    if (!endpoint) {
      problems.push('the engine reports no endpoint on the network');
    } else {
      const check = (
        label: string,
        wanted: string | undefined,
        actual: string | null,
        requested: string | null,
      ) => {
        if (!wanted) return;
        const have = container.running ? actual : requested;
        if (normaliseIp(have ?? '') !== normaliseIp(wanted))
          problems.push(`${label} ${wanted} (engine reports ${have ?? 'none'})`);
      };
      check('IPv4 address', input.ipv4Address, endpoint.ipv4Address, endpoint.requestedIpv4Address);
      check('IPv6 address', input.ipv6Address, endpoint.ipv6Address, endpoint.requestedIpv6Address);
      if (
        input.macAddress &&
        container.running &&
        endpoint.macAddress?.toLowerCase() !== input.macAddress.toLowerCase()
      ) {
        problems.push(`MAC address ${input.macAddress} (engine reports ${endpoint.macAddress ?? 'none'})`);
      }
      const missing = (input.aliases ?? []).filter((a) => !endpoint.aliases.includes(a));
      if (missing.length) problems.push(`aliases ${missing.join(', ')}`);
    }
    if (problems.length) {
      await this.engine.disconnectNetwork(network.id, containerId, true).catch((error: unknown) => {
        this.logger.warn(
          { err: error, network: network.name, container: container.name },
          'could not undo connection',
        );
      });
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The engine accepted the connection of "${container.name}" to "${network.name}" but did not apply: ${problems.join('; ')}. ` +
          'The connection was undone.',
        { context: { network: network.name, container: container.name, notApplied: problems } },
      );
    }
    return {
      network: network.name,
      networkId: network.id,
      container: container.name,
      containerId: container.id,
      ipv4Address: endpoint?.ipv4Address ?? null,
      ipv6Address: endpoint?.ipv6Address ?? null,
      macAddress: endpoint?.macAddress ?? null,
      aliases: endpoint?.aliases ?? [],
    };
  }
}

export function checkAddressesFree(network: NetworkInfo, input: ConnectContainerInput): void {
  const wanted: Array<[string | undefined, 4 | 6]> = [
    [input.ipv4Address, 4],
    [input.ipv6Address, 6],
  ];
  for (const [address, version] of wanted) {
    if (!address) continue;
    const ip = parseIp(address);
    if (!ip) continue;
    const subnets = network.ipam.config
      .map((c) => (c.subnet ? parseCidr(c.subnet) : null))
      .flatMap((p) => (p?.ok && p.cidr.version === version ? [p.cidr] : []));
    if (subnets.length === 0) {
      throw new DomainError(
        'ADDRESS_NOT_ASSIGNABLE',
        `Network "${network.name}" has no IPv${version} subnet, so no IPv${version} address can be chosen on it.`,
        { context: { network: network.name } },
      );
    }
    if (!subnets.some((s) => cidrContainsIp(s, ip))) {
      throw new DomainError(
        'ADDRESS_OUTSIDE_SUBNET',
        `${address} is outside the subnets of network "${network.name}" (${subnets.map(formatCidr).join(', ')}).`,
        { context: { address, network: network.name, subnets: subnets.map(formatCidr) } },
      );
    }
    const gateways = network.ipam.config.map((c) => (c.gateway ? normaliseIp(c.gateway) : null));
    if (gateways.includes(normaliseIp(address))) {
      throw new DomainError('ADDRESS_IN_USE', `${address} is the gateway of network "${network.name}".`, {
        context: { address, network: network.name },
      });
    }
    const holder = (network.endpoints ?? []).find(
      (e) => normaliseIp((version === 4 ? e.ipv4Address : e.ipv6Address) ?? '') === normaliseIp(address),
    );
    if (holder) {
      throw new DomainError(
        'ADDRESS_IN_USE',
        `${address} is already used by container "${holder.containerName}" on network "${network.name}".`,
        { context: { address, network: network.name, container: holder.containerName } },
      );
    }
  }
}
