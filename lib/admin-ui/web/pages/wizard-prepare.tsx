/** The wizard's "Prepare Qlik" step: what an admin sets up on the Qlik side before connecting. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ServerId } from '../api/types.ts';

/** Scopes the service uses: app and space listing, the reload webhook, report exports. */
export const CLOUD_SCOPES = ['admin.apps:read', 'admin.spaces:read', 'webhooks', 'apps.report:export'];

function CopyButton({ text, label }: { text: string; label: string }): JSX.Element {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="button button--small button--ghost"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

function CloudSteps(): JSX.Element {
  const origin = location.origin;
  return (
    <ol class="prepare-list">
      <li>
        <h3>Create an OAuth client</h3>
        <p>
          In the Qlik Cloud <strong>Administration</strong> activity center, open <strong>OAuth</strong> and create a
          client of type <strong>Machine-to-machine (M2M)</strong>. Give it these scopes:
        </p>
        <ul class="chips">
          {CLOUD_SCOPES.map((scope) => (
            <li key={scope}>
              <code>{scope}</code>
            </li>
          ))}
        </ul>
        <p>Copy the client ID and the client secret: Qlik shows the secret only once.</p>
      </li>
      <li>
        <h3>Set its consent method to Trusted</h3>
        <p>
          On the new client, choose <strong>Change consent method</strong> and select <strong>Trusted</strong>, so
          KPImailer can work without a person approving each sign-in.
        </p>
      </li>
      <li>
        <h3>Create a web integration</h3>
        <p>
          Open <strong>Web</strong> (web integrations), create one and add this page's origin to its allowed origins:
        </p>
        <p class="origin">
          <code data-testid="page-origin">{origin}</code> <CopyButton text={origin} label="Copy origin" />
        </p>
        <p>Copy the web integration's ID.</p>
      </li>
    </ol>
  );
}

function OnPremSteps(): JSX.Element {
  return (
    <ol class="prepare-list">
      <li>
        <h3>Export the client certificate from the QMC</h3>
        <p>
          In the QMC, open <strong>Certificates</strong>, add the machine name of the KPImailer host, set a{' '}
          <strong>certificate password</strong>, tick <strong>Include secret key</strong> and pick the{' '}
          <strong>Windows format</strong>. Export.
        </p>
        <p>
          Take <code>client.pfx</code> from <code>C:\ProgramData\Qlik\Sense\Repository\Exported Certificates\</code> on
          the central node, and <code>root.cer</code> if you will need it below.
        </p>
      </li>
      <li>
        <h3>Pick the service account</h3>
        <p>
          KPImailer acts as one Qlik Sense user. Note its <strong>user directory</strong> and <strong>user ID</strong>,
          and give it the <strong>RootAdmin</strong> role.
        </p>
      </li>
      <li>
        <h3>Open the network path</h3>
        <p>
          Open these ports from KPImailer to the Qlik host: the proxy on the Server URL (<code>443</code>), the
          repository (QRS) on <code>4242</code> and the Proxy Service API on <code>4243</code>, which issues KPImailer's
          session tickets. KPImailer creates a <code>kpimailer</code> virtual proxy with ticket authentication by itself
          during the first connection test; all its sessions into Qlik go through it.
        </p>
      </li>
    </ol>
  );
}

export function PrepareSteps({ type }: { type: ServerId }): JSX.Element {
  return type === 'cloud' ? <CloudSteps /> : <OnPremSteps />;
}
