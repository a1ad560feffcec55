/**
 * The web integration ID lets the admin UI's browser code talk to the tenant (cookie auth; Qlik checks the page's
 * origin against `validOrigins`). The server never uses it, so a problem here is a warning, never a failed check.
 */
import { QlikCloudApiError } from '#lib/qlik/cloud/cloud-errors.ts';
import { normalizeOrigin } from '#lib/qlik/cloud/cloud-client.ts';
import type { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { describeQlikCloudError } from '#lib/qlik/cloud/permission-errors.ts';

interface WebIntegration {
  id?: string;
  name?: string;
  validOrigins?: string[];
}

/**
 * Reads the web integration and returns warnings (empty when all is well). Never throws.
 *
 * @param publicOrigin this deployment's browser origin, e.g. https://kpimailer.example.com
 */
export async function webIntegrationWarnings(
  api: QlikCloudApi,
  webIntegrationId: string,
  publicOrigin: string,
  signal?: AbortSignal,
): Promise<string[]> {
  let integration: WebIntegration;
  try {
    integration = await api.get<WebIntegration>(`/api/v1/web-integrations/${encodeURIComponent(webIntegrationId)}`, {
      operation: 'webIntegrations.read',
      signal,
    });
  } catch (error) {
    if (error instanceof QlikCloudApiError && error.status === 404) {
      return [
        `Web integration ${webIntegrationId} does not exist in this tenant. Copy the ID from Management Console > Web.`,
      ];
    }
    return [`Could not check web integration ${webIntegrationId}: ${describeQlikCloudError(error)}`];
  }
  let origin: string;
  try {
    origin = normalizeOrigin(new URL(publicOrigin));
  } catch {
    return [];
  }
  const allowed = (integration.validOrigins ?? []).some((candidate) => originMatches(candidate, origin));
  if (allowed) return [];
  const name = integration.name ? ` ("${integration.name}")` : '';
  return [
    `Add ${origin} to the allowed origins of web integration ${webIntegrationId}${name} (Management Console > Web); ` +
      'until then the browser cannot open Qlik content from KPImailer.',
  ];
}

/** Qlik allows a leading `*.` wildcard for subdomains; everything else must match exactly (case-insensitive). */
function originMatches(candidate: string, origin: string): boolean {
  const trimmed = candidate.trim().replace(/\/+$/, '').toLowerCase();
  if (trimmed === origin) return true;
  const wildcard = /^(https?:\/\/)\*\.(.+)$/.exec(trimmed);
  if (!wildcard) {
    try {
      return normalizeOrigin(new URL(trimmed)) === origin;
    } catch {
      return false;
    }
  }
  const [, scheme, suffix] = wildcard;
  return origin.startsWith(scheme!) && origin.slice(scheme!.length).endsWith(`.${suffix}`);
}
