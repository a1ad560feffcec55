/**
 * Counters as CloudWatch Embedded Metric Format lines on stdout: Lambda ships stdout to CloudWatch Logs, which turns
 * these lines into metrics without an SDK call or a client to load on the receiver's cold path. The same counts are
 * kept in memory for tests.
 */
export const METRIC_NAMESPACE = 'KPImailer/Qlik';
/** The one dimension every metric carries: the service name (POWERTOOLS_SERVICE_NAME, set by the stack). */
export const METRIC_SERVICE_DIMENSION = 'service';

/** Metrics the stack's alarms watch (infra/constructs/operator-alarms.ts); counted where the failure happens. */
export const ALARMED_METRICS = {
  /** A webhook delivery whose Qlik-Signature did not verify (a spike: a rotated secret not picked up, or probing). */
  webhookSignatureRejected: 'WebhookSignatureRejected',
  /** A reload monitor part (on-prem polling, Qlik Cloud webhook health) failed. */
  reloadMonitorFailure: 'ReloadMonitorFailure',
  /** An app catalog sync (or a deleted server's app removal) failed or lost its lease. */
  appSyncFailed: 'AppSyncFailed',
} as const;
const counts = new Map<string, number>();

/**
 * @param properties searchable in the log line but not metric dimensions (an event type from outside must not be
 *   able to create new metric series)
 */
export function countMetric(name: string, properties: Record<string, string | null> = {}): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[METRIC_SERVICE_DIMENSION]],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    [METRIC_SERVICE_DIMENSION]: process.env.POWERTOOLS_SERVICE_NAME ?? 'kpimailer-qlik',
    ...properties,
    [name]: 1,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** How often `name` was counted in this process (tests). */
export function metricCount(name: string): number {
  return counts.get(name) ?? 0;
}
