import { Audit } from '@cdktf/provider-vault/lib/audit';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { KvSecretBackendV2 } from '@cdktf/provider-vault/lib/kv-secret-backend-v2';
import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { GenericEndpoint } from '@cdktf/provider-vault/lib/generic-endpoint';
import { Testing } from 'cdktf';
import { AuditDevice } from '../../constructs/audit-device';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { KubernetesAuth } from '../../constructs/kubernetes-auth';
import { KvV2Mount } from '../../constructs/kv-v2-mount';
import { renderPolicyHcl, VaultPolicy } from '../../constructs/vault-policy';
import { ExternalSecretSlot } from '../../constructs/external-secret-slot';
import { ExistingVaultObjects } from '../../constructs/existing-vault-objects';

describe('VaultPolicy', () => {
  it('renders one path block per grant with capabilities in canonical order', () => {
    expect(
      renderPolicyHcl([
        { path: 'waqiti/data/auth', capabilities: ['read'] },
        { path: 'waqiti/metadata/*', capabilities: ['list', 'read', 'delete'] },
      ]),
    ).toBe('path "waqiti/data/auth" {\n  capabilities = ["read"]\n}\n\npath "waqiti/metadata/*" {\n  capabilities = ["read", "delete", "list"]\n}\n');
  });

  it('writes the rendered HCL to vault_policy', () => {
    const synth = Testing.synthScope((scope) => new VaultPolicy(scope, 'p', { name: 'waqiti-grafana', grants: [{ path: 'waqiti/data/infrastructure/grafana', capabilities: ['read'] }] }));
    expect(synth).toHaveResourceWithProperties(Policy, { name: 'waqiti-grafana', policy: 'path "waqiti/data/infrastructure/grafana" {\n  capabilities = ["read"]\n}\n' });
  });

  it('rejects unknown capabilities and empty policies', () => {
    expect(() => Testing.synthScope((s) => new VaultPolicy(s, 'p', { name: 'x', grants: [{ path: 'a/data/b', capabilities: ['write' as never] }] }))).toThrow(/unknown capabilities write/);
    expect(() => Testing.synthScope((s) => new VaultPolicy(s, 'p', { name: 'x', grants: [] }))).toThrow(/at least one grant/);
  });
});

describe('KvV2Mount', () => {
  it('mounts kv version 2 with the engine settings', () => {
    const synth = Testing.synthScope((s) => new KvV2Mount(s, 'kv', { path: 'waqiti', maxVersions: 10, casRequired: true, deleteVersionAfterSeconds: 3600 }));
    expect(synth).toHaveResourceWithProperties(Mount, { path: 'waqiti', type: 'kv', options: { version: '2' } });
    expect(synth).toHaveResourceWithProperties(KvSecretBackendV2, { max_versions: 10, cas_required: true, delete_version_after: 3600 });
  });

  it('is forgotten, not unmounted, by a destroy: unmounting would delete every value in it', () => {
    const tf = JSON.parse(Testing.synthScope((s) => new KvV2Mount(s, 'kv', { path: 'waqiti', maxVersions: 10, casRequired: false, deleteVersionAfterSeconds: 0 })));
    const [mount] = Object.values(tf.resource.vault_mount) as Array<Record<string, any>>;
    expect(mount.lifecycle).toEqual({ destroy: false });
  });
});

describe('ExistingVaultObjects', () => {
  const synthAdopting = () =>
    JSON.parse(
      Testing.synthScope((s) => {
        const existing = new ExistingVaultObjects(s, 'existing');
        const kv = new KvV2Mount(s, 'kv', { path: 'waqiti', maxVersions: 10, casRequired: false, deleteVersionAfterSeconds: 0 });
        existing.adopt(kv.resource, 'mounts', 'waqiti');
        for (const path of ['file', 'file-stdout']) existing.adopt(new AuditDevice(s, `audit-${path}`, { filePath: 'stdout', path }).resource, 'audit', path);
      }),
    );

  it('imports an object only when Vault lists its path, read at plan time from sys/<table>', () => {
    const tf = synthAdopting();
    const [mountName] = Object.keys(tf.resource.vault_mount);
    const mountsData = Object.entries(tf.data.vault_generic_secret).find(([, d]) => (d as { path: string }).path === 'sys/mounts')![0];
    expect(tf.import).toContainEqual({
      to: `vault_mount.${mountName}`,
      id: '${each.value}',
      for_each: `\${contains(keys(jsondecode(nonsensitive(data.vault_generic_secret.${mountsData}.data_json))), "waqiti/") ? toset(["waqiti"]) : toset([])}`,
    });
  });

  it('reads each table once, however many objects it adopts, and adopts each object once', () => {
    const tf = synthAdopting();
    expect((Object.values(tf.data.vault_generic_secret) as Array<{ path: string }>).map((d) => d.path).sort()).toEqual(['sys/audit', 'sys/mounts']);
    expect((tf.import as Array<{ to: string }>).map((i) => i.to).sort()).toEqual([...Object.keys(tf.resource.vault_audit).map((n) => `vault_audit.${n}`), ...Object.keys(tf.resource.vault_mount).map((n) => `vault_mount.${n}`)].sort());
  });

  it.each(['', 'waqiti/', 'a"b'])('rejects %j as a path', (path) => {
    expect(() =>
      Testing.synthScope((s) => new ExistingVaultObjects(s, 'existing').adopt(new KvV2Mount(s, 'kv', { path: 'waqiti', maxVersions: 1, casRequired: false, deleteVersionAfterSeconds: 0 }).resource, 'mounts', path)),
    ).toThrow(/is not a mount path/);
  });
});

