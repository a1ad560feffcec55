/**
 * The settings use cases behind `/api/servers`: read, save, delete.
 *
 * Save order, so a failure anywhere leaves the previous configuration whole:
 *   1. validate and resolve the draft (certificate opened, secrets merged) — nothing written yet;
 *   2. stage the new secret version (not AWSCURRENT; the stored settings still point to the old version id);
 *   3. write the settings with a conditional check on `version` — this single write is the switch;
 *   4. promote the staged secret and apply the concurrency cap — tidy-up that readers do not depend on.
 */
import type { FieldChange } from '#lib/audit/audit-log.ts';
import { settingsChanges } from '#lib/audit/settings-changes.ts';
import { ConflictError, ValidationError } from '#lib/errors.ts';
import { logger } from '#lib/observability/logger.ts';
import { destinationProblem } from '#lib/qlik/destination-policy.ts';
import type { SecretStore, ServerStore } from '#lib/servers/server-ports.ts';
import type { CloudSecret, OnPremSecret, ServerRecord, ServerSecret, ServerState } from '#lib/servers/server-record.ts';
import { adoptedTenantPatch } from '#lib/servers/cloud-tenants.ts';
import { fingerprintKeyFrom, fingerprintOf, type FingerprintKeySource } from '#lib/servers/config-fingerprint.ts';
import type { ResolvedDraft } from '#lib/servers/resolve-draft.ts';
import { SERVER_IDS, type ServerId } from '#lib/servers/server-id.ts';
import { toServerView, type ServerView } from '#lib/servers/server-view.ts';
import type { ExecutionCounts } from '#lib/executions/execution-types.ts';

/** Applies Max parallel executions to the server's extraction consumer (optional: nothing provides it yet). */
export interface ExecutionCapacity {
  apply(id: ServerId, maxParallelExecutions: number): Promise<void>;
}

/**
 * Removes a deleted server's synced apps (lib/repository provides it: the sync's lease and the sync function).
 * `claim` comes first, so no sync writes apps of a server whose settings are going; ConflictError while one runs.
 */
export interface ServerAppsRemoval {
  claim(id: ServerId): Promise<AppsRemovalClaim>;
}

export interface AppsRemovalClaim {
  /** Hands the claim to the run that removes the apps; resolves once that run is on its way. */
  start(): Promise<void>;
  /** Gives the claim up without removing anything (the delete failed before the settings went). */
  release(): Promise<void>;
}

/** What `DELETE ?cleanup=true` removed on the Qlik side, e.g. `virtual proxy "kpimailer" (<id>)`. */
export interface QlikSideCleanup {
  remove(id: ServerId, saved: { record: ServerRecord; secret: ServerSecret }, state: ServerState): Promise<string[]>;
}

/** Live extraction counts of a server (the executions issue provides it). */
export type ExecutionCountsReader = (id: ServerId, configuredLimit: number) => Promise<ExecutionCounts>;

export interface ServerServiceDeps {
  servers: ServerStore;
  secrets: SecretStore;
  capacity?: ExecutionCapacity;
  executionCounts?: ExecutionCountsReader;
  apps?: ServerAppsRemoval;
  qlikCleanup?: QlikSideCleanup;
  /** Default: the deployment's key in the secret store (`fingerprint-key`). */
  fingerprintKey?: FingerprintKeySource;
  now?: () => Date;
  /** The destination policy's save/test check (default: the process's policy and DNS). */
  destinations?: (kind: ServerId, url: string) => Promise<string | null>;
}

export class ServerService {
  private readonly now: () => Date;
  private readonly fingerprintKey: FingerprintKeySource;

  constructor(private readonly deps: ServerServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.fingerprintKey = deps.fingerprintKey ?? fingerprintKeyFrom(deps.secrets);
  }

  /** Identifies a resolved configuration without revealing it (config-fingerprint.ts). */
  async fingerprint(resolved: ResolvedDraft): Promise<string> {
    return fingerprintOf(resolved, await this.fingerprintKey());
  }

  async list(): Promise<ServerView[]> {
    return Promise.all(SERVER_IDS.map((id) => this.get(id)));
  }

