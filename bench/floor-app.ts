/**
 * The floor: a bare cdktf app that emits the same resources as our prod stacks for the platform
 * of `bench/generated-platforms.ts` (same `VSP_BENCH_SERVICES`), with none of our machinery: no
 * config validation, no plan, no constructs of ours, no access reports. Raw provider classes,
 * imported one resource at a time, fed straight from the config with map look-ups.
 *
 * It is what synthesis costs in cdktf itself; `bench/run.ts` compares our app against it and
 * checks that both emit the same number of resources of each type.
 *
 * Run: `VSP_BENCH_SERVICES=1000 CDKTF_OUTDIR=/tmp/x node --require tsx/cjs bench/floor-app.ts`
 */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Namespace } from '@cdktf/provider-kubernetes/lib/namespace';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ServiceAccount } from '@cdktf/provider-kubernetes/lib/service-account';
import { Audit } from '@cdktf/provider-vault/lib/audit';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { GenericEndpoint } from '@cdktf/provider-vault/lib/generic-endpoint';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { KvSecretBackendV2 } from '@cdktf/provider-vault/lib/kv-secret-backend-v2';
import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { App, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { PLATFORMS } from './generated-platforms';

const platform = PLATFORMS[0];
const envName = 'prod';
const env = platform.environments[envName];
if (env.backend.type !== 's3') throw new Error('the floor app expects an S3 backend in prod');
const backend = env.backend;
const mount = platform.kv.mount;
const critical = platform.secrets.filter((s) => s.criticality === 'critical');
const byPath = new Map(platform.secrets.map((s) => [s.path, s]));
const slug = (path: string) => path.replace(/[^a-z0-9-]+/g, '-');
const irsa = (namespace: string, sa: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${env.aws.accountId}:oidc-provider/${env.aws.oidcProvider}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${env.aws.oidcProvider}:sub`]: `system:serviceaccount:${namespace}:${sa}` } } }],
  });
const policyHcl = (paths: string[]) => paths.sort().map((p) => `path "${mount}/data/${p}" {\n  capabilities = ["read"]\n}`).join('\n\n') + '\n';

const app = new App();

/** One stack per layer, with the same S3 backend settings as ours. */
function layer(name: string): TerraformStack {
  const stack = new TerraformStack(app, `${platform.name}-${envName}-${name}`);
  new S3Backend(stack, { bucket: backend.bucket, key: `${backend.keyPrefix}/${name}.tfstate`, region: backend.region, encrypt: true });
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
  return stack;
}
const aws = (stack: TerraformStack, region: string, alias?: string) =>
  new AwsProvider(stack, alias ? `aws-${alias}` : 'aws', { region, alias, allowedAccountIds: [env.aws.accountId] });
const kubeProviders = (stack: TerraformStack) => {
  const configPath = new TerraformVariable(stack, 'kubeconfig_path', { type: 'string', default: '~/.kube/config' });
  const configContext = new TerraformVariable(stack, 'kube_context', { type: 'string', default: `${platform.name}-${envName}` });
  new KubernetesProvider(stack, 'kubernetes', { configPath: configPath.stringValue, configContext: configContext.stringValue });
  return { configPath, configContext };
};
const manifest = (stack: TerraformStack, id: string, apiVersion: string, kind: string, name: string, namespace: string, spec: Record<string, unknown>) =>
  new Manifest(stack, id, { manifest: { apiVersion, kind, metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'floor' } }, spec } });

// unseal: KMS key and the IRSA role that may use it.
const unseal = layer('unseal');
aws(unseal, env.aws.primaryRegion);
const unsealKey = new KmsKey(unseal, 'unseal-key', { description: 'Vault auto-unseal', enableKeyRotation: true, deletionWindowInDays: 30 });
new KmsAlias(unseal, 'unseal-alias', { name: `alias/${platform.name}-${envName}-vault-unseal`, targetKeyId: unsealKey.keyId });
const unsealRole = new IamRole(unseal, 'unseal-role', { name: `${platform.name}-${envName}-vault-unseal`, assumeRolePolicy: irsa(platform.vault.namespace, 'vault') });
new IamRolePolicy(unseal, 'unseal-policy', { name: 'vault-unseal', role: unsealRole.id, policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: unsealKey.arn }] }) });

// cluster: Vault and ESO charts, certificate, monitors, alerts.
const cluster = layer('cluster');
cluster.addDependency(unseal);
const { configPath, configContext } = kubeProviders(cluster);
new HelmProvider(cluster, 'helm', { kubernetes: { configPath: configPath.stringValue, configContext: configContext.stringValue } });
const vaultNs = platform.vault.namespace;
manifest(cluster, 'certificate', 'cert-manager.io/v1', 'Certificate', 'vault-server', vaultNs, { secretName: 'vault-tls', issuerRef: { name: 'vault-ca', kind: 'ClusterIssuer' } });
new Release(cluster, 'vault', {
  name: 'vault', namespace: vaultNs, createNamespace: true, repository: 'https://helm.releases.hashicorp.com', chart: 'vault', version: '0.31.0',
  values: [JSON.stringify({ server: { ha: { enabled: true, replicas: env.replicas, raft: { config: `seal "awskms" { kms_key_id = "${unsealKey.keyId}" }` } }, serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': unsealRole.arn } } } })],
});
new Release(cluster, 'eso', { name: 'external-secrets', namespace: 'external-secrets-system', createNamespace: true, repository: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0', values: [JSON.stringify({ installCRDs: true })] });
manifest(cluster, 'vault-monitor', 'monitoring.coreos.com/v1', 'ServiceMonitor', 'vault', vaultNs, { selector: { matchLabels: { 'app.kubernetes.io/name': 'vault' } }, endpoints: [{ port: 'https', path: '/v1/sys/metrics' }] });
manifest(cluster, 'eso-monitor', 'monitoring.coreos.com/v1', 'ServiceMonitor', 'external-secrets', 'external-secrets-system', { selector: { matchLabels: { 'app.kubernetes.io/name': 'external-secrets' } }, endpoints: [{ port: 'metrics' }] });
manifest(cluster, 'alerts', 'monitoring.coreos.com/v1', 'PrometheusRule', `${platform.name}-secrets-alerts`, vaultNs, { groups: [{ name: 'secrets', rules: [{ alert: 'VaultSealed', expr: 'vault_core_unsealed == 0' }] }] });

// vault-config: mount, audit, auth, one policy and role per service, every secret.
const vaultConfig = layer('vault-config');
vaultConfig.addDependency(cluster);
const address = new TerraformVariable(vaultConfig, 'vault_address', { type: 'string', default: env.vaultAddress });
new VaultProvider(vaultConfig, 'vault', { address: address.stringValue, skipChildToken: true });
vaultConfig.addOverride('terraform.required_providers.random', { source: 'hashicorp/random', version: '3.9.0' });
vaultConfig.addOverride('provider.random', [{}]);
const kv = new Mount(vaultConfig, 'kv', { path: mount, type: 'kv', options: { version: '2' } });
new KvSecretBackendV2(vaultConfig, 'kv-config', { mount: kv.path, maxVersions: platform.kv.maxVersions, casRequired: platform.kv.casRequired, deleteVersionAfter: 0 });
new Audit(vaultConfig, 'audit', { type: 'file', path: 'file', options: { file_path: '/vault/audit/vault-audit.log' } });
const auth = new AuthBackend(vaultConfig, 'auth', { type: 'kubernetes', path: 'kubernetes' });
new KubernetesAuthBackendConfig(vaultConfig, 'auth-config', { backend: auth.path, kubernetesHost: env.auth.kubernetesHost });
const roles = [
  ...platform.services.map((s) => ({ name: `${platform.name}-${s.name}`, sas: s.serviceAccounts, namespace: s.namespace.split('{env}').join(envName), reads: s.reads })),
  { name: `${platform.name}-backup-reader`, sas: ['backup-reader'], namespace: `${platform.name}-secrets-backup`, reads: critical.map((s) => s.path) },
];
for (const r of roles) {
  new Policy(vaultConfig, `policy-${r.name}`, { name: r.name, policy: policyHcl([...r.reads]) });
  new KubernetesAuthBackendRole(vaultConfig, `role-${r.name}`, {
    backend: auth.path, roleName: r.name, boundServiceAccountNames: [...r.sas], boundServiceAccountNamespaces: [r.namespace],
    tokenPolicies: [r.name], tokenTtl: 86400, tokenMaxTtl: 86400, audience: env.auth.audience,
  });
}
new Policy(vaultConfig, 'policy-operator', { name: platform.operatorPolicy.name, policy: `path "${mount}/data/*" {\n  capabilities = ["create", "read", "update", "delete", "list"]\n}\n` });
for (const s of platform.secrets) {
  const metadata = { owner: s.owner, rotation_period: s.rotationPeriod, criticality: s.criticality };
  if (s.origin.kind === 'generated') {
    const fields = s.keys.map((key) => {
      const id = `${slug(s.path)}-${key}`;
      vaultConfig.addOverride(`ephemeral.random_password.${id}`, { length: s.origin.kind === 'generated' ? s.origin.length : 32, special: false });
      return `"${key}" = ephemeral.random_password.${id}.result`;
    });
    new KvSecretV2(vaultConfig, `secret-${slug(s.path)}`, { mount: kv.path, name: s.path, dataJsonWo: `\${jsonencode({${fields.join(', ')}})}`, dataJsonWoVersion: 1, disableRead: true, customMetadata: { data: metadata } });
  } else {
    new GenericEndpoint(vaultConfig, `slot-${slug(s.path)}`, { path: `${mount}/metadata/${s.path}`, dataJson: JSON.stringify({ custom_metadata: metadata }), ignoreAbsentFields: true, disableDelete: true });
  }
}

// backup: a multi-Region KMS key, its replicas, one AWS secret per critical secret, the push role.
const backup = layer('backup');
aws(backup, env.aws.primaryRegion);
const backupKey = new KmsKey(backup, 'backup-key', { description: 'Secrets Manager backups', enableKeyRotation: true, multiRegion: true, deletionWindowInDays: 30 });
new KmsAlias(backup, 'backup-alias', { name: `alias/${platform.name}-${envName}-secrets-backup`, targetKeyId: backupKey.keyId });
const replicas = env.aws.replicaRegions.map((region) => ({
  region,
  key: new KmsReplicaKey(backup, `replica-${region}`, { provider: aws(backup, region, region), primaryKeyArn: backupKey.arn, deletionWindowInDays: 30 }),
}));
const awsSecrets = critical.map((s) =>
  new SecretsmanagerSecret(backup, `backup-${slug(s.path)}`, {
    name: `${platform.name}/backup/${s.path}`, kmsKeyId: backupKey.arn, recoveryWindowInDays: env.backupRecoveryWindowDays,
    replica: replicas.map((r) => ({ region: r.region, kmsKeyId: r.key.arn })), tags: { 'managed-by': 'external-secrets' },
  }),
);
const pushRole = new IamRole(backup, 'push-role', { name: `${platform.name}-${envName}-secrets-backup-push`, assumeRolePolicy: irsa(`${platform.name}-secrets-backup`, 'backup-pusher') });
new IamRolePolicy(backup, 'push-policy', { name: 'push-backups', role: pushRole.id, policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['secretsmanager:PutSecretValue'], Resource: awsSecrets.map((s) => s.arn) }] }) });

// sync: per service a SecretStore and one ExternalSecret per secret read; the backup pipeline.
const sync = layer('sync');
sync.addDependency(vaultConfig);
sync.addDependency(backup);
kubeProviders(sync);
const vaultStoreSpec = (role: string, sa: string) => ({
  provider: { vault: { server: env.vaultAddress, path: mount, version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role, serviceAccountRef: { name: sa, audiences: [env.auth.audience] } } } } },
});
const externalSecret = (id: string, name: string, namespace: string, store: string, path: string) =>
  manifest(sync, id, 'external-secrets.io/v1', 'ExternalSecret', name, namespace, {
    refreshInterval: env.eso.refreshInterval,
    secretStoreRef: { kind: 'SecretStore', name: store },
    target: { name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
    data: byPath.get(path)!.keys.map((key) => ({ secretKey: key, remoteRef: { key: path, property: key } })),
  });
for (const svc of platform.services) {
  const namespace = svc.namespace.split('{env}').join(envName);
  const store = `vault-${svc.name}`;
  manifest(sync, `store-${svc.name}`, 'external-secrets.io/v1', 'SecretStore', store, namespace, vaultStoreSpec(`${platform.name}-${svc.name}`, svc.serviceAccounts[0]));
  for (const path of svc.reads) externalSecret(`sync-${svc.name}-${slug(path)}`, `${svc.name}-${slug(path)}`, namespace, store, path);
}
const backupNs = `${platform.name}-secrets-backup`;
new Namespace(sync, 'backup-namespace', { metadata: { name: backupNs } });
new ServiceAccount(sync, 'backup-reader', { metadata: { name: 'backup-reader', namespace: backupNs } });
new ServiceAccount(sync, 'backup-pusher', { metadata: { name: 'backup-pusher', namespace: backupNs, annotations: { 'eks.amazonaws.com/role-arn': pushRole.arn } } });
manifest(sync, 'backup-vault-store', 'external-secrets.io/v1', 'SecretStore', 'vault-backup-reader', backupNs, vaultStoreSpec(`${platform.name}-backup-reader`, 'backup-reader'));
manifest(sync, 'backup-aws-store', 'external-secrets.io/v1', 'SecretStore', 'aws-backup', backupNs, { provider: { aws: { service: 'SecretsManager', region: env.aws.primaryRegion } } });
for (const s of critical) {
  const name = `backup-${slug(s.path)}`;
  externalSecret(`read-${name}`, name, backupNs, 'vault-backup-reader', s.path);
  manifest(sync, `push-${name}`, 'external-secrets.io/v1alpha1', 'PushSecret', name, backupNs, {
    refreshInterval: env.eso.refreshInterval, deletionPolicy: 'None', secretStoreRefs: [{ kind: 'SecretStore', name: 'aws-backup' }],
    selector: { secret: { name } }, data: [{ match: { remoteRef: { remoteKey: `${platform.name}/backup/${s.path}` } } }],
  });
}

app.synth();
