/** "Virtual proxy ready": the `kpimailer` virtual proxy exists, is configured as KPImailer needs and is linked. */
import type { Check } from '#lib/connection-test/check-ladder.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import { ensureVirtualProxy, type VirtualProxyOutcome } from '#lib/qlik/onprem/virtual-proxy.ts';
import { VirtualProxyError } from '#lib/qlik/onprem/virtual-proxy-settings.ts';
import { qrsFailure, type OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';

export const virtualProxyReady: Check<OnPremTestContext> = {
  name: 'Virtual proxy ready',
  timeoutMs: 12_000,
  async run(context, signal) {
    let outcome: VirtualProxyOutcome;
    try {
      outcome = await ensureVirtualProxy(context.qrs, context.connection, signal);
    } catch (error) {
      if (error instanceof VirtualProxyError) throw new CheckFailedError(error.message, { cause: error });
      throw qrsFailure(error, "provision the 'kpimailer' virtual proxy");
    }
    context.virtualProxy = { id: outcome.id, prefix: outcome.prefix };
    return describeOutcome(outcome);
  },
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function describeOutcome(outcome: VirtualProxyOutcome): string {
  const { entity, allowedHost } = outcome.desired;
  const what =
    `header authentication (${entity.headerAuthenticationHeaderName}, user directory ${entity.headerAuthenticationStaticUserDirectory}), ` +
    `load balancing to ${outcome.engineNodes.join(', ')}, host allow list includes ${allowedHost}; ` +
    `linked to ${plural(outcome.proxyServices.length, 'proxy service', 'proxy services')} (${outcome.proxyServices.join(', ')})`;
  const name = `Virtual proxy '${outcome.prefix}'`;
  if (outcome.status === 'created') return `${name} created: ${what}.`;
  if (outcome.status === 'adjusted') return `${name} adjusted (${outcome.adjusted.join(', ')}): ${what}.`;
  return `${name} already correct: ${what}.`;
}
