/**
 * Turns a draft (a save or a test body) into complete settings plus secret material, filling what the draft leaves
 * out from what is stored: a blank secret keeps the stored one, a new certificate with a blank password is opened
 * with the stored password and then with none. Save and test share this, so a test runs on exactly what a save
 * would store.
 */
import { CertificateError, type CertificateMetadata } from '#lib/certificates/certificate-types.ts';
import { openPkcs12WithPasswords } from '#lib/certificates/pkcs12.ts';
import { parseRootCertificate } from '#lib/certificates/root-certificate.ts';
import { ValidationError, type FieldError } from '#lib/errors.ts';
import type {
  CloudRecord,
  CloudSecret,
  CloudSettings,
  OnPremRecord,
  OnPremSecret,
  OnPremSettings,
} from '#lib/servers/server-record.ts';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS } from '#lib/servers/execution-cap.ts';
import type { CloudDraft, OnPremDraft } from '#lib/servers/server-settings.ts';

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

const blankToUndefined = (value: string | undefined | null) => (value ? value : undefined);

function requireField<T>(errors: FieldError[], field: string, value: T | undefined, message: string): T {
  if (value === undefined || value === null || value === '') errors.push({ field, message });
  return value as T;
}

export function resolveOnPremDraft(
  draft: OnPremDraft,
  current: OnPremRecord | null,
  currentSecret: OnPremSecret | null,
  options: { now?: Date } = {},
): ResolvedOnPrem {
  const errors: FieldError[] = [];
  const saved = current?.settings;
  const settings: OnPremSettings = {
    displayName: requireField(errors, 'displayName', draft.displayName ?? saved?.displayName, 'Enter a display name.'),
    url: requireField(errors, 'url', draft.url ?? saved?.url, 'Enter the Server URL.'),
    userDirectory: requireField(
      errors,
      'userDirectory',
      draft.userDirectory ?? saved?.userDirectory,
      'Enter the user directory of the service account.',
    ),
    serviceAccountUser: requireField(
      errors,
      'serviceAccountUser',
      draft.serviceAccountUser ?? saved?.serviceAccountUser,
      'Enter the service account user.',
    ),
    maxParallelExecutions:
      draft.maxParallelExecutions ?? saved?.maxParallelExecutions ?? DEFAULT_MAX_PARALLEL_EXECUTIONS,
    certificateHostName:
      draft.certificateHostName !== undefined
        ? (blankToUndefined(draft.certificateHostName) ?? null)
        : (saved?.certificateHostName ?? null),
    allowUntrustedServerCertificate:
      draft.allowUntrustedServerCertificate ?? saved?.allowUntrustedServerCertificate ?? false,
    repositoryPort: draft.repositoryPort ?? saved?.repositoryPort ?? 4242,
    enginePort: draft.enginePort ?? saved?.enginePort ?? 4747,
    proxyApiPort: draft.proxyApiPort ?? saved?.proxyApiPort ?? 4243,
  };

  let secret: OnPremSecret | null = currentSecret;
  let certificate = current?.certificate ?? null;
  const newPassword = blankToUndefined(draft.certificatePassword);
  try {
    if (draft.certificate) {
      const content = Buffer.from(draft.certificate.contentBase64, 'base64');
      const candidates =
        newPassword !== undefined
          ? [newPassword]
          : unique([currentSecret?.certificatePassword ?? undefined, undefined]);
      const { bundle, password } = openPkcs12WithPasswords(content, candidates, options);
      secret = {
        kind: 'onprem',
        pfxBase64: content.toString('base64'),
        certificateFileName: draft.certificate.fileName,
        certificatePassword: password ?? null,
        keyPem: bundle.keyPem,
        certPem: bundle.certPem,
        caPems: bundle.caPems,
        rootCertificatePem: currentSecret?.rootCertificatePem ?? null,
      };
      certificate = bundle.metadata;
    } else if (currentSecret && newPassword !== undefined) {
      // A new password alone must still open the stored file, or the admin would save a broken configuration.
      const { bundle } = openPkcs12WithPasswords(
        Buffer.from(currentSecret.pfxBase64, 'base64'),
        [newPassword],
        options,
      );
      secret = {
        ...currentSecret,
        certificatePassword: newPassword,
        keyPem: bundle.keyPem,
        certPem: bundle.certPem,
        caPems: bundle.caPems,
      };
      certificate = bundle.metadata;
    } else if (!currentSecret) {
      errors.push({
        field: 'certificate',
        message: 'Upload the client certificate (.pfx or .p12) exported from the QMC.',
      });
    }
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    errors.push({
      field: error.problem === 'wrong-password' ? 'certificatePassword' : 'certificate',
      message: error.message,
    });
  }

  let rootCertificate = current?.rootCertificate ?? null;
  if (draft.rootCertificate !== undefined && secret) {
    if (draft.rootCertificate === null) {
      secret = { ...secret, rootCertificatePem: null };
      rootCertificate = null;
    } else {
      try {
        const root = parseRootCertificate(Buffer.from(draft.rootCertificate.contentBase64, 'base64'), options);
        secret = { ...secret, rootCertificatePem: root.pem };
        rootCertificate = { subject: root.metadata.subject, notAfter: root.metadata.notAfter };
      } catch (error) {
        if (!(error instanceof CertificateError)) throw error;
        errors.push({ field: 'rootCertificate', message: error.message });
      }
    }
  }

  if (errors.length > 0 || !secret || !certificate) throw new ValidationError(errors);
  return { type: 'onprem', settings, secret, certificate, rootCertificate };
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

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
