import { describe, expect, it } from 'vitest';
import { redact, registerSecretValue } from '#lib/observability/logger.ts';

describe('log redaction', () => {
  it('masks fields named like secrets at any depth', () => {
    const out = redact({
      certificatePassword: 'p',
      nested: { oauthClientSecret: 's', certificate: { contentBase64: 'AAAA' } },
      displayName: 'ok',
    });

    expect(out).toEqual({
      certificatePassword: '[REDACTED]',
      nested: { oauthClientSecret: '[REDACTED]', certificate: { contentBase64: '[REDACTED]' } },
      displayName: 'ok',
    });
  });

  it('masks a registered secret value inside any string, including error messages', () => {
    registerSecretValue('s3cr3t-value-42');

    const out = redact({ message: 'token s3cr3t-value-42 refused', error: new Error('bad s3cr3t-value-42') }) as Record<
      string,
      { message?: string } | string
    >;

    expect(JSON.stringify(out)).not.toContain('s3cr3t-value-42');
    expect(out.message).toBe('token [REDACTED] refused');
  });

  it('ignores values too short to be a secret, so ordinary words survive', () => {
    registerSecretValue('abc');

    expect(redact('abc def')).toBe('abc def');
  });
});
