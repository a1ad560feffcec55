/** What the edit form shows of the certificates already stored for an on-premise server. */
import type { JSX } from 'preact';
import type { ServerView } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { certificateExpiry, formatDate } from '../model/format.ts';
import { isFileValue, type FileValue, type FormValue } from '../model/server-form.ts';

export function StoredClientCertificate({ server }: { server: ServerView }): JSX.Element | null {
  if (server.type !== 'onprem' || !server.certificate) return null;
  const cert = server.certificate;
  const expiry = certificateExpiry(cert.notAfter);
  return (
    <div class="stored" data-testid="stored-certificate">
      <span class="stored__label">Stored certificate</span>
      <span class="stored__subject">{cert.subject}</span>
      <span>
        <Badge tone={expiry.tone}>{expiry.label}</Badge>
        <span class="muted"> Valid from {formatDate(cert.notBefore)}</span>
      </span>
    </div>
  );
}

/** The stored root certificate, with Remove (on save) and Keep it. */
export function StoredRootCertificate(props: {
  server: ServerView;
  value: FormValue | undefined;
  setValue: (value: FileValue) => void;
}) {
  const { server, value, setValue } = props;
  if (server.type !== 'onprem' || !server.rootCertificate) return null;
  const removing = isFileValue(value) && value.kind === 'remove';
  return (
    <div class="stored">
      <span class="stored__label">{removing ? 'Will be removed when you save' : 'Stored root certificate'}</span>
      <span class="stored__subject">{server.rootCertificate.subject}</span>
      <span class="muted">Valid until {formatDate(server.rootCertificate.notAfter)}</span>
      <button
        type="button"
        class="button button--small button--ghost"
        onClick={() => setValue(removing ? { kind: 'keep' } : { kind: 'remove' })}
      >
        {removing ? 'Keep it' : 'Remove'}
      </button>
    </div>
  );
}
