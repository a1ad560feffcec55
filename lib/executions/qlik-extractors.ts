/** The extractor of each server type: Qlik Cloud's Reports API, Qlik Sense Enterprise's Engine API. */
import { ExtractionError, type ExtractorFactory } from '#lib/executions/extractor.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { ReportExport } from '#lib/qlik/cloud/report-export.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import type { CloudSecret } from '#lib/servers/server-record.ts';

export function qlikExtractors(): ExtractorFactory {
  return ({ record, secret }) => {
    if (record.type === 'cloud') {
      const client = getCloudClient(record.settings.url);
      const tokens = cloudTokenProvider(client, record.settings.oauthClientId, (secret as CloudSecret).clientSecret);
      return new ReportExport(new QlikCloudApi(client, tokens));
    }
    return {
      extract: async () => {
        throw new ExtractionError('NOT-AVAILABLE', 'On-premise extractions are not available in this version.', false);
      },
    };
  };
}
