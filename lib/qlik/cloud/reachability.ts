/**
 * The "Server reachable" check: DNS, TCP, TLS and an HTTP answer that looks like a Qlik Cloud tenant. It sends
 * no credentials, so a mistyped URL that lands on someone else's server never receives the client secret.
 */
import { parseQlikErrorBody, type QlikCloudNetworkError } from '#lib/qlik/cloud/cloud-errors.ts';
import { destinationRefusalOf } from '#lib/qlik/destination-policy.ts';
import { contentTypeLabel } from '#lib/qlik/foreign-text.ts';
import type { CloudRequest, QlikCloudClient } from '#lib/qlik/cloud/cloud-client.ts';

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/**
 * Probes the tenant with an anonymous `GET /api/v1/users/me`. A tenant answers 401 (or 403) with Qlik's JSON
 * error body; a server that is not Qlik answers something else (typically an HTML 404 or a web page).
 * Resolves with the message of a passed check. Throws an Error whose message is the admin's sentence for a
 * non-Qlik answer, and the client's typed errors otherwise (network, rate limit) for the caller to describe.
 */
export async function probeTenant(client: QlikCloudClient, options: Pick<CloudRequest, 'signal' | 'rateLimit' | 'meter'> = {}): Promise<string> {
  const started = performance.now();
  // Network and rate-limit errors propagate typed; the caller turns them into sentences.
  const answer = await client.request<unknown>({
    method: 'GET',
    path: '/api/v1/users/me',
    operation: 'probe',
    signal: options.signal,
    rateLimit: options.rateLimit,
    meter: options.meter,
    followRedirects: false,
    throwOnHttpError: false,
  });
  const elapsed = Math.round(performance.now() - started);
  if (looksLikeQlik(answer.status, answer.contentType, answer.body, answer.headers)) {
    return `Reached the Qlik Cloud tenant at ${client.host} over verified TLS (${elapsed} ms).`;
  }
  const type = contentTypeLabel(answer.contentType);
  const what = `HTTP ${answer.status}${type ? `, ${type}` : ''}`;
  throw new Error(
    `${client.host} answered (${what}), but not like a Qlik Cloud tenant. Check the tenant URL: it is the address you open ` +
      'Qlik Cloud with, like https://your-tenant.eu.qlikcloud.com (or your tenant\'s custom domain).',
  );
}

function looksLikeQlik(status: number, contentType: string | null, body: unknown, headers: Record<string, string>): boolean {
  const json = contentType?.includes('json') ?? false;
  if ((status === 401 || status === 403) && json) {
    return parseQlikErrorBody(JSON.stringify(body ?? null)).errors.length > 0;
  }
  // Some tenant front ends answer an anonymous API call with a redirect to the login page.
  if (status >= 300 && status < 400) return /\/login\b/.test(headers.location ?? '');
  return false;
}

/** The admin's sentence for a call that got no HTTP answer. */
export function describeNetworkError(error: QlikCloudNetworkError): string {
  const host = error.host;
  const code = error.code;
  const refusal = destinationRefusalOf(error);
  if (refusal) return refusal.message;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return `The host name ${host} was not found in DNS (${code}). Check the tenant URL for typos; it looks like https://your-tenant.eu.qlikcloud.com.`;
  }
  if (code === 'ECONNREFUSED') {
    return `${host} refused the connection (${code}). Check the tenant URL; a Qlik Cloud tenant accepts HTTPS on port 443.`;
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return `${host} did not answer in time (${code}). Check the tenant URL, and that this service's outbound network (firewall, NAT, proxy) allows HTTPS to it.`;
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return `${host} closed the connection before answering (${code}). A proxy or firewall may be blocking HTTPS to it; try again, then check the network path.`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `The TLS certificate of ${host} is not issued for that name (${code}). Use the tenant's own address; a proxy that intercepts TLS also causes this.`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `The TLS certificate presented for ${host} is outside its validity period (${code}). Qlik's own certificates are kept current, so a proxy that intercepts TLS is the usual cause.`;
  }
  if (TLS_TRUST_CODES.has(code)) {
    return `The TLS certificate presented for ${host} is not signed by a trusted authority (${code}). Qlik Cloud uses public certificates, so a proxy that intercepts TLS is the usual cause: trust its CA or bypass it for Qlik Cloud.`;
  }
  return `Could not connect to ${host} (${code}). Check the tenant URL and this service's outbound network.`;
}
