// Integration: the untrusted-chain cases open a probe handshake to a refused loopback port.
import { describe, expect, it } from 'vitest';
import { toConnectionError, type FailedCall } from '#lib/qlik/onprem/connection-errors.ts';
import { closedPort } from '#test/simulators/qlik-sense-enterprise/index.ts';

const call = (overrides: Partial<FailedCall> = {}): FailedCall => ({
  method: 'GET',
  path: '/qrs/about',
  host: '127.0.0.1',
  port: 1,
  checkedName: '10.0.0.5',
  checkedNameSource: 'url',
  connected: false,
  abortedByCaller: false,
  ...overrides,
});

const coded = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });

describe('connection failure messages', () => {
  it("lists the certificate's names on a host name mismatch and suggests Certificate host name", async () => {
    // Prepare: the shape Node's checkServerIdentity error has
    const error = coded('ERR_TLS_CERT_ALTNAME_INVALID', {
      cert: {
        subject: { CN: 'QLIKSERVER' },
        issuer: { CN: 'QLIKSERVER-CA' },
        subjectaltname: 'DNS:QLIKSERVER, DNS:qlikserver.corp.local',
        valid_to: 'Jan  1 00:00:00 2030 GMT',
      },
    });

    // Act
    const result = await toConnectionError(error, call());

    // Assess
    expect(result.problem).toBe('tls-hostname');
    expect(result.details.serverCertificate?.names).toEqual(['QLIKSERVER', 'qlikserver.corp.local']);
    expect(result.message).toContain(
      "issued to QLIKSERVER, qlikserver.corp.local, not to 10.0.0.5 (the Server URL's host)",
    );
    expect(result.message).toContain('set Certificate host name to one of: QLIKSERVER, qlikserver.corp.local');
  });

  it('says to change the Certificate host name when that setting is the name that did not match', async () => {
    const error = coded('ERR_TLS_CERT_ALTNAME_INVALID', {
      cert: { subject: { CN: 'QLIKSERVER' }, issuer: { CN: 'QLIKSERVER-CA' }, subjectaltname: 'DNS:QLIKSERVER' },
    });

    const result = await toConnectionError(
      error,
      call({ checkedName: 'QLIK01', checkedNameSource: 'certificateHostName' }),
    );

    expect(result.message).toContain(
      'not to QLIK01 (the Certificate host name setting). Change Certificate host name to one of: QLIKSERVER',
    );
  });

  it('explains an untrusted chain and the two ways out, even when the names cannot be read', async () => {
    const port = await closedPort();

    const result = await toConnectionError(coded('SELF_SIGNED_CERT_IN_CHAIN'), call({ port }));

    expect(result.problem).toBe('tls-untrusted');
    expect(result.message).toMatch(/its names could not be read/);
    expect(result.message).toMatch(/Upload this Qlik site's root certificate/);
    expect(result.message).toMatch(/allowUntrustedServerCertificate/);
  });

  it('tells "no connection" from "no answer" on a timeout', async () => {
    const noConnection = await toConnectionError(new Error('aborted'), call({ timedOutAfterMs: 8000 }));
    const noAnswer = await toConnectionError(new Error('aborted'), call({ timedOutAfterMs: 8000, connected: true }));

    expect(noConnection.message).toMatch(/No connection to 127\.0\.0\.1:1 within 8 s \(TCP\/TLS timed out\)/);
    expect(noAnswer.message).toMatch(/accepted the connection but did not answer GET \/qrs\/about within 8 s/);
  });

  it('reports expired server certificates and unknown TLS failures with their code', async () => {
    const port = await closedPort();
    expect((await toConnectionError(coded('CERT_HAS_EXPIRED'), call({ port }))).problem).toBe('tls-expired');
    const other = await toConnectionError(coded('ERR_SSL_WRONG_VERSION_NUMBER'), call({ port }));
    expect(other.problem).toBe('tls-other');
    expect(other.message).toContain('ERR_SSL_WRONG_VERSION_NUMBER');
  });
});
