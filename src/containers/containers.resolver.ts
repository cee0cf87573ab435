import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
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
  containers(
    @Args('filter', { type: () => ContainerFilterInput, nullable: true }) filter?: ContainerFilterInput,
    @Args('limit', { type: () => Int, nullable: true }) limit?: number,
    @Args('cursor', { nullable: true }) cursor?: string,
  ): Promise<ContainerPageModel> {
    return this.service.list(filter ?? {}, { limit, cursor });
  }

  @Query(() => ContainerModel)
  container(@Args('ref') ref: string): Promise<ContainerModel> {
    return this.service.get(ref);
  }

  @Query(() => ContainerLogsModel)
  containerLogs(@Args() { ref, ...args }: ContainerLogsArgs): Promise<ContainerLogsModel> {
    return this.service.logs(ref, args);
  }

  @Mutation(() => ContainerModel)
  runContainer(@Args('input') input: RunContainerInput): Promise<ContainerModel> {
    return this.runner.run(input);
  }

  @Mutation(() => ContainerModel)
  startContainer(@Args('ref') ref: string): Promise<ContainerModel> {
    return this.service.start(ref);
  }

  @Mutation(() => ContainerModel)
  stopContainer(@Args() { ref, timeout }: StopContainerArgs): Promise<ContainerModel> {
    return this.service.stop(ref, timeout);
  }

  @Mutation(() => ContainerModel)
  restartContainer(@Args() { ref, timeout }: StopContainerArgs): Promise<ContainerModel> {
    return this.service.restart(ref, timeout);
  }

  @Mutation(() => Boolean, { description: 'Removes the container; true when done' })
  async removeContainer(@Args() { ref, force }: RemoveContainerArgs): Promise<boolean> {
    await this.service.remove(ref, force ?? false);
    return true;
  }

  @Mutation(() => ExecResultModel, { description: 'Runs a command (argv, no shell) in a running container' })
  exec(@Args('ref') ref: string, @Args('input') input: ExecInput): Promise<ExecResultModel> {
    return this.service.exec(ref, input);
  }
}
