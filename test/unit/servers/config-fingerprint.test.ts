import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '#lib/servers/config-fingerprint.ts';
import type { ResolvedCloud } from '#lib/servers/resolve-draft.ts';

const resolved = (clientSecret: string, displayName = 'Qlik Cloud'): ResolvedCloud => ({
  type: 'cloud',
  settings: {
    displayName,
    url: 'https://acme.eu.qlikcloud.com',
    oauthClientId: 'client',
    webIntegrationId: 'wi',
    maxParallelExecutions: 4,
  },
  secret: { kind: 'cloud', clientSecret },
});

describe('configuration fingerprint', () => {
  const key = Buffer.alloc(32, 1);

  it('is an HMAC under the deployment key, never a bare hash a reader could test guesses against', () => {
    const { displayName: _n, maxParallelExecutions: _m, ...connection } = resolved('guessable').settings;
    const bareHash = createHash('sha256')
      .update(JSON.stringify([connection, resolved('guessable').secret]))
      .digest('hex');
    expect(fingerprintOf(resolved('guessable'), key)).not.toBe(bareHash);
    expect(fingerprintOf(resolved('guessable'), key)).not.toBe(
      fingerprintOf(resolved('guessable'), Buffer.alloc(32, 2)),
    );
  });

  it('matches the same configuration, ignores the display name and tells secrets apart', () => {
    expect(fingerprintOf(resolved('s1'), key)).toBe(fingerprintOf(resolved('s1', 'Renamed'), key));
    expect(fingerprintOf(resolved('s1'), key)).not.toBe(fingerprintOf(resolved('s2'), key));
  });
});
