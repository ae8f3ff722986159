import { PLATFORMS } from '../../config/platforms';
import { manifestsOf, platformNamed, resourcesOf, synthPlatform } from '../support/synth';

const waqiti = platformNamed('waqiti');
const pea = platformNamed('pea-forecast');

describe('stack split', () => {
  it('synthesizes one stack per layer for cluster environments, and cluster, vault-config and sync for local', () => {
    expect(Object.keys(synthPlatform(waqiti, 'prod').stacks)).toEqual(['unseal', 'cluster', 'vault-config', 'backup', 'sync']);
    expect(Object.keys(synthPlatform(waqiti, 'local').stacks)).toEqual(['cluster', 'vault-config', 'sync']);
  });

  it('orders the local layers cluster → vault-config → sync', () => {
    const { stacks } = synthPlatform(waqiti, 'local');
    const deps = (layer: string) => stacks[layer].stack.dependencies.map((d) => d.node.id).sort();
    expect(deps('cluster')).toEqual([]);
    expect(deps('vault-config')).toEqual(['waqiti-local-cluster']);
    expect(deps('sync')).toEqual(['waqiti-local-vault-config']);
  });

  it('gives the local cluster layer no Helm release, only objects a bare API server can hold', () => {
    const tf = synthPlatform(waqiti, 'local').stacks.cluster.tf;
    expect(Object.keys(tf.terraform.required_providers)).toEqual(['kubernetes']);
    expect(Object.keys(tf.resource).sort()).toEqual(['kubernetes_cluster_role_binding_v1', 'kubernetes_manifest', 'kubernetes_namespace_v1', 'kubernetes_service_account_v1']);
    const binding = Object.values(tf.resource.kubernetes_cluster_role_binding_v1)[0] as { role_ref: unknown; subject: unknown };
    expect(binding.role_ref).toEqual({ api_group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' });
    expect(binding.subject).toEqual([
      { kind: 'ServiceAccount', name: expect.stringMatching(/^\$\{kubernetes_service_account_v1\.token-reviewer_service-account_\w+\.metadata\[0\]\.name\}$/), namespace: '${kubernetes_namespace_v1.vault-namespace.metadata[0].name}' },
    ]);
    const kinds = Object.values(tf.resource.kubernetes_manifest).map((m) => (m as { manifest: { kind: string } }).manifest.kind).sort();
    expect(kinds).toEqual(['PrometheusRule', 'ServiceMonitor', 'ServiceMonitor']);
  });

  it('writes the local reviewer JWT only through the write-only argument, from an ephemeral variable', () => {
    const tf = synthPlatform(waqiti, 'local').stacks['vault-config'].tf;
    expect(tf.variable.kubernetes_reviewer_jwt).toMatchObject({ ephemeral: true, sensitive: true, type: 'string' });
    expect(tf.variable.kubernetes_reviewer_jwt.default).toBeUndefined();
    const config = Object.values(tf.resource.vault_kubernetes_auth_backend_config)[0] as Record<string, unknown>;
    expect(config).toMatchObject({
      kubernetes_host: '${var.kubernetes_host}',
      kubernetes_ca_cert: '${var.kubernetes_ca_cert}',
      disable_local_ca_jwt: true,
      token_reviewer_jwt_wo: '${var.kubernetes_reviewer_jwt}',
      token_reviewer_jwt_wo_version: '${var.kubernetes_reviewer_jwt_version}',
    });
    expect(config.token_reviewer_jwt).toBeUndefined();
  });

  it.each([['waqiti'], ['pea-forecast']])('%s prod: every object of the backup namespace waits for the namespace the sync stack creates', (name) => {
    const tf = synthPlatform(platformNamed(name), 'prod').stacks.sync.tf;
    const [nsKey] = Object.keys(tf.resource.kubernetes_namespace);
    const backupNs = tf.resource.kubernetes_namespace[nsKey].metadata.name;
    const inBackup = Object.values(tf.resource.kubernetes_manifest as Record<string, { depends_on?: string[]; manifest: { kind: string; metadata: { namespace?: string } } }>).filter(
      (m) => m.manifest.metadata.namespace === backupNs,
    );
    expect(new Set(inBackup.map((m) => m.manifest.kind))).toEqual(new Set(['ResourceQuota', 'NetworkPolicy', 'ConfigMap', 'SecretStore', 'ExternalSecret', 'PushSecret', 'Role', 'RoleBinding']));
    for (const m of inBackup) expect(m.depends_on).toEqual([`kubernetes_namespace.${nsKey}`]);
  });

  it('creates each local namespace and service account once, and aims the stores at the vault_address variable', () => {
    const tf = synthPlatform(waqiti, 'local').stacks.sync.tf;
    const names = (type: string) =>
      Object.values(tf.resource[type] as Record<string, { metadata: { name: string; namespace?: string } }>).map((r) => [r.metadata.namespace, r.metadata.name].filter(Boolean).join('/')).sort();
    expect(names('kubernetes_namespace_v1')).toEqual(['waqiti-data', 'waqiti-monitoring', 'waqiti-system']);
    expect(names('kubernetes_service_account_v1')).toHaveLength(new Set(names('kubernetes_service_account_v1')).size);
    expect(names('kubernetes_service_account_v1')).toContain('${kubernetes_namespace_v1.namespace-waqiti-system.metadata[0].name}/banking-service');
    // Namespaced objects wait for their namespace.
    for (const m of Object.values(tf.resource.kubernetes_manifest as Record<string, { depends_on?: string[]; manifest: { metadata: { namespace: string } } }>)) {
      expect(m.depends_on).toEqual([`kubernetes_namespace_v1.namespace-${m.manifest.metadata.namespace}`]);
    }
    const stores = Object.values(tf.resource.kubernetes_manifest as Record<string, { manifest: { kind: string; spec: { provider: { vault: { server: string } } } } }>)
      .filter((m) => m.manifest.kind === 'SecretStore');
    expect(stores.length).toBeGreaterThan(0);
    for (const s of stores) expect(s.manifest.spec.provider.vault.server).toBe('${var.vault_address}');
  });

  it('declares the apply order between layers', () => {
    const { stacks } = synthPlatform(waqiti, 'prod');
    const deps = (layer: string) => stacks[layer].stack.dependencies.map((d) => d.node.id).sort();
    expect(deps('cluster')).toEqual(['waqiti-prod-unseal']);
    expect(deps('vault-config')).toEqual(['waqiti-prod-cluster']);
    expect(deps('sync')).toEqual(['waqiti-prod-backup', 'waqiti-prod-vault-config']);
  });

  it('keeps each provider in its own layers', () => {
    const { stacks } = synthPlatform(pea, 'staging');
    const providers = (layer: string) => Object.keys(stacks[layer].tf.terraform.required_providers).sort();
    expect(providers('unseal')).toEqual(['aws']);
    expect(providers('cluster')).toEqual(['helm', 'kubernetes']);
    expect(providers('vault-config')).toEqual(['random', 'vault']);
    expect(providers('backup')).toEqual(['aws']);
    expect(providers('sync')).toEqual(['kubernetes']);
  });

  it('accepts any vault provider 5.x from 5.6.0 (the bindings) and pins random 3.9.0', () => {
    const required = synthPlatform(waqiti, 'local').stacks['vault-config'].tf.terraform.required_providers;
    expect(required.vault).toEqual({ source: 'hashicorp/vault', version: '>= 5.6.0, < 6.0.0' });
    expect(required.random).toEqual({ source: 'hashicorp/random', version: '3.9.0' });
  });

  it('accepts any aws provider 6.x from 6.25.0 (the binding) in both aws layers', () => {
    const { stacks } = synthPlatform(waqiti, 'prod');
    for (const layer of ['unseal', 'backup']) {
      expect(stacks[layer].tf.terraform.required_providers.aws).toEqual({ source: 'aws', version: '>= 6.25.0, < 7.0.0' });
    }
  });

  it('accepts kubernetes 2.38.0 up to 3.x and helm 3.1.1 up to 3.x in the cluster and sync layers', () => {
    const { stacks } = synthPlatform(pea, 'prod');
    for (const layer of ['cluster', 'sync']) {
      expect(stacks[layer].tf.terraform.required_providers.kubernetes).toEqual({ source: 'kubernetes', version: '>= 2.38.0, < 4.0.0' });
    }
    expect(stacks.cluster.tf.terraform.required_providers.helm).toEqual({ source: 'helm', version: '>= 3.1.1, < 4.0.0' });
  });

  it('widens no pin beyond the current major of each provider (a new major needs a new binding)', () => {
    const { stacks } = synthPlatform(waqiti, 'prod');
    const all = Object.values(stacks).flatMap((s) => Object.values<{ version: string }>(s.tf.terraform.required_providers));
    for (const p of all) expect(p.version).toMatch(/^(\d+\.\d+\.\d+|>= \d+\.\d+\.\d+, < \d+\.0\.0)$/);
  });
});

describe('backends', () => {
  it('uses S3 with lock files for cluster environments', () => {
    const tf = synthPlatform(waqiti, 'prod').stacks['vault-config'].tf;
    expect(tf.terraform.backend.s3).toEqual({ bucket: 'waqiti-terraform-state', key: 'waqiti/prod/vault-config.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true });
  });

  it('uses a local backend and a vault provider aimed at 127.0.0.1:8200 for local', () => {
    const tf = synthPlatform(pea, 'local').stacks['vault-config'].tf;
    expect(tf.terraform.backend.local).toEqual({ path: '../../../state/pea-forecast-local-vault-config.tfstate' });
    expect(tf.variable.vault_address.default).toBe('http://127.0.0.1:8200');
    // No skip_child_token: the provider works under a short-lived child of the caller's token.
    expect(tf.provider.vault[0]).toEqual({ address: '${var.vault_address}' });
  });
});

describe('vault-config layer', () => {
  it('creates one role and one policy per service, plus the backup reader and the operator policy', () => {
    const { plan, stacks } = synthPlatform(waqiti, 'prod');
    const tf = stacks['vault-config'].tf;
    const roles = resourcesOf(tf, 'vault_kubernetes_auth_backend_role').map((r) => r.role_name).sort();
    expect(roles).toEqual([...plan.services.map((s) => `waqiti-${s.name}`), 'waqiti-backup-reader', 'waqiti-vault-snapshot'].sort());
    const policies = resourcesOf(tf, 'vault_policy').map((p) => p.name).sort();
    expect(policies).toEqual([...roles, 'waqiti-operator', 'waqiti-break-glass', 'waqiti-terraform'].sort());
  });

  it('writes the PEA backend policy with read on exactly its five secrets', () => {
    const tf = synthPlatform(pea, 'prod').stacks['vault-config'].tf;
    const backend = resourcesOf(tf, 'vault_policy').find((p) => p.name === 'pea-forecast-backend')!;
    const paths = [...backend.policy.matchAll(/path "([^"]+)" \{\n  capabilities = \["read"\]\n\}/g)].map((m) => m[1]);
    expect(paths).toEqual(['secret/data/pea-forecast/db', 'secret/data/pea-forecast/jwt', 'secret/data/pea-forecast/keycloak', 'secret/data/pea-forecast/notifications', 'secret/data/pea-forecast/redis']);
    expect(backend.policy.match(/path "/g)).toHaveLength(5);
  });

  it('generates the generated secrets and only declares slots for external ones', () => {
    const tf = synthPlatform(waqiti, 'local').stacks['vault-config'].tf;
    const generated = resourcesOf(tf, 'vault_kv_secret_v2').map((s) => s.name).sort();
    expect(generated).toEqual(['auth', 'encryption', 'infrastructure/grafana', 'infrastructure/postgres', 'infrastructure/redis', 'monitoring/basic-auth', 'monitoring/jaeger-auth', 'monitoring/kibana-auth']);
    const slots = resourcesOf(tf, 'vault_generic_endpoint').map((s) => s.path).sort();
    expect(slots).toContain('${vault_mount.kv_mount_FDFB2C73.path}/metadata/payment-providers/stripe');
    expect(slots).toHaveLength(8);
  });

  it('gives a Vault outside the cluster (local) the API server CA as a variable; in clusters Vault uses its pod', () => {
    const local = synthPlatform(waqiti, 'local').stacks['vault-config'].tf;
    expect(resourcesOf(local, 'vault_kubernetes_auth_backend_config')[0]).toMatchObject({ kubernetes_ca_cert: '${var.kubernetes_ca_cert}', disable_local_ca_jwt: true });
    expect(local.variable.kubernetes_ca_cert.default).toBeUndefined();
    const prod = resourcesOf(synthPlatform(waqiti, 'prod').stacks['vault-config'].tf, 'vault_kubernetes_auth_backend_config')[0];
    expect(prod.kubernetes_ca_cert).toBeUndefined();
    expect(prod.disable_local_ca_jwt).toBeUndefined();
  });

  it('audits to two devices in clusters (the audit volume and stdout) and to stdout locally', () => {
    const prod = resourcesOf(synthPlatform(waqiti, 'prod').stacks['vault-config'].tf, 'vault_audit').map((a) => [a.path, a.options.file_path]);
    expect(prod.sort()).toEqual([['file', '/vault/audit/vault-audit.log'], ['stdout', 'stdout']]);
    expect(resourcesOf(synthPlatform(waqiti, 'local').stacks['vault-config'].tf, 'vault_audit').map((a) => a.options)).toEqual([{ file_path: 'stdout' }]);
  });
});

describe('unseal layer', () => {
  it('allows the Vault role only Encrypt, Decrypt and DescribeKey on its one key, assumed only by vault/vault', () => {
    const tf = synthPlatform(waqiti, 'prod').stacks.unseal.tf;
    const [key] = resourcesOf(tf, 'aws_kms_key');
    expect(key.enable_key_rotation).toBe(true);
    const policy = JSON.parse(resourcesOf(tf, 'aws_iam_role_policy')[0].policy);
    expect(policy.Statement).toEqual([{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: expect.stringMatching(/^\$\{aws_kms_key\.unseal_key_\w+\.arn\}$/) }]);
    const trust = JSON.parse(resourcesOf(tf, 'aws_iam_role')[0].assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals['oidc.eks.eu-west-1.amazonaws.com/id/WAQITI-PROD:sub']).toBe('system:serviceaccount:vault:vault');
  });
});

describe('cluster layer', () => {
  it('passes the unseal key and role from the unseal stack into the Vault release', () => {
    const { stacks } = synthPlatform(waqiti, 'prod');
    const release = resourcesOf(stacks.cluster.tf, 'helm_release').find((r) => r.chart === 'vault')!;
    const values = release.values[0] as string;
    expect(values).toContain('seal \\"awskms\\"');
    expect(values).toMatch(/kms_key_id = \\"\$\{data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+\}\\"/);
    expect(values).toContain('"replicas":5');
  });

  it('installs the alerts and the ServiceMonitors for Vault and ESO', () => {
    const kinds = manifestsOf(synthPlatform(pea, 'prod').stacks.cluster.tf).map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual([
      'Certificate/vault-server',
      'ConfigMap/vault-ca',
      'CronJob/vault-snapshot',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/vault-server',
      'Probe/vault-served-certificate',
      'PrometheusRule/pea-forecast-secrets-alerts',
      'PrometheusRule/vault-snapshot-alerts',
      'ServiceAccount/vault-snapshot',
      'ServiceMonitor/external-secrets',
      'ServiceMonitor/vault',
    ]);
  });

  it('alerts on every failure the seeds name, plus Vault sealed and audit failures', () => {
    const rule = manifestsOf(synthPlatform(waqiti, 'prod').stacks.cluster.tf).find((m) => m.kind === 'PrometheusRule')!;
    const alerts = rule.spec.groups[0].rules.map((r: { alert: string }) => r.alert);
    expect(alerts).toEqual(
      expect.arrayContaining(['VaultSealed', 'VaultAuditLogRequestFailure', 'VaultUnauthorizedAccessAttempts', 'ExternalSecretSyncFailed', 'SecretRotationFailed', 'SecretRotationOverdue', 'CertificateExpiringSoon']),
    );
    // A backup push that fails (denied, or policy and tags drifted) is its own critical alert.
    const push = rule.spec.groups[0].rules.find((r: { alert: string }) => r.alert === 'PushSecretFailing');
    expect(push).toMatchObject({ expr: 'max by (namespace, name) (pushsecret_status_condition{condition="Ready",status="False"}) == 1', labels: { severity: 'critical' } });
  });
});

describe('backup and sync layers', () => {
  it('backs up every critical secret, encrypted with a rotating CMK, replicated to each replica region', () => {
    const { plan, stacks } = synthPlatform(waqiti, 'prod');
    const secrets = resourcesOf(stacks.backup.tf, 'aws_secretsmanager_secret');
    expect(secrets.map((s) => s.name).sort()).toEqual(plan.backup!.secrets.map((s) => `waqiti/backup/${s.path}`).sort());
    for (const s of secrets) {
      expect(s.kms_key_id).toMatch(/aws_kms_key\.backups_key/);
      expect(s.replica.map((r: { region: string }) => r.region)).toEqual(['eu-central-1', 'us-east-1']);
      expect(s.recovery_window_in_days).toBe(30);
    }
    expect(resourcesOf(stacks.backup.tf, 'aws_kms_key')[0]).toMatchObject({ enable_key_rotation: true, multi_region: true });
  });

  it('lets the push role write only the backup secrets', () => {
    const tf = synthPlatform(waqiti, 'prod').stacks.backup.tf;
    const policy = JSON.parse(resourcesOf(tf, 'aws_iam_role_policy')[0].policy);
    const write = policy.Statement.find((s: { Sid: string }) => s.Sid === 'WriteTheseBackupsOnly');
    expect(write.Resource).toHaveLength(resourcesOf(tf, 'aws_secretsmanager_secret').length);
    for (const arn of write.Resource) expect(arn).toMatch(/^\$\{aws_secretsmanager_secret\.[\w-]+\.arn\}$/);
  });

  it('pushes each critical secret from its own ExternalSecret to its AWS backup', () => {
    const manifests = manifestsOf(synthPlatform(waqiti, 'prod').stacks.sync.tf);
    const pushes = manifests.filter((m) => m.kind === 'PushSecret');
    expect(pushes.find((p) => p.metadata.name === 'backup-auth')!.spec).toMatchObject({
      selector: { secret: { name: 'backup-auth' } },
      data: [{ match: { remoteRef: { remoteKey: 'waqiti/backup/auth' } } }],
      deletionPolicy: 'None',
    });
  });

  it.each([['waqiti'], ['pea-forecast']])('%s: each PushSecret declares the exact policy text and tags the backup layer gives its AWS secret, and a string format', (name) => {
    // ESO deletes a resource policy its PushSecret does not declare, and untags what it does not list.
    const { stacks } = synthPlatform(platformNamed(name), 'prod');
    const manifests = manifestsOf(stacks.sync.tf);
    const policyMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'aws-backup-policy')!;
    const secrets = resourcesOf(stacks.backup.tf, 'aws_secretsmanager_secret');
    const policies = resourcesOf(stacks.backup.tf, 'aws_secretsmanager_secret_policy');
    expect(new Set(policies.map((p) => p.policy))).toEqual(new Set([policyMap.data['policy.json']]));
    const pushes = manifests.filter((m) => m.kind === 'PushSecret');
    expect(pushes).toHaveLength(secrets.length);
    const tagsOf = new Map(secrets.map((s) => [s.name, s.tags]));
    for (const p of pushes) {
      const [entry] = p.spec.data;
      expect(policyMap.metadata.namespace).toBe(p.metadata.namespace);
      expect(entry.metadata.spec.secretPushFormat).toBe('string');
      expect(entry.metadata.spec.resourcePolicy).toEqual({ blockPublicPolicy: true, policySourceRef: { kind: 'ConfigMap', name: 'aws-backup-policy', key: 'policy.json' } });
      const tags = tagsOf.get(entry.match.remoteRef.remoteKey);
      expect(tags).toEqual({ ...entry.metadata.spec.tags, 'managed-by': 'external-secrets' });
      expect(entry.metadata.spec.tags).toEqual({ platform: name, environment: 'prod', 'vault-path': expect.any(String) });
    }
  });

  it('gives PEA a SecretProviderClass and injector annotations instead of ExternalSecrets for workloads', () => {
    const tf = synthPlatform(pea, 'prod').stacks.sync.tf;
    const spc = manifestsOf(tf).find((m) => m.kind === 'SecretProviderClass' && m.metadata.name === 'backend-vault')!;
    expect(spc.spec.parameters.roleName).toBe('pea-forecast-backend');
    expect(spc.spec.parameters.objects).toContain('secretPath: "secret/data/pea-forecast/db"');
    const annotations = tf.output['injector-annotations-backend'].value;
    expect(annotations['vault.hashicorp.com/agent-inject-template-pea-forecast-db']).toContain('DATABASE_URL=postgresql://{{ .Data.data.username }}');
    expect(manifestsOf(tf).filter((m) => m.kind === 'ExternalSecret').every((m) => m.metadata.namespace === 'pea-forecast-secrets-backup')).toBe(true);
  });
});

describe('snapshots', () => {
  const cases = PLATFORMS.flatMap((p) => Object.keys(p.environments).map((env) => [p.name, env] as const));
  it.each(cases)('%s %s', (name, env) => {
    const { stacks } = synthPlatform(platformNamed(name), env);
    for (const [layer, s] of Object.entries(stacks)) expect(s.tf).toMatchSnapshot(layer);
  });
});
