import { DeleteParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { systemClock } from '../domain/clock';
import { awsKeyStore } from '../stores/aws-key-store';
import type { AuthLogger } from '../telemetry/events';
import { createLogger } from '../telemetry/logger';
import type { KeyStore, RotationPolicy } from '../tokens/key-rotation';
import { ConfigError, ENV, loadSettings } from './config';

/** What the key set-up custom resource needs: the key store its event names, and a way to remove the public set. */
export interface KeySetupDeps {
  readonly storeFor: (secretId: string, parameterName: string) => KeyStore;
  readonly deleteParameter: (name: string) => Promise<void>;
  readonly now: () => number;
  readonly logger: AuthLogger;
}

/** The key set-up on AWS: Secrets Manager and SSM. */
export function defaultKeySetupDeps(): KeySetupDeps {
  const ssm = new SSMClient({});
  return {
    storeFor: (secretId, parameterName) => awsKeyStore({ secretId, parameterName, ssm }),
    deleteParameter: async (name) => {
      await ssm.send(new DeleteParameterCommand({ Name: name }));
    },
    now: systemClock,
    logger: createLogger(),
  };
}

/** What the scheduled rotation needs: the deployment's key store and the rotation policy. */
export interface RotationDeps {
  readonly store: KeyStore;
  readonly policy: RotationPolicy;
  readonly now: () => number;
  readonly logger: AuthLogger;
}

/** The rotation on AWS, from the function's environment. */
export function defaultRotationDeps(env: Readonly<Record<string, string | undefined>> = process.env): RotationDeps {
  const secretId = env[ENV.secretId];
  const parameterName = env[ENV.publicJwksParameter];
  if (!secretId || !parameterName) throw new ConfigError(`${ENV.secretId} and ${ENV.publicJwksParameter} are required`);
  const s = loadSettings(env);
  return {
    store: awsKeyStore({ secretId, parameterName }),
    policy: {
      rotationIntervalSeconds: s.keyRotationDays * 86_400,
      publishLeadSeconds: s.keyPublishLeadSeconds,
      // A signer may keep its cached old key for one cache TTL after the promotion; then its
      // tokens live for their TTL plus the verifiers' clock tolerance.
      retireAfterSeconds: s.keysCacheTtlSeconds + s.accessTokenTtlSeconds + s.clockToleranceSeconds,
    },
    now: systemClock,
    logger: createLogger(),
  };
}
