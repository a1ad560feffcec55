/**
 * Turns Qlik Cloud refusals into sentences that name what the admin must add. Qlik's 403 bodies do not say which
 * scope or role was missing (reference §7, §9.6), so the sentence comes from what *the call we made* needs:
 * every call carries an `operation`, and this table says what that operation requires.
 */
import {
  QlikCloudApiError,
  QlikCloudNetworkError,
  QlikCloudRateLimitError,
  QlikCloudResponseError,
} from '#lib/qlik/cloud/cloud-errors.ts';
import { describeNetworkError } from '#lib/qlik/cloud/reachability.ts';

export type QlikCloudOperation =
  | 'oauth.token'
  | 'probe'
  | 'users.me'
  | 'webhooks.list'
  | 'webhooks.read'
  | 'webhooks.create'
  | 'webhooks.update'
  | 'webhooks.delete'
  | 'webIntegrations.read'
  | 'items.list'
  | 'spaces.list'
  | 'reports.export'
  | 'reports.status'
  | 'reports.outputs'
  | 'reports.download';

export interface PermissionRequirement {
  /** What we tried, completing "Qlik Cloud refused to …". */
  action: string;
  /** What the admin must add, naming the scope and the role or permission. */
  remedy: string;
}

// Each remedy states what Qlik documents (the scope descriptions on qlik.dev, the Webhooks API's "User must be
// assigned the TenantAdmin role to create tenant level webhooks", the help pages' webhook permissions, Qlik Support
// article 2522960 on space membership) and marks with "may need" what Qlik does not document. Qlik's 403 bodies
// never say what was missing, and its specs declare no security requirements, so nothing here is verified per call.

const WEBHOOKS_REMEDY =
  'Add the `webhooks` scope to the OAuth client ("Create and update webhooks using the webhooks API"). Qlik requires the ' +
  'TenantAdmin role to create the tenant-level webhook KPImailer uses, and the "Use webhooks" permission to manage ' +
  "webhooks: give both to the client's bot user.";

const REPORTS_REMEDY =
  "Add the `apps.report:export` scope to the OAuth client and add its bot user as a member of the app's space: Qlik " +
  'documents that admin scopes do not let a bot user open apps. The tenant may also need report export enabled.';

/** What each call we make needs, as documented (see above); undocumented needs say "may need". */
export const PERMISSION_REQUIREMENTS: Record<
  Exclude<QlikCloudOperation, 'oauth.token' | 'probe'>,
  PermissionRequirement
> = {
  'users.me': {
    action: "read the OAuth client's own user (/api/v1/users/me)",
    // Qlik documents no scope for /users/me; `user_default` is what Qlik's own client library asks for by default.
    remedy:
      'Qlik does not document a scope for this call; the OAuth client may need the `user_default` scope. Also check that ' +
      'its bot user is active (not disabled) under Users in the Management Console.',
  },
  'webhooks.list': { action: 'list webhooks', remedy: WEBHOOKS_REMEDY },
  'webhooks.read': { action: 'read the reload webhook', remedy: WEBHOOKS_REMEDY },
  'webhooks.create': { action: 'create the reload webhook', remedy: WEBHOOKS_REMEDY },
  'webhooks.update': { action: 'update the reload webhook', remedy: WEBHOOKS_REMEDY },
  'webhooks.delete': { action: 'remove a reload webhook', remedy: WEBHOOKS_REMEDY },
  'webIntegrations.read': {
    action: 'read the web integration',
    // No scope or role is documented for reading web integrations.
    remedy:
      "Qlik does not document what reading web integrations requires; the client's bot user may need the TenantAdmin role. " +
      'You can also check the ID under Web in the Management Console yourself.',
  },
  'items.list': {
    action: "list the tenant's apps",
    remedy:
      'Add the `admin.apps:read` scope to the OAuth client ("Read all apps in the tenant"); without it Qlik lists only the items its bot user has access to.',
  },
  'spaces.list': {
    action: "list the tenant's spaces",
    remedy: 'Add the `admin.spaces:read` scope to the OAuth client ("Read all spaces in the tenant").',
  },
  'reports.export': { action: 'export a report', remedy: REPORTS_REMEDY },
  'reports.status': { action: "read a report export's status", remedy: REPORTS_REMEDY },
  'reports.outputs': { action: "read a report export's outputs", remedy: REPORTS_REMEDY },
  'reports.download': { action: 'download a report export', remedy: REPORTS_REMEDY },
};

/** The sentence for a 403 on a known call, or null when the error is something else. */
export function permissionMessage(error: QlikCloudApiError): string | null {
  if (error.status !== 403 || !error.operation || error.operation === 'oauth.token' || error.operation === 'probe')
    return null;
  const need = PERMISSION_REQUIREMENTS[error.operation];
  return `Qlik Cloud refused to ${need.action} (403${error.code ? ` ${error.code}` : ''}). ${need.remedy}${traceNote(error)}`;
}

