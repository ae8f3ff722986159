/**
 * The names validation checks are the names the stacks build: every Vault policy and role, every
 * SecretStore, ExternalSecret, PushSecret and SecretProviderClass, every AWS backup and every stack
 * of the shipped platforms is one that config/names.ts registers.
 */
import { NameRegistry, registerGlobalNames, registerPlatformNames } from '../../config/names';
import { PLATFORMS } from '../../config/platforms';
import { manifestsOf, resourcesOf, synthPlatform } from '../support/synth';

const registered = () => {
  const reg = new NameRegistry();
  for (const p of PLATFORMS) registerPlatformNames(p, reg);
  registerGlobalNames(PLATFORMS, reg);
  expect(reg.collisions).toEqual([]);
  const set = new Set<string>();
  for (const n of reg.names()) set.add(`${n.scope} ${n.kind} ${n.name}`);
  return set;
};

describe.each(PLATFORMS.map((p) => [p.name, p] as const))('%s: every derived name comes from config/names.ts', (_name, platform) => {
  const names = registered();
  const { stacks } = synthPlatform(platform, 'prod');

  it('Vault policies and roles', () => {
    const policies = resourcesOf(stacks['vault-config'].tf, 'vault_policy').map((r) => r.name);
    const roles = resourcesOf(stacks['vault-config'].tf, 'vault_kubernetes_auth_backend_role').map((r) => r.role_name);
    expect(policies.length).toBeGreaterThan(2);
    for (const p of policies) expect(names).toContain(`vault Vault policy ${p}`);
    for (const r of roles) expect(names).toContain(`vault Vault role ${r}`);
  });

  it('Kubernetes objects of the sync layer, in their namespaces', () => {
    const objects = manifestsOf(stacks.sync.tf);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      const kind = o.kind === 'ExternalSecret' || o.kind === 'PushSecret' ? 'Secret' : o.kind;
      expect(names).toContain(`k8s:${o.metadata.namespace} ${kind} ${o.metadata.name}`);
    }
  });

  it('AWS backups and stack names', () => {
    for (const s of resourcesOf(stacks.backup?.tf ?? {}, 'aws_secretsmanager_secret')) expect(names).toContain(`aws Secrets Manager backup ${s.name}`);
    for (const s of Object.values(stacks)) expect(names).toContain(`global stack ${s.name}`);
  });
});
