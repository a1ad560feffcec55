import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateError } from '#lib/certificates/certificate-types.ts';
import { parseRootCertificate } from '#lib/certificates/root-certificate.ts';
import { createClientPfx, createTestPki, type TestPki } from '#test/support/certificates.ts';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

function refusal(act: () => unknown): CertificateError {
  try {
    act();
  } catch (error) {
    if (error instanceof CertificateError) return error;
    throw error;
  }
  throw new Error('expected a CertificateError');
}

describe('root certificate intake', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });

  it('reads root.pem (PEM) and returns it as PEM with its metadata', () => {
    // Prepare
    const content = Buffer.from(pki.ca.certPem);

    // Act
    const { pem, metadata } = parseRootCertificate(content);

    // Assess
    expect(new X509Certificate(pem).fingerprint256).toBe(new X509Certificate(pki.ca.certDer).fingerprint256);
    expect(metadata.subject).toBe('CN=QLIKSERVER-CA');
    expect(metadata.issuer).toBe('CN=QLIKSERVER-CA');
    expect(metadata.fingerprintSha256).toBe(new X509Certificate(pki.ca.certDer).fingerprint256);
  });

  it('reads root.cer in DER and returns the same PEM', () => {
    // Act
    const fromDer = parseRootCertificate(pki.ca.certDer);
    const fromPem = parseRootCertificate(Buffer.from(pki.ca.certPem));

    // Assess
    expect(fromDer.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(fromDer.pem).toBe(fromPem.pem);
    expect(fromDer.metadata).toEqual(fromPem.metadata);
  });

  it('reads a PEM saved with Windows line endings and a leading label', () => {
    const content = Buffer.from(`QLIKSERVER-CA\r\n${pki.ca.certPem.replace(/\n/g, '\r\n')}`);

    const { metadata } = parseRootCertificate(content);

    expect(metadata.subject).toBe('CN=QLIKSERVER-CA');
  });

  it('refuses a file that is not a certificate, naming the files to upload instead', () => {
    // Prepare
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const pfx = createClientPfx(pki, 'modern');

    // Act
    const errors = [png, pfx, Buffer.alloc(0), Buffer.from('hello')].map((content) =>
      refusal(() => parseRootCertificate(content)),
    );

    // Assess
    expect(errors.map((error) => error.problem)).toEqual(Array(4).fill('not-a-certificate'));
    expect(errors[0]?.message).toMatch(/root\.cer .*root\.pem/);
  });

  it('refuses an expired root certificate', () => {
    const error = refusal(() => parseRootCertificate(pki.ca.certDer, { now: new Date(Date.now() + 11 * YEAR_MS) }));

    expect(error.problem).toBe('expired');
    expect(error.message).toMatch(/root certificate expired on \d{4}-\d{2}-\d{2}/);
  });

  it('refuses a root certificate that is not valid yet', () => {
    const error = refusal(() => parseRootCertificate(pki.ca.certDer, { now: new Date(Date.now() - YEAR_MS) }));

    expect(error.problem).toBe('not-yet-valid');
  });
});
