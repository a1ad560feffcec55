import { describe, expect, it } from 'vitest';
import { QlikCloudApiError, QlikCloudNetworkError, type QlikErrorItem } from '#lib/qlik/cloud/cloud-errors.ts';
import {
  PERMISSION_REQUIREMENTS,
  describeQlikCloudError,
  type QlikCloudOperation,
} from '#lib/qlik/cloud/permission-errors.ts';

const refusal = (
  operation: QlikCloudOperation,
  status = 403,
  errors: QlikErrorItem[] = [{ code: 'HTTP-403', title: 'Forbidden' }],
  traceId: string | null = null,
) =>
  new QlikCloudApiError({
    method: 'GET',
    path: '/api/v1/x',
    status,
    errors,
    traceId,
    contentType: 'application/json',
    operation,
  });

describe('Qlik Cloud permission errors', () => {
  it.each<[QlikCloudOperation, string[]]>([
    ['items.list', ['`admin.apps:read` scope']],
    ['spaces.list', ['`admin.spaces:read` scope']],
    ['webhooks.list', ['`webhooks` scope', '"Use webhooks" permission', 'TenantAdmin']],
    ['webhooks.create', ['`webhooks` scope', '"Use webhooks" permission', 'TenantAdmin']],
    ['webhooks.update', ['`webhooks` scope']],
    ['reports.export', ['`apps.report:export` scope', "member of the app's space"]],
    ['users.me', ['may need the `user_default` scope', 'does not document']],
    ['webIntegrations.read', ['may need the TenantAdmin role', 'does not document']],
  ])('a 403 on %s names what to add', (operation, expected) => {
    const message = describeQlikCloudError(refusal(operation));

    for (const part of expected) expect(message).toContain(part);
    expect(message).toContain(
      `Qlik Cloud refused to ${PERMISSION_REQUIREMENTS[operation as keyof typeof PERMISSION_REQUIREMENTS].action}`,
    );
    expect(message).not.toMatch(/403 Forbidden/);
  });

  it('claims no requirement Qlik does not publish: undocumented ones say "may need"', () => {
    const documented =
      /`(webhooks|admin\.apps:read|admin\.spaces:read|apps\.report:export)` scope|TenantAdmin role to create|"Use webhooks"|member of the app's space/;
    for (const [operation, need] of Object.entries(PERMISSION_REQUIREMENTS)) {
      const claims = need.remedy
        .split(/(?<=\.)\s+/)
        .filter((sentence) => /\b(Add|give|Give|requires?|needs?)\b/.test(sentence));
      for (const claim of claims)
        expect(`${operation}: ${claim}`).toMatch(
          new RegExp(`${documented.source}|may need|may also need|does not document`),
        );
    }
    expect(JSON.stringify(PERMISSION_REQUIREMENTS)).not.toContain('Analytics Admin');
  });

  it("adds Qlik's trace ID so support can find the request", () => {
    expect(describeQlikCloudError(refusal('spaces.list', 403, [], 'trace-42'))).toContain('(Qlik trace ID trace-42)');
  });

  describe('token endpoint', () => {
    const token = (status: number, detail?: string) =>
      describeQlikCloudError(
        refusal('oauth.token', status, [{ code: `HTTP-${status}`, title: 'Error', ...(detail ? { detail } : {}) }]),
      );

    it('says the client ID or secret is wrong on a 401 that does not say which', () => {
      expect(token(401, 'invalid client credentials')).toContain('the client ID or secret is wrong');
    });

    it('names the secret or the client ID when Qlik does', () => {
      expect(token(401, 'invalid client secret')).toContain('the client secret is wrong');
      expect(token(401, 'client not found')).toContain('the client ID is wrong');
    });

    it('asks for the Trusted consent method on a consent problem, whatever the status', () => {
      for (const status of [400, 401, 403])
        expect(token(status, 'consent required')).toContain("Set the OAuth client's consent method to Trusted");
    });

    it('mentions the consent method for an unexplained 403', () => {
      expect(token(403)).toMatch(/disabled or holds too many tokens.*consent method to Trusted/);
    });

    it('explains a client that may not use client credentials', () => {
      expect(token(400, 'unauthorized_client: grant type not allowed')).toContain('machine-to-machine client');
    });

    it("calls a 5xx Qlik's side", () => {
      expect(token(503)).toContain("token endpoint failed (HTTP 503). This is on Qlik's side");
    });
  });

  describe('network failures', () => {
    const network = (code: string) =>
      describeQlikCloudError(new QlikCloudNetworkError('GET', '/api/v1/users/me', 'acme.eu.qlikcloud.com', code));

    it.each([
      ['ENOTFOUND', 'was not found in DNS'],
      ['ECONNREFUSED', 'refused the connection'],
      ['UND_ERR_CONNECT_TIMEOUT', 'did not answer in time'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'is not issued for that name'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'not signed by a trusted authority'],
      ['CERT_HAS_EXPIRED', 'outside its validity period'],
    ])('%s → %s', (code, expected) => {
      expect(network(code)).toContain(expected);
      expect(network(code)).toContain('acme.eu.qlikcloud.com');
    });
  });
});
