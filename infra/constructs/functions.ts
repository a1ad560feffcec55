import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionEnvironment } from '#lib/aws/environment.ts';
import { functionCode } from '../function-bundling.ts';
import { parseQlikCloudHosts } from '#lib/qlik/destination-policy.ts';

/** How long function and API access logs are kept. */
export const LOG_RETENTION = RetentionDays.THREE_MONTHS;

/** The service name in logs and the dimension of its metrics. */
export const SERVICE_NAME = 'kpimailer-qlik';

/** Environment every function gets, whatever it does. */
const COMMON_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  LOG_LEVEL: 'INFO',
} as const satisfies FunctionEnvironment;

// The bundles are minified; stack traces in the logs are only readable through the source maps.
const COMMON_NODE_OPTIONS = '--enable-source-maps';

/**
 * The operator's extra Qlik Cloud tenant domains (`cdk deploy -c qlikCloudHosts=qlik.example.com,.example.net`), handed
 * to every function as `KPIMAILER_QLIK_CLOUD_HOSTS` for the destination policy. `KPIMAILER_ALLOW_LOOPBACK_QLIK` is never
 * set here: loopback is for local development and tests only.
 */
function qlikCloudHostsEnvironment(scope: Construct): FunctionEnvironment {
  const value = scope.node.tryGetContext('qlikCloudHosts') as unknown;
  if (value === undefined || value === null || value === '') return {};
  const { hosts, invalid } = parseQlikCloudHosts(Array.isArray(value) ? value.join(',') : String(value));
  if (invalid.length > 0) {
    throw new Error(
      `qlikCloudHosts: ${invalid.join(', ')} is not a host name suffix like qlik.example.com or .example.net.`,
    );
  }
  return hosts.length > 0 ? { KPIMAILER_QLIK_CLOUD_HOSTS: hosts.join(',') } : {};
}

export interface ServiceFunctionProps {
  /** Folder under `functions/`; the entry is `functions/<name>/handler.ts`, exporting `handler`. */
  readonly name: string;
  readonly description: string;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default 512 MiB (on arm64 this also buys CPU for node-forge and TLS handshakes) */
  readonly memorySize?: number;
  /** Added to the common environment (service name, log level); only names lib/aws/environment.ts reads. */
  readonly environment?: FunctionEnvironment;
  /** V8 flags added to NODE_OPTIONS after `--enable-source-maps` (read at start-up only). */
  readonly nodeOptions?: string;
  /** Concurrency reserved for (and capping) this function. @default none: the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Shell commands run after esbuild, in the repository root, to add files to the function's asset
   * (`outputDir` becomes the function's `/var/task`).
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * One Lambda function of the service, with the conventions every function shares: Node 24 on arm64,
 * bundled locally by esbuild as ESM with the AWS SDK inside, split into lazily loaded chunks (infra/function-bundling.ts; the bundles' cold start is
 * `npm run bench -- cold-start`), its own log group with retention, active X-Ray tracing, and its own role that
 * starts with nothing but write access to that log group. Callers grant the rest (tables, secrets) explicitly.
 *
 * @example
 * const fn = new ServiceFunction(this, 'SettingsApi', { name: 'settings-api', description: '...' });
 * tables.servers.grantReadWriteData(fn.function);
 */
export class ServiceFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: LOG_RETENTION,
      // Logs outlive a torn-down stack for the retention period; they may be needed to explain what happened.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A role of our own instead of the default one with AWSLambdaBasicExecutionRole: that managed policy lets the
    // function create and write any log group in the account; this one writes only its own.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new LambdaFunction(this, 'Function', {
      description: props.description,
      code: functionCode(`functions/${props.name}/handler.ts`, props.afterBundling),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        ...COMMON_ENVIRONMENT,
        NODE_OPTIONS: [COMMON_NODE_OPTIONS, props.nodeOptions].filter(Boolean).join(' '),
        ...qlikCloudHostsEnvironment(this),
        ...props.environment,
      },
    });

    // Active tracing makes CDK add xray:PutTraceSegments and xray:PutTelemetryRecords on '*'.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray write actions that active tracing adds use Resource "*": X-Ray supports no resource-level ' +
        'permissions (see the Service Authorization Reference for AWS X-Ray). No other statement of this role ' +
        'uses a wildcard resource.',
    });
  }

  /** Adds variables after construction (values that exist only once other constructs do). */
  addEnvironment(environment: FunctionEnvironment): void {
    for (const [name, value] of Object.entries(environment))
      if (value !== undefined) this.function.addEnvironment(name, value);
  }
}
