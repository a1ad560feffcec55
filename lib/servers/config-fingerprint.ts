/**
 * Identifies a resolved configuration without revealing it: a test stores this with its result, and a later save
 * of the same configuration adopts the result as `lastTest`.
 *
 * It is an HMAC-SHA256 under a random per-deployment key kept in Secrets Manager (`fingerprint-key`), never a bare
 * hash: the input includes the secrets, and a reader of DynamoDB could otherwise test guesses of a weak one (a
 * certificate password) against the stored value offline. The test and settings functions share the key, so a
 * test in one container matches a save in another.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SecretStore } from '#lib/servers/server-ports.ts';
import type { FingerprintKey } from '#lib/servers/server-record.ts';
import type { ResolvedDraft } from '#lib/servers/resolve-draft.ts';

export type FingerprintKeySource = () => Promise<Buffer>;

/**
 * The deployment's fingerprint key, created on first use and then read once per container. Two first uses at once
 * both try to create it; the loser's value is only staged (never current), and both read the winner's.
 */
export function fingerprintKeyFrom(secrets: SecretStore): FingerprintKeySource {
  let key: Promise<Buffer> | undefined;
  const load = async () => {
    let stored = await secrets.readCurrent<FingerprintKey>('fingerprint-key');
    if (!stored) {
      await secrets.stage('fingerprint-key', { kind: 'fingerprint-key', key: randomBytes(32).toString('base64') });
      stored = await secrets.readCurrent<FingerprintKey>('fingerprint-key');
    }
    if (stored?.kind !== 'fingerprint-key') throw new Error('The fingerprint-key secret holds no fingerprint key.');
    return Buffer.from(stored.key, 'base64');
  };
  return () => {
    key ??= load();
    // A failed read is not kept: the next call tries again.
    key.catch(() => (key = undefined));
    return key;
  };
}

export function fingerprintOf(resolved: ResolvedDraft, key: Buffer): string {
  // Display name and concurrency do not change what a test proves, so editing them keeps the result.
  const { displayName: _name, maxParallelExecutions: _cap, ...connection } = resolved.settings;
  return createHmac('sha256', key)
    .update(JSON.stringify([connection, resolved.secret]))
    .digest('hex');
}
