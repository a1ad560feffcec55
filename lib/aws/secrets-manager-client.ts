/**
 * Secrets Manager's SDK client, built once per container (lib/aws/clients.ts has the shared timeouts and the reset).
 * A module of its own, loaded with the first secret a function reads or writes (adapters-from-env.ts), so the many
 * requests that need no secret (a settings read, a scheduled run with nothing to do) do not load it.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig, sharedClient } from '#lib/aws/clients.ts';

export const sharedSecretsManagerClient = sharedClient(() => new SecretsManagerClient(awsClientConfig()));
