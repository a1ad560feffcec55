import { describe, expect, it } from 'vitest';
import { parseSubjectAltNames, readableDate } from '#lib/certificates/certificate-metadata.ts';

describe('certificate metadata', () => {
  describe('subject alternative names', () => {
    it('keeps DNS names and IP addresses as plain values, in order', () => {
      const names = parseSubjectAltNames('DNS:qlikserver01, IP Address:10.0.0.5, DNS:qlikserver01.corp.example');

      expect(names).toEqual(['qlikserver01', '10.0.0.5', 'qlikserver01.corp.example']);
    });

    it('leaves out e-mail, URI and other entries that TLS does not match a host against', () => {
      const names = parseSubjectAltNames('email:admin@example.com, URI:https://qlik.example, DNS:qlikserver01');

      expect(names).toEqual(['qlikserver01']);
    });

    it('reads the quoted form Node uses for values containing a separator', () => {
      const names = parseSubjectAltNames('DNS:"odd, name", IP Address:0:0:0:0:0:0:0:1');

      expect(names).toEqual(['odd, name', '0:0:0:0:0:0:0:1']);
    });

    it('is empty when the certificate has no subjectAltName extension', () => {
      expect(parseSubjectAltNames(undefined)).toEqual([]);
      expect(parseSubjectAltNames('')).toEqual([]);
    });
  });

  it('writes dates for admins as UTC minutes', () => {
    expect(readableDate(new Date('2026-03-01T12:34:56.789Z'))).toBe('2026-03-01 12:34 UTC');
  });
});
