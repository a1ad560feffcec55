/**
 * The one schema source for server settings. It validates API bodies, generates the OpenAPI document
 * (`GET /api/openapi.json`) and, through that document, drives the admin UI's forms (titles, help texts, limits).
 *
 * zod/mini (the same engine, checks as functions instead of methods): a save or test is the first thing a cold
 * connection-test function does, and the full API cost it about 35 ms there against about 11 ms for these schemas in
 * zod/mini (measured in isolation). Titles and help texts are in zod's global registry (`describe` below), which
 * `z.toJSONSchema` reads.
 */
import * as z from 'zod/mini';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS, MAX_PARALLEL_EXECUTIONS_LIMIT } from '#lib/servers/execution-cap.ts';
import { UNSAFE_CHARACTERS } from '#lib/text/unsafe-characters.ts';

// The server ids live apart from the schemas, so code that only names a server does not load zod.
export type { ServerId } from '#lib/servers/server-id.ts';

/** Title, help text and the like, for the OpenAPI document; on a copy, so a shared schema keeps its own. */
function describe<T extends z.ZodMiniType>(schema: T, meta: z.core.GlobalMeta): T {
  const copy = schema.clone() as T;
  z.globalRegistry.add(copy, meta as never);
  return copy;
}

/** An https origin: no credentials, no path, query or fragment. Returned without a trailing slash. */
const httpsOrigin = (what: string) =>
  z.pipe(
    z.string().check(
      z.trim(),
      z.minLength(1, `Enter the ${what}.`),
      z.maxLength(2048),
      z.superRefine((value, ctx) => {
        let parsed: URL;
        try {
          parsed = new URL(value);
        } catch {
          ctx.addIssue({ code: 'custom', message: `Enter the ${what} as a full URL, like https://qlik.example.com.` });
          return;
        }
        if (parsed.protocol !== 'https:') {
          ctx.addIssue({
            code: 'custom',
            message: `The ${what} must use https://; Qlik is never reached over plain http.`,
          });
        } else if (parsed.username || parsed.password) {
          ctx.addIssue({ code: 'custom', message: `Remove the user name and password from the ${what}.` });
        } else if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) {
          ctx.addIssue({
            code: 'custom',
            message: `The ${what} must be the server's base address only (like https://${parsed.host}), without a path.`,
          });
        }
      }),
    ),
    z.transform((value: string) => new URL(value).origin),
  );

/** A name shown to people: control and bidi-override characters would make it read as something else. */
const notUnsafe = (what: string) =>
  z.refine<string>(
    (value) => !UNSAFE_CHARACTERS.test(value),
    `The ${what} contains control or bidirectional-override characters; type it again without them.`,
  );

const displayName = describe(
  z
    .string()
    .check(
      notUnsafe('display name'),
      z.trim(),
      z.minLength(1, 'Enter a display name.'),
      z.maxLength(100, 'Keep the display name under 100 characters.'),
    ),
  { title: 'Display name', description: 'How this server is named in KPImailer.' },
);

const maxParallelExecutions = describe(
  z
    .int('Enter a whole number.')
    .check(
      z.minimum(1, 'Allow at least 1 parallel execution.'),
      z.maximum(
        MAX_PARALLEL_EXECUTIONS_LIMIT,
        `At most ${MAX_PARALLEL_EXECUTIONS_LIMIT} parallel executions are allowed.`,
      ),
    ),
  {
    title: 'Max parallel executions',
    description:
      'How many extractions KPImailer runs against this server at the same time. Lower it if reports slow the server down for its users.',
    default: DEFAULT_MAX_PARALLEL_EXECUTIONS,
  },
);

const version = describe(z.int().check(z.minimum(0)), {
  description: 'The version read with the settings; required once the server is configured.',
});

const uploadedFile = (extensions: string[], what: string) =>
  z.strictObject({
    fileName: z.string().check(
      notUnsafe('file name'),
      z.trim(),
      z.minLength(1),
      z.maxLength(255),
      z.refine<string>((name) => extensions.some((ext) => name.toLowerCase().endsWith(ext)), {
        message: `Upload the ${what} as a ${extensions.join(' or ')} file.`,
      }),
    ),
    contentBase64: z
      .string()
      .check(
        z.minLength(1, `The ${what} file is empty.`),
        z.regex(/^[A-Za-z0-9+/\r\n]+={0,2}[\r\n]*$/, `The ${what} file content is not valid base64.`),
      ),
  });

const port = (title: string, fallback: number, purpose = '') =>
  describe(z.int().check(z.minimum(1), z.maximum(65535)), {
    title,
    default: fallback,
    description: `${purpose}On the Server URL's host (default ${fallback}).`,
  });

/** A DNS name as it appears in a certificate: letters, digits, hyphens and dots. */
const hostName = z
  .string()
  .check(
    z.trim(),
    z.maxLength(253),
    z.regex(
      /^$|^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/,
      'Enter a host name like qlikserver01 or qlikserver01.corp.example.com.',
    ),
  );

const secret = (title: string) =>
  describe(z.string().check(z.maxLength(1024)), {
    title,
    writeOnly: true,
    description: 'Write-only. Leave blank to keep the stored one.',
  });

