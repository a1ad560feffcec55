/**
 * The on-premise half of resolve-draft.ts: the settings, the certificate (opened with the draft's password, else the
 * stored one, else none) and the optional root certificate. Its own module because it loads node-forge, which a
 * Qlik Cloud save or test never needs.
 */
import { CertificateError } from '#lib/certificates/certificate-types.ts';
import { openPkcs12WithPasswords } from '#lib/certificates/pkcs12.ts';
import { parseRootCertificate } from '#lib/certificates/root-certificate.ts';
import { ValidationError, type FieldError } from '#lib/errors.ts';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS } from '#lib/servers/execution-cap.ts';
import { blankToUndefined, requireField, unique, type ResolvedOnPrem } from '#lib/servers/resolve-draft.ts';
import type { OnPremRecord, OnPremSecret, OnPremSettings } from '#lib/servers/server-record.ts';
import type { OnPremDraft } from '#lib/servers/server-settings.ts';

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
