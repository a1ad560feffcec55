import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateError, type CertificateProblem } from '#lib/certificates/certificate-types.ts';
import { openPkcs12, openPkcs12WithPasswords } from '#lib/certificates/pkcs12.ts';
import {
  createClientPfx,
  createTestPki,
  nodeTlsPfxError,
  opensslLegacyAvailable,
  opensslPfx,
  opensslSelfSignedCertificate,
  toPfx,
  type TestPki,
} from '#test/support/certificates.ts';

const PASSWORD = 'Qlik-Export-Pa55word';
// The start of a real PNG: signature and IHDR chunk. An admin may pick the wrong file in the upload dialog.
const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d4948445200000010000000100806000000', 'hex');
const withOpenssl = opensslLegacyAvailable();

/** Runs `act`, expects a CertificateError with `problem`, and checks that no password leaks into it. */
function expectRefusal(act: () => unknown, problem: CertificateProblem, secrets: string[] = [PASSWORD]) {
  let caught: unknown;
  try {
    act();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CertificateError);
  const error = caught as CertificateError;
  expect(error.problem).toBe(problem);
  for (const secret of secrets.filter(Boolean)) {
    expect(error.message).not.toContain(secret);
    expect(error.stack ?? '').not.toContain(secret);
  }
  return error;
}