  async get(id: ServerId): Promise<ServerView> {
    const [record, state] = await Promise.all([this.deps.servers.get(id), this.deps.servers.getState(id)]);
    const counts =
      this.deps.executionCounts && record
        ? await this.deps.executionCounts(id, record.settings.maxParallelExecutions)
        : undefined;
    return toServerView(id, record, state, counts);
  }

  /** Reads the stored record and its secret, for code that must work with the saved configuration. */
  async loadWithSecret(id: ServerId): Promise<{ record: ServerRecord; secret: ServerSecret } | null> {
    const record = await this.deps.servers.get(id);
    if (!record) return null;
    return { record, secret: await this.deps.secrets.read<ServerSecret>(record.secret) };
  }

  /** Resolves a draft against what is stored, without writing anything. */
  async resolve(
    id: ServerId,
    draft: unknown,
    mode: 'save' | 'test',
  ): Promise<{ resolved: ResolvedDraft; current: ServerRecord | null; version: number | undefined }> {
    // Loaded on the first save or test only: validating a draft needs zod, and opening a certificate (on-premise
    // only) node-forge, which would otherwise add to the cold start of every request (npm run bench -- cold-start).
    const onPremResolver = id === 'onprem' ? import('#lib/servers/resolve-onprem-draft.ts') : null;
    onPremResolver?.catch(() => undefined);
    // The stored settings are read while those modules load (a read, so a draft that then fails validation costs
    // nothing but the read).
    const loading = this.loadWithSecret(id);
    loading.catch(() => undefined);
    const [{ parseDraft }, { resolveCloudDraft }] = await Promise.all([
      import('#lib/servers/parse-draft.ts'),
      import('#lib/servers/resolve-draft.ts'),
    ]);
    const parsed = parseDraft(id, draft, mode);
    const stored = await loading;
    const current = stored?.record ?? null;
    const at = { now: this.now() };
    // The effective URL (the draft's, else the saved one) must pass the destination policy before anything uses it.
    const url = parsed.url ?? current?.settings.url;
    const urlProblem = url ? await (this.deps.destinations ?? destinationProblem)(id, url) : null;
    const urlErrors = urlProblem ? [{ field: 'url', message: urlProblem }] : [];
    let resolved: ResolvedDraft;
    try {
      resolved = onPremResolver
        ? (await onPremResolver).resolveOnPremDraft(
            parsed,
            current?.type === 'onprem' ? current : null,
            (stored?.secret as OnPremSecret | undefined) ?? null,
            at,
          )
        : resolveCloudDraft(
            parsed,
            current?.type === 'cloud' ? current : null,
            (stored?.secret as CloudSecret | undefined) ?? null,
          );
    } catch (error) {
      if (error instanceof ValidationError && urlErrors.length > 0) {
        throw new ValidationError([...urlErrors, ...error.errors.filter((e) => e.field !== 'url')], { cause: error });
      }
      throw error;
    }
    if (urlErrors.length > 0) throw new ValidationError(urlErrors);
    return { resolved, current, version: (parsed as { version?: number }).version };
  }

  async save(id: ServerId, draft: unknown): Promise<ServerView> {
    return (await this.saveWithChanges(id, draft)).view;
  }

  /** Saves, and says what changed for the audit trail (secrets only as "replaced"; see settings-changes.ts). */
  async saveWithChanges(id: ServerId, draft: unknown): Promise<{ view: ServerView; changes: FieldChange[] }> {
    const { resolved, current, version } = await this.resolve(id, draft, 'save');
    if (current) {
      if (version === undefined) {
        throw new ValidationError([
          { field: 'version', message: 'Send the version you read, so a concurrent change is not overwritten.' },
        ]);
      }
      if (version !== current.version) {
        throw new ConflictError(
          `The ${id} server settings were changed by someone else (version ${current.version}). Reload them and apply your change again.`,
        );
      }
    }
    // Before anything is written, so a failure to read the fingerprint key leaves nothing behind.
    const fingerprint = await this.fingerprint(resolved);
    const storedSecret = current ? await this.deps.secrets.read<ServerSecret>(current.secret) : null;
    const secretChanged = JSON.stringify(storedSecret) !== JSON.stringify(resolved.secret);
    const secretRef = secretChanged ? await this.deps.secrets.stage(id, resolved.secret) : current!.secret;

    const at = this.now().toISOString();
    const common = {
      id,
      version: (current?.version ?? 0) + 1,
      createdAt: current?.createdAt ?? at,
      updatedAt: at,
      secret: secretRef,
      fingerprint,
    };
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
    const changes = settingsChanges(current && storedSecret ? { record: current, secret: storedSecret } : null, {
      record,
      secret: resolved.secret,
    });
    return { view: await this.get(id), changes };
  }

