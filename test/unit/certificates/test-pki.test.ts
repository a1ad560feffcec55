import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createClientPfx,
  createTestPki,
  describePfxWithOpenssl,
  nodeTlsPfxError,
  opensslLegacyAvailable,
  type TestPki,
} from '#test/support/certificates.ts';

const PASSWORD = 'fixture-password';

// The fixtures are what other suites build mutual TLS and upload tests on, so they are specified here too.
describe('test PKI fixtures', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki({ extraServerNames: ['localhost', '127.0.0.1'] });
  });

  it('issues the server certificate to the machine name and extra names, under CN=<machine>-CA', () => {
    // Act
    const ca = new X509Certificate(pki.ca.certDer);
    const server = new X509Certificate(pki.server.certPem);

    // Assess
    expect(ca.subject).toBe('CN=QLIKSERVER-CA');
    expect(ca.ca).toBe(true);
    expect(server.subject).toBe('CN=QLIKSERVER');
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('QLIKSERVER')).toBe('QLIKSERVER');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('qlik.example.com')).toBeUndefined();
  });

  it('issues CN=QlikClient from the same CA, for client authentication', () => {
    const ca = new X509Certificate(pki.ca.certDer);
    const client = new X509Certificate(pki.client.certDer);

    expect(client.subject).toBe('CN=QlikClient');
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });

  it('reuses key pairs within a process so suites stay fast', () => {
    const again = createTestPki({ extraServerNames: ['localhost', '127.0.0.1'] });

    expect(again.client.keyPem).toBe(pki.client.keyPem);
    expect(again.ca.keyPem).toBe(pki.ca.keyPem);
    expect(createTestPki({ machineName: 'OTHERHOST' }).ca.keyPem).not.toBe(pki.ca.keyPem);
  });

  it("makes a legacy .pfx that Node's TLS refuses and modern ones that it loads", () => {
    // Act
    const legacy = nodeTlsPfxError(createClientPfx(pki, 'legacy', { password: PASSWORD }), PASSWORD);
    const modern = nodeTlsPfxError(createClientPfx(pki, 'modern', { password: PASSWORD }), PASSWORD);
    const noPassword = nodeTlsPfxError(createClientPfx(pki, 'no-password'));

    // Assess
    expect(legacy?.message).toMatch(/unsupported/i);
    expect(modern).toBeUndefined();
    expect(noPassword).toBeUndefined();
  });

  it.skipIf(!opensslLegacyAvailable())(
    'makes the legacy .pfx in the Windows layout, as `openssl pkcs12 -info -legacy` reads it',
    () => {
      // Act
      const info = describePfxWithOpenssl(createClientPfx(pki, 'legacy', { password: PASSWORD }), PASSWORD);

      // Assess
      expect(info).toMatch(/MAC: sha1/);
      expect(info).toMatch(/PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC/);
      expect(info).toMatch(/Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
      expect(info.match(/Certificate bag/g)).toHaveLength(2);
    },
  );

  it.skipIf(!opensslLegacyAvailable())('makes the modern .pfx with an AES key bag', () => {
    const info = describePfxWithOpenssl(createClientPfx(pki, 'modern', { password: PASSWORD }), PASSWORD);

    expect(info).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
  });
});
