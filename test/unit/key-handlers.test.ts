import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { JSONWebKeySet } from 'jose';
import { createHandler as createKeySetup } from '../../functions/key-setup';
import { createHandler as createRotation } from '../../functions/rotate-keys';
import type { KeyStore } from '../../functions/lib/tokens/key-rotation';
import { parseSecrets } from '../../functions/lib/tokens/secrets';
import { manualClock, recordingLogger } from '../helpers/harness';

function memoryStore(): KeyStore & { secrets?: string; publicJwks?: JSONWebKeySet } {
  const store: KeyStore & { secrets?: string; publicJwks?: JSONWebKeySet } = {
    readSecrets: async () => store.secrets,
    writeSecrets: async (d) => {
      store.secrets = d;
    },
    readPublicJwks: async () => store.publicJwks,
    writePublicJwks: async (j) => {
      store.publicJwks = j;
    },
  };
  return store;
}
const event = (RequestType: 'Create' | 'Update' | 'Delete') =>
  ({
    RequestType,
    ResourceProperties: { SecretId: 'secret-arn', ParameterName: '/auth/jwks' },
  }) as unknown as CloudFormationCustomResourceEvent;

describe('the key set-up and rotation entry points, on their injected stores', () => {
  it('creates the keys on Create, keeps them on Update, and removes the public set on Delete', async () => {
    const store = memoryStore();
    const deleted: string[] = [];
    const setup = createKeySetup({
      storeFor: (secretId, parameterName) => {
        expect([secretId, parameterName]).toEqual(['secret-arn', '/auth/jwks']);
        return store;
      },
      deleteParameter: async (name) => void deleted.push(name),
      now: manualClock(),
      logger: recordingLogger(),
    });
    expect(await setup(event('Create'))).toEqual({ PhysicalResourceId: 'auth-keys:/auth/jwks' });
    const kid = parseSecrets(store.secrets as string).signingKid;
    await setup(event('Update'));
    expect(parseSecrets(store.secrets as string).signingKid).toBe(kid);
    await setup(event('Delete'));
    expect(deleted).toEqual(['/auth/jwks']);
  });

  it('rotates on schedule with the injected policy and clock', async () => {
    const store = memoryStore();
    const clock = manualClock();
    await createKeySetup({ storeFor: () => store, deleteParameter: async () => undefined, now: clock, logger: recordingLogger() })(
      event('Create'),
    );
    const rotate = createRotation({
      store,
      policy: { rotationIntervalSeconds: 86_400, publishLeadSeconds: 3600, retireAfterSeconds: 1200 },
      now: clock,
      logger: recordingLogger(),
    });
    expect((await rotate()).action).toBe('none');
    clock.advance(86_400);
    expect((await rotate()).action).toBe('published');
  });
});