  private async afterSave(
    id: ServerId,
    resolved: ResolvedDraft,
    fingerprint: string,
    stagedSecret: ServerRecord['secret'] | null,
  ): Promise<void> {
    const tidyUps: Promise<unknown>[] = [];
    if (stagedSecret) tidyUps.push(this.deps.secrets.promote(id, stagedSecret));
    if (this.deps.capacity) tidyUps.push(this.deps.capacity.apply(id, resolved.settings.maxParallelExecutions));
    tidyUps.push(this.adoptPendingTest(id, fingerprint));
    if (resolved.type === 'cloud') tidyUps.push(this.adoptTestedTenant(resolved.settings.url));
    const results = await Promise.allSettled(tidyUps);
    for (const result of results) {
      if (result.status === 'rejected')
        logger.warn('A step after saving server settings failed; it is retried on the next save', {
          serverId: id,
          error: result.reason,
        });
    }
  }

  /** A test of exactly this configuration becomes the saved configuration's `lastTest`. */
  private async adoptPendingTest(id: ServerId, fingerprint: string): Promise<void> {
    const state = await this.deps.servers.getState(id);
    if (state.pendingTest?.fingerprint !== fingerprint) return;
    const { fingerprint: _f, ...lastTest } = state.pendingTest;
    await this.deps.servers.updateState(id, { lastTest, pendingTest: null });
  }

  /** Settings that now point at another Qlik Cloud tenant take that tenant's recorded id and webhook (or none). */
  private async adoptTestedTenant(url: string): Promise<void> {
    const patch = adoptedTenantPatch(await this.deps.servers.getState('cloud'), url);
    if (patch) await this.deps.servers.updateState('cloud', patch);
  }

  /**
   * Removes settings, secrets and (through the sync function) the server's apps; with `cleanup`, first the
   * Qlik-side objects the service provisioned, and returns what was removed there. Order: claim the sync lease
   * (409 while a sync runs), clean up in Qlik, delete the settings (the switch), then the secret and the apps.
   * A failure before the switch leaves the server as it was; the apps' removal is retried by the schedule.
   */
  async delete(id: ServerId, options: { cleanup?: boolean } = {}): Promise<{ removedInQlik: string[] }> {
    const claim = await this.deps.apps?.claim(id);
    let removedInQlik: string[] = [];
    try {
      if (options.cleanup) removedInQlik = await this.cleanupInQlik(id);
      await this.deps.servers.delete(id);
    } catch (error) {
      await claim
        ?.release()
        .catch((releaseError: unknown) =>
          logger.warn('Could not give up the sync lease; it expires on its own', { serverId: id, error: releaseError }),
        );
      throw error;
    }
    const results = await Promise.allSettled([this.deps.secrets.delete(id), claim?.start()]);
    for (const result of results) {
      if (result.status === 'rejected')
        logger.error(
          'A step after deleting server settings failed; the schedule retries the apps, a new save replaces the secret',
          { serverId: id, error: result.reason },
        );
    }
    return { removedInQlik };
  }

  private async cleanupInQlik(id: ServerId): Promise<string[]> {
    const saved = await this.loadWithSecret(id);
    if (!saved) return [];
    if (!this.deps.qlikCleanup)
      throw new Error('cleanup=true needs a QlikSideCleanup; this ServerService was built without one.');
    return this.deps.qlikCleanup.remove(id, saved, await this.deps.servers.getState(id));
  }
}
