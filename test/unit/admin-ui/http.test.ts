import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setAccessTokenProvider } from '#lib/admin-ui/web/api/auth.ts';
import { ApiError, apiFetch } from '#lib/admin-ui/web/api/http.ts';

const respond = (status: number, body: unknown, type = 'application/json') =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('admin page fetch wrapper', () => {
  const fetchMock = vi.fn<typeof fetch>();

  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    // The page is served under a stage prefix in AWS; API paths resolve against it.
    vi.stubGlobal('document', { baseURI: 'https://admin.example.com/prod/' });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessTokenProvider(() => null);
  });

  it('sends no Authorization header when no token provider is installed (local runtime)', async () => {
    // Prepare
    fetchMock.mockResolvedValue(respond(200, { servers: [] }));
    // Act
    await apiFetch('api/servers');
    // Assess
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('https://admin.example.com/prod/api/servers');
    expect(new Headers(init?.headers).has('authorization')).toBe(false);
  });

  it('adds the bearer token of the installed provider (Cognito in AWS)', async () => {
    // Prepare
    setAccessTokenProvider(async () => 'eyJ.token');
    fetchMock.mockResolvedValue(respond(200, {}));
    // Act
    await apiFetch('api/servers/onprem', { method: 'PUT', body: { displayName: 'x' } });
    // Assess
    const init = fetchMock.mock.calls[0]![1]!;
    const headers = new Headers(init.headers);
    expect(headers.get('authorization')).toBe('Bearer eyJ.token');
    expect(headers.get('content-type')).toBe('application/json');
    expect(init.body).toBe('{"displayName":"x"}');
  });

  it('turns problem details into an ApiError with the field errors', async () => {
    // Prepare
    fetchMock.mockResolvedValue(
      respond(
        400,
        {
          type: 'about:blank',
          title: 'Invalid settings',
          status: 400,
          detail: 'Some fields need attention.',
          errors: [{ field: 'certificatePassword', message: 'Wrong password.' }],
        },
        'application/problem+json',
      ),
    );
    // Act
    const error = await apiFetch('api/servers/onprem', { method: 'PUT', body: {} }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      message: 'Some fields need attention.',
      fieldErrors: [{ field: 'certificatePassword', message: 'Wrong password.' }],
    });
  });

  it('explains a network failure and a bodiless server error in sentences', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(apiFetch('api/servers')).rejects.toMatchObject({
      status: 0,
      message: expect.stringMatching(/could not be reached/),
    });
    fetchMock.mockResolvedValueOnce(new Response('', { status: 502 }));
    await expect(apiFetch('api/servers')).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/Try again/),
    });
  });
});
