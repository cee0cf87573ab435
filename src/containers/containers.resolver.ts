import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Audited, CONTAINER_REF, NEW_CONTAINER } from '../audit/audited.decorator';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { CURSOR_PATTERN } from '../common/paging/page-cursor';
import { ContainerRunner } from './container-runner';
import { ContainersService } from './containers.service';
import { ContainerLogsArgs, RemoveContainerArgs, StopContainerArgs } from './dto/container-action.args';
import { ContainerFilterInput } from './dto/container-filter.input';
import { ExecInput } from './dto/exec.input';
import { RunContainerInput } from './dto/run-container.input';
import {
  ContainerLogsModel,
  ContainerModel,
  ContainerPageModel,
  ExecResultModel,
} from './models/container.model';

@Resolver(() => ContainerModel)
export class ContainersResolver {
  constructor(
    private readonly service: ContainersService,
    private readonly runner: ContainerRunner,
  ) {}

  @Query(() => ContainerPageModel, {
    description: 'Running containers unless filter.all, a page at a time, by name',
  })
  @Allow('viewer')
  containers(
    @CurrentActor() actor: Actor,
    @Args('filter', { type: () => ContainerFilterInput, nullable: true }) filter?: ContainerFilterInput,
    @Args('limit', { type: () => Int, nullable: true }) limit?: number,
    @Args('cursor', { nullable: true }) cursor?: string,
  ): Promise<ContainerPageModel> {
    // The same check as REST's ?cursor= (an empty one included).
    if (cursor !== undefined && cursor !== null && !CURSOR_PATTERN.test(cursor))
      throw DomainError.validation([
        { field: 'cursor', message: 'cursor must be the nextCursor of a previous page' },
      ]);
    return this.service.list(filter ?? {}, { limit, cursor }, actor);
  }

  @Query(() => ContainerModel)
  @Allow('viewer')
  container(@Args('ref') ref: string, @CurrentActor() actor: Actor): Promise<ContainerModel> {
    return this.service.get(ref, actor);
  }

  @Query(() => ContainerLogsModel)
  @Allow('viewer')
  containerLogs(
    @Args() { ref, ...args }: ContainerLogsArgs,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerLogsModel> {
    return this.service.logs(ref, args, actor);
  }

  @Mutation(() => ContainerModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'container.run', target: NEW_CONTAINER })
  runContainer(
    @Args('input') input: RunContainerInput,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerModel> {
    return this.runner.run(input, actor);
  }

  @Mutation(() => ContainerModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'container.start', target: CONTAINER_REF })
  startContainer(@Args('ref') ref: string, @CurrentActor() actor: Actor): Promise<ContainerModel> {
    return this.service.start(ref, actor);
  }

  @Mutation(() => ContainerModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'container.stop', target: CONTAINER_REF })
  stopContainer(
    @Args() { ref, timeout }: StopContainerArgs,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerModel> {
    return this.service.stop(ref, timeout, actor);
  }

  @Mutation(() => ContainerModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'container.restart', target: CONTAINER_REF })
  restartContainer(
    @Args() { ref, timeout }: StopContainerArgs,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerModel> {
    return this.service.restart(ref, timeout, actor);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Removes the container; true when done' })
  @Allow('operator')
  @Audited({ action: 'container.remove', target: CONTAINER_REF })
  async removeContainer(
    @Args() { ref, force }: RemoveContainerArgs,
    @CurrentActor() actor: Actor,
  ): Promise<boolean> {
    await this.service.remove(ref, force ?? false, actor);
    return true;
  }

  @Mutation(() => ExecResultModel, {
    nullable: true,
    description: 'Runs a command (argv, no shell) in a running container',
  })
  @Allow('operator')
  @Audited({ action: 'container.exec', target: CONTAINER_REF, snapshots: false })
  exec(
    @Args('ref') ref: string,
    @Args('input') input: ExecInput,
    @CurrentActor() actor: Actor,
  ): Promise<ExecResultModel> {
    return this.service.exec(ref, input, actor);
  }
}
