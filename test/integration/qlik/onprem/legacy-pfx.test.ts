import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPkcs12 } from '#lib/certificates/pkcs12.ts';
import { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import { createClientPfx, nodeTlsPfxError } from '#test/support/certificates.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';

const PASSWORD = 'qmc-export-password';

describe('a client.pfx in the legacy Windows layout, end to end', () => {
  let sim: QlikSenseSimulator;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
  });
  afterAll(() => sim.close());

  it('connects with the RC2-40/3DES .pfx that Node cannot load itself, trusting the CA that came in it', async () => {
    // Prepare: what the QMC's Windows-format export gives an admin
    const pfx = createClientPfx(sim.pki, 'legacy', { password: PASSWORD });
    expect(nodeTlsPfxError(pfx, PASSWORD)).toBeDefined();

    // Act
    const bundle = openPkcs12(pfx, PASSWORD);
    const { result, virtualProxy } = await testOnPremConnection(
      sim.connection({ tls: { keyPem: bundle.keyPem, certPem: bundle.certPem, caPems: bundle.caPems } }),
    );

    // Assess
    expect(result.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    expect(virtualProxy?.prefix).toBe('kpimailer');
    expect(sim.requests.every((r) => r.clientCertificate === 'QlikClient' && r.clientCertificateTrusted)).toBe(true);
    expect(result.checks[0]!.message).toMatch(/is trusted and valid for QLIKSERVER/);
  });
});
