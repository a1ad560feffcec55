/** Valid drafts for both server types, to vary one field at a time in tests. */
import { createClientPfx, createTestPki, type TestPki } from '#test/support/certificates.ts';
import type { QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';

export const PFX_PASSWORD = 'Pfx-Password-7f3a';
export const CLIENT_SECRET = 'client-secret-9b1c2d3e4f';

let pki: TestPki | undefined;
export const testPki = () => (pki ??= createTestPki({ extraServerNames: ['localhost', '127.0.0.1'] }));

export function pfxUpload(variant: Parameters<typeof createClientPfx>[1] = 'modern', password = PFX_PASSWORD) {
  return {
    fileName: 'client.pfx',
    contentBase64: createClientPfx(testPki(), variant, { password }).toString('base64'),
  };
}

export function onPremDraft(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    displayName: 'Production Qlik Sense',
    url: 'https://qlik.example.com',
    userDirectory: 'INTERNAL',
    serviceAccountUser: 'sa_kpimailer',
    maxParallelExecutions: 4,
    certificate: pfxUpload(),
    certificatePassword: PFX_PASSWORD,
    ...overrides,
  };
}

export function cloudDraft(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    displayName: 'Qlik Cloud EU',
    url: 'https://acme.eu.qlikcloud.com',
    oauthClientId: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
    webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2_r1Zt6s',
    oauthClientSecret: CLIENT_SECRET,
    ...overrides,
  };
}

/** The draft an admin enters for a simulated Qlik Sense site: its proxy as Server URL, its QRS and Proxy Service API ports. */
export function simulatedSiteDraft(
  sim: QlikSenseSimulator,
  pfx: { password: string; variant?: Parameters<typeof createClientPfx>[1] },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    displayName: 'Simulated site',
    url: sim.proxy.url,
    repositoryPort: sim.port,
    proxyApiPort: sim.proxy.apiPort,
    certificateHostName: sim.machineName,
    userDirectory: 'INTERNAL',
    serviceAccountUser: 'sa_kpimailer',
    certificate: {
      fileName: 'client.pfx',
      contentBase64: createClientPfx(sim.pki, pfx.variant ?? 'modern', { password: pfx.password }).toString('base64'),
    },
    certificatePassword: pfx.password,
    ...overrides,
  };
}
