import { Args, Query, Resolver } from '@nestjs/graphql';
import { Audited, MATRIX_NETWORK, PING_SOURCE } from '../audit/audited.decorator';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ConnectivityService } from './connectivity.service';
import { MatrixInput, PingInput } from './dto/ping.input';
import { ConnectivityMatrixModel, PingResultModel } from './models/connectivity.model';

@Resolver()
export class ConnectivityResolver {
  constructor(private readonly connectivity: ConnectivityService) {}

  @Query(() => PingResultModel, {
    description: 'Ping from one container to another; diagnosis says why when it fails',
  })
  @Allow('operator')
  @Audited({ action: 'container.ping', target: PING_SOURCE, snapshots: false })
  ping(@Args('input') input: PingInput, @CurrentActor() actor: Actor): Promise<PingResultModel> {
    return this.connectivity.ping(input, actor, 'graphql');
  }

  @Query(() => ConnectivityMatrixModel, {
    description: 'Reachability between every ordered pair of running containers on a network',
  })
  @Allow('operator')
  @Audited({ action: 'connectivity.matrix', target: MATRIX_NETWORK, snapshots: false })
  connectivityMatrix(
    @Args('input') input: MatrixInput,
    @CurrentActor() actor: Actor,
  ): Promise<ConnectivityMatrixModel> {
    return this.connectivity.matrix(input, actor);
  }
}
