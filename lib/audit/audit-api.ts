/**
 * `GET /api/audit?serverId=&limit=&cursor=`: the audit trail, newest first, for one server or all of them, in the
 * contract's shape (`{entries: [{at, actor {sub, name}, action, serverId, changes, result, requestId}], nextCursor}`;
 * entries also carry `sourceIp`, and `checks` or `counts` where the action has them).
 */
import { ValidationError } from '#lib/errors.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { limitParameter } from '#lib/api/query-limit.ts';
import { json } from '#lib/api/problem.ts';
import type { ApiRoute } from '#lib/api/api-handler.ts';
import type { AuditTrail } from '#lib/audit/audit-log.ts';
import { isServerId } from '#lib/servers/server-id.ts';

export const DEFAULT_AUDIT_LIMIT = 50;
export const MAX_AUDIT_LIMIT = 200;

export function auditRoutes(trail: () => AuditTrail): ApiRoute[] {
  return [
    {
      route: 'GET /api/audit',
      handler: async (event: JsonEvent) => {
        const query = event.queryStringParameters ?? {};
        const serverId = query.serverId || undefined;
        if (serverId !== undefined && !isServerId(serverId)) {
          throw new ValidationError([
            { field: 'serverId', message: 'serverId is "onprem" or "cloud"; leave it out for every server.' },
          ]);
        }
        const page = await trail().list({
          serverId,
          limit: limitParameter(query.limit, { default: DEFAULT_AUDIT_LIMIT, max: MAX_AUDIT_LIMIT }),
          cursor: query.cursor || null,
        });
        return json(200, page);
      },
    },
  ];
}
