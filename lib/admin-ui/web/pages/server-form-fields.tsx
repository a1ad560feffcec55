/** Renders the edit form's fields, grouped as the seed lists them, from the specs in server-form.ts. */
import type { JSX } from 'preact';
import { FORM_FIELDS, type FieldGroup } from '../model/server-form.ts';
import { Field, type FieldsContext } from './server-form-field.tsx';

const GROUP_LEGENDS: Record<FieldGroup, string> = {
  connection: 'Connection',
  clientCertificate: 'Client certificate',
  serverCertificate: 'Server certificate',
  advanced: 'Advanced: ports',
};

const GROUP_INTROS: Partial<Record<FieldGroup, string>> = {
  clientCertificate:
    'KPImailer signs in to Qlik Sense with the client certificate of this site, exported from the QMC.',
  serverCertificate:
    "How KPImailer checks the certificate Qlik Sense presents. The defaults work when the client certificate file includes the site's root CA and the Server URL uses the machine's name.",
};

function Group({ group, ctx }: { group: FieldGroup; ctx: FieldsContext }): JSX.Element | null {
  const specs = FORM_FIELDS[ctx.server.id].filter((spec) => spec.group === group);
  if (!specs.length) return null;
  const fields = specs.map((spec) => <Field key={spec.key} spec={spec} ctx={ctx} />);
  if (group === 'advanced') {
    const hasError = specs.some((spec) => ctx.errors[spec.key]);
    return (
      <details class="advanced" open={hasError || undefined}>
        <summary>{GROUP_LEGENDS.advanced}</summary>
        <div class="advanced__body">{fields}</div>
      </details>
    );
  }
  return (
    <fieldset class="form-section">
      <legend class="form-section__legend">{GROUP_LEGENDS[group]}</legend>
      {GROUP_INTROS[group] ? <p class="form-section__intro">{GROUP_INTROS[group]}</p> : null}
      {fields}
      {group === 'serverCertificate' ? <Group group="advanced" ctx={ctx} /> : null}
    </fieldset>
  );
}

export function ServerFormFields({ ctx }: { ctx: FieldsContext }): JSX.Element {
  return (
    <>
      <Group group="connection" ctx={ctx} />
      <Group group="clientCertificate" ctx={ctx} />
      <Group group="serverCertificate" ctx={ctx} />
    </>
  );
}
