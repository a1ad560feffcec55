/** The extractor of each server type: Qlik Cloud's Reports API, Qlik Sense Enterprise's Engine API. */
import type { ExtractorFactory } from '#lib/executions/extractor.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { ReportExport } from '#lib/qlik/cloud/report-export.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { EngineDataExtraction } from '#lib/qlik/onprem/engine-extraction.ts';
import { onPremConnectionOf } from '#lib/servers/effective-connection.ts';
import type { CloudSecret, OnPremSecret } from '#lib/servers/server-record.ts';

export function qlikExtractors(): ExtractorFactory {
  return ({ record, secret, state }) => {
    if (record.type === 'cloud') {
      const client = getCloudClient(record.settings.url);
      const tokens = cloudTokenProvider(client, record.settings.oauthClientId, (secret as CloudSecret).clientSecret);
      return new ReportExport(new QlikCloudApi(client, tokens));
    }
    // On-premise: `data` through the Engine API; image and pdf are refused at submit (422) until a later issue.
    return new EngineDataExtraction(
      onPremConnectionOf({ settings: record.settings, secret: secret as OnPremSecret }, state),
    );
  };
}
