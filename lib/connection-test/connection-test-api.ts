/**
 * `POST /api/servers/{id}/test`, the test-connection function's one route: the checks on a draft, nothing saved
 * but Qlik-side provisioning. The test (its result per check) and any webhook it created or repaired go to the audit
 * trail.
 */
import type { Context } from 'aws-lambda';
import { serverIdFrom, type ApiRoute } from '#lib/api/api-handler.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { json } from '#lib/api/problem.ts';
import { auditContextOf } from '#lib/audit/audit-context.ts';
import type { AuditLog } from '#lib/audit/audit-log.ts';
import { recordAudit } from '#lib/audit/record-audit.ts';
import type { ConnectionTestService } from '#lib/connection-test/connection-test-service.ts';

export interface ConnectionTestApiDeps {
  service: Pick<ConnectionTestService, 'testWithProvisioning'>;
  audit: AuditLog;
}

export function connectionTestRoutes(deps: () => ConnectionTestApiDeps): ApiRoute[] {
  return [
    {
      route: 'POST /api/servers/{id}/test',
      // The test's budget starts at the invocation: Lambda's remaining time (see ConnectionTestService.test).
      handler: async (event: JsonEvent, context: Context) => {
        const serverId = serverIdFrom(event);
        const { service, audit } = deps();
        const { response, webhook } = await service.testWithProvisioning(serverId, event.parsedBody, {
          remainingMs: () => context.getRemainingTimeInMillis(),
        });
        const auditContext = auditContextOf(event);
        const checks = response.checks.map(({ name, status }) => ({ name, status }));
        await recordAudit(audit, {
          ...auditContext,
          action: 'connection.tested',
          serverId,
          changes: [],
          result: response.ok ? 'passed' : 'failed',
          checks,
        });
        if (webhook) {
          // The webhook's id, and for a repair what was put right: our own words, without Qlik's parenthesised reason.
          const reasons = webhook.reasons.map((reason) => ({
            field: 'webhook',
            from: null,
            to: reason.replace(/ \(.*\)$/, ''),
          }));
          const changes = [{ field: 'webhook.id', from: null, to: webhook.webhookId }, ...reasons];
          await recordAudit(audit, {
            ...auditContext,
            action: `webhook.${webhook.action}`,
            serverId,
            changes,
            result: 'succeeded',
          });
        }
        return json(200, response);
      },
    },
  ];
}
