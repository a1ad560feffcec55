import { Duration, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ServiceTables } from './data.ts';
import { ServiceFunction } from './functions.ts';
import type { ServerSecrets } from './secrets.ts';

/** Server ids (lib/servers/server-settings.ts); one queue, DLQ and mapping each. */
const SERVER_IDS = ['onprem', 'cloud'] as const;
type ServerId = (typeof SERVER_IDS)[number];

/** Where results live in the bucket (lib/executions/result-stores.ts). */
const RESULTS_PREFIX = 'results/';
/** The default Max parallel executions (lib/servers/server-settings.ts); a save sets the real value. */
const DEFAULT_LIMIT = 4;
/** How long one extraction may take (a Qlik report export's deadline is 10 minutes by default). */
export const EXTRACTION_TIMEOUT = Duration.minutes(10);
/** The worker's timeout: the extraction's, plus time to store the result and record the outcome. */
export const WORKER_TIMEOUT = Duration.minutes(11);
/** AWS: a queue's visibility timeout should be at least 6x the timeout of the function it feeds. */
const VISIBILITY_TIMEOUT = Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6);
/**
 * Every receive counts, including the short returns of a worker that found no free slot (not failures). The worker
 * itself dead-letters real failures after 3 attempts; this maximum only catches messages that never reach it.
 */
const MAX_RECEIVE_COUNT = 1000;
/** An extraction waiting this long means the cap is too low for the load, or workers are failing. */
const OLDEST_MESSAGE_ALARM_SECONDS = 15 * 60;

export interface ExtractionsProps {
  readonly tables: ServiceTables;
  readonly secrets: ServerSecrets;
  /** How long extraction results are kept. @default 7 days */
  readonly resultRetention?: Duration;
}

/**
 * Extractions with Max parallel executions: per server a standard SQS queue with a dead-letter queue, and an event
 * source mapping to the `extraction-worker` function (batch size 1, ReportBatchItemFailures, MaximumConcurrency =
 * max(2, N)). The exact cap is the worker's slot lease in the servers table (lib/executions); the mapping's
 * concurrency only stops over-polling and is updated by the settings API when N is saved. Results go to an S3
 * bucket that expires them; alarms watch each dead-letter queue and the age of each queue's oldest message.
 */
