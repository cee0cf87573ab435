import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { AccessPolicy } from '../auth/access-policy';
import { ApiKeysService } from '../auth/api-keys.service';
import type { Actor } from '../auth/roles';
import { AppConfig } from '../config/app-config';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { compileImageAllowlist, imageAllowed } from '../policy/container-policy';
import type { ContainerSpec, CreateEndpointSpec, EngineFeatures, NetworkInfo } from '../engine/engine.types';
import { endpointOn, isBuiltIn, refuseBuiltInJoin } from '../lookup/network-facts';
import { ResourceLookup } from '../lookup/resource-lookup';
import { checkAddressesFree, checkMacFree, endpointProblems } from '../networks/endpoint-rules';
import { MANAGED_LABEL } from '../common/labels';
import { InstanceIdentity } from '../instance/instance-identity';
import { containerFailure, startFailure } from './container-errors';
import { presentContainer } from './container-presenter';
import type { ContainerNetworkInput, RunContainerInput } from './dto/run-container.input';
import type { ContainerModel } from './models/container.model';

interface PlannedEndpoint {
  network: NetworkInfo;
  endpoint: CreateEndpointSpec;
}

// `docker run -d`, checked first and never left half done: a container that cannot be set up as
// asked is removed again before the answer.
@Injectable()
export class ContainerRunner {
  private readonly logger = new Logger(ContainerRunner.name);
  private readonly allowlist: RegExp[];

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly access: AccessPolicy,
    private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
    private readonly instance: InstanceIdentity,
  ) {
    this.allowlist = compileImageAllowlist(config.IMAGE_ALLOWLIST);
  }

  async run(input: RunContainerInput, actor: Actor): Promise<ContainerModel> {
    checkShape(input);
    if (!imageAllowed(input.image, this.allowlist)) {
      throw new DomainError(
        'POLICY_VIOLATION',
        `The image "${input.image}" is not on this service's image allowlist (policy rule "image-allowlist": ${this.config.IMAGE_ALLOWLIST}).`,
        { context: { rules: ['image-allowlist'], image: input.image } },
      );
    }
    if (input.networkMode === 'host') {
      this.access.assertAdmin(
        actor,
        'host-network',
        "A container on the host network (it shares the host's network stack)",
      );
    }
    const scopeLabelKeys = Object.keys(actor.scope).length ? await this.keys.scopeLabelKeys() : undefined;
    const labels = this.access.labelsFor(actor, input.labels, scopeLabelKeys);
    const [features, image, existing] = await Promise.all([
      this.engine.features(),
      this.engine.inspectImage(input.image),
      input.name ? this.engine.listContainers({ all: true }) : Promise.resolve([]),
    ]);
    if (!image) {
      throw new DomainError(
        'IMAGE_NOT_FOUND',
        `The image "${input.image}" is not on the engine, and Switchyard never pulls images. ` +
          'Load it on the engine host (docker pull or docker load), then retry.',
        { context: { image: input.image } },
      );
    }
    if (input.name && existing.some((c) => c.names.includes(input.name as string))) {
      throw new DomainError(
        'CONTAINER_NAME_TAKEN',
        `A container named "${input.name}" already exists; choose another name.`,
        {
          context: { name: input.name },
        },
      );
    }
    const planned = await this.planEndpoints(input.networks ?? [], features, actor);
    const spec = this.spec({ ...input, labels }, planned, features);

    let id: string;
    try {
      id = await this.engine.createContainer(spec);
    } catch (error) {
      throw containerFailure(error, input.name ?? input.image, 'create');
    }
    const name = input.name ?? id.slice(0, 12);
    try {
      // Before API 1.44 a container joins its first network at create and the others here,
      // while still created: the engine applies their settings when it starts.
      for (const { network, endpoint } of planned.slice(spec.endpoints.length)) {
        await this.engine.connectNetwork(network.id, id, endpoint).catch((error: unknown) => {
          throw containerFailure(error, name, `connect to network "${network.name}"`);
        });
      }
      if (input.start !== false) {
        await this.engine.startContainer(id).catch((error: unknown) => {
          throw startFailure(error, name);
        });
      }
      await this.verify(id, name, planned);
    } catch (error) {
      await this.engine.removeContainer(id, true).catch((removal: unknown) => {
        this.logger.warn(
          { err: removal, container: id },
          'could not remove a container that failed to set up',
        );
      });
      throw error;
    }
    const [created, visible] = await Promise.all([
      this.lookup.container(id),
      this.lookup.endpointVisibility(actor),
    ]);
    return presentContainer(created, visible);
  }

  private async planEndpoints(
    networks: ContainerNetworkInput[],
    features: EngineFeatures,
    actor: Actor,
  ): Promise<PlannedEndpoint[]> {
    const resolved = await Promise.all(
      networks.map(async (n) => {
        const network = await this.lookup.network(n.network, actor);
        // Joining changes the network: it must be the key's to change, or the default bridge.
        const guarded = this.access.network(network);
        if (guarded.builtIn && network.name === 'bridge') this.access.assertVisible(actor, guarded);
        else if (!guarded.builtIn) this.access.assertChangeable(actor, guarded);
        else refuseBuiltInJoin(actor, network);
        this.access.assertMayAttach(actor, network);
        return this.engine.inspectNetwork(network.id);
      }),
    );
    // The holder of a taken address is named only to a key that may see it.
    const fixed = networks.some((n) => n.ipv4Address || n.ipv6Address);
    const canSee = fixed ? await this.lookup.containerVisibility(actor) : () => true;
    const containers = networks.some((n) => n.macAddress)
      ? await this.engine.listContainers({ all: true })
      : [];
    const seen = new Set<string>();
    return networks.map((wanted, i) => {
      const network = resolved[i];
      const at = `networks.${i}`;
      if (seen.has(network.id)) {
        throw DomainError.validation([
          { field: `${at}.network`, message: `${at}.network repeats network "${network.name}"` },
        ]);
      }
      seen.add(network.id);
      if (network.driver === 'host' || network.driver === 'null') {
        throw DomainError.validation([
          {
            field: `${at}.network`,
            message: `${at}.network "${network.name}" is joined with networkMode ${network.name}, not in networks`,
          },
        ]);
      }
      if (isBuiltIn(network) && network.name === 'bridge') {
        if (wanted.ipv4Address || wanted.ipv6Address) {
          throw new DomainError(
            'ADDRESS_NOT_ASSIGNABLE',
            'A fixed address can be chosen only on a user-defined network with a subnet, not on the default bridge.',
            { context: { network: network.name } },
          );
        }
        if (wanted.aliases?.length) {
          throw DomainError.validation([
            {
              field: `${at}.aliases`,
              message: `${at}.aliases need a user-defined network: the default bridge has no name resolution`,
            },
          ]);
        }
      }
      checkAddressesFree(network, wanted, canSee);
      checkMacFree(network, wanted.macAddress, containers);
      if (wanted.macAddress && i > 0 && !features.perEndpointMacAtCreate) {
        throw new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `This engine (API ${features.apiVersion}) applies a chosen MAC address only on the first network of a container ` +
            '(per-network MAC addresses came with API 1.44). Put the network with the MAC address first.',
          { context: { apiVersion: features.apiVersion, network: network.name } },
        );
      }
      return {
        network,
        endpoint: {
          networkId: network.id,
          ipv4Address: wanted.ipv4Address,
          ipv6Address: wanted.ipv6Address,
          macAddress: wanted.macAddress,
          aliases: wanted.aliases,
        },
      };
    });
  }

  private spec(
    input: RunContainerInput,
    planned: PlannedEndpoint[],
    features: EngineFeatures,
  ): ContainerSpec {
    const base = {
      name: input.name,
      image: input.image,
      command: input.command,
      env: input.env ?? {},
      labels: this.instance.stamp({ ...(input.labels ?? {}), [MANAGED_LABEL]: 'true' }),
      hostname: input.hostname,
      restartPolicy: {
        name: input.restartPolicy?.name ?? 'no',
        maximumRetryCount: input.restartPolicy?.maximumRetryCount ?? 0,
      },
    };
    if (planned.length === 0) return { ...base, networkMode: input.networkMode ?? 'bridge', endpoints: [] };
    const first = planned[0];
    if (features.multipleNetworksAtCreate) {
      return { ...base, networkMode: first.network.id, endpoints: planned.map((p) => p.endpoint) };
    }
    // Before API 1.44 the MAC address of the first network is the container's own, and the
    // engine applies it only to the network that networkMode names by name: given the id, it
    // silently ignores it (Docker 20.10 compares the network's name with networkMode).
    const { macAddress, ...firstEndpoint } = first.endpoint;
    const networkMode = macAddress ? first.network.name : first.network.id;
    return { ...base, networkMode, endpoints: [firstEndpoint], macAddress };
  }

  private async verify(id: string, name: string, planned: PlannedEndpoint[]): Promise<void> {
    const info = await this.engine.inspectContainer(id);
    const problems = planned.flatMap(({ network, endpoint }) =>
      endpointProblems(info, endpointOn(info, network), endpoint).map((p) => `${network.name}: ${p}`),
    );
    if (problems.length) {
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The engine created "${name}" but did not apply: ${problems.join('; ')}. The container was removed again.`,
        { context: { container: name, notApplied: problems } },
      );
    }
  }
}

// Rules between fields that the DTO cannot say alone.
function checkShape(input: RunContainerInput): void {
  const errors = [];
  if (input.networks?.length && input.networkMode) {
    errors.push({
      field: 'networkMode',
      message: 'networkMode cannot be combined with networks: give one or the other',
    });
  }
  if (input.hostname && input.networkMode === 'host') {
    errors.push({
      field: 'hostname',
      message: "hostname cannot be set with networkMode host (the container uses the host's)",
    });
  }
  if (input.restartPolicy?.maximumRetryCount && input.restartPolicy.name !== 'on-failure') {
    errors.push({
      field: 'restartPolicy.maximumRetryCount',
      message: 'restartPolicy.maximumRetryCount applies only to on-failure',
    });
  }
  if (errors.length) throw DomainError.validation(errors);
}
