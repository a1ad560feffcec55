import { describe, expect, it } from 'vitest';
import { openApiDocument } from '#lib/api/openapi.ts';

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as {
    paths: Record<string, object>;
    components: {
      schemas: Record<
        string,
        { properties: Record<string, Record<string, unknown>>; required?: string[]; additionalProperties?: boolean }
      >;
    };
  };

  it('describes every route of the contract', () => {
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/servers',
        '/api/servers/{id}',
        '/api/servers/{id}/test',
        '/api/servers/{id}/sync',
        '/api/servers/{id}/apps',
        '/api/servers/{id}/reloads',
      ]),
    );
  });

  it('takes the form metadata from the validation schema: titles, defaults, limits and write-only secrets', () => {
    const onprem = doc.components.schemas.OnPremSettingsDraft!;

    expect(onprem.additionalProperties).toBe(false);
    expect(onprem.required).toEqual(
      expect.arrayContaining(['displayName', 'url', 'userDirectory', 'serviceAccountUser']),
    );
    expect(onprem.properties.maxParallelExecutions).toMatchObject({
      title: 'Max parallel executions',
      minimum: 1,
      maximum: 50,
      default: 4,
    });
    expect(onprem.properties.certificatePassword).toMatchObject({ writeOnly: true });
    expect(doc.components.schemas.CloudSettingsDraft!.properties.oauthClientSecret).toMatchObject({ writeOnly: true });
  });
});
