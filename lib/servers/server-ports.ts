/**
 * Ports of the servers domain. Adapters: DynamoDB (`dynamodb-server-store.ts`) and Secrets Manager
 * (`secrets-manager-secret-store.ts`); the local runtime runs the same adapters against local endpoints.
 */
import type { ServerId } from '#lib/servers/server-settings.ts';
import type { SecretName, SecretRef, ServerRecord, ServerState, StoredSecret } from '#lib/servers/server-record.ts';

export interface ServerStore {
  get(id: ServerId): Promise<ServerRecord | null>;
  /**
   * Writes a server's settings. `expectedVersion` null means "must not exist yet"; a mismatch throws ConflictError.
   */
  putSettings(record: ServerRecord, expectedVersion: number | null): Promise<void>;
  getState(id: ServerId): Promise<ServerState>;
  /** Sets the given state fields, leaving the others as stored. Never touches the settings or their version. */
  updateState(id: ServerId, patch: Partial<ServerState>): Promise<void>;
  /** Removes settings and state. */
  delete(id: ServerId): Promise<void>;
}

export interface SecretStore {
  /**
   * Stores a new version without making it current, so settings that point to the previous version stay whole
   * until they are switched to this one. Creates the secret on first use.
   */
  stage(name: SecretName, value: StoredSecret): Promise<SecretRef>;
  /** Marks a staged version current once the settings point to it. Readers go by version id, so this is tidy-up. */
  promote(name: SecretName, ref: SecretRef): Promise<void>;
  read<T extends StoredSecret>(ref: SecretRef): Promise<T>;
  /** The current version, or null when the secret does not exist. */
  readCurrent<T extends StoredSecret>(name: SecretName): Promise<T | null>;
  delete(name: SecretName): Promise<void>;
}
