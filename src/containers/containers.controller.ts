import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { Audited, CONTAINER_REF, NEW_CONTAINER } from '../audit/audited.decorator';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { ContainerPolicyInterceptor } from '../policy/container-policy.interceptor';
import { ContainerRunner } from './container-runner';
import { ContainersService } from './containers.service';
import { LogsArgs, RemoveArgs, StopArgs } from './dto/container-action.args';
import { ContainerListQuery } from './dto/container-filter.input';
import { ExecInput } from './dto/exec.input';
import { RunContainerInput } from './dto/run-container.input';
import {
  ContainerLogsModel,
  ContainerModel,
  ContainerPageModel,
  ExecResultModel,
} from './models/container.model';

@ApiTags('containers')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/containers`)
export class ContainersController {
  constructor(
    private readonly containers: ContainersService,
    private readonly runner: ContainerRunner,
  ) {}

  @Get()
  @Allow('viewer')
  @ApiOperation({
    summary: 'List containers (running ones unless all=true), a page at a time, by name',
    description: 'Filter by network, labels and state; `nextCursor` continues the same listing.',
  })
  @ApiResponse({ status: 200, type: ContainerPageModel })
  @ApiProblems(400, 401, 403, 404, 503, 504)
  list(@Query() query: ContainerListQuery, @CurrentActor() actor: Actor): Promise<ContainerPageModel> {
    const { limit, cursor, ...filter } = query;
    return this.containers.list(filter, { limit, cursor }, actor);
  }

  @Post()
  @Allow('operator')
  @UseInterceptors(ContainerPolicyInterceptor)
  @ApiOperation({
    summary: 'Run a container (docker run -d)',
    description: 'Answers the container as inspected after start; nothing is left behind when it fails.',
  })
  @ApiResponse({ status: 201, type: ContainerModel })
  @ApiProblems(400, 401, 403, 404, 409, 422, 503, 504)
  @Audited({ action: 'container.run', target: NEW_CONTAINER })
  run(@Body() input: RunContainerInput, @CurrentActor() actor: Actor): Promise<ContainerModel> {
    return this.runner.run(input, actor);
  }

  @Get(':ref')
  @Allow('viewer')
  @ApiOperation({
    summary: 'Inspect a container by exact name, full id or id prefix',
    description: 'A prefix that matches two containers is a 409 AMBIGUOUS_REFERENCE.',
  })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(401, 403, 404, 409, 503, 504)
  get(@Param('ref') ref: string, @CurrentActor() actor: Actor): Promise<ContainerModel> {
    return this.containers.get(ref, actor);
  }

  @Post(':ref/start')
  @HttpCode(200)
  @Allow('operator')
  @ApiOperation({
    summary: 'Start (a running container stays as it is)',
    description: 'Answers the container as inspected after start; a start that fails is a 422.',
  })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(401, 403, 404, 409, 422, 503, 504)
  @Audited({ action: 'container.start', target: CONTAINER_REF })
  start(@Param('ref') ref: string, @CurrentActor() actor: Actor): Promise<ContainerModel> {
    return this.containers.start(ref, actor);
  }

  @Post(':ref/stop')
  @HttpCode(200)
  @Allow('operator')
  @ApiOperation({
    summary: 'Stop (a stopped container stays as it is)',
    description: 'SIGTERM, then SIGKILL after `timeout` seconds; answers the container as inspected after.',
  })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(400, 401, 403, 404, 409, 503, 504)
  @Audited({ action: 'container.stop', target: CONTAINER_REF })
  stop(
    @Param('ref') ref: string,
    @Query() args: StopArgs,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerModel> {
    return this.containers.stop(ref, args.timeout, actor);
  }

  @Post(':ref/restart')
  @HttpCode(200)
  @Allow('operator')
  @ApiOperation({
    summary: 'Restart',
    description:
      'Stop (waiting up to `timeout` seconds) and start again; answers the container as inspected after.',
  })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(400, 401, 403, 404, 409, 422, 503, 504)
  @Audited({ action: 'container.restart', target: CONTAINER_REF })
  restart(
    @Param('ref') ref: string,
    @Query() args: StopArgs,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerModel> {
    return this.containers.restart(ref, args.timeout, actor);
  }

  @Delete(':ref')
  @HttpCode(204)
  @Allow('operator')
  @ApiOperation({
    summary: 'Remove (a running one only with force=true)',
    description: 'A running container is a 409 CONTAINER_RUNNING unless force=true (then it is killed).',
  })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiProblems(400, 401, 403, 404, 409, 503, 504)
  @Audited({ action: 'container.remove', target: CONTAINER_REF })
  async remove(
    @Param('ref') ref: string,
    @Query() args: RemoveArgs,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.containers.remove(ref, args.force ?? false, actor);
  }

  @Get(':ref/logs')
  @Allow('viewer')
  @ApiOperation({
    summary: 'The last lines of output, stdout and stderr told apart',
    description: 'At most `tail` lines, optionally only since a time; bounded by LOGS_LIMIT_BYTES.',
  })
  @ApiResponse({ status: 200, type: ContainerLogsModel })
  @ApiProblems(400, 401, 403, 404, 503, 504)
  logs(
    @Param('ref') ref: string,
    @Query() args: LogsArgs,
    @CurrentActor() actor: Actor,
  ): Promise<ContainerLogsModel> {
    return this.containers.logs(ref, args, actor);
  }

  @Post(':ref/exec')
  @HttpCode(200)
  @Allow('operator')
  @ApiOperation({
    summary: 'Run a command (argv, no shell) and wait for it',
    description: 'The exit code comes from the engine after the command ended; a deadline answers timedOut.',
  })
  @ApiResponse({ status: 200, type: ExecResultModel })
  @ApiProblems(400, 401, 403, 404, 409, 429, 503, 504)
  @Audited({ action: 'container.exec', target: CONTAINER_REF, snapshots: false })
  exec(
    @Param('ref') ref: string,
    @Body() input: ExecInput,
    @CurrentActor() actor: Actor,
  ): Promise<ExecResultModel> {
    return this.containers.exec(ref, input, actor);
  }
}
