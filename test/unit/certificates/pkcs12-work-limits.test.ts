import forge from 'node-forge';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CertificateError } from '#lib/certificates/certificate-types.ts';
import { openPkcs12, openPkcs12WithPasswords } from '#lib/certificates/pkcs12.ts';
import { createClientPfx, createTestPki } from '#test/support/certificates.ts';
import { spyOnKeyDerivation, withIterations } from '#test/support/pfx-iterations.ts';

const PASSWORD = 'export-pw';
const pki = createTestPki();
const modern = createClientPfx(pki, 'modern', { password: PASSWORD });
const legacy = createClientPfx(pki, 'legacy', { password: PASSWORD });

const refusal = (open: () => unknown): CertificateError => {
  try {
    open();
  } catch (error) {
    if (error instanceof CertificateError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
};

describe('PKCS#12 key-derivation limits', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['the MAC', { mac: 1_000_000 }, modern],
    ['the key bag (PBES2/PBKDF2)', { pbe: 1_000_000 }, modern],
    ['the legacy RC2/3DES parts', { pbe: 1_000_000 }, legacy],
    ['every part', { mac: 1_000_000, pbe: 1_000_000 }, legacy],
    ['MAC, with a count near 2^31', { mac: 2 ** 31 - 1 }, modern],
  ])(
    'refuses a file whose %s asks for more than 100,000 iterations, before deriving any key',
    (_what, overrides, pfx) => {
      const derivations = spyOnKeyDerivation();

      const error = refusal(() => openPkcs12WithPasswords(withIterations(pfx, overrides), [PASSWORD, undefined]));

      expect(error.problem).toBe('excessive-iterations');
      expect(error.message).toMatch(/at most 100,000/);
      for (const spy of derivations) expect(spy).not.toHaveBeenCalled();
    },
  );

  it('refuses an intake whose permitted counts add up to more than about a second of work', () => {
    // 100,000 MAC iterations are allowed once; a second password candidate would double them.
    const pfx = withIterations(modern, { mac: 100_000 });
    const macDerivations = vi.spyOn(forge.pkcs12, 'generateKey');

    const error = refusal(() => openPkcs12WithPasswords(pfx, ['first-guess', 'second-guess']));

    expect(macDerivations).toHaveBeenCalledTimes(1);
    expect(error.problem).toBe('excessive-iterations');
    expect(error.message).toMatch(/stall the service/);
  });

  it('still opens what Windows and OpenSSL export', () => {
    expect(openPkcs12(legacy, PASSWORD).metadata.subject).toMatch(/QlikClient/);
    expect(openPkcs12WithPasswords(modern, ['wrong', PASSWORD]).password).toBe(PASSWORD);
  });

  it('accepts a single count of exactly 100,000', () => {
    // The MAC at 100,000 fails to verify (it was computed with 2,048), which proves the derivation ran.
    const error = refusal(() => openPkcs12(withIterations(modern, { mac: 100_000 }), PASSWORD));

    expect(error.problem).toBe('wrong-password');
  });
});
