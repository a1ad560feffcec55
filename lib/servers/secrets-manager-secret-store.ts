/**
 * SecretStore on AWS Secrets Manager: one secret per name (`<prefix>/onprem`, `<prefix>/cloud`,
 * `<prefix>/cloud-webhook`), encrypted with the stack's KMS key. New values are staged under a label of our own and
 * only become AWSCURRENT after the settings that reference them were written (see `save-server.ts`).
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { registerSecretValue } from '#lib/observability/logger.ts';
import { signingSecretValues } from '#lib/reloads/webhook-signing-secrets.ts';
import type { SecretStore } from '#lib/servers/server-ports.ts';
import type { SecretName, SecretRef, StoredSecret } from '#lib/servers/server-record.ts';

const STAGED = 'KPIMAILER_STAGED';

export interface SecretsManagerSecretStoreOptions {
  /** e.g. `kpimailer/<stack name>`; IAM grants cover exactly `<prefix>/<name>-??????`. */
  namePrefix: string;
  kmsKeyId?: string;
}

export class SecretsManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerSecretStoreOptions,
  ) {}

  private secretId(name: SecretName): string {
    return `${this.options.namePrefix}/${name}`;
  }

  async stage(name: SecretName, value: StoredSecret): Promise<SecretRef> {
    const SecretString = JSON.stringify(value);
    try {
      const created = await this.client.send(
        new CreateSecretCommand({
          Name: this.secretId(name),
          SecretString,
          KmsKeyId: this.options.kmsKeyId,
          Description: `KPImailer Qlik connectivity: ${name} credentials`,
        }),
      );
      return { arn: created.ARN!, versionId: created.VersionId! };
    } catch (error) {
      if (isScheduledForDeletion(error)) {
        // Deleted earlier (a removed server), still inside its recovery window: bring it back, then add the version.
        await this.client.send(new RestoreSecretCommand({ SecretId: this.secretId(name) }));
      } else if (!(error instanceof ResourceExistsException)) {
        throw error;
      }
    }
    const put = await this.client.send(
      new PutSecretValueCommand({ SecretId: this.secretId(name), SecretString, VersionStages: [STAGED] }),
    );
    return { arn: put.ARN!, versionId: put.VersionId! };
  }

  async promote(name: SecretName, ref: SecretRef): Promise<void> {
    const described = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId(name) }));
    const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
      stages.includes('AWSCURRENT'),
    )?.[0];
    if (current === ref.versionId) return;
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId(name),
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: ref.versionId,
        RemoveFromVersionId: current,
      }),
    );
  }

  async read<T extends StoredSecret>(ref: SecretRef): Promise<T> {
    const { SecretString } = await this.client.send(
      new GetSecretValueCommand({ SecretId: ref.arn, VersionId: ref.versionId }),
    );
    return parseSecret<T>(SecretString);
  }

  async readCurrent<T extends StoredSecret>(name: SecretName): Promise<T | null> {
    try {
      const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId(name) }));
      return parseSecret<T>(SecretString);
    } catch (error) {
      if (error instanceof ResourceNotFoundException || isScheduledForDeletion(error)) return null;
      throw error;
    }
  }

  /**
   * Schedules deletion with a recovery window, so a mistaken or malicious DELETE can still be undone with
   * `aws secretsmanager restore-secret` for that long; saving the server again restores it (see `stage`).
   */
  async delete(name: SecretName): Promise<void> {
    try {
      await this.client.send(
        new DeleteSecretCommand({ SecretId: this.secretId(name), RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException) && !isScheduledForDeletion(error)) throw error;
    }
  }
}

/** How long a deleted secret can be restored. */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

/** Secrets Manager's answer for any use of a secret that is scheduled for deletion (it names no subclass for it). */
function isScheduledForDeletion(error: unknown): boolean {
  return error instanceof InvalidRequestException && /marked for deletion|scheduled for deletion/i.test(error.message);
}

function parseSecret<T extends StoredSecret>(text: string | undefined): T {
  const value = JSON.parse(text ?? 'null') as T;
  // Whatever secret we read is masked in every later log line of this container.
  if (value?.kind === 'onprem') [value.certificatePassword, value.keyPem].forEach(registerSecretValue);
  if (value?.kind === 'cloud') registerSecretValue(value.clientSecret);
  if (value?.kind === 'webhook') signingSecretValues(value).forEach(registerSecretValue);
  if (value?.kind === 'fingerprint-key') registerSecretValue(value.key);
  return value;
}
