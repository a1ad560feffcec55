/** The facts on a server card that depend on the server's type and history: certificate, webhook, last test. */
import type { JSX } from 'preact';
import type { CloudServerView, OnPremServerView, ServerView } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { Icon } from '../components/icons.tsx';
import { certificateExpiry, formatDateTime, formatRelative } from '../model/format.ts';

export function CertificateRow({ server }: { server: OnPremServerView }): JSX.Element {
  const cert = server.certificate;
  if (!cert) return <dd class="muted">No client certificate uploaded</dd>;
  const expiry = certificateExpiry(cert.notAfter);
  return (
    <dd>
      <Badge tone={expiry.tone}>
        {expiry.tone !== 'ok' ? <Icon name="warning" /> : null}
        {expiry.label}
      </Badge>
      <span class="card__sub">{cert.subject}</span>
    </dd>
  );
}

export function WebhookRow({ server }: { server: CloudServerView }): JSX.Element {
  const webhook = server.webhook;
  if (!webhook) return <dd class="muted">Not set up yet: created by the first successful connection test</dd>;
  if (webhook.enabled)
    return (
      <dd>
        <Badge tone="ok">Enabled</Badge> <span class="card__sub">Reload events arrive as they happen</span>
      </dd>
    );
  return (
    <dd>
      <Badge tone="error">Disabled</Badge>{' '}
      <span class="card__sub">
        {webhook.disabledReason ?? 'Qlik Cloud disabled the webhook. Run Test connection to repair it.'}
      </span>
    </dd>
  );
}

export function LastTestRow({ server }: { server: ServerView }): JSX.Element | null {
  const test = server.lastTest;
  if (!test) return null;
  const failed = test.checks.find((c) => c.status === 'failed');
  return (
    <>
      <dt>Last test</dt>
      <dd>
        <Badge tone={test.ok ? 'ok' : 'error'}>{test.ok ? 'Passed' : 'Failed'}</Badge>{' '}
        <time dateTime={test.at} title={formatDateTime(test.at)}>
          {formatRelative(test.at)}
        </time>
        {failed ? (
          <span class="card__sub">
            {failed.name}: {failed.message}
          </span>
        ) : null}
      </dd>
    </>
  );
}
