import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ALARMED_METRICS, METRIC_NAMESPACE, METRIC_SERVICE_DIMENSION } from '#lib/reloads/metrics.ts';
import { SERVICE_NAME } from './functions.ts';

export interface OperatorAlarmsProps {
  /** Where alarm notifications are mailed (`-c alarmEmail=ops@example.com`); without it, subscribe to the topic yourself. */
  readonly email?: string;
}

export interface AlarmOptions {
  /** What the alarm means and what to do, shown in the notification. */
  readonly description: string;
  /** Alarm at or above this sum per period. @default 1 */
  readonly threshold?: number;
  /** @default 5 minutes */
  readonly period?: Duration;
}

/**
 * Nothing fails quietly: one SNS topic every alarm of the service notifies (ALARM and back to OK), with an optional
 * email subscription. Alarms watch each function's errors and throttles and the service's own failure counters
 * (`lib/reloads/metrics.ts`): webhook signature rejections spiking, reload monitor failures, sync failures. Later
 * parts add theirs through `alarmOn` (the extraction queues' dead-letter depth).
 *
 * The topic is encrypted with a key of its own: CloudWatch cannot publish to a topic under the AWS-managed SNS key,
 * so the key policy lets CloudWatch use it.
 */
export class OperatorAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: OperatorAlarmsProps = {}) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the KPImailer Qlik operator alarm topic',
      enableKeyRotation: true,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: 'KPImailer Qlik connectivity alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);

    this.alarmOn('WebhookSignatureRejections', serviceMetric(ALARMED_METRICS.webhookSignatureRejected), {
      threshold: 10,
      description:
        'More than 10 Qlik Cloud webhook deliveries in 5 minutes failed their signature check: the signing secret was ' +
        'changed in Qlik without re-running Test connection, or someone is probing the function URL.',
    });
    this.alarmOn('ReloadMonitorFailures', serviceMetric(ALARMED_METRICS.reloadMonitorFailure), {
      threshold: 3,
      period: Duration.minutes(10),
      description:
        'The reload monitor failed 3 times in 10 minutes: reload events are not being published. See the reload-monitor logs.',
    });
    this.alarmOn('AppSyncFailures', serviceMetric(ALARMED_METRICS.appSyncFailed), {
      period: Duration.hours(1),
      description:
        "An app catalog sync failed or lost its lease. The server's lastSync.error in the admin page says why.",
    });
  }

  /** Alarms on a function's errors and throttles (a throttle means reserved or account concurrency ran out). */
  watchFunction(id: string, fn: IFunction): void {
    this.alarmOn(`${id}Errors`, fn.metricErrors({ period: Duration.minutes(5) }), {
      description: `The ${id} function failed (an unhandled error, a timeout or running out of memory). See its logs.`,
    });
    this.alarmOn(`${id}Throttles`, fn.metricThrottles({ period: Duration.minutes(5) }), {
      description: `Invocations of the ${id} function were throttled: the account's or the function's concurrency ran out.`,
    });
  }

  /**
   * Sends an alarm another construct built (its own statistic and periods, e.g. the extraction queues' dead-letter
   * depth and oldest message age) to the topic too, when it goes into ALARM and when it recovers.
   */
  notify(alarm: Alarm): Alarm {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * An alarm on the sum of `metric` per period that notifies the topic when it goes into ALARM and when it
   * recovers. No data is "not breaching": these are counters of failures, absent while nothing fails.
   */
  alarmOn(id: string, metric: Metric, options: AlarmOptions): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: metric.with({ statistic: 'Sum', period: options.period ?? Duration.minutes(5) }),
      threshold: options.threshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return this.notify(alarm);
  }
}

function serviceMetric(name: string): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { [METRIC_SERVICE_DIMENSION]: SERVICE_NAME },
  });
}
