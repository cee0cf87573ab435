import { Args, Query, Resolver } from '@nestjs/graphql';
import { ConnectivityService } from './connectivity.service';
import { MatrixInput, PingInput } from './dto/ping.input';
import { ConnectivityMatrixModel, PingResultModel } from './models/connectivity.model';

@Resolver()
export class ConnectivityResolver {
  constructor(private readonly connectivity: ConnectivityService) {}

  @Query(() => PingResultModel, {
    description: 'Ping from one container to another; diagnosis says why when it fails',
  })
  ping(@Args('input') input: PingInput): Promise<PingResultModel> {
    return this.connectivity.ping(input);
  }

  @Query(() => ConnectivityMatrixModel, {
    description: 'Reachability between every ordered pair of running containers on a network',
  })
  connectivityMatrix(@Args('input') input: MatrixInput): Promise<ConnectivityMatrixModel> {
    return this.connectivity.matrix(input);
  }
}
