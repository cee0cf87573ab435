import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerInfo, NetworkInfo } from '../engine/engine.types';
import { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import type { ConnectContainerInput } from './dto/connect-container.input';
import type { NetworkConnectionModel } from './models/network.model';
import { connectFailure, engineRefused } from './network-errors';
import { endpointOn, refuseBuiltInJoin } from '../lookup/network-facts';
import { checkAddressesFree, checkMacFree, endpointProblems } from './endpoint-rules';
import { ResourceLookup } from '../lookup/resource-lookup';

// Containers joining and leaving networks.
@Injectable()
export class NetworkConnectionsService {
  private readonly logger = new Logger(NetworkConnectionsService.name);

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly access: AccessPolicy,
  ) {}

  async connect(ref: string, input: ConnectContainerInput, actor: Actor): Promise<NetworkConnectionModel> {
    const [network, { info: container }] = await Promise.all([
      this.lookup.network(ref, actor),
      this.lookup.container(input.container, actor),
    ]);
    this.assertMayJoin(actor, network, container);
    // Power follows what the resources are: joining a network on a host interface, or moving a
    // container with power over the host, is for admin keys.
    this.access.assertMayAttach(actor, network);
    if (actor.role !== 'admin') {
      this.access.assertMayDrive(actor, container, await this.engine.listNetworks(), 'connect to a network');
    }
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
      const [inspected, containers] = await Promise.all([
        this.engine.inspectNetwork(network.id),
        this.engine.listContainers({ all: true }),
      ]);
      checkMacFree(inspected, input.macAddress, containers);
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
    const canSee =
      input.ipv4Address || input.ipv6Address ? await this.lookup.containerVisibility(actor) : undefined;
    checkAddressesFree(inspected, input, canSee);

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

  async disconnect(ref: string, containerRef: string, force: boolean, actor: Actor): Promise<void> {
    const [network, { info: container }] = await Promise.all([
      this.lookup.network(ref, actor),
      this.lookup.container(containerRef, actor),
    ]);
    this.assertMayJoin(actor, network, container);
    // As for connecting: leaving a network on a host interface, or moving a container with power
    // over the host, is for admin keys.
    this.access.assertMayAlterNetwork(actor, network, 'Detaching a container from');
    if (actor.role !== 'admin') {
      this.access.assertMayDrive(
        actor,
        container,
        await this.engine.listNetworks(),
        'disconnect from a network',
      );
    }
    if (network.name === 'host' || network.name === 'none') {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `A container leaves the "${network.name}" network only by being re-created with another network.`,
      );
    }
    if (!endpointOn(container, network)) {
      const visible = await this.lookup.endpointVisibility(actor);
      throw new DomainError(
        'CONNECTION_NOT_FOUND',
        `Container "${container.name}" is not connected to network "${network.name}".`,
        {
          context: {
            network: network.name,
            container: container.name,
            networks: container.endpoints.filter(visible).map((e) => e.networkName),
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

  // Joining and leaving change both sides: the container must be changeable by the key, and the
  // network too, except the default bridge, which every container may join.
  private assertMayJoin(actor: Actor, network: NetworkInfo, container: ContainerInfo): void {
    const guardedNetwork = this.access.network(network);
    if (guardedNetwork.builtIn && network.name === 'bridge') this.access.assertVisible(actor, guardedNetwork);
    else if (!guardedNetwork.builtIn) this.access.assertChangeable(actor, guardedNetwork);
    else refuseBuiltInJoin(actor, network);
    this.access.assertChangeable(actor, this.access.container(container));
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
    const problems = endpointProblems(container, endpoint, input);
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
