/**
 * Where extraction results live: an S3 bucket in AWS (lifecycle expiry, see infra), a folder under the data
 * directory locally. Both keep the content type beside the bytes.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ResultStore } from '#lib/executions/execution-ports.ts';
import type { ExtractionOutput } from '#lib/executions/execution-types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function keyOf(executionId: string): string {
  // Execution ids are UUIDs (validated at submit); anything else must never become a path or key.
  if (!UUID.test(executionId)) throw new Error('An execution id is a UUID.');
  return `results/${executionId.toLowerCase()}`;
}

export class S3ResultStore implements ResultStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(executionId: string, output: ExtractionOutput): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: keyOf(executionId),
        Body: output.bytes,
        ContentType: output.contentType,
      }),
    );
  }

  async get(executionId: string): Promise<ExtractionOutput | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: keyOf(executionId) }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      return { contentType: object.ContentType ?? 'application/octet-stream', bytes };
    } catch (error) {
      if (error instanceof NoSuchKey) return null;
      throw error;
    }
  }
}

export class FileResultStore implements ResultStore {
  /** The results folder, made once (a worker stores result after result into it). */
  private folder: Promise<unknown> | undefined;

  constructor(private readonly directory: string) {}

  async put(executionId: string, output: ExtractionOutput): Promise<void> {
    const path = join(this.directory, keyOf(executionId));
    try {
      await this.write(path, output);
    } catch (error) {
      // The folder went away under a running service (someone tidied the data directory): make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.folder = undefined;
      await this.write(path, output);
    }
  }

  private async write(path: string, output: ExtractionOutput): Promise<void> {
    this.folder ??= mkdir(join(this.directory, 'results'), { recursive: true }).catch((error: unknown) => {
      this.folder = undefined;
      throw error;
    });
    await this.folder;
    // Written under temporary names and renamed, so a reader never sees half a file; the type first, so whoever
    // finds the bytes finds their type too.
    await Promise.all([
      writeFile(`${path}.tmp`, output.bytes, { mode: 0o600 }),
      writeFile(`${path}.type.tmp`, output.contentType, { mode: 0o600 }),
    ]);
    await rename(`${path}.type.tmp`, `${path}.type`);
    await rename(`${path}.tmp`, path);
  }

  async get(executionId: string): Promise<ExtractionOutput | null> {
    const path = join(this.directory, keyOf(executionId));
    try {
      const [bytes, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, 'utf8')]);
      return { contentType, bytes };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
