/**
 * The audit trail's port: who changed or exercised a Qlik connection, when, from where, and what changed.
 *
 * `AuditLog.record` is what every action calls (at the edge, where the request's actor is known); `AuditTrail.list`
 * is what `GET /api/audit` reads. The trail is append-only: there is no update or delete in either port, and the
 * DynamoDB adapter's IAM grant has none either. An entry never carries a secret or a hash of one: a secret field
 * appears only as `"replaced"` (see `settings-changes.ts`).
 */
import type { ServerId } from '#lib/servers/server-settings.ts';

/** Who did it: the JWT's `sub` and e-mail (or username); locally without sign-in, the local administrator. */
export interface AuditActor {
  sub: string;
  name: string;
}

/** A value as the trail shows it: plain, non-secret data only. */
export type AuditValue = string | number | boolean | null;

export interface FieldChange {
  field: string;
  from: AuditValue;
  to: AuditValue;
}

/** The word a secret field change is shown as, in place of any value. */
export const REPLACED = 'replaced';

export type AuditAction =
  | 'settings.saved'
  | 'server.deleted'
  | 'connection.tested'
  | 'sync.started'
  | 'sync.finished'
  | 'webhook.provisioned'
  | 'webhook.repaired'
  | 'executions.limit-applied';

/** Where an action came from: one per request (or per scheduled run). */
export interface AuditContext {
  actor: AuditActor;
  /** API Gateway's request id (the access log's), or a run id for scheduled work. */
  requestId: string;
  sourceIp: string | null;
}

export interface AuditEntry extends AuditContext {
  at: string;
  action: AuditAction;
  serverId: ServerId;
  changes: FieldChange[];
  /** `succeeded`, `failed`, `passed` (a test), `running` (a sync start)… */
  result: string;
  /** A connection test's outcome per check (names and statuses only: a check message may quote Qlik). */
  checks?: { name: string; status: string }[];
  /** A finished sync's counts. */
  counts?: { added: number; updated: number; removed: number; total: number };
}

/** What a caller records; `at` defaults to now. */
export type NewAuditEntry = Omit<AuditEntry, 'at'> & { at?: string };

export interface AuditLog {
  /** Appends one entry. Resolves once it is stored. */
  record(entry: NewAuditEntry): Promise<void>;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export interface AuditTrail {
  /** Newest first; `serverId` narrows to one server. */
  list(query: { serverId?: ServerId; limit: number; cursor?: string | null }): Promise<AuditPage>;
}

/** The actor of work nobody started by hand (the hourly sync, the reload monitor). */
export const SCHEDULE_ACTOR: AuditActor = { sub: 'schedule', name: 'scheduled run' };

/** The actor when the local runtime runs without sign-in (loopback only). */
export const LOCAL_ADMINISTRATOR: AuditActor = { sub: 'local', name: 'local administrator' };