/** A required name shown to people, with the message for a blank one. */
const plainName = (what: string, blank: string) =>
  z.string().check(notUnsafe(what), z.trim(), z.minLength(1, blank), z.maxLength(255));

export const onPremDraftFields = {
  displayName,
  url: describe(httpsOrigin('Server URL'), {
    title: 'Server URL',
    description: 'The Qlik Sense proxy base URL, like https://qlik.example.com.',
  }),
  userDirectory: describe(plainName('user directory', 'Enter the user directory of the service account.'), {
    title: 'User directory',
    description: 'The user directory of the service account, like INTERNAL or CORP.',
  }),
  serviceAccountUser: describe(plainName('service account user', 'Enter the service account user.'), {
    title: 'Service account user',
    description: 'The user KPImailer acts as; it must hold the RootAdmin role.',
  }),
  maxParallelExecutions,
  certificate: describe(uploadedFile(['.pfx', '.p12'], 'client certificate'), {
    title: 'Client certificate',
    description: 'The client.pfx exported from this site in the QMC (Certificates, Windows format, with private key).',
  }),
  certificatePassword: secret('Certificate password'),
  rootCertificate: describe(z.nullable(uploadedFile(['.cer', '.crt', '.pem', '.der'], 'root certificate')), {
    title: 'Root certificate',
    description:
      "Qlik's root.cer, when the client certificate file does not include the site's CA. Send null to remove it.",
  }),
  certificateHostName: describe(z.nullable(hostName), {
    title: 'Certificate host name',
    description: "The machine name in Qlik's server certificate, when the Server URL uses another name.",
  }),
  allowUntrustedServerCertificate: describe(z.boolean(), {
    title: "Don't verify the server certificate",
    description: 'For labs only: accept any server certificate. Every test run under it says so.',
    default: false,
  }),
  repositoryPort: port('Repository (QRS) port', 4242),
  enginePort: port('Engine port', 4747),
  proxyApiPort: port(
    'Proxy API (QPS) port',
    4243,
    "The Qlik Proxy Service API that issues KPImailer's session tickets, reached with the client certificate. ",
  ),
  version,
};

export const cloudDraftFields = {
  displayName,
  url: describe(httpsOrigin('Tenant URL'), {
    title: 'Tenant URL',
    description: 'Your Qlik Cloud tenant, like https://your-tenant.eu.qlikcloud.com.',
  }),
  oauthClientId: describe(
    z
      .string()
      .check(
        z.trim(),
        z.minLength(1, 'Enter the OAuth client ID.'),
        z.maxLength(128),
        z.regex(/^[A-Za-z0-9_.-]+$/, 'The OAuth client ID has only letters, digits, dots, hyphens and underscores.'),
      ),
    { title: 'OAuth client ID', description: 'A machine-to-machine OAuth client with consent method Trusted.' },
  ),
  webIntegrationId: describe(
    z
      .string()
      .check(
        z.trim(),
        z.minLength(1, 'Enter the web integration ID.'),
        z.regex(/^[A-Za-z0-9_-]{8,64}$/, 'A web integration ID is 8 to 64 letters, digits, hyphens or underscores.'),
      ),
    {
      title: 'Web integration ID',
      description: "From the tenant's Web integrations page, with this page's origin allowed.",
    },
  ),
  oauthClientSecret: secret('OAuth client secret'),
  // A copy inherits the shared schema's title and default (zod's registry reads a copy's parent), so only the help
  // text is said again.
  maxParallelExecutions: describe(maxParallelExecutions, {
    description:
      'How many extractions KPImailer runs against this tenant at the same time. Qlik Cloud also accepts only about 10 report requests per minute; when it asks KPImailer to wait, the extraction waits and keeps its place.',
  }),
  version,
};

export const onPremSaveSchema = describe(
  z.required(z.partial(z.strictObject(onPremDraftFields)), {
    displayName: true,
    url: true,
    userDirectory: true,
    serviceAccountUser: true,
  }),
  { id: 'OnPremSettingsDraft', title: 'Qlik Sense Enterprise on Windows' },
);

export const cloudSaveSchema = describe(
  z.required(z.partial(z.strictObject(cloudDraftFields)), {
    displayName: true,
    url: true,
    oauthClientId: true,
    webIntegrationId: true,
  }),
  { id: 'CloudSettingsDraft', title: 'Qlik Cloud' },
);

/** A test runs on a draft where every field is optional: missing ones come from the saved settings. */
export const onPremTestSchema = describe(z.partial(z.strictObject(onPremDraftFields)), { id: 'OnPremTestDraft' });
export const cloudTestSchema = describe(z.partial(z.strictObject(cloudDraftFields)), { id: 'CloudTestDraft' });

export type OnPremDraft = z.infer<typeof onPremTestSchema>;
export type CloudDraft = z.infer<typeof cloudTestSchema>;
export type ServerDraft = OnPremDraft | CloudDraft;

export const saveSchemas = { onprem: onPremSaveSchema, cloud: cloudSaveSchema } as const;
export const testSchemas = { onprem: onPremTestSchema, cloud: cloudTestSchema } as const;