export class Extractions extends Construct {
  readonly table: Table;
  readonly bucket: Bucket;
  readonly worker: ServiceFunction;
  readonly queues: Record<ServerId, Queue>;
  readonly deadLetterQueues: Record<ServerId, Queue>;
  readonly mappings: Record<ServerId, SqsEventSource>;
  /** Dead-letter depth and oldest-message age, per server; the stack wires them to its alarm topic. */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ExtractionsProps) {
    super(scope, id);
    const { tables, secrets } = props;

    this.table = new Table(this, 'Executions', {
      partitionKey: { name: 'executionId', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      // The same settings as the service's other tables (see data.ts for the reasons).
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // lib/aws/table-definitions.ts QUEUED_INDEX: a sparse index of the executions waiting to start, per server.
    this.table.addGlobalSecondaryIndex({
      indexName: 'queued-by-server',
      partitionKey: { name: 'queuedOn', type: AttributeType.STRING },
      sortKey: { name: 'queuedAt', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });

    this.bucket = new Bucket(this, 'Results', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-results', expiration: props.resultRetention ?? Duration.days(7) }],
      // Results are short-lived copies of Qlik content; the stack's removal may take them along.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The results bucket holds short-lived extraction outputs written and read only by the service roles; every ' +
        'access is already recorded per execution (who submitted it, when it ran) and in CloudTrail data events if enabled.',
    });

    this.worker = new ServiceFunction(this, 'Worker', {
      name: 'extraction-worker',
      description:
        'Runs one Qlik extraction per SQS message, under the per-server slot lease (Max parallel executions)',
      timeout: WORKER_TIMEOUT,
      environment: {
        ...tables.environment,
        ...secrets.environment,
        EXECUTIONS_TABLE_NAME: this.table.tableName,
        RESULTS_BUCKET_NAME: this.bucket.bucketName,
        EXTRACTION_TIMEOUT_SECONDS: String(EXTRACTION_TIMEOUT.toSeconds()),
        // A crashed worker's slot frees itself this long after the extraction's time limit: past the function timeout.
        EXTRACTION_SLOT_MARGIN_SECONDS: String(WORKER_TIMEOUT.toSeconds() - EXTRACTION_TIMEOUT.toSeconds() + 30),
      },
    });
    const fn = this.worker.function;
    secrets.grantRead(fn, ['onprem', 'cloud']);
    // Slot leases live in the servers table; the worker also reads the settings and state items there.
    tables.servers.grantReadWriteData(fn);
    // Read an execution, start and finish it (conditional updates); nothing else.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [this.table.tableArn] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${RESULTS_PREFIX}*`)] }),
    );
    this.acknowledgeResultObjects(this.worker.role, 'writes');

    const queues = {} as Record<ServerId, Queue>;
    const deadLetterQueues = {} as Record<ServerId, Queue>;
    const mappings = {} as Record<ServerId, SqsEventSource>;
    for (const serverId of SERVER_IDS) {
      const dlq = new Queue(this, `${pascal(serverId)}DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue of the extraction queue; a DLQ of a DLQ would only move the problem.',
      });
      const queue = new Queue(this, `${pascal(serverId)}Queue`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: VISIBILITY_TIMEOUT,
        deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
      const mapping = new SqsEventSource(queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: Math.max(2, DEFAULT_LIMIT),
      });
      fn.addEventSource(mapping);
      // The worker moves poison messages to the DLQ itself, with the error as message attributes.
      dlq.grantSendMessages(fn);
      queues[serverId] = queue;
      deadLetterQueues[serverId] = dlq;
      mappings[serverId] = mapping;

      this.alarms.push(
        new Alarm(this, `${pascal(serverId)}DeadLettersAlarm`, {
          alarmDescription: `Extractions of the ${serverId} server failed for good and wait in its dead-letter queue.`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, `${pascal(serverId)}OldestMessageAlarm`, {
          alarmDescription: `An extraction of the ${serverId} server has waited over ${OLDEST_MESSAGE_ALARM_SECONDS / 60} minutes to start.`,
          metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
          threshold: OLDEST_MESSAGE_ALARM_SECONDS,
          evaluationPeriods: 3,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    this.queues = queues;
    this.deadLetterQueues = deadLetterQueues;
    this.mappings = mappings;
    this.worker.addEnvironment({
      EXTRACTION_QUEUE_URLS: this.queueUrls(queues),
      EXTRACTION_DLQ_URLS: this.queueUrls(deadLetterQueues),
    });
  }

  /**
   * What the settings API needs: submit (queue send, executions table), read results, live counts, and applying a
   * saved Max parallel executions to exactly these mappings (UpdateEventSourceMapping, nothing else of Lambda).
   */
  grantApi(service: ServiceFunction): void {
    const api = service.function;
    for (const queue of Object.values(this.queues)) queue.grantSendMessages(api);
    // Submit (conditional put; delete when queueing fails), read, and count a server's queue through its index.
    api.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [this.table.tableArn],
      }),
    );
    api.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.table.tableArn}/index/queued-by-server`],
      }),
    );
    api.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${RESULTS_PREFIX}*`)] }),
    );
    if (api.role) this.acknowledgeResultObjects(api.role, 'reads');
    api.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:UpdateEventSourceMapping'],
        resources: Object.values(this.mappings).map((m) => m.eventSourceMappingArn),
      }),
    );
    api.addEnvironment('EXECUTIONS_TABLE_NAME', this.table.tableName);
    api.addEnvironment('RESULTS_BUCKET_NAME', this.bucket.bucketName);
    api.addEnvironment('EXTRACTION_QUEUE_URLS', this.queueUrls(this.queues));
    api.addEnvironment('EXTRACTION_DLQ_URLS', this.queueUrls(this.deadLetterQueues));
    api.addEnvironment(
      'EXTRACTION_MAPPING_IDS',
      JSON.stringify(Object.fromEntries(SERVER_IDS.map((id) => [id, this.mappings[id].eventSourceMappingId]))),
    );
  }

  /** Result objects are named by execution id (`results/<uuid>`), so a grant on them names the prefix, not each key. */
  private acknowledgeResultObjects(role: IRole, what: 'reads' | 'writes'): void {
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnResource);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${RESULTS_PREFIX}*]`,
      reason: `This role ${what} extraction results, one object per execution id under ${RESULTS_PREFIX} in the results bucket; the ids are not known in advance, so the grant covers that prefix of that one bucket and nothing else.`,
    });
  }

  private queueUrls(queues: Record<ServerId, Queue>): string {
    return JSON.stringify(Object.fromEntries(SERVER_IDS.map((id) => [id, queues[id].queueUrl])));
  }
}

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);
