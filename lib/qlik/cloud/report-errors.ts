/**
 * Qlik Cloud Reports API failures as sentences that say what to do. Export errors carry `REP-*` codes (the list is
 * in Qlik's reports spec, `ExportError.code`); each maps to a message and to whether another attempt can help.
 */
import { ExtractionError } from '#lib/executions/extractor.ts';
import { QlikCloudApiError, QlikCloudNetworkError, QlikCloudRateLimitError } from '#lib/qlik/cloud/cloud-errors.ts';
import { describeQlikCloudError } from '#lib/qlik/cloud/permission-errors.ts';

interface RepMeaning {
  message: string;
  retryable: boolean;
}

const KNOWN: Record<string, RepMeaning> = {
  'REP-403001': {
    message:
      "The OAuth client's bot user may not open this app. Add the bot user to the app's space as a member (Can view or more).",
    retryable: false,
  },
  'REP-403002': { message: 'Qlik Cloud cannot export this chart type. Pick another visualization.', retryable: false },
  'REP-403019': { message: 'Qlik Cloud does not export from apps that use Direct Query.', retryable: false },
  'REP-403025': {
    message: 'The tenant has no entitlement to export reports. Check the subscription with your Qlik account team.',
    retryable: false,
  },
  'REP-403026': {
    message:
      'Report export is switched off for this tenant. Turn it on in the Management Console (Settings > Feature control > Reporting).',
    retryable: false,
  },
  'REP-403027': {
    message: 'This object has no data table (no hypercube), so its data cannot be exported. Pick a table or chart.',
    retryable: false,
  },
  'REP-403048': {
    message:
      "The OAuth client's bot user may not export reports. Give it the export permission (the space role or a custom role with Export).",
    retryable: false,
  },
  'REP-404001': {
    message: 'Qlik Cloud has no app with this ID (or it was deleted). Check the app ID.',
    retryable: false,
  },
  'REP-404002': {
    message: 'The app has no chart with this object ID (or it was deleted). Check the object ID.',
    retryable: false,
  },
  'REP-404003': {
    message: 'The app has no sheet with this ID, or the sheet is not available to the bot user. Check the sheet ID.',
    retryable: false,
  },
  'REP-400008': {
    message:
      'Qlik Cloud could not apply the selections: a field or value does not exist in the app. Check the selections.',
    retryable: false,
  },
  'REP-409046': { message: 'A reload of the app aborted the export; it is tried again.', retryable: true },
  'REP-422051': {
    message: 'There is nothing to export: the object has no data (empty data set, or fields hidden by section access).',
    retryable: false,
  },
  'REP-429000': { message: 'Qlik Cloud is rate-limiting report exports; it is tried again.', retryable: true },
  'REP-429012': {
    message: 'The tenant has too many sessions open at once; lower Max parallel executions if this repeats.',
    retryable: true,
  },
  'REP-429014': {
    message: 'Qlik Cloud could not finish the export before its deadline; it is tried again.',
    retryable: true,
  },
  'REP-429016': {
    message: 'The tenant has used its daily session quota for exports; exports resume when Qlik resets it.',
    retryable: false,
  },
  'REP-500014': {
    message: 'The app did not open within 10 minutes in Qlik Cloud; it is tried again.',
    retryable: true,
  },
  'REP-503005': { message: 'No Qlik engine was available for the export; it is tried again.', retryable: true },
  'REP-503013': { message: 'The Qlik engine session of the export went away; it is tried again.', retryable: true },
};

/** The meaning of one `REP-*` code; unknown codes go by their HTTP-like class (4xx: fix the request, 5xx: retry). */
export function meaningOf(code: string, title: string): RepMeaning {
  const known = KNOWN[code];
  if (known) return known;
  const klass = /^REP-(\d)/.exec(code)?.[1];
  const retryable = klass === '5' || code.startsWith('REP-429');
  return { message: `Qlik Cloud could not produce the export (${code}${title ? `: ${title}` : ''}).`, retryable };
}

/** An export that Qlik reported as failed, from the first export error it gave. */
export function exportFailed(errors: Array<{ code?: string; title?: string }>, status: string): ExtractionError {
  const first = errors.find((e) => e.code);
  if (!first?.code)
    return new ExtractionError(
      `REPORT-${status.toUpperCase()}`,
      `Qlik Cloud reported the export as ${status} without saying why.`,
      status === 'aborted',
    );
  const meaning = meaningOf(first.code, first.title ?? '');
  return new ExtractionError(first.code, meaning.message, meaning.retryable);
}

/** Any error of a Reports API call (HTTP status, network, rate limit) as an ExtractionError. */
export function reportCallFailed(error: unknown): ExtractionError {
  if (error instanceof ExtractionError) return error;
  if (error instanceof QlikCloudRateLimitError)
    return new ExtractionError('QLIK-RATE-LIMITED', describeQlikCloudError(error), true, { cause: error });
  if (error instanceof QlikCloudApiError) {
    const repCode = error.errors.find((e) => e.code.startsWith('REP-'))?.code;
    if (repCode) {
      const meaning = meaningOf(repCode, error.errors[0]?.title ?? '');
      return new ExtractionError(repCode, meaning.message, meaning.retryable, { cause: error });
    }
    const retryable = error.status >= 500 || error.status === 429;
    return new ExtractionError(`HTTP-${error.status}`, describeQlikCloudError(error), retryable, { cause: error });
  }
  if (error instanceof QlikCloudNetworkError)
    return new ExtractionError('QLIK-UNREACHABLE', describeQlikCloudError(error), true, { cause: error });
  return new ExtractionError('EXTRACTION-FAILED', 'The export failed unexpectedly; it is tried again.', true, {
    cause: error,
  });
}
