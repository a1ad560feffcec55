/**
 * Counters as CloudWatch Embedded Metric Format lines on stdout: Lambda ships stdout to CloudWatch Logs, which turns
 * these lines into metrics without an SDK call or a client to load on the receiver's cold path. The same counts are
 * kept in memory for tests.
 */
const NAMESPACE = 'KPImailer/Qlik';
const counts = new Map<string, number>();

/**
 * @param properties searchable in the log line but not metric dimensions (an event type from outside must not be
 *   able to create new metric series)
 */
export function countMetric(name: string, properties: Record<string, string | null> = {}): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
  const line = {
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: name, Unit: 'Count' }] }] },
    service: process.env.POWERTOOLS_SERVICE_NAME ?? 'kpimailer-qlik',
    ...properties,
    [name]: 1,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** How often `name` was counted in this process (tests). */
export function metricCount(name: string): number {
  return counts.get(name) ?? 0;
}
