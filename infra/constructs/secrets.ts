import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { FunctionEnvironment } from '#lib/aws/environment.ts';

/**
 * The secrets the functions create at run time, one per purpose: `${prefix}/${name}`. `fingerprint-key` is the
 * HMAC key of the configuration fingerprints (lib/servers/config-fingerprint.ts).
 */
export const SERVER_SECRET_NAMES = ['onprem', 'cloud', 'cloud-webhook', 'fingerprint-key'] as const;
export type ServerSecretName = (typeof SERVER_SECRET_NAMES)[number];

const READ_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
const WRITE_ACTIONS = [
  ...READ_ACTIONS,
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:TagResource',
];
const MANAGE_ACTIONS = [...WRITE_ACTIONS, 'secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret'];

const KMS_READ_ACTIONS = ['kms:Decrypt'];
const KMS_WRITE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Where the service keeps Qlik credentials: the KMS key that encrypts them and the names of the secrets, which the
 * settings API creates on a server's first save (so the stack holds no placeholder secret to rotate or leak).
 *
 * Grants name each secret exactly: `arn:…:secret:kpimailer/<stack>/onprem-??????`, the `-??????` matching the six
 * random characters Secrets Manager appends. There is no wildcard over other secrets of the account.
 */
export class ServerSecrets extends Construct {
  readonly key: Key;
  /** `kpimailer/<stack name>`; the functions receive it as `SECRET_NAME_PREFIX`. */
  readonly namePrefix: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.namePrefix = `kpimailer/${stackName}`;

    this.key = new Key(this, 'Key', {
      description: `Encrypts the Qlik credentials (client certificate, OAuth client secret, webhook secret) of ${stackName}`,
      enableKeyRotation: true,
      alias: `alias/kpimailer/${stackName}/secrets`,
      // Without the key the retained secrets could never be read again.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The variables through which the functions name and encrypt secrets. */
  get environment(): FunctionEnvironment {
    return {
      SECRET_NAME_PREFIX: this.namePrefix,
      // CreateSecret's KmsKeyId accepts the ARN, which is unambiguous across regions and accounts.
      SECRETS_KMS_KEY_ID: this.key.keyArn,
    };
  }

  /** The IAM resource ARN of one secret, every version of its random suffix included. */
  secretArn(name: ServerSecretName): string {
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.namePrefix}/${name}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Read the value and metadata of the named secrets. */
  grantRead(grantee: IGrantable, names: readonly ServerSecretName[]): void {
    this.grant(grantee, names, READ_ACTIONS, KMS_READ_ACTIONS);
  }

  /** Read, create and update the named secrets (no deletion). */
  grantReadWrite(grantee: IGrantable, names: readonly ServerSecretName[]): void {
    this.grant(grantee, names, WRITE_ACTIONS, KMS_WRITE_ACTIONS);
  }

  /** The whole life cycle of the named secrets, deletion and restore included. */
  grantManage(grantee: IGrantable, names: readonly ServerSecretName[]): void {
    this.grant(grantee, names, MANAGE_ACTIONS, KMS_WRITE_ACTIONS);
  }

  private grant(
    grantee: IGrantable,
    names: readonly ServerSecretName[],
    secretActions: string[],
    keyActions: string[],
  ): void {
    const secretArns = names.map((name) => this.secretArn(name));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: secretActions, resources: secretArns }),
    );
    // The key is usable only by Secrets Manager on the caller's behalf, and only for these secrets: Secrets Manager
    // passes the secret's ARN as encryption context on every call it makes to KMS.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: keyActions,
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': secretArns },
        },
      }),
    );
  }
}
