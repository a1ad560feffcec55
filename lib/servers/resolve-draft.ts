/**
 * Turns a draft (a save or a test body) into complete settings plus secret material, filling what the draft leaves
 * out from what is stored: a blank secret keeps the stored one, a new certificate with a blank password is opened
 * with the stored password and then with none. Save and test share this, so a test runs on exactly what a save
 * would store. The on-premise resolution opens certificates (node-forge), so it is its own module
 * (resolve-onprem-draft.ts), loaded only for the on-premise server.
 */
import type { CertificateMetadata } from '#lib/certificates/certificate-types.ts';
import { ValidationError, type FieldError } from '#lib/errors.ts';
import type {
  CloudRecord,
  CloudSecret,
  CloudSettings,
  OnPremSecret,
  OnPremSettings,
} from '#lib/servers/server-record.ts';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS } from '#lib/servers/execution-cap.ts';
import type { CloudDraft } from '#lib/servers/server-settings.ts';

export interface ResolvedOnPrem {
  type: 'onprem';
  settings: OnPremSettings;
  secret: OnPremSecret;
  certificate: CertificateMetadata;
  rootCertificate: Pick<CertificateMetadata, 'subject' | 'notAfter'> | null;
}

export interface ResolvedCloud {
  type: 'cloud';
  settings: CloudSettings;
  secret: CloudSecret;
}

export type ResolvedDraft = ResolvedOnPrem | ResolvedCloud;

export const blankToUndefined = (value: string | undefined | null) => (value ? value : undefined);

export function requireField<T>(errors: FieldError[], field: string, value: T | undefined, message: string): T {
  if (value === undefined || value === null || value === '') errors.push({ field, message });
  return value as T;
}

/**
 * The settings that say where a stored secret goes. A blank secret field keeps the stored secret only while these are
 * unchanged: otherwise a draft (a test, or a save followed by a sync) would send the customer's secret to whatever
 * tenant it names. The client secret goes to `<url>/oauth/token` together with the client ID, so both count.
 * The on-premise certificate is not listed: its private key never leaves the service (TLS client authentication
 * proves possession without sending it), and its password is never sent anywhere.
 */
const CLOUD_SECRET_DESTINATION = ['url', 'oauthClientId'] as const;

function sameDestination<T extends object>(saved: T | undefined, effective: T, keys: ReadonlyArray<keyof T>): boolean {
  return saved !== undefined && keys.every((key) => saved[key] === effective[key]);
}

export function resolveCloudDraft(
  draft: CloudDraft,
  current: CloudRecord | null,
  currentSecret: CloudSecret | null,
): ResolvedCloud {
  const errors: FieldError[] = [];
  const saved = current?.settings;
  const settings: CloudSettings = {
    displayName: requireField(errors, 'displayName', draft.displayName ?? saved?.displayName, 'Enter a display name.'),
    url: requireField(errors, 'url', draft.url ?? saved?.url, 'Enter the Tenant URL.'),
    oauthClientId: requireField(
      errors,
      'oauthClientId',
      draft.oauthClientId ?? saved?.oauthClientId,
      'Enter the OAuth client ID.',
    ),
    webIntegrationId: requireField(
      errors,
      'webIntegrationId',
      draft.webIntegrationId ?? saved?.webIntegrationId,
      'Enter the web integration ID.',
    ),
    maxParallelExecutions:
      draft.maxParallelExecutions ?? saved?.maxParallelExecutions ?? DEFAULT_MAX_PARALLEL_EXECUTIONS,
  };
  const newSecret = blankToUndefined(draft.oauthClientSecret);
  const reusesSecretElsewhere =
    newSecret === undefined && currentSecret !== null && !sameDestination(saved, settings, CLOUD_SECRET_DESTINATION);
  if (reusesSecretElsewhere) {
    errors.push({ field: 'oauthClientSecret', message: 'Enter the client secret again to use it with another tenant' });
  }
  const clientSecret = reusesSecretElsewhere
    ? ''
    : requireField(
        errors,
        'oauthClientSecret',
        newSecret ?? currentSecret?.clientSecret,
        'Enter the OAuth client secret.',
      );
  if (errors.length > 0) throw new ValidationError(errors);
  return { type: 'cloud', settings, secret: { kind: 'cloud', clientSecret } };
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
