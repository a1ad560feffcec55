/**
 * "User exists": the service account is a user of this site, looked up by user directory and user ID in one
 * `/qrs/user/full` call (whose `roles` also serve the RootAdmin check). When it is missing, one more call finds
 * the same user ID in other directories, because a wrong user directory is the usual mistake.
 */
import type { Check } from '#lib/connection-test/check-ladder.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import { qrsAnd, qrsCompare } from '#lib/qlik/onprem/qrs-filter.ts';
import type { QrsUser } from '#lib/qlik/onprem/qrs-types.ts';
import { accountName, qrsFailure, type OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export const userExists: Check<OnPremTestContext> = {
  name: 'User exists',
  timeoutMs: 6_000,
  async run(context, signal) {
    const { userDirectory, serviceAccountUser } = context.connection;
    const account = accountName(context.connection);
    let users: QrsUser[];
    try {
      users = await context.qrs.get<QrsUser[]>('/qrs/user/full', {
        filter: qrsAnd(
          qrsCompare('userDirectory', 'eq', userDirectory),
          qrsCompare('userId', 'eq', serviceAccountUser),
        ),
        signal,
      });
    } catch (error) {
      throw qrsFailure(error, `look up the user ${account}`);
    }
    const user = users.find((u) => same(u.userDirectory, userDirectory) && same(u.userId, serviceAccountUser));
    if (!user) throw new CheckFailedError(await explainMissing(context, signal));
    const unusable = user.inactive
      ? 'inactive'
      : user.blacklisted
        ? 'blocked'
        : user.removedExternally
          ? 'removed from its user directory'
          : null;
    if (unusable) {
      throw new CheckFailedError(
        `The user ${account} exists in Qlik Sense but is ${unusable}. Make it active in the QMC (Users) or use another service account.`,
      );
    }
    context.user = user;
    return `Found the user ${user.userDirectory}\\${user.userId}${user.name && user.name !== user.userId ? ` (${user.name})` : ''}.`;
  },
};

async function explainMissing(context: OnPremTestContext, signal: AbortSignal): Promise<string> {
  const { userDirectory, serviceAccountUser } = context.connection;
  const notFound = `The user ${serviceAccountUser} was not found in the user directory ${userDirectory} on this Qlik Sense site.`;
  let elsewhere: QrsUser[] = [];
  try {
    // Condensed list: the directories are all that is needed here.
    elsewhere = await context.qrs.get<QrsUser[]>('/qrs/user', {
      filter: qrsCompare('userId', 'eq', serviceAccountUser),
      signal,
    });
  } catch {
    // The hint is a bonus; the main message stands without it.
  }
  const directories = [
    ...new Set(elsewhere.filter((u) => same(u.userId, serviceAccountUser)).map((u) => u.userDirectory)),
  ];
  if (directories.length > 0) {
    return `${notFound} A user with that ID exists in ${directories.length === 1 ? 'the user directory' : 'the user directories'} ${directories.join(', ')}: set User directory to ${directories.length === 1 ? 'it' : 'the right one'}.`;
  }
  return `${notFound} No user directory has a user with that ID. Check the spelling against the QMC (Users); a user appears there after its first login or a user directory sync.`;
}
