/**
 * A Secrets Manager stand-in for `npm start` and the integration tests (no emulator exists on npm). It speaks the
 * service's AWS JSON 1.1 protocol on loopback, so the real `SecretsManagerSecretStore` runs unchanged through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Secret values are encrypted at rest with AES-256-GCM under a key file created
 * with mode 0600 on first run.
 *
 * Loopback is not private to the admin (any local process, and a browser page, can reach it), so every request must
 * carry a valid SigV4 signature made with credentials generated at each start (`credentials`), which the runtime
 * hands to its own SDK clients through `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. The SDK signs every request
 * anyway; the secret key itself never crosses the socket.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { listenOnLoopback } from '#lib/local/listen-on-loopback.ts';
import { verifySigV4, type LocalCredentials } from '#lib/local/sigv4-verifier.ts';

interface Encrypted {
  iv: string;
  tag: string;
  data: string;
}

interface StoredVersion {
  value: Encrypted;
  stages: string[];
  createdAt: number;
}

interface StoredSecret {
  arn: string;
  name: string;
  versions: Record<string, StoredVersion>;
  /** Set while the secret is scheduled for deletion (ms since epoch); it is gone for good after that. */
  deleteAfter?: number;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalSecretsManager {
  endpoint: string;
  /** The only credentials this instance accepts; random for each start. */
  credentials: LocalCredentials;
  /** The raw file on disk (tests assert that no secret is readable in it). */
  storePath: string | null;
  close(): Promise<void>;
}

export async function startLocalSecretsManager(
  options: { dataDir?: string; port?: number } = {},
): Promise<LocalSecretsManager> {
  const store = new EncryptedSecretFile(options.dataDir);
  const credentials: LocalCredentials = {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  const server = createServer((req, res) => void handle(store, credentials, req, res));
  const { url } = await listenOnLoopback(server, options.port);
  return {
    endpoint: url,
    credentials,
    storePath: store.path,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(
  store: EncryptedSecretFile,
  credentials: LocalCredentials,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const refused = await verifySigV4(
    { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
    credentials,
    { service: 'secretsmanager' },
  );
  if (refused) {
    // AWS's own answer shapes, so the SDK raises its usual exceptions.
    res
      .writeHead(403, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ __type: refused.type, message: refused.message }));
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
  try {
    const input = JSON.parse(body || '{}') as Record<string, unknown>;
    const output = store.call(target, input);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(output));
  } catch (error) {
    const type = error instanceof AwsError ? error.type : 'InternalServiceError';
    const message = error instanceof Error ? error.message : String(error);
    res
      .writeHead(error instanceof AwsError ? 400 : 500, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ __type: type, message }));
  }
}

class EncryptedSecretFile {
  readonly path: string | null;
  private readonly key: Buffer;
  private secrets: Record<string, StoredSecret> = {};