const CONSENT_REMEDY =
  "Set the OAuth client's consent method to Trusted (Management Console > OAuth > the client > Change consent method > Trusted): " +
  'a machine-to-machine client cannot ask anyone for consent.';

/**
 * The sentence for a failed `POST /oauth/token`. Qlik's exact codes for a bad secret or an untrusted client are
 * not published (reference §9.1), so this goes by status and by words in Qlik's own error text.
 */
export function tokenErrorMessage(error: QlikCloudApiError): string {
  const text = error.qlikText.toLowerCase();
  const trace = traceNote(error);
  if (text.includes('consent'))
    return `Qlik Cloud would not issue a token because the client needs consent. ${CONSENT_REMEDY}${trace}`;
  if (error.status === 401) {
    // OAuth servers answer the same for an unknown client and a wrong secret, so name one only if Qlik did.
    if (/secret/.test(text) && !/client[_ ]?id|unknown client|client not found/.test(text)) {
      return `Qlik Cloud rejected the client secret: the client secret is wrong (or expired). Paste the secret generated for this OAuth client.${trace}`;
    }
    if (/unknown client|client not found|no such client/.test(text)) {
      return `Qlik Cloud does not know this OAuth client: the client ID is wrong. Copy it from Management Console > OAuth.${trace}`;
    }
    return (
      'Qlik Cloud rejected the OAuth client credentials: the client ID or secret is wrong. Qlik does not say which, so check both ' +
      `against Management Console > OAuth (a secret is shown only once; generate a new one if unsure).${trace}`
    );
  }
  if (error.status === 400 && /grant|unauthorized_client/.test(text)) {
    return `Qlik Cloud does not allow this OAuth client to sign in on its own. Create it as a machine-to-machine client (Web app type, client credentials allowed).${trace}`;
  }
  if (error.status === 400 && /scope/.test(text)) {
    return `Qlik Cloud refused the scopes KPImailer asked for: they must already be assigned to the OAuth client.${trace}`;
  }
  if (error.status === 403) {
    return (
      "Qlik Cloud refused to issue a token (403): the OAuth client's bot user is disabled or holds too many tokens, or the client is not trusted. " +
      `Check the bot user under Users, and ${CONSENT_REMEDY.charAt(0).toLowerCase()}${CONSENT_REMEDY.slice(1)}${trace}`
    );
  }
  if (error.status >= 500) {
    return `Qlik Cloud's token endpoint failed (HTTP ${error.status}). This is on Qlik's side: try again in a few minutes, and see status.qlik.com if it persists.${trace}`;
  }
  return `Qlik Cloud answered ${error.status} to the token request (${error.code ?? 'no error code'}).${trace}`;
}

/** One sentence for an admin, for any error the Qlik Cloud client throws. */
export function describeQlikCloudError(error: unknown): string {
  if (error instanceof QlikCloudRateLimitError) {
    const how =
      error.reason === 'wait' && error.retryAfterMs !== null
        ? `asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s, longer than this request may wait`
        : `still refused after ${error.attempts} tries`;
    return (
      `Qlik Cloud is rate-limiting KPImailer's requests (429 on ${error.method} ${error.path}) and ${how}. ` +
      'Another tool using the same OAuth client shares its limits; try again in a minute.'
    );
  }
  if (error instanceof QlikCloudApiError) {
    if (error.operation === 'oauth.token') return tokenErrorMessage(error);
    const permission = permissionMessage(error);
    if (permission) return permission;
    if (error.status === 401) {
      return `Qlik Cloud issued a token but then rejected it on ${error.method} ${error.path}, also after fetching a fresh one. Check that the OAuth client and its bot user are still enabled.${traceNote(error)}`;
    }
    if (error.status >= 500) {
      return `Qlik Cloud failed on ${error.method} ${error.path} (HTTP ${error.status}). This is on Qlik's side: try again in a few minutes.${traceNote(error)}`;
    }
    const first = error.errors[0];
    return `Qlik Cloud answered ${error.status} to ${error.method} ${error.path}${first ? ` (${first.code}: ${first.title})` : ''}.${traceNote(error)}`;
  }
  if (error instanceof QlikCloudNetworkError) return describeNetworkError(error);
  if (error instanceof QlikCloudResponseError) return `Qlik Cloud gave an unexpected answer: ${error.message}.`;
  return error instanceof Error ? error.message : String(error);
}

function traceNote(error: QlikCloudApiError): string {
  return error.traceId ? ` (Qlik trace ID ${error.traceId})` : '';
}
