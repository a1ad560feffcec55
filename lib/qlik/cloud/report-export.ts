/**
 * Qlik Cloud extractions through the Reports API (scope `apps.report:export`):
 *   POST /api/v1/reports (202 + Location) -> poll GET …/status until done|failed|aborted -> GET …/outputs ->
 *   GET each output's `location` (/api/v1/temp-contents/…) with the same bearer token.
 * `image` is `sense-image-1.0` (PNG), `pdf` is `sense-sheet-1.0`, `data` is `sense-data-1.0` (xlsx).
 *
 * The POST sits in a special rate tier (10 per minute in Qlik's spec, `x-qlik-tier`); the client honours
 * `Retry-After` on a 429. Status polls are Tier 1 (1,000 per minute per user), so they back off: the first poll comes
 * when this container's recent exports of the tenant took to finish (25 ms while nothing is known), then four times
 * every twentieth of that (at least 5 ms), then every quarter of it, doubling up to 5 s once an export runs past twice
 * the expected time. The time from the export's end to the poll that sees it delays the extraction and holds its slot
 * of the cap, hence the fine steps around the expected end; there are few of them, and the creations' tier (10 per
 * minute) keeps the polls far below Tier 1's budget.
 */
import { ExtractionError, type Extractor } from '#lib/executions/extractor.ts';
import type { ExecutionRecord, ExtractionOutput, Selection } from '#lib/executions/execution-types.ts';
import type { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { pathOfLink, type RateLimitPolicy } from '#lib/qlik/cloud/cloud-client.ts';
import { exportFailed, reportCallFailed } from '#lib/qlik/cloud/report-errors.ts';
// POST /api/v1/reports sits in a Special tier of its own (10 per minute); its 429s pause only that tier.
import { REPORTS_CREATE_TIER } from '#lib/qlik/cloud/rate-tier-pause.ts';

/**
 * An extraction may wait out a 10-per-minute window (up to a minute) rather than fail: the worker's timeout is minutes,
 * and the slot it holds keeps the cap honest meanwhile.
 */
export const REPORT_RATE_LIMIT: RateLimitPolicy = { maxAttempts: 6, maxTotalWaitMs: 90_000 };

const CONTENT_TYPES = {
  image: 'image/png',
  pdf: 'application/pdf',
  data: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

const FIRST_POLL_MIN_MS = 25;
const POLL_STEP_MIN_MS = 5;
const FINE_POLLS = 4;
const POLL_MAX_MS = 5_000;
const TERMINAL = new Set(['done', 'failed', 'aborted']);

interface ReportStatus {
  status: string;
  requestErrors?: Array<{ code?: string; title?: string }>;
  reasons?: Array<{ exportErrors?: Array<{ code?: string; title?: string }> }>;
}

interface OutputList {
  data?: Array<{
    outputId?: string;
    status?: string;
    location?: string;
    sizeBytes?: number;
    exportErrors?: Array<{ code?: string; title?: string }>;
  }>;
}

/** The Reports API request body of an extraction. */
export function reportRequestOf(
  execution: Pick<ExecutionRecord, 'kind' | 'appId' | 'objectId' | 'sheetId' | 'selections'>,
): Record<string, unknown> {
  const selection = selectionsOf(execution.selections);
  switch (execution.kind) {
    case 'image':
      return {
        type: 'sense-image-1.0',
        senseImageTemplate: {
          appId: execution.appId,
          visualization: { id: execution.objectId, widthPx: 1280, heightPx: 720 },
          ...selection,
        },
        output: { outputId: 'image', type: 'image', imageOutput: { outFormat: 'png', outDpi: 96 } },
      };
    case 'pdf':
      return {
        type: 'sense-sheet-1.0',
        senseSheetTemplate: { appId: execution.appId, sheet: { id: execution.sheetId }, ...selection },
        output: { outputId: 'pdf', type: 'pdf', pdfOutput: { size: 'A4', orientation: 'A', resizeType: 'autofit' } },
      };
    case 'data':
      // Qlik documents that xlsx output "requires xlsxOutput" but publishes no such schema; its examples send none.
      return {
        type: 'sense-data-1.0',
        senseDataTemplate: { appId: execution.appId, id: execution.objectId, ...selection },
        output: { outputId: 'data', type: 'xlsx' },
      };
  }
}

function selectionsOf(selections: Selection[]): Record<string, unknown> {
  if (selections.length === 0) return {};
  return {
    selectionType: 'selectionsByState',
    selectionsByState: {
      $: selections.map((s) => ({
        fieldName: s.field,
        defaultIsNumeric: false,
        values: s.values.map((text) => ({ text, isNumeric: false })),
      })),
    },
  };
}

/** How long exports of one tenant took lately, learned per container (an exponential moving average). */
const expectedDurationMs = new Map<string, number>();

export class ReportExport implements Extractor {
  constructor(private readonly api: QlikCloudApi) {}

  async extract(execution: ExecutionRecord, signal: AbortSignal): Promise<ExtractionOutput> {
    try {
      const statusPath = await this.create(execution, signal);
      const status = await this.waitUntilFinished(statusPath, signal);
      const reportPath = statusPath.replace(/\/status$/, '');
      const outputs = await this.api.get<OutputList>(`${reportPath}/outputs`, { operation: 'reports.outputs', signal });
      const output = outputs?.data?.find((o) => o.location) ?? outputs?.data?.[0];
      if (status.status !== 'done' || !output?.location || output.status === 'failed') {
        throw exportFailed(
          [
            ...(status.requestErrors ?? []),
            ...(output?.exportErrors ?? []),
            ...(status.reasons ?? []).flatMap((r) => r.exportErrors ?? []),
          ],
          status.status,
        );
      }
      const downloaded = await this.api.download(pathOfLink(this.api.client, output.location), {
        operation: 'reports.download',
        signal,
      });
      return { contentType: CONTENT_TYPES[execution.kind], bytes: downloaded.bytes };
    } catch (error) {
      if (signal.aborted)
        throw new ExtractionError(
          'EXTRACTION-TIMEOUT',
          'Qlik Cloud did not finish the export within the extraction time limit; it is tried again.',
          true,
          { cause: error },
        );
      throw reportCallFailed(error);
    }
  }

  private async create(execution: ExecutionRecord, signal: AbortSignal): Promise<string> {
    const response = await this.api.request<{ requestId?: string }>({
      method: 'POST',
      path: '/api/v1/reports',
      json: reportRequestOf(execution),
      operation: 'reports.export',
      tier: REPORTS_CREATE_TIER,
      rateLimit: REPORT_RATE_LIMIT,
      signal,
    });
    const location = response.headers.location;
    if (location) return pathOfLink(this.api.client, location);
    if (response.body?.requestId) return `/api/v1/reports/${encodeURIComponent(response.body.requestId)}/status`;
    throw new ExtractionError(
      'REPORT-NO-LOCATION',
      'Qlik Cloud accepted the export but said neither where its status is nor its request ID.',
      true,
    );
  }

  /**
   * Polls until the export is finished. The first poll comes when recent exports of the tenant finished; each export
   * then teaches when it finished: between the last poll that found it still running and the one that found it done
   * (the midpoint), or well before the first poll when that one already found it done, so the estimate keeps probing
   * earlier instead of learning its own overshoot (and comes down fast after one slow export).
   */
  private async waitUntilFinished(statusPath: string, signal: AbortSignal): Promise<ReportStatus> {
    const startedAt = performance.now();
    // Nothing learned yet for this tenant: 25 ms doubling finds the duration without guessing it.
    const expected = this.expected() ?? 0;
    let waitMs = Math.max(FIRST_POLL_MIN_MS, Math.round(expected));
    // After a miss, poll every twentieth of the expected duration (an overshoot of at most that) a few times; an
    // export still running then is unusual: every quarter, doubling once it runs past twice what was expected (then
    // the tier's budget matters more).
    const fineMs = Math.min(POLL_MAX_MS, Math.max(POLL_STEP_MIN_MS, Math.round(expected / 20)));
    let backoffMs = Math.min(POLL_MAX_MS, Math.max(FIRST_POLL_MIN_MS, Math.round(expected / 4)));
    let lastRunningAt: number | undefined;
    for (let polls = 1; ; polls++) {
      await sleep(waitMs, signal);
      const polledAt = performance.now() - startedAt;
      const status = await this.api.get<ReportStatus>(statusPath, { operation: 'reports.status', signal });
      if (TERMINAL.has(status.status)) {
        this.learn(lastRunningAt === undefined ? polledAt * 0.75 : (lastRunningAt + polledAt) / 2);
        return status;
      }
      lastRunningAt = polledAt;
      waitMs = expected && polls <= FINE_POLLS ? fineMs : backoffMs;
      if (polledAt > 2 * expected) backoffMs = Math.min(POLL_MAX_MS, backoffMs * 2);
    }
  }

  private expected(): number | undefined {
    return expectedDurationMs.get(this.api.client.origin);
  }

  private learn(durationMs: number): void {
    const previous = expectedDurationMs.get(this.api.client.origin);
    expectedDurationMs.set(
      this.api.client.origin,
      previous === undefined ? durationMs : previous * 0.7 + durationMs * 0.3,
    );
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
