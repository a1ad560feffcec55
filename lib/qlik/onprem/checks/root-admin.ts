/**
 * "RootAdmin": the service account holds the RootAdmin role. KPImailer provisions a virtual proxy and reads every
 * app and task, which Qlik's default security rules grant to RootAdmin. The roles came with the user lookup.
 */
import type { Check } from '#lib/connection-test/check-ladder.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import { accountName, type OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';

export const ROOT_ADMIN = 'RootAdmin';

export const rootAdmin: Check<OnPremTestContext> = {
  name: 'RootAdmin',
  timeoutMs: 1_000,
  async run(context) {
    const account = accountName(context.connection);
    const roles = context.user?.roles ?? [];
    if (roles.some((role) => role.toLowerCase() === ROOT_ADMIN.toLowerCase()))
      return `${account} holds the ${ROOT_ADMIN} role.`;
    const held = roles.length > 0 ? `its roles: ${roles.join(', ')}` : 'it has no admin role';
    throw new CheckFailedError(
      `${account} does not hold the ${ROOT_ADMIN} role (${held}). In the QMC, open Users, edit ${account} and add ${ROOT_ADMIN} under Admin roles.`,
    );
  },
};
