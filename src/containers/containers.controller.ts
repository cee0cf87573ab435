import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
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
@Controller(`${API_PREFIX}/containers`)
export class ContainersController {
  constructor(
    private readonly containers: ContainersService,
    private readonly runner: ContainerRunner,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List containers (running ones unless all=true), a page at a time, by name' })
  @ApiResponse({ status: 200, type: ContainerPageModel })
  @ApiProblems(400, 404, 503, 504)
  list(@Query() query: ContainerListQuery): Promise<ContainerPageModel> {
    const { limit, cursor, ...filter } = query;
    return this.containers.list(filter, { limit, cursor });
  }

  @Post()
  @ApiOperation({
    summary: 'Run a container (docker run -d)',
    description: 'Answers the container as inspected after start; nothing is left behind when it fails.',
  })
  @ApiResponse({ status: 201, type: ContainerModel })
  @ApiProblems(400, 404, 409, 422, 503, 504)
  run(@Body() input: RunContainerInput): Promise<ContainerModel> {
    return this.runner.run(input);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Inspect a container by exact name, full id or id prefix' })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(404, 409, 503, 504)
  get(@Param('ref') ref: string): Promise<ContainerModel> {
    return this.containers.get(ref);
  }

  @Post(':ref/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start (a running container stays as it is)' })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(404, 409, 422, 503, 504)
  start(@Param('ref') ref: string): Promise<ContainerModel> {
    return this.containers.start(ref);
  }

  @Post(':ref/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop (a stopped container stays as it is)' })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(400, 404, 409, 503, 504)
  stop(@Param('ref') ref: string, @Query() args: StopArgs): Promise<ContainerModel> {
    return this.containers.stop(ref, args.timeout);
  }

  @Post(':ref/restart')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restart' })
  @ApiResponse({ status: 200, type: ContainerModel })
  @ApiProblems(400, 404, 409, 422, 503, 504)
  restart(@Param('ref') ref: string, @Query() args: StopArgs): Promise<ContainerModel> {
    return this.containers.restart(ref, args.timeout);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove (a running one only with force=true)' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiProblems(400, 404, 409, 503, 504)
  async remove(@Param('ref') ref: string, @Query() args: RemoveArgs): Promise<void> {
    await this.containers.remove(ref, args.force ?? false);
  }

  @Get(':ref/logs')
  @ApiOperation({ summary: 'The last lines of output, stdout and stderr told apart' })
  @ApiResponse({ status: 200, type: ContainerLogsModel })
  @ApiProblems(400, 404, 503, 504)
  logs(@Param('ref') ref: string, @Query() args: LogsArgs): Promise<ContainerLogsModel> {
    return this.containers.logs(ref, args);
  }

  @Post(':ref/exec')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a command (argv, no shell) and wait for it',
    description: 'The exit code comes from the engine after the command ended; a deadline answers timedOut.',
  })
  @ApiResponse({ status: 200, type: ExecResultModel })
  @ApiProblems(400, 404, 409, 429, 503, 504)
  exec(@Param('ref') ref: string, @Body() input: ExecInput): Promise<ExecResultModel> {
    return this.containers.exec(ref, input);
  }
}
