/**
 * What a save changed, as the audit trail shows it: old → new for every non-secret setting, the certificate's new
 * fingerprint and expiry, and for each secret only that it was replaced. Secrets are compared in memory and nothing
 * derived from them (no value, no hash) leaves this function.
 */
import { REPLACED, type AuditValue, type FieldChange } from '#lib/audit/audit-log.ts';
import type { ServerRecord, ServerSecret } from '#lib/servers/server-record.ts';

type Comparable = Record<string, AuditValue | undefined>;

/** Old → new of each field that changed; every field when `all` (a replaced certificate always shows its facts). */
function compare(prefix: string, before: Comparable | null, after: Comparable | null, all = false): FieldChange[] {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const from = before?.[field] ?? null;
    const to = after?.[field] ?? null;
    if (all || from !== to) changes.push({ field: `${prefix}${field}`, from, to });
  }
  return changes;
}

/** Which secret fields of the draft now hold a different value; the names are the API's field names. */
function replacedSecrets(before: ServerSecret | null, after: ServerSecret): string[] {
  if (after.kind === 'cloud') {
    return before?.kind === 'cloud' && before.clientSecret === after.clientSecret ? [] : ['oauthClientSecret'];
  }
  const previous = before?.kind === 'onprem' ? before : null;
  const replaced: string[] = [];
  if (previous?.pfxBase64 !== after.pfxBase64) replaced.push('certificate');
  if ((previous?.certificatePassword ?? null) !== after.certificatePassword && (previous || after.certificatePassword))
    replaced.push('certificatePassword');
  return replaced;
}

function certificateOf(record: ServerRecord | null): Comparable | null {
  if (record?.type !== 'onprem') return null;
  return { fingerprintSha256: record.certificate.fingerprintSha256, notAfter: record.certificate.notAfter };
}

function rootCertificateOf(record: ServerRecord | null): Comparable | null {
  if (record?.type !== 'onprem' || !record.rootCertificate) return null;
  return { subject: record.rootCertificate.subject, notAfter: record.rootCertificate.notAfter };
}

/**
 * The changes from `before` (null: first save) to `after`.
 *
 * @example
 * settingsChanges({ record: v1, secret: s1 }, { record: v2, secret: s2 })
 * // [{ field: 'url', from: 'https://a', to: 'https://b' }, { field: 'oauthClientSecret', from: null, to: 'replaced' }]
 */
export function settingsChanges(
  before: { record: ServerRecord; secret: ServerSecret } | null,
  after: { record: ServerRecord; secret: ServerSecret },
): FieldChange[] {
  const replaced = replacedSecrets(before?.secret ?? null, after.secret);
  const certificateFacts = compare(
    'certificate.',
    certificateOf(before?.record ?? null),
    certificateOf(after.record),
    replaced.includes('certificate'),
  );
  return [
    ...compare(
      '',
      (before?.record.settings as Comparable | undefined) ?? null,
      after.record.settings as unknown as Comparable,
    ),
    ...replaced.map((field) => ({ field, from: null, to: REPLACED })),
    ...certificateFacts,
    ...compare('rootCertificate.', rootCertificateOf(before?.record ?? null), rootCertificateOf(after.record)),
  ];
}