  constructor(dataDir?: string) {
    if (!dataDir) {
      this.path = null;
      this.key = randomBytes(32);
      return;
    }
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'secrets.json');
    const keyPath = join(dataDir, 'secrets.key');
    if (!existsSync(keyPath)) writeFileSync(keyPath, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    this.key = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'hex');
    if (existsSync(this.path))
      this.secrets = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, StoredSecret>;
  }

  call(operation: string, input: Record<string, unknown>): object {
    switch (operation) {
      case 'CreateSecret':
        return this.create(
          String(input.Name),
          String(input.SecretString),
          input.ClientRequestToken as string | undefined,
        );
      case 'PutSecretValue':
        return this.put(
          String(input.SecretId),
          String(input.SecretString),
          input.ClientRequestToken as string | undefined,
          input.VersionStages as string[] | undefined,
        );
      case 'GetSecretValue':
        return this.get(
          String(input.SecretId),
          input.VersionId as string | undefined,
          input.VersionStage as string | undefined,
        );
      case 'DescribeSecret': {
        const secret = this.find(String(input.SecretId), { evenIfDeleted: true });
        return {
          ARN: secret.arn,
          Name: secret.name,
          ...(secret.deleteAfter ? { DeletedDate: secret.deleteAfter / 1000 } : {}),
          VersionIdsToStages: Object.fromEntries(Object.entries(secret.versions).map(([id, v]) => [id, v.stages])),
        };
      }
      case 'UpdateSecretVersionStage':
        return this.moveStage(
          String(input.SecretId),
          String(input.VersionStage),
          input.MoveToVersionId as string | undefined,
          input.RemoveFromVersionId as string | undefined,
        );
      case 'DeleteSecret': {
        const secret = this.find(String(input.SecretId));
        // As AWS: a recovery window (7 to 30 days, default 30) unless deletion is forced.
        if (input.ForceDeleteWithoutRecovery === true) delete this.secrets[secret.name];
        else secret.deleteAfter = Date.now() + Number(input.RecoveryWindowInDays ?? 30) * 86_400_000;
        this.save();
        return { ARN: secret.arn, Name: secret.name, DeletionDate: (secret.deleteAfter ?? Date.now()) / 1000 };
      }
      case 'RestoreSecret': {
        const secret = this.find(String(input.SecretId), { evenIfDeleted: true });
        delete secret.deleteAfter;
        this.save();
        return { ARN: secret.arn, Name: secret.name };
      }
      default:
        throw new AwsError('InvalidRequestException', `The local Secrets Manager does not implement ${operation}.`);
    }
  }

  private create(name: string, value: string, token?: string): object {
    this.purgeExpired();
    if (this.secrets[name]?.deleteAfter) {
      throw new AwsError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (this.secrets[name])
      throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-${randomBytes(3).toString('hex')}`;
    const versionId = token ?? randomUUID();
    this.secrets[name] = {
      arn,
      name,
      versions: { [versionId]: { value: this.encrypt(value), stages: ['AWSCURRENT'], createdAt: Date.now() } },
    };
    this.save();
    return { ARN: arn, Name: name, VersionId: versionId };
  }

  private put(id: string, value: string, token?: string, stages: string[] = ['AWSCURRENT']): object {
    const secret = this.find(id);
    const versionId = token ?? randomUUID();
    secret.versions[versionId] = { value: this.encrypt(value), stages: [], createdAt: Date.now() };
    for (const stage of stages) this.attach(secret, stage, versionId);
    this.prune(secret);
    this.save();
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: stages };
  }

  private get(id: string, versionId?: string, stage = 'AWSCURRENT'): object {
    const secret = this.find(id);
    const entry: [string, StoredVersion | undefined] | undefined = versionId
      ? [versionId, secret.versions[versionId]]
      : Object.entries(secret.versions).find(([, v]) => v.stages.includes(stage));
    const version = entry?.[1];
    if (!entry || !version)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: entry[0],
      SecretString: this.decrypt(version.value),
      VersionStages: version.stages,
      CreatedDate: version.createdAt / 1000,
    };
  }

  private moveStage(id: string, stage: string, moveTo?: string, removeFrom?: string): object {
    const secret = this.find(id);
    if (removeFrom && !secret.versions[removeFrom]?.stages.includes(stage)) {
      throw new AwsError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${removeFrom}.`,
      );
    }
    if (moveTo) {
      if (!secret.versions[moveTo]) throw new AwsError('ResourceNotFoundException', `Version ${moveTo} not found.`);
      this.attach(secret, stage, moveTo);
    } else if (removeFrom) {
      secret.versions[removeFrom]!.stages = secret.versions[removeFrom]!.stages.filter((s) => s !== stage);
    }
    this.save();
    return { ARN: secret.arn, Name: secret.name };
  }

  /** Moves a label to a version; moving AWSCURRENT leaves AWSPREVIOUS on the version that had it, as AWS does. */
  private attach(secret: StoredSecret, stage: string, versionId: string): void {
    for (const [id, version] of Object.entries(secret.versions)) {
      if (id === versionId || !version.stages.includes(stage)) continue;
      version.stages = version.stages.filter((s) => s !== stage);
      if (stage === 'AWSCURRENT') this.attach(secret, 'AWSPREVIOUS', id);
    }
    const target = secret.versions[versionId]!;
    if (!target.stages.includes(stage)) target.stages.push(stage);
  }

  /** AWS drops unlabelled versions beyond about 100; we keep a few so the file stays small. */
  private prune(secret: StoredSecret): void {
    const unlabelled = Object.entries(secret.versions)
      .filter(([, v]) => v.stages.length === 0)
      .sort(([, a], [, b]) => a.createdAt - b.createdAt);
    for (const [id] of unlabelled.slice(0, Math.max(0, unlabelled.length - 5))) delete secret.versions[id];
  }

  private find(id: string, options: { evenIfDeleted?: boolean } = {}): StoredSecret {
    this.purgeExpired();
    const secret = this.secrets[id] ?? Object.values(this.secrets).find((s) => s.arn === id);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deleteAfter && !options.evenIfDeleted) {
      throw new AwsError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  /** Secrets whose recovery window has passed are gone, as in AWS. */
  private purgeExpired(): void {
    for (const [name, secret] of Object.entries(this.secrets))
      if (secret.deleteAfter && secret.deleteAfter <= Date.now()) delete this.secrets[name];
  }

  private encrypt(plain: string): Encrypted {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private decrypt(value: Encrypted): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(value.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(value.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(value.data, 'base64')), decipher.final()]).toString('utf8');
  }

  private save(): void {
    if (!this.path) return;
    // Write then rename, so a crash never leaves half a file.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.secrets), { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
  }
}
