/**
 * First-run setup: pick the server type, prepare Qlik, enter and test the settings, save, and run the first
 * app sync. Opens by itself while neither server is configured.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ServerId, ServerView } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { Icon } from '../components/icons.tsx';
import type { DraftSchema } from '../model/field-meta.ts';
import { routeHref } from '../router.ts';
import { SERVER_TYPE_NAMES } from './server-card.tsx';
import { ServerForm } from './server-form.tsx';
import { FirstSync } from './wizard-first-sync.tsx';
import { PrepareSteps } from './wizard-prepare.tsx';

const STEPS = ['Server type', 'Prepare Qlik', 'Connect', 'First sync'];

const TYPE_INTROS: Record<ServerId, string> = {
  onprem: 'Your own Qlik Sense site. KPImailer signs in with a client certificate exported from the QMC.',
  cloud: 'A Qlik Cloud tenant. KPImailer signs in with an OAuth machine-to-machine client.',
};

function Stepper({ step }: { step: number }): JSX.Element {
  return (
    <ol class="stepper" aria-label="Setup steps">
      {STEPS.map((label, index) => (
        <li
          key={label}
          class={`stepper__step${index === step ? ' is-current' : ''}${index < step ? ' is-done' : ''}`}
          aria-current={index === step ? 'step' : undefined}
        >
          <span class="stepper__number" aria-hidden="true">
            {index < step ? '✓' : index + 1}
          </span>
          <span class="stepper__label">{label}</span>
        </li>
      ))}
    </ol>
  );
}

export function Wizard(props: {
  servers: ServerView[];
  schemas: Record<ServerId, DraftSchema>;
  onServer: (view: ServerView) => void;
}) {
  const [step, setStep] = useState(0);
  const [type, setType] = useState<ServerId>('onprem');
  const server = props.servers.find((s) => s.id === type);
  const other = props.servers.find((s) => s.id !== type);
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [step]);
  if (!server) return <p>Server {type} is missing from the API response.</p>;
  return (
    <div class="wizard">
      <Stepper step={step} />
      <div ref={panel}>
        {step === 0 ? (
          <form
            class="wizard__panel"
            onSubmit={(e) => {
              e.preventDefault();
              setStep(1);
            }}
          >
            <h2 class="wizard__title" tabIndex={-1}>
              Which Qlik do you want to connect?
            </h2>
            <fieldset class="choice-group">
              <legend class="visually-hidden">Server type</legend>
              {(['onprem', 'cloud'] as const).map((id) => (
                <label key={id} class={`choice${type === id ? ' is-selected' : ''}`}>
                  <input
                    type="radio"
                    name="server-type"
                    value={id}
                    checked={type === id}
                    onChange={() => setType(id)}
                  />
                  <span class="choice__icon">
                    <Icon name={id === 'cloud' ? 'cloud' : 'server'} />
                  </span>
                  <span class="choice__text">
                    <span class="choice__title">{SERVER_TYPE_NAMES[id]}</span>
                    <span class="choice__intro">{TYPE_INTROS[id]}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <div class="form-actions">
              <button type="submit" class="button button--primary">
                Continue
              </button>
              <a class="button button--ghost" href={routeHref({ page: 'servers' })}>
                Skip setup
              </a>
            </div>
          </form>
        ) : step === 1 ? (
          <div class="wizard__panel">
            <h2 class="wizard__title" tabIndex={-1}>
              Prepare {SERVER_TYPE_NAMES[type]}
            </h2>
            <p>Do this once on the Qlik side. You will need what you note down in the next step.</p>
            <PrepareSteps type={type} />
            <div class="form-actions">
              <button type="button" class="button button--primary" onClick={() => setStep(2)}>
                I have these ready
              </button>
              <button type="button" class="button button--ghost" onClick={() => setStep(0)}>
                Back
              </button>
            </div>
          </div>
        ) : step === 2 ? (
          <div class="wizard__panel">
            <h2 class="wizard__title" tabIndex={-1}>
              Connect {SERVER_TYPE_NAMES[type]} <Badge tone="neutral">Step 3 of 4</Badge>
            </h2>
            <p>Fill in the settings and run the connection test. You can save once every check has passed.</p>
            <ServerForm
              key={type}
              server={server}
              schema={props.schemas[type]}
              requireTest
              saveLabel="Save and sync apps"
              onSaved={(view) => {
                props.onServer(view);
                setStep(3);
              }}
              cancel={
                <button type="button" class="button button--ghost" onClick={() => setStep(1)}>
                  Back
                </button>
              }
            />
          </div>
        ) : (
          <FirstSync server={server} onServer={props.onServer} other={other} />
        )}
      </div>
    </div>
  );
}
