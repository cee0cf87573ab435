import { ApiPropertyOptional } from '@nestjs/swagger';
import { toBoolean } from '../../common/validation/transforms';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

export class DisconnectQuery {
  @ApiPropertyOptional({ description: 'Disconnect even if the engine reports the container busy' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'force must be true or false' })
  force?: boolean;
}
