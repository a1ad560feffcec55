/**
 * The settings use cases behind `/api/servers`: read, save, delete.
 *
 * Save order, so a failure anywhere leaves the previous configuration whole:
 *   1. validate and resolve the draft (certificate opened, secrets merged) — nothing written yet;
 *   2. stage the new secret version (not AWSCURRENT; the stored settings still point to the old version id);
 *   3. write the settings with a conditional check on `version` — this single write is the switch;
 *   4. promote the staged secret and apply the concurrency cap — tidy-up that readers do not depend on.
 */
import { ConflictError, ValidationError } from '#lib/errors.ts';
import { logger } from '#lib/observability/logger.ts';
import type { SecretStore, ServerStore } from '#lib/servers/server-ports.ts';
import type { CloudSecret, OnPremSecret, ServerRecord, ServerSecret } from '#lib/servers/server-record.ts';
import { fingerprintOf, resolveCloudDraft, resolveOnPremDraft, type ResolvedDraft } from '#lib/servers/resolve-draft.ts';
import { SERVER_IDS, type ServerId } from '#lib/servers/server-settings.ts';
import { toServerView, type ServerView } from '#lib/servers/server-view.ts';
import { parseDraft } from '#lib/servers/parse-draft.ts';
import type { ExecutionCounts } from '#lib/executions/execution-types.ts';

/** Applies Max parallel executions to the server's extraction consumer (the executions issue provides it). */
export interface ExecutionCapacity {
  apply(id: ServerId, maxParallelExecutions: number): Promise<void>;
}

/** Removes a server's synced apps (the repository issue provides it). */
export interface ServerAppsCleanup {
  deleteAllApps(id: ServerId): Promise<void>;
}

/** Live extraction counts of a server (the executions issue provides it). */
export type ExecutionCountsReader = (id: ServerId, configuredLimit: number) => Promise<ExecutionCounts>;

export interface ServerServiceDeps {
  servers: ServerStore;
  secrets: SecretStore;
  capacity?: ExecutionCapacity;
  executionCounts?: ExecutionCountsReader;
  apps?: ServerAppsCleanup;
  now?: () => Date;
}

export class ServerService {
  private readonly now: () => Date;

  constructor(private readonly deps: ServerServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async list(): Promise<ServerView[]> {
    return Promise.all(SERVER_IDS.map((id) => this.get(id)));
  }

  async get(id: ServerId): Promise<ServerView> {
    const [record, state] = await Promise.all([this.deps.servers.get(id), this.deps.servers.getState(id)]);
    const counts = this.deps.executionCounts && record ? await this.deps.executionCounts(id, record.settings.maxParallelExecutions) : undefined;
    return toServerView(id, record, state, counts);
  }

  /** Reads the stored record and its secret, for code that must work with the saved configuration. */
  async loadWithSecret(id: ServerId): Promise<{ record: ServerRecord; secret: ServerSecret } | null> {
    const record = await this.deps.servers.get(id);
    if (!record) return null;
    return { record, secret: await this.deps.secrets.read<ServerSecret>(record.secret) };
  }

  /** Resolves a draft against what is stored, without writing anything. */
  async resolve(id: ServerId, draft: unknown, mode: 'save' | 'test'): Promise<{ resolved: ResolvedDraft; current: ServerRecord | null; version: number | undefined }> {
    const parsed = parseDraft(id, draft, mode);
    const stored = await this.loadWithSecret(id);
    const current = stored?.record ?? null;
    const at = { now: this.now() };
    const resolved =
      id === 'onprem'
        ? resolveOnPremDraft(parsed, current?.type === 'onprem' ? current : null, (stored?.secret as OnPremSecret | undefined) ?? null, at)
        : resolveCloudDraft(parsed, current?.type === 'cloud' ? current : null, (stored?.secret as CloudSecret | undefined) ?? null);
    return { resolved, current, version: (parsed as { version?: number }).version };
  }

  async save(id: ServerId, draft: unknown): Promise<ServerView> {
    const { resolved, current, version } = await this.resolve(id, draft, 'save');
    if (current) {
      if (version === undefined) {
        throw new ValidationError([{ field: 'version', message: 'Send the version you read, so a concurrent change is not overwritten.' }]);
      }
      if (version !== current.version) {
        throw new ConflictError(`The ${id} server settings were changed by someone else (version ${current.version}). Reload them and apply your change again.`);
      }
    }
    const storedSecret = current ? await this.deps.secrets.read<ServerSecret>(current.secret) : null;
    const secretChanged = JSON.stringify(storedSecret) !== JSON.stringify(resolved.secret);
    const secretRef = secretChanged ? await this.deps.secrets.stage(id, resolved.secret) : current!.secret;

    const at = this.now().toISOString();
    const fingerprint = fingerprintOf(resolved);
    const common = { id, version: (current?.version ?? 0) + 1, createdAt: current?.createdAt ?? at, updatedAt: at, secret: secretRef, fingerprint };
    const record: ServerRecord =
      resolved.type === 'onprem'
        ? {
            ...common,
            type: 'onprem',
            settings: resolved.settings,
            certificate: resolved.certificate,
            rootCertificate: resolved.rootCertificate,
            hasCertificatePassword: Boolean(resolved.secret.certificatePassword),
          }
        : { ...common, type: 'cloud', settings: resolved.settings, hasClientSecret: true };
    await this.deps.servers.putSettings(record, current ? current.version : null);

    await this.afterSave(id, resolved, fingerprint, secretChanged ? secretRef : null);
    return this.get(id);
  }

  private async afterSave(id: ServerId, resolved: ResolvedDraft, fingerprint: string, stagedSecret: ServerRecord['secret'] | null): Promise<void> {
    const tidyUps: Promise<unknown>[] = [];
    if (stagedSecret) tidyUps.push(this.deps.secrets.promote(id, stagedSecret));
    if (this.deps.capacity) tidyUps.push(this.deps.capacity.apply(id, resolved.settings.maxParallelExecutions));
    tidyUps.push(this.adoptPendingTest(id, fingerprint));
    const results = await Promise.allSettled(tidyUps);
    for (const result of results) {
      if (result.status === 'rejected') logger.warn('A step after saving server settings failed; it is retried on the next save', { serverId: id, error: result.reason });
    }
  }

  /** A test of exactly this configuration becomes the saved configuration's `lastTest`. */
  private async adoptPendingTest(id: ServerId, fingerprint: string): Promise<void> {
    const state = await this.deps.servers.getState(id);
    if (state.pendingTest?.fingerprint !== fingerprint) return;
    const { fingerprint: _f, ...lastTest } = state.pendingTest;
    await this.deps.servers.updateState(id, { lastTest, pendingTest: null });
  }

  async delete(id: ServerId): Promise<void> {
    await this.deps.servers.delete(id);
    await Promise.all([this.deps.secrets.delete(id), this.deps.apps?.deleteAllApps(id)]);
  }
}