describe('KubernetesAuth', () => {
  const role = { name: 'waqiti-grafana', serviceAccounts: ['grafana'], namespaces: ['waqiti-monitoring'], policies: ['waqiti-grafana'], tokenTtlSeconds: 3600, tokenMaxTtlSeconds: 14400, audience: 'vault' };

  it('binds a role to exactly the given service accounts, namespaces, policies, TTLs and audience', () => {
    const synth = Testing.synthScope((s) => new KubernetesAuth(s, 'auth', { kubernetesHost: 'https://kubernetes.default.svc:443' }).addRole(role));
    const roles = JSON.parse(synth).resource.vault_kubernetes_auth_backend_role;
    const body = Object.values(roles)[0] as Record<string, unknown>;
    expect(body).toMatchObject({
      role_name: 'waqiti-grafana',
      bound_service_account_names: ['grafana'],
      bound_service_account_namespaces: ['waqiti-monitoring'],
      token_policies: ['waqiti-grafana'],
      token_ttl: 3600,
      token_max_ttl: 14400,
      audience: 'vault',
    });
    expect(synth).toHaveResource(KubernetesAuthBackendRole);
  });

  it('refuses a role without service accounts or with TTL above max TTL', () => {
    expect(() => Testing.synthScope((s) => new KubernetesAuth(s, 'a', { kubernetesHost: 'https://k' }).addRole({ ...role, serviceAccounts: [] }))).toThrow(/at least one service account/);
    expect(() => Testing.synthScope((s) => new KubernetesAuth(s, 'a', { kubernetesHost: 'https://k' }).addRole({ ...role, tokenTtlSeconds: 99999 }))).toThrow(/must not exceed 'tokenMaxTtl'/);
  });
});

describe('AuditDevice', () => {
  it('enables a file audit device at the given path', () => {
    const synth = Testing.synthScope((s) => new AuditDevice(s, 'audit', { filePath: '/vault/audit/vault-audit.log' }));
    expect(synth).toHaveResourceWithProperties(Audit, { type: 'file', path: 'file', options: { file_path: '/vault/audit/vault-audit.log' } });
  });

  it('rejects a relative file path', () => {
    expect(() => Testing.synthScope((s) => new AuditDevice(s, 'audit', { filePath: 'audit.log' }))).toThrow(/absolute path or "stdout"/);
  });
});

describe('GeneratedSecret', () => {
  const synthSecret = (generation: number) =>
    JSON.parse(
      Testing.synthScope((s) => new GeneratedSecret(s, 'g', { mount: 'waqiti', path: 'encryption', keys: ['master-key', 'data-key'], length: 48, charset: 'alphanumeric', generation, metadata: { owner: 'team-security' } })),
    );

  it('writes through data_json_wo from one ephemeral random password cut into one value per key, never data_json', () => {
    const tf = synthSecret(1);
    const secret = Object.values(tf.resource.vault_kv_secret_v2)[0] as Record<string, any>;
    expect(secret.data_json).toBeUndefined();
    expect(secret.disable_read).toBe(true);
    const [name] = Object.keys(tf.ephemeral.random_password);
    const value = `ephemeral.random_password.${name}.result`;
    expect(secret.data_json_wo).toBe(`\${jsonencode({"master-key" = substr(${value}, 0, 48), "data-key" = substr(${value}, 48, 48)})}`);
    expect(Object.values(tf.ephemeral.random_password)).toEqual([{ length: 96, special: false, upper: true, lower: true, numeric: true }]);
    expect(tf.resource.random_password).toBeUndefined();
  });

  it('carries the generation as data_json_wo_version, so bumping it rewrites the value', () => {
    const secret = (g: number) => Object.values(synthSecret(g).resource.vault_kv_secret_v2)[0] as Record<string, any>;
    expect(secret(1).data_json_wo_version).toBe(1);
    expect(secret(2).data_json_wo_version).toBe(2);
    expect(secret(2).custom_metadata.data).toEqual({ owner: 'team-security', generation: '2' });
  });

  it('rejects a generation below 1 and an empty key list', () => {
    expect(() => Testing.synthScope((s) => new GeneratedSecret(s, 'g', { mount: 'm', path: 'p', keys: ['k'], length: 32, charset: 'alphanumeric', generation: 0, metadata: {} }))).toThrow(/'generation' must be a positive integer/);
    expect(() => Testing.synthScope((s) => new GeneratedSecret(s, 'g', { mount: 'm', path: 'p', keys: [], length: 32, charset: 'alphanumeric', generation: 1, metadata: {} }))).toThrow(/'keys' must not be empty/);
  });

  it('rejects lengths outside 16-256', () => {
    expect(() => Testing.synthScope((s) => new GeneratedSecret(s, 'g', { mount: 'm', path: 'p', keys: ['k'], length: 15, charset: 'alphanumeric', generation: 1, metadata: {} }))).toThrow(/between 16 and 256/);
  });
});

describe('ExternalSecretSlot', () => {
  it('writes only KV metadata, never data, and survives destroy', () => {
    const synth = Testing.synthScope((s) => new ExternalSecretSlot(s, 'slot', { mount: 'waqiti', path: 'payment-providers/stripe', metadata: { owner: 'team-payments' } }));
    expect(synth).toHaveResourceWithProperties(GenericEndpoint, {
      path: 'waqiti/metadata/payment-providers/stripe',
      data_json: '{"custom_metadata":{"owner":"team-payments"}}',
      disable_delete: true,
      ignore_absent_fields: true,
    });
    expect(synth).not.toHaveResource(KvSecretV2);
  });
});
