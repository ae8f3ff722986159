import { motoOverride, MOTO_SERVICES, type MotoServer } from '../../scripts/lib/moto';
import { platformNamed, synthPlatform } from '../support/synth';

const moto = { endpoint: 'http://127.0.0.1:4566' } as MotoServer;

describe('the moto override (test harness only)', () => {
  const { stacks } = synthPlatform(platformNamed('waqiti'), 'prod');

  it('points every aws provider block, matched by alias, at moto for every service the stacks use', () => {
    const tf = stacks.backup.tf;
    const override = motoOverride(tf, moto, '/tmp/x.tfstate') as { provider: { aws: Array<Record<string, any>> } };
    expect(override.provider.aws.map((p) => p.alias ?? '(default)')).toEqual(tf.provider.aws.map((p: { alias?: string }) => p.alias ?? '(default)'));
    expect(override.provider.aws.map((p) => p.alias ?? '(default)')).toEqual(['(default)', 'eu-central-1', 'us-east-1']);
    for (const p of override.provider.aws) {
      expect(p.endpoints).toEqual([Object.fromEntries(MOTO_SERVICES.map((s) => [s, moto.endpoint]))]);
      expect(p).toMatchObject({ access_key: 'moto-fake-access-key', secret_key: 'moto-fake-secret-key', skip_metadata_api_check: 'true' });
      // Region, allowed_account_ids and default_tags stay as shipped.
      expect(Object.keys(p).filter((k) => ['region', 'allowed_account_ids', 'default_tags'].includes(k))).toEqual([]);
    }
  });

  it('replaces the S3 backend with a local one only when given a state path', () => {
    expect(motoOverride(stacks.unseal.tf, moto, '/tmp/x.tfstate')).toMatchObject({ terraform: { backend: { local: { path: '/tmp/x.tfstate' } } } });
    expect(motoOverride(stacks.unseal.tf, moto)).not.toHaveProperty('terraform');
  });

  it('refuses a stack without an aws provider', () => {
    expect(() => motoOverride(stacks['vault-config'].tf, moto)).toThrow('the stack declares no aws provider');
  });

  it('leaves no endpoint, credential or emulator setting in the shipped stacks', () => {
    for (const layer of ['unseal', 'backup']) {
      for (const p of stacks[layer].tf.provider.aws) {
        expect(Object.keys(p).filter((k) => /endpoint|access_key|secret_key|skip_/.test(k))).toEqual([]);
      }
    }
  });
});
