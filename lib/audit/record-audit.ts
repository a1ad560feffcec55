/**
 * Records an action that already happened. The action's own result stands even when the trail cannot be written
 * (the change is made; answering 500 would invite a retry that repeats it), so a failed write is logged as an error
 * with the whole entry, which carries no secret by construction, and the operator's log holds it instead.
 */
import type { AuditLog, NewAuditEntry } from '#lib/audit/audit-log.ts';
import { logger } from '#lib/observability/logger.ts';

export async function recordAudit(audit: AuditLog, entry: NewAuditEntry): Promise<void> {
  try {
    await audit.record(entry);
  } catch (error) {
    logger.error('Could not write the audit entry; it is logged here instead', { audit: entry, error });
  }
}
