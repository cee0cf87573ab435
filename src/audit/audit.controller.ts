import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { AuditHistoryService } from './audit-history.service';
import { AuditQueryService, readerOf } from './audit-query.service';
import { AuditQuery, HistoryQuery } from './dto/audit-filter.input';
import { AuditLogPageModel, AuditVerificationModel } from './models/audit-entry.model';

@ApiTags('audit')
@ApiExtraModels(AuditLogPageModel)
@ApiBearerAuth()
@Controller(API_PREFIX)
export class AuditController {
  constructor(
    private readonly query: AuditQueryService,
    private readonly history: AuditHistoryService,
  ) {}

  @Get('audit-logs')
  @Allow('admin')
  @ApiOperation({
    summary:
      'The audit log, newest first, filtered and a page at a time; or, with format, the whole range as NDJSON or CSV',
    description:
      'Without `format`: a JSON page (`items`, `nextCursor`). With `format=csv` or `format=ndjson`: every entry ' +
      'of the filtered range as a download (text/csv with a header row, or one JSON entry a line).',
  })
  @ApiResponse({
    status: 200,
    description: 'A page of entries, or the export',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(AuditLogPageModel) } },
      'text/csv': { schema: { type: 'string', description: 'A header row, then one entry a row' } },
      'application/x-ndjson': { schema: { type: 'string', description: 'One audit entry (JSON) a line' } },
    },
  })
  @ApiProblems(400, 401, 403)
  async list(
    @Query() query: AuditQuery,
    @CurrentActor() actor: Actor,
  ): Promise<AuditLogPageModel | StreamableFile> {
    const { limit, cursor, format, ...filter } = query;
    if (format === 'ndjson' || format === 'csv') {
      const stream = Readable.from(this.query.export(filter, format, readerOf(actor)));
      return new StreamableFile(stream, {
        type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        disposition: `attachment; filename="switchyard-audit.${format === 'csv' ? 'csv' : 'ndjson'}"`,
      });
    }
    const { items, nextCursor } = await this.query.list(filter, { limit, cursor }, readerOf(actor));
    return { items, nextCursor };
  }

  @Get('audit-logs/verify')
  @Allow('admin')
  @ApiOperation({
    summary: 'Check the whole hash chain; names the first entry altered, removed or out of order',
    description:
      'Reads every entry and recomputes its hash; `valid` is false with the first bad entry named.',
  })
  @ApiResponse({ status: 200, type: AuditVerificationModel })
  @ApiProblems(401, 403)
  verify(): Promise<AuditVerificationModel> {
    return this.query.verify();
  }

  @Get('networks/:ref/history')
  @Allow('viewer')
  @ApiOperation({
    summary: 'What happened to a network, newest first',
    description:
      'The audit entries about one network (by name or id, also after it was removed), a page at a time.',
  })
  @ApiResponse({ status: 200, type: AuditLogPageModel })
  @ApiProblems(400, 401, 403, 404)
  async networkHistory(
    @Param('ref') ref: string,
    @Query() page: HistoryQuery,
    @CurrentActor() actor: Actor,
  ): Promise<AuditLogPageModel> {
    const { items, nextCursor } = await this.history.history('network', ref, page, actor);
    return { items, nextCursor };
  }

  @Get('containers/:ref/history')
  @Allow('viewer')
  @ApiOperation({
    summary: 'What happened to a container, newest first',
    description:
      'The audit entries about one container (by name or id, also after it was removed), a page at a time.',
  })
  @ApiResponse({ status: 200, type: AuditLogPageModel })
  @ApiProblems(400, 401, 403, 404)
  async containerHistory(
    @Param('ref') ref: string,
    @Query() page: HistoryQuery,
    @CurrentActor() actor: Actor,
  ): Promise<AuditLogPageModel> {
    const { items, nextCursor } = await this.history.history('container', ref, page, actor);
    return { items, nextCursor };
  }
}
