/**
 * The "Server reachable" check: DNS, TCP, a TLS connection verified against the tenant host, and an HTTP answer.
 * Any HTTP status passes: what a tenant answers an anonymous call is not documented as a contract (a WAF, a
 * redirect to the login page or a changed error body are all possible), and whether the host is a Qlik Cloud
 * tenant that accepts our client is the Authentication check's job. No credentials are sent here.
 */
import type { QlikCloudNetworkError } from '#lib/qlik/cloud/cloud-errors.ts';
import { destinationRefusalOf } from '#lib/qlik/destination-policy.ts';
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
 * Probes the tenant with an anonymous `GET /api/v1/users/me` and resolves with the passed check's message once
 * any HTTP answer arrived over verified TLS. Throws the client's typed errors (network, TLS, rate limit) for the
 * caller to describe.
 */
export async function probeTenant(
  client: QlikCloudClient,
  options: Pick<CloudRequest, 'signal' | 'rateLimit' | 'meter'> = {},
): Promise<string> {
  const started = performance.now();
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
  return `Reached ${client.host} over verified TLS; it answered HTTP ${answer.status} (${elapsed} ms). Authentication checks that it is your Qlik Cloud tenant.`;
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
