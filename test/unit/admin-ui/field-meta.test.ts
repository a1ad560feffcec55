import { describe, expect, it } from 'vitest';
import { openApiDocument } from '#lib/api/openapi.ts';
import { formDescription, readDraftSchema } from '#lib/admin-ui/web/model/field-meta.ts';
import { FORM_FIELDS } from '#lib/admin-ui/web/model/server-form.ts';

describe('form labels read from the OpenAPI document', () => {
  const doc = openApiDocument();

  it('finds a title for every field of both forms', () => {
    // Prepare
    const onprem = readDraftSchema(doc, 'OnPremSettingsDraft');
    const cloud = readDraftSchema(doc, 'CloudSettingsDraft');
    // Act
    const missing = [
      ...FORM_FIELDS.onprem.filter((f) => !onprem.fields[f.key] || onprem.fields[f.key]!.title === f.key),
      ...FORM_FIELDS.cloud.filter((f) => !cloud.fields[f.key] || cloud.fields[f.key]!.title === f.key),
    ];
    // Assess
    expect(missing).toEqual([]);
    expect(onprem.title).toBe('Qlik Sense Enterprise on Windows');
    expect(cloud.title).toBe('Qlik Cloud');
  });

  it('has exactly the seed fields: the form covers every draft property except version', () => {
    for (const [name, id] of [
      ['OnPremSettingsDraft', 'onprem'],
      ['CloudSettingsDraft', 'cloud'],
    ] as const) {
      const keys = Object.keys(readDraftSchema(doc, name).fields)
        .filter((k) => k !== 'version')
        .sort();
      expect(FORM_FIELDS[id].map((f) => f.key).sort()).toEqual(keys);
    }
  });

  it('carries the default, limits and help text of Max parallel executions', () => {
    const field = readDraftSchema(doc, 'OnPremSettingsDraft').fields['maxParallelExecutions']!;
    expect(field).toMatchObject({ title: 'Max parallel executions', default: 4, minimum: 1, maximum: 50 });
    expect(field.description).toMatch(/at the same time/);
  });

  it('marks secrets write-only and unwraps nullable fields', () => {
    const onprem = readDraftSchema(doc, 'OnPremSettingsDraft').fields;
    expect(onprem['certificatePassword']!.writeOnly).toBe(true);
    expect(readDraftSchema(doc, 'CloudSettingsDraft').fields['oauthClientSecret']!.writeOnly).toBe(true);
    expect(onprem['rootCertificate']!.title).toBe('Root certificate');
    expect(onprem['certificateHostName']!.maxLength).toBe(253);
  });

  it('resolves $ref and allOf wrappers', () => {
    const wrapped = {
      components: {
        schemas: {
          Name: { type: 'string', title: 'Display name', maxLength: 100 },
          CloudSettingsDraft: {
            allOf: [
              {
                type: 'object',
                required: ['displayName'],
                properties: { displayName: { $ref: '#/components/schemas/Name' } },
              },
            ],
          },
        },
      },
    };
    expect(readDraftSchema(wrapped, 'CloudSettingsDraft').fields['displayName']).toMatchObject({
      title: 'Display name',
      required: true,
      maxLength: 100,
    });
  });

  it('says clearly when the document lacks a schema', () => {
    expect(() => readDraftSchema({ components: { schemas: {} } }, 'CloudSettingsDraft')).toThrow(
      /no CloudSettingsDraft/,
    );
  });

  it('leaves out sentences meant for API clients', () => {
    expect(formDescription("Qlik's root.cer. Send null to remove it.")).toBe("Qlik's root.cer.");
    expect(formDescription('Write-only. Leave blank to keep the stored one.')).toBe('');
  });
});
