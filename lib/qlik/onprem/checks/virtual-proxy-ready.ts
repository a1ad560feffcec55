/**
 * "Virtual proxy ready": the `kpimailer` virtual proxy exists, uses ticket authentication, is configured as KPImailer
 * needs and is linked; and a session was opened through it as the service account (session-proof.ts).
 */
import type { Check } from '#lib/connection-test/check-ladder.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import { ensureVirtualProxy, type VirtualProxyOutcome } from '#lib/qlik/onprem/virtual-proxy.ts';
import { VirtualProxyError } from '#lib/qlik/onprem/virtual-proxy-settings.ts';
import { proveSession } from '#lib/qlik/onprem/checks/session-proof.ts';
import { accountName, qrsFailure, type OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';

export const virtualProxyReady: Check<OnPremTestContext> = {
  name: 'Virtual proxy ready',
  // Provisioning, then up to DEFAULT_APPLY_WAIT_MS waiting for Qlik to apply a new or changed virtual proxy.
  timeoutMs: 20_000,
  async run(context, signal) {
    let outcome: VirtualProxyOutcome;
    try {
      outcome = await ensureVirtualProxy(context.qrs, context.connection, signal);
    } catch (error) {
      if (error instanceof VirtualProxyError) throw new CheckFailedError(error.message, { cause: error });
      throw qrsFailure(error, "provision the 'kpimailer' virtual proxy");
    }
    context.virtualProxy = {
      id: outcome.id,
      prefix: outcome.prefix,
      sessionCookieHeaderName: outcome.sessionCookieHeaderName,
    };
    const otherDoor = context.session.sessions.useVirtualProxy({
      prefix: outcome.prefix,
      sessionCookieHeaderName: outcome.sessionCookieHeaderName,
    });
    const origin = await proveSession({
      ...context.session,
      changed: outcome.status !== 'already correct' || otherDoor,
      whatChanged: `${nameOf(outcome)} ${outcome.status === 'created' ? 'created' : outcome.status === 'adjusted' ? `adjusted (${outcome.adjusted.join(', ')})` : 'found'}`,
      signal,
    });
    return `${describeOutcome(outcome)} A session through ${origin}/${outcome.prefix}/ was opened with a ticket as ${accountName(context.connection)}.`;
  },
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const nameOf = (outcome: VirtualProxyOutcome) => `Virtual proxy '${outcome.prefix}'`;

function describeOutcome(outcome: VirtualProxyOutcome): string {
  const balancing = outcome.status === 'created' ? `load balancing to ${outcome.engineNodes.join(', ')}, ` : '';
  const what =
    `ticket authentication, ${balancing}host allow list includes ${outcome.desired.allowedHost}; ` +
    `linked to ${plural(outcome.proxyServices.length, 'proxy service', 'proxy services')} (${outcome.proxyServices.join(', ')})`;
  if (outcome.status === 'created') return `${nameOf(outcome)} created: ${what}.`;
  if (outcome.status === 'adjusted') return `${nameOf(outcome)} adjusted: ${outcome.adjusted.join(', ')}. Now ${what}.`;
  return `${nameOf(outcome)} already correct: ${what}.`;
}
