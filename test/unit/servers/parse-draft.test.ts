import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors.ts';
import { parseDraft } from '#lib/servers/parse-draft.ts';

const cloud = {
  displayName: 'Cloud',
  url: 'https://acme.eu.qlikcloud.com/',
  oauthClientId: 'abc123',
  webIntegrationId: 'Wm8n3eiwyPmGbTKn',
};

function fieldErrors(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('settings validation', () => {
  it('normalises the URL to its origin', () => {
    expect(parseDraft('cloud', cloud, 'save').url).toBe('https://acme.eu.qlikcloud.com');
  });

  it.each([
    ['http://acme.eu.qlikcloud.com', 'must use https://'],
    ['https://u:p@acme.eu.qlikcloud.com', 'Remove the user name and password'],
    ['https://acme.eu.qlikcloud.com/hub?x=1', 'without a path'],
    ['acme.eu.qlikcloud.com', 'full URL'],
  ])('refuses the URL %s with a message that says what to do', (url, message) => {
    const errors = fieldErrors(() => parseDraft('cloud', { ...cloud, url }, 'save'));

    expect(errors).toEqual([{ field: 'url', message: expect.stringContaining(message) }]);
  });

  it('names every unknown field', () => {
    const errors = fieldErrors(() => parseDraft('cloud', { ...cloud, region: 'eu', debug: true }, 'save'));

    expect(errors.map((e) => e.field).sort()).toEqual(['debug', 'region']);
  });

  it('names a missing required field by its title', () => {
    const errors = fieldErrors(() =>
      parseDraft('onprem', { displayName: 'x', url: 'https://q.example.com', userDirectory: 'INTERNAL' }, 'save'),
    );

    expect(errors).toEqual([{ field: 'serviceAccountUser', message: 'Service account user is required.' }]);
  });

  it.each([0, 51, '4', 4.5, null])('refuses maxParallelExecutions %s', (value) => {
    const errors = fieldErrors(() => parseDraft('cloud', { ...cloud, maxParallelExecutions: value }, 'save'));

    expect(errors.map((e) => e.field)).toEqual(['maxParallelExecutions']);
  });

  it('accepts a test draft with every field missing', () => {
    expect(parseDraft('onprem', {}, 'test')).toEqual({});
  });

  it('refuses a body that is not an object', () => {
    expect(fieldErrors(() => parseDraft('cloud', [cloud], 'save'))[0]!.message).toContain('JSON object');
  });

  it('refuses a client certificate that is not a .pfx or .p12 file name', () => {
    const errors = fieldErrors(() =>
      parseDraft(
        'onprem',
        {
          displayName: 'x',
          url: 'https://q.example.com',
          userDirectory: 'D',
          serviceAccountUser: 'u',
          certificate: { fileName: 'client.pem', contentBase64: 'AAAA' },
        },
        'save',
      ),
    );

    expect(errors).toEqual([{ field: 'certificate.fileName', message: expect.stringContaining('.pfx or .p12') }]);
  });
});
