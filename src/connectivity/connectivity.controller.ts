import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Audited, MATRIX_NETWORK, PING_SOURCE } from '../audit/audited.decorator';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { ConnectivityService } from './connectivity.service';
import { MatrixInput, PingInput } from './dto/ping.input';
import { ConnectivityMatrixModel, PingResultModel } from './models/connectivity.model';

@ApiTags('connectivity')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/connectivity`)
export class ConnectivityController {
  constructor(private readonly connectivity: ConnectivityService) {}

  @Post('ping')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ping from one container to another (by name, alias or IP)',
    description: 'When the target is not reached, `diagnosis` says why, in words and a code.',
  })
  @ApiResponse({ status: 200, type: PingResultModel })
  @ApiProblems(400, 404, 409, 429, 503, 504)
  @Allow('operator')
  @Audited({ action: 'container.ping', target: PING_SOURCE, snapshots: false })
  ping(@Body() input: PingInput, @CurrentActor() actor: Actor): Promise<PingResultModel> {
    return this.connectivity.ping(input, actor, 'rest');
  }

  @Post('matrix')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reachability between every ordered pair of running containers on a network',
    description: 'One ping per ordered pair of running containers; `reachable` and the round trip for each.',
  })
  @ApiResponse({ status: 200, type: ConnectivityMatrixModel })
  @ApiProblems(400, 404, 409, 429, 503, 504)
  @Allow('operator')
  @Audited({ action: 'connectivity.matrix', target: MATRIX_NETWORK, snapshots: false })
  matrix(@Body() input: MatrixInput, @CurrentActor() actor: Actor): Promise<ConnectivityMatrixModel> {
    return this.connectivity.matrix(input, actor);
  }
}
