/** Issue 10 item 6 through the real settings and test-connection handlers: a `.pfx` asking for absurd key derivation. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClientPfx } from '#test/support/certificates.ts';
import { spyOnKeyDerivation, withIterations } from '#test/support/pfx-iterations.ts';
import { onPremDraft, PFX_PASSWORD, testPki } from '#test/support/server-drafts.ts';
import { startHandlers, type HandlerHarness } from '#test/integration/connection-test/handler-harness.ts';

describe('certificate intake limits through the real handlers', () => {
  let api: HandlerHarness;

  beforeAll(async () => {
    api = await startHandlers();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await api?.close();
  });

  it('answers 400 naming certificate for a 1,000,000-iteration .pfx on save and test, deriving no key and saving nothing', async () => {
    const pfx = withIterations(createClientPfx(testPki(), 'legacy', { password: PFX_PASSWORD }), {
      mac: 1_000_000,
      pbe: 1_000_000,
    });
    const draft = onPremDraft({ certificate: { fileName: 'client.pfx', contentBase64: pfx.toString('base64') } });
    const derivations = spyOnKeyDerivation();

    const saved = await api.call('PUT', '/api/servers/onprem', { body: draft });
    const tested = await api.call('POST', '/api/servers/onprem/test', { body: draft });

    for (const response of [saved, tested]) {
      expect(response.status).toBe(400);
      expect(response.json().errors).toEqual([
        {
          field: 'certificate',
          message: expect.stringMatching(/1,000,000 key-derivation iterations.*at most 100,000/),
        },
      ]);
    }
    for (const spy of derivations) expect(spy).not.toHaveBeenCalled();
    expect((await api.call('GET', '/api/servers/onprem')).json().configured).toBe(false);
  });
});
