import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { type CursorQuery, PageCursors } from '../common/paging/page-cursor';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerInfo, ContainerSummary } from '../engine/engine.types';
import { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import { ResourceLookup } from '../lookup/resource-lookup';
import { containerFailure, startFailure } from './container-errors';
import { presentContainer } from './container-presenter';
import { type ContainerFilterInput, PAGE_LIMIT_MAX } from './dto/container-filter.input';
import type { ExecInput } from './dto/exec.input';
import type { LogsArgs } from './dto/container-action.args';
import { ExecService } from './exec.service';
import type {
  ContainerLogsModel,
  ContainerModel,
  ContainerPageModel,
  ExecResultModel,
} from './models/container.model';

const DEFAULT_PAGE = 100;
const DEFAULT_STOP_SECONDS = 10;
const DEFAULT_TAIL = 100;

interface Cursor {
  name: string;
  id: string;
}

const LIST = 'containers';

// A page ends at a container: its name, then its id.
const isPosition = (value: unknown): value is [string, string] =>
  Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');

const queryOf = (filter: ContainerFilterInput): CursorQuery => ({
  all: filter.all,
  network: filter.network,
  label: filter.label,
  state: filter.state,
});

const validPageLimit = (limit: number) => Number.isInteger(limit) && limit >= 1 && limit <= PAGE_LIMIT_MAX;

const nameOf = (c: ContainerSummary) => c.names[0] ?? '';
const byNameThenId = (a: Cursor, b: Cursor) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

// Everything about existing containers: reading, lifecycle, logs and exec.
@Injectable()
export class ContainersService {
  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly execs: ExecService,
    private readonly access: AccessPolicy,
    private readonly config: AppConfig,
    private readonly cursors: PageCursors,
  ) {}

  async list(
    filter: ContainerFilterInput,
    page: { limit?: number; cursor?: string },
    actor: Actor,
  ): Promise<ContainerPageModel> {
    // REST checks its query string; GraphQL's Int argument arrives unchecked.
    if (page.limit !== undefined && page.limit !== null && !validPageLimit(page.limit)) {
      throw DomainError.validation([
        { field: 'limit', message: `limit must be an integer from 1 to ${PAGE_LIMIT_MAX}` },
      ]);
    }
    // A cursor alone continues its own listing: its filters and page size.
    let after: Cursor | null = null;
    let limit = page.limit ?? undefined;
    // An empty cursor is a cursor too (and refused): never the first page.
    if (page.cursor !== undefined && page.cursor !== null) {
      const cursor = this.cursors.decode(LIST, page.cursor, queryOf(filter), isPosition);
      filter = cursor.query;
      limit ??= cursor.limit;
      after = { name: cursor.position[0], id: cursor.position[1] };
    }
    const network = filter.network ? await this.lookup.network(filter.network, actor) : null;
    const listed = await this.engine.listContainers({
      all: filter.all === true || filter.state !== undefined,
      label: [...(filter.label ?? []), ...this.access.labelFilters(actor)],
      // The engine matches a network id only on endpoints that were attached once: a container
      // never started is on its networks by name only. The name may be another network's on
      // engines that allow duplicates, hence the check below.
      network: network ? [network.id, network.name] : undefined,
      status: filter.state ? [filter.state] : undefined,
    });
    const summaries = network
      ? listed.filter((c) =>
          c.endpoints.some(
            (e) => e.networkId === network.id || (e.networkId === '' && e.networkName === network.name),
          ),
        )
      : listed;
    const sorted = summaries
      .map((summary) => ({ summary, key: { name: nameOf(summary), id: summary.id } }))
      .sort((a, b) => byNameThenId(a.key, b.key));
    const start = after ? sorted.findIndex((c) => byNameThenId(c.key, after) > 0) : 0;
    const size = limit ?? DEFAULT_PAGE;
    const slice = start < 0 ? [] : sorted.slice(start, start + size);
    const [inspected, visible] = await Promise.all([
      this.lookup.inspectMany(slice.map((c) => c.summary)),
      this.lookup.endpointVisibility(actor),
    ]);
    const items = inspected.map((c) => presentContainer(c, visible));
    const more = start >= 0 && start + size < sorted.length;
    const last = slice[slice.length - 1]?.key;
    return {
      items,
      nextCursor:
        more && last ? this.cursors.encode(LIST, queryOf(filter), limit, [last.name, last.id]) : null,
    };
  }

  async get(ref: string, actor: Actor): Promise<ContainerModel> {
    const [resolved, visible] = await Promise.all([
      this.lookup.container(ref, actor),
      this.lookup.endpointVisibility(actor),
    ]);
    return presentContainer(resolved, visible);
  }

  // A container the key may run commands in, start, stop, restart or remove: changeable by it,
  // and without power over the host unless the key is an admin key.
  private async drivable(ref: string, actor: Actor, verb: string): Promise<ContainerInfo> {
    const { info } = await this.lookup.container(ref, actor);
    await this.assertMayDrive(info, actor, verb);
    return info;
  }

  async assertMayDrive(container: ContainerInfo, actor: Actor, verb: string): Promise<void> {
    // Which networks the endpoints are on matters only below admin.
    const networks =
      actor.role !== 'admin' && container.endpoints.length ? await this.engine.listNetworks() : [];
    this.access.assertMayDrive(actor, container, networks, verb);
  }

  // The container as the key sees it after an action.
  private async present(id: string, actor: Actor): Promise<ContainerModel> {
    const [resolved, visible] = await Promise.all([
      this.lookup.container(id),
      this.lookup.endpointVisibility(actor),
    ]);
    return presentContainer(resolved, visible);
  }

  async start(ref: string, actor: Actor): Promise<ContainerModel> {
    const info = await this.drivable(ref, actor, 'start');
    try {
      await this.engine.startContainer(info.id);
    } catch (error) {
      throw startFailure(error, info.name);
    }
    return this.present(info.id, actor);
  }

  async stop(ref: string, timeoutSeconds: number | undefined, actor: Actor): Promise<ContainerModel> {
    const info = await this.drivable(ref, actor, 'stop');
    try {
      await this.engine.stopContainer(info.id, timeoutSeconds ?? DEFAULT_STOP_SECONDS);
    } catch (error) {
      throw containerFailure(error, info.name, 'stop');
    }
    return this.present(info.id, actor);
  }

  async restart(ref: string, timeoutSeconds: number | undefined, actor: Actor): Promise<ContainerModel> {
    const info = await this.drivable(ref, actor, 'restart');
    try {
      await this.engine.restartContainer(info.id, timeoutSeconds ?? DEFAULT_STOP_SECONDS);
    } catch (error) {
      throw startFailure(error, info.name);
    }
    return this.present(info.id, actor);
  }

  async remove(ref: string, force: boolean, actor: Actor): Promise<void> {
    const info = await this.drivable(ref, actor, 'remove');
    try {
      await this.engine.removeContainer(info.id, force);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return; // removed meanwhile
      throw containerFailure(error, info.name, 'remove');
    }
  }

  async logs(ref: string, args: LogsArgs, actor: Actor): Promise<ContainerLogsModel> {
    const { info } = await this.lookup.container(ref, actor);
    const since =
      args.since === undefined
        ? undefined
        : /^\d+$/.test(args.since)
          ? Number(args.since)
          : Date.parse(args.since) / 1000;
    if (since !== undefined && !Number.isFinite(since)) {
      throw DomainError.validation([
        { field: 'since', message: `since "${args.since}" is not a valid time` },
      ]);
    }
    try {
      const answer = await this.engine.containerLogs(info.id, {
        tail: args.tail ?? DEFAULT_TAIL,
        since: since === undefined ? undefined : Math.floor(since),
        limitBytes: this.config.LOGS_LIMIT_BYTES,
      });
      return { items: answer.lines, truncated: answer.truncated };
    } catch (error) {
      throw containerFailure(error, info.name, 'read the logs of');
    }
  }

  async exec(ref: string, input: ExecInput, actor: Actor): Promise<ExecResultModel> {
    const info = await this.drivable(ref, actor, 'run commands in');
    if (!info.running || info.state === 'paused') {
      throw new DomainError(
        'CONTAINER_NOT_RUNNING',
        `Container "${info.name}" is ${info.state}: commands run only in running containers. Start it first${info.state === 'paused' ? ' (unpause it)' : ''}.`,
        { context: { container: info.name, state: info.state } },
      );
    }
    return this.execs.run(
      info.id,
      info.name,
      { command: input.command, env: input.env ?? {}, workingDir: input.workingDir, user: input.user },
      input.timeoutMs,
      actor.keyId,
    );
  }
}