describe('client certificate intake (PKCS#12)', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });

  describe('opens the files Qlik Sense exports', () => {
    it('opens a modern AES-256 .pfx with its password and returns key, certificate and CA as PEM', () => {
      // Prepare
      const pfx = createClientPfx(pki, 'modern', { password: PASSWORD });

      // Act
      const bundle = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(new X509Certificate(bundle.certPem).fingerprint256).toBe(
        new X509Certificate(pki.client.certDer).fingerprint256,
      );
      expect(bundle.caPems.map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=QLIKSERVER-CA']);
      expect(createPrivateKey(bundle.keyPem).asymmetricKeyType).toBe('rsa');
      expect(bundle.metadata.subject).toBe('CN=QlikClient');
      expect(bundle.metadata.issuer).toBe('CN=QLIKSERVER-CA');
      expect(() => createSecureContext({ key: bundle.keyPem, cert: bundle.certPem, ca: bundle.caPems })).not.toThrow();
    });

    it("opens the legacy Windows layout (RC2-40 certificates, 3DES key) that Node's own TLS refuses", () => {
      // Prepare
      const pfx = createClientPfx(pki, 'legacy', { password: PASSWORD });

      // Act
      const nodeError = nodeTlsPfxError(pfx, PASSWORD);
      const bundle = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(nodeError?.message).toMatch(/unsupported/i);
      expect(bundle.metadata.subject).toBe('CN=QlikClient');
      expect(bundle.caPems).toHaveLength(1);
      // What we extract is usable by Node where the original file was not.
      expect(() => createSecureContext({ key: bundle.keyPem, cert: bundle.certPem, ca: bundle.caPems })).not.toThrow();
    });

    it.skipIf(!withOpenssl)('opens a legacy .pfx made by `openssl pkcs12 -export -legacy`', () => {
      // Prepare
      const pfx = opensslPfx({ ...pemsOf(pki), password: PASSWORD, legacy: true });

      // Act
      const bundle = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(nodeTlsPfxError(pfx, PASSWORD)).toBeDefined();
      expect(bundle.metadata.fingerprintSha256).toBe(new X509Certificate(pki.client.certDer).fingerprint256);
    });

    it('opens a password-less .pfx whether the password is missing or blank', () => {
      // Prepare
      const pfx = createClientPfx(pki, 'no-password');
      const legacy = toPfx({ key: pki.client.key, cert: pki.client.cert, legacy: true });

      // Act
      const withoutPassword = openPkcs12(pfx, undefined);
      const withBlankPassword = openPkcs12(pfx, '');
      const legacyWithoutPassword = openPkcs12(legacy, undefined);

      // Assess
      expect(withoutPassword.metadata.subject).toBe('CN=QlikClient');
      expect(withBlankPassword.certPem).toBe(withoutPassword.certPem);
      expect(legacyWithoutPassword.certPem).toBe(withoutPassword.certPem);
    });

    it('opens a .pfx exported with an empty password, the way OpenSSL and forge write it', () => {
      // Prepare: MAC and bags keyed with '' (two zero bytes), not with "no password".
      const legacy = createClientPfx(pki, 'legacy', { password: '' });
      const modern = createClientPfx(pki, 'modern', { password: '' });

      // Act
      const bundles = [openPkcs12(legacy, undefined), openPkcs12(modern, undefined)];

      // Assess
      expect(bundles.map((bundle) => bundle.metadata.subject)).toEqual(['CN=QlikClient', 'CN=QlikClient']);
    });

    it.skipIf(!withOpenssl)('opens an OpenSSL AES .pfx whose password has non-ASCII characters', () => {
      // Prepare: PBKDF2 wants the UTF-8 bytes of the password, which forge alone gets wrong.
      const password = 'Lösenord-Qlik-ÅÄÖ';
      const pfx = opensslPfx({ ...pemsOf(pki), password });

      // Act
      const bundle = openPkcs12(pfx, password);

      // Assess
      expect(bundle.metadata.subject).toBe('CN=QlikClient');
    });

    it('finds the certificate that matches the key whatever order the bags are in', () => {
      // Prepare: the CA first, the client certificate last.
      const pfx = toPfx({ key: pki.client.key, cert: pki.ca.cert, ca: [pki.client.cert], password: PASSWORD });

      // Act
      const bundle = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(bundle.metadata.subject).toBe('CN=QlikClient');
      expect(bundle.caPems.map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=QLIKSERVER-CA']);
    });

    it.skipIf(!withOpenssl)('pairs an EC key with its certificate too', () => {
      // Prepare
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const certPem = opensslSelfSignedCertificate(keyPem, '/CN=QlikClient');
      const pfx = opensslPfx({ keyPem, certPem, password: PASSWORD });

      // Act
      const bundle = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(new X509Certificate(bundle.certPem).publicKey.equals(publicKey)).toBe(true);
      expect(bundle.caPems).toEqual([]);
    });
  });

  describe('records what the admin sees', () => {
    it('records the SHA-256 fingerprint exactly as Node prints it', () => {
      // Prepare
      const pfx = createClientPfx(pki, 'legacy', { password: PASSWORD });

      // Act
      const { metadata } = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(metadata.fingerprintSha256).toBe(new X509Certificate(pki.client.certDer).fingerprint256);
      expect(metadata.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });

    it('records DNS and IP subject alternative names as plain values, and the validity as ISO dates', () => {
      // Prepare
      const client = pki.issue({
        commonName: 'QlikClient',
        usage: 'client',
        altNames: ['qlikserver01', '10.0.0.5'],
        keySlot: 'client:QlikClient',
        notBefore: new Date('2025-01-01T00:00:00Z'),
        notAfter: new Date('2035-01-01T00:00:00Z'),
      });
      const pfx = toPfx({ key: client.key, cert: client.cert, password: PASSWORD });

      // Act
      const { metadata } = openPkcs12(pfx, PASSWORD);

      // Assess
      expect(metadata.subjectAltNames).toEqual(['qlikserver01', '10.0.0.5']);
      expect(metadata.notBefore).toBe('2025-01-01T00:00:00.000Z');
      expect(metadata.notAfter).toBe('2035-01-01T00:00:00.000Z');
    });
  });

  describe('refuses what cannot be used, saying what to do', () => {
    it('refuses a wrong password', () => {
      const pfx = createClientPfx(pki, 'modern', { password: PASSWORD });

      const error = expectRefusal(() => openPkcs12(pfx, 'not-the-password'), 'wrong-password', [
        'not-the-password',
        PASSWORD,
      ]);

      expect(error.message).toMatch(/password does not open/);
    });

    it('refuses a wrong password for the legacy layout too', () => {
      const pfx = createClientPfx(pki, 'legacy', { password: PASSWORD });

      expectRefusal(() => openPkcs12(pfx, 'not-the-password'), 'wrong-password', ['not-the-password', PASSWORD]);
    });

    it('asks for the password when a protected file is uploaded without one', () => {
      const pfx = createClientPfx(pki, 'modern', { password: PASSWORD });

      const error = expectRefusal(() => openPkcs12(pfx, undefined), 'wrong-password');

      expect(error.message).toMatch(/protected by a password/);
    });

    it('refuses a PNG renamed .pfx', () => {
      const error = expectRefusal(() => openPkcs12(PNG_BYTES, PASSWORD), 'not-pkcs12');

      expect(error.message).toMatch(
        /not a PKCS#12 \(\.pfx\/\.p12\) certificate\. Export the client certificate from the QMC/,
      );
    });

    it('refuses random bytes and an empty file', () => {
      expectRefusal(() => openPkcs12(randomBytes(2048), PASSWORD), 'not-pkcs12');
      expectRefusal(() => openPkcs12(Buffer.alloc(0), PASSWORD), 'not-pkcs12');
    });

    it('refuses a PEM file, naming it', () => {
      const error = expectRefusal(() => openPkcs12(Buffer.from(pki.client.certPem), PASSWORD), 'not-pkcs12');

      expect(error.message).toMatch(/PEM/);
    });

    it('refuses a certificate exported without its private key', () => {
      const pfx = createClientPfx(pki, 'certificate-only', { password: PASSWORD });

      const error = expectRefusal(() => openPkcs12(pfx, PASSWORD), 'no-private-key');

      expect(error.message).toMatch(/Include secret key/);
    });

    it('refuses a file whose certificate does not belong to its key', () => {
      const pfx = createClientPfx(pki, 'mismatched-key', { password: PASSWORD });

      expectRefusal(() => openPkcs12(pfx, PASSWORD), 'no-matching-certificate');
    });

    it('refuses an expired certificate, saying when it expired', () => {
      // Prepare
      const expired = pki.issue({
        commonName: 'QlikClient',
        usage: 'client',
        keySlot: 'client:QlikClient',
        notBefore: new Date('2023-06-30T12:00:00Z'),
        notAfter: new Date('2024-06-30T12:00:00Z'),
      });
      const pfx = toPfx({ key: expired.key, cert: expired.cert, ca: [pki.ca.cert], password: PASSWORD });

      // Act
      const error = expectRefusal(() => openPkcs12(pfx, PASSWORD), 'expired');

      // Assess
      expect(error.message).toContain('expired on 2024-06-30 12:00 UTC');
    });

    it('refuses the expired client fixture other suites use', () => {
      const pfx = createClientPfx(pki, 'expired', { password: PASSWORD });

      expectRefusal(() => openPkcs12(pfx, PASSWORD), 'expired');
    });

    it('refuses a certificate that is not valid yet', () => {
      const pfx = createClientPfx(pki, 'not-yet-valid', { password: PASSWORD });

      const error = expectRefusal(() => openPkcs12(pfx, PASSWORD), 'not-yet-valid');

      expect(error.message).toMatch(/not valid until/);
    });

    it('checks validity against the given moment', () => {
      const pfx = createClientPfx(pki, 'modern', { password: PASSWORD });

      expectRefusal(() => openPkcs12(pfx, PASSWORD, { now: new Date(Date.now() + 2 * 365 * 86_400_000) }), 'expired');
    });
  });

  describe('password candidates (rotation keeps the stored password)', () => {
    it('opens a new file uploaded with a blank password using the stored password first', () => {
      const pfx = createClientPfx(pki, 'modern', { password: PASSWORD });

      const { bundle, password } = openPkcs12WithPasswords(pfx, [PASSWORD, undefined]);

      expect(password).toBe(PASSWORD);
      expect(bundle.metadata.subject).toBe('CN=QlikClient');
    });

    it('falls back to no password when the stored one does not open the file', () => {
      const pfx = createClientPfx(pki, 'no-password');

      const { password } = openPkcs12WithPasswords(pfx, ['old-stored-password', undefined]);

      expect(password).toBeUndefined();
    });

    it('reports the first candidate that opens the file', () => {
      const pfx = createClientPfx(pki, 'legacy', { password: PASSWORD });

      const { password } = openPkcs12WithPasswords(pfx, ['first-wrong', PASSWORD, 'never-tried']);

      expect(password).toBe(PASSWORD);
    });

    it('refuses with wrong-password when no candidate opens the file, naming none of them', () => {
      const pfx = createClientPfx(pki, 'modern', { password: PASSWORD });

      const error = expectRefusal(
        () => openPkcs12WithPasswords(pfx, ['old-stored-password', undefined]),
        'wrong-password',
        ['old-stored-password', PASSWORD],
      );

      expect(error.message).toMatch(/password does not open/);
    });

    it('stops at the first problem that is not a wrong password', () => {
      const pfx = createClientPfx(pki, 'expired', { password: PASSWORD });

      expectRefusal(() => openPkcs12WithPasswords(pfx, [PASSWORD, undefined]), 'expired');
    });

    it('refuses a file that is not PKCS#12 without trying the other candidates', () => {
      expectRefusal(() => openPkcs12WithPasswords(PNG_BYTES, [PASSWORD, undefined]), 'not-pkcs12');
    });
  });
});

function pemsOf(pki: TestPki) {
  return { keyPem: pki.client.keyPem, certPem: pki.client.certPem, caPems: [pki.ca.certPem] };
}
