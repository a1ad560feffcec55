/**
 * The one schema source for server settings. It validates API bodies, generates the OpenAPI document
 * (`GET /api/openapi.json`) and, through that document, drives the admin UI's forms (titles, help texts, limits).
 */
import * as z from 'zod';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS, MAX_PARALLEL_EXECUTIONS_LIMIT } from '#lib/servers/execution-cap.ts';
import { UNSAFE_CHARACTERS } from '#lib/text/unsafe-characters.ts';

// The server ids live apart from the schemas, so code that only names a server does not load zod.
export type { ServerId } from '#lib/servers/server-id.ts';

/** An https origin: no credentials, no path, query or fragment. Returned without a trailing slash. */
const httpsOrigin = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(2048)
    .superRefine((value, ctx) => {
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
    })
    .transform((value) => new URL(value).origin);

/** A name shown to people: control and bidi-override characters would make it read as something else. */
const plainText = (what: string) =>
  z
    .string()
    .refine(
      (value) => !UNSAFE_CHARACTERS.test(value),
      `The ${what} contains control or bidirectional-override characters; type it again without them.`,
    );

const displayName = plainText('display name')
  .trim()
  .min(1, 'Enter a display name.')
  .max(100, 'Keep the display name under 100 characters.')
  .meta({ title: 'Display name', description: 'How this server is named in KPImailer.' });

const maxParallelExecutions = z
  .int('Enter a whole number.')
  .min(1, 'Allow at least 1 parallel execution.')
  .max(MAX_PARALLEL_EXECUTIONS_LIMIT, `At most ${MAX_PARALLEL_EXECUTIONS_LIMIT} parallel executions are allowed.`)
  .meta({
    title: 'Max parallel executions',
    description:
      'How many extractions KPImailer runs against this server at the same time. Lower it if reports slow the server down for its users.',
    default: DEFAULT_MAX_PARALLEL_EXECUTIONS,
  });

const version = z
  .int()
  .min(0)
  .meta({ description: 'The version read with the settings; required once the server is configured.' });

const uploadedFile = (extensions: string[], what: string) =>
  z.strictObject({
    fileName: plainText('file name')
      .trim()
      .min(1)
      .max(255)
      .refine((name) => extensions.some((ext) => name.toLowerCase().endsWith(ext)), {
        message: `Upload the ${what} as a ${extensions.join(' or ')} file.`,
      }),
    contentBase64: z
      .string()
      .min(1, `The ${what} file is empty.`)
      .regex(/^[A-Za-z0-9+/\r\n]+={0,2}[\r\n]*$/, `The ${what} file content is not valid base64.`),
  });

const port = (title: string, fallback: number, purpose = '') =>
  z
    .int()
    .min(1)
    .max(65535)
    .meta({ title, default: fallback, description: `${purpose}On the Server URL's host (default ${fallback}).` });

/** A DNS name as it appears in a certificate: letters, digits, hyphens and dots. */
const hostName = z
  .string()
  .trim()
  .max(253)
  .regex(
    /^$|^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/,
    'Enter a host name like qlikserver01 or qlikserver01.corp.example.com.',
  );

const secret = (title: string) =>
  z.string().max(1024).meta({ title, writeOnly: true, description: 'Write-only. Leave blank to keep the stored one.' });

export const onPremDraftFields = {
  displayName,
  url: httpsOrigin('Server URL').meta({
    title: 'Server URL',
    description: 'The Qlik Sense proxy base URL, like https://qlik.example.com.',
  }),
  userDirectory: plainText('user directory')
    .trim()
    .min(1, 'Enter the user directory of the service account.')
    .max(255)
    .meta({
      title: 'User directory',
      description: 'The user directory of the service account, like INTERNAL or CORP.',
    }),
  serviceAccountUser: plainText('service account user').trim().min(1, 'Enter the service account user.').max(255).meta({
    title: 'Service account user',
    description: 'The user KPImailer acts as; it must hold the RootAdmin role.',
  }),
  maxParallelExecutions,
  certificate: uploadedFile(['.pfx', '.p12'], 'client certificate').meta({
    title: 'Client certificate',
    description: 'The client.pfx exported from this site in the QMC (Certificates, Windows format, with private key).',
  }),
  certificatePassword: secret('Certificate password'),
  rootCertificate: uploadedFile(['.cer', '.crt', '.pem', '.der'], 'root certificate').nullable().meta({
    title: 'Root certificate',
    description:
      "Qlik's root.cer, when the client certificate file does not include the site's CA. Send null to remove it.",
  }),
  certificateHostName: hostName.nullable().meta({
    title: 'Certificate host name',
    description: "The machine name in Qlik's server certificate, when the Server URL uses another name.",
  }),
  allowUntrustedServerCertificate: z.boolean().meta({
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
  url: httpsOrigin('Tenant URL').meta({
    title: 'Tenant URL',
    description: 'Your Qlik Cloud tenant, like https://your-tenant.eu.qlikcloud.com.',
  }),
  oauthClientId: z
    .string()
    .trim()
    .min(1, 'Enter the OAuth client ID.')
    .max(128)
    .regex(/^[A-Za-z0-9_.-]+$/, 'The OAuth client ID has only letters, digits, dots, hyphens and underscores.')
    .meta({ title: 'OAuth client ID', description: 'A machine-to-machine OAuth client with consent method Trusted.' }),
  webIntegrationId: z
    .string()
    .trim()
    .min(1, 'Enter the web integration ID.')
    .regex(/^[A-Za-z0-9_-]{8,64}$/, 'A web integration ID is 8 to 64 letters, digits, hyphens or underscores.')
    .meta({
      title: 'Web integration ID',
      description: "From the tenant's Web integrations page, with this page's origin allowed.",
    }),
  oauthClientSecret: secret('OAuth client secret'),
  maxParallelExecutions: maxParallelExecutions.meta({
    description:
      'How many extractions KPImailer runs against this tenant at the same time. Qlik Cloud also accepts only about 10 report requests per minute; when it asks KPImailer to wait, the extraction waits and keeps its place.',
  }),
  version,
};

export const onPremSaveSchema = z
  .strictObject(onPremDraftFields)
  .partial()
  .required({ displayName: true, url: true, userDirectory: true, serviceAccountUser: true })
  .meta({ id: 'OnPremSettingsDraft', title: 'Qlik Sense Enterprise on Windows' });

export const cloudSaveSchema = z
  .strictObject(cloudDraftFields)
  .partial()
  .required({ displayName: true, url: true, oauthClientId: true, webIntegrationId: true })
  .meta({ id: 'CloudSettingsDraft', title: 'Qlik Cloud' });

/** A test runs on a draft where every field is optional: missing ones come from the saved settings. */
export const onPremTestSchema = z.strictObject(onPremDraftFields).partial().meta({ id: 'OnPremTestDraft' });
export const cloudTestSchema = z.strictObject(cloudDraftFields).partial().meta({ id: 'CloudTestDraft' });

export type OnPremDraft = z.infer<typeof onPremTestSchema>;
export type CloudDraft = z.infer<typeof cloudTestSchema>;
export type ServerDraft = OnPremDraft | CloudDraft;

export const saveSchemas = { onprem: onPremSaveSchema, cloud: cloudSaveSchema } as const;
export const testSchemas = { onprem: onPremTestSchema, cloud: cloudTestSchema } as const;
