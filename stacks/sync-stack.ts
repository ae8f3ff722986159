import { Namespace } from '@cdktf/provider-kubernetes/lib/namespace';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ServiceAccount } from '@cdktf/provider-kubernetes/lib/service-account';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { slug, type PlatformPlan, type ServicePlan } from '../config/plan';
import { ExternalSecret } from '../constructs/external-secret';
import { MANAGED_BY } from '../constructs/kubernetes-object';
import { AwsBackupStore, BackupPushSecret } from '../constructs/push-secret';
import { VAULT_TLS_SECRET } from '../constructs/vault-server';
import { VaultSecretStore } from '../constructs/vault-secret-store';
import { injectorAnnotations, VaultSecretProviderClass, type DeliveredSecret } from '../constructs/workload-delivery';
import { backupSecretName, type BackupStack } from './backup-stack';
import { PlatformStack } from './platform-stack';
import { kubernetesProvider } from './providers';

const AUTH_MOUNT = 'kubernetes';

/**
 * In `local` there are no workloads whose own manifests create their namespaces and service
 * accounts, so the sync layer creates them (each distinct namespace and `namespace/name` once). In
 * cluster environments they belong to the workloads' deployments and this layer only refers to them.
 */
function localIdentities(scope: Construct, plan: PlatformPlan): void {
  const namespaces = new Set(plan.services.map((s) => s.namespace));
  for (const ns of [...namespaces].sort()) {
    new NamespaceV1(scope, `namespace-${ns}`, { metadata: { name: ns, labels: { ...MANAGED_BY } } });
  }
  const accounts = new Map<string, { namespace: string; name: string }>();
  for (const svc of plan.services) for (const sa of svc.serviceAccounts) accounts.set(`${svc.namespace}/${sa}`, { namespace: svc.namespace, name: sa });
  for (const [key, sa] of [...accounts].sort(([a], [b]) => a.localeCompare(b))) {
    new ServiceAccountV1(scope, `service-account-${key}`, {
      metadata: { name: sa.name, namespace: sa.namespace, labels: { ...MANAGED_BY } },
      automountServiceAccountToken: false,
    });
  }
}

const delivered = (svc: ServicePlan, how: 'injector' | 'csi'): DeliveredSecret[] =>
  svc.secrets.filter((s) => s.delivery.includes(how)).map((s) => ({ path: s.path, slug: slug(s.path), keys: s.keys, template: s.injectorTemplate }));

/**
 * Sync into the cluster: per service a SecretStore logging in as that service, its ExternalSecrets,
 * CSI SecretProviderClasses and Agent Injector annotations; and the backup pipeline (read critical
 * secrets from Vault, push them to AWS Secrets Manager).
 */
export class SyncStack extends PlatformStack {
  constructor(scope: Construct, plan: PlatformPlan, backupStack: BackupStack | undefined) {
    super(scope, plan, 'sync');
    kubernetesProvider(this, plan);
    const { env, platform } = plan;
    // Local: ESO runs on this machine, next to OpenBao, whose address the operator chooses.
    const vaultServer = env.cluster
      ? env.vaultAddress
      : new TerraformVariable(this, 'vault_address', { type: 'string', default: env.vaultAddress, description: 'Vault address as ESO reaches it.' }).stringValue;
    if (!env.cluster) localIdentities(this, plan);
    const caSecretName = env.tls.source === 'none' ? undefined : VAULT_TLS_SECRET;
    const refreshInterval = env.eso.refreshInterval;

    for (const svc of plan.services) {
      const syncs = svc.syncs;
      if (syncs.length > 0) {
        const store = new VaultSecretStore(this, `store-${svc.name}`, {
          name: syncs[0].storeName,
          namespace: svc.namespace,
          vaultServer,
          mount: plan.mount,
          authMountPath: AUTH_MOUNT,
          role: svc.role.name,
          serviceAccount: svc.serviceAccounts[0],
          audience: env.auth.audience,
          caSecretName,
        });
        for (const sync of syncs) {
          new ExternalSecret(this, `sync-${sync.targetName}`, {
            name: sync.targetName,
            namespace: sync.namespace,
            storeName: store.body.metadata.name,
            path: sync.secret.path,
            keys: sync.secret.keys,
            refreshInterval,
            labels: { 'secrets.platform/owner': slug(sync.secret.owner), 'secrets.platform/rotation': sync.secret.rotationPeriod },
          });
        }
      }
      const csi = delivered(svc, 'csi');
      if (csi.length > 0) {
        new VaultSecretProviderClass(this, `csi-${svc.name}`, {
          name: `${svc.name}-vault`,
          namespace: svc.namespace,
          vaultAddress: vaultServer,
          role: svc.role.name,
          mount: plan.mount,
          authMountPath: AUTH_MOUNT,
          audience: env.auth.audience,
          secrets: csi,
        });
      }
      const injected = delivered(svc, 'injector');
      if (injected.length > 0) {
        new TerraformOutput(this, `injector-annotations-${svc.name}`, {
          description: `Pod annotations for ${svc.name} (Vault Agent Injector)`,
          value: injectorAnnotations({ mount: plan.mount, role: svc.role.name, secrets: injected }),
        });
      }
    }

    const backup = plan.backup;
    if (backup && backupStack) {
      this.addDependency(backupStack);
      const ns = new Namespace(this, 'backup-namespace', { metadata: { name: backup.namespace, labels: { ...MANAGED_BY } } });
      new ServiceAccount(this, 'backup-reader', { metadata: { name: backup.readerServiceAccount, namespace: ns.metadata.name } });
      new ServiceAccount(this, 'backup-pusher', {
        metadata: {
          name: backup.pusherServiceAccount,
          namespace: ns.metadata.name,
          annotations: { 'eks.amazonaws.com/role-arn': backupStack.backups.pushRole.arn },
        },
      });
      const vaultStore = new VaultSecretStore(this, 'backup-vault-store', {
        name: 'vault-backup-reader',
        namespace: backup.namespace,
        vaultServer,
        mount: plan.mount,
        authMountPath: AUTH_MOUNT,
        role: backup.role.name,
        serviceAccount: backup.readerServiceAccount,
        audience: env.auth.audience,
        caSecretName,
      });
      const awsStore = new AwsBackupStore(this, 'backup-aws-store', {
        name: 'aws-backup',
        namespace: backup.namespace,
        region: env.aws.primaryRegion,
        serviceAccount: backup.pusherServiceAccount,
      });
      // ESO reconciles: a store whose service account or source Secret is not there yet retries,
      // so these objects need no apply order among themselves.
      for (const s of backup.secrets) {
        const name = `backup-${slug(s.path)}`;
        new ExternalSecret(this, `backup-read-${s.path}`, {
          name,
          namespace: backup.namespace,
          storeName: vaultStore.body.metadata.name,
          path: s.path,
          keys: s.keys,
          refreshInterval,
        });
        new BackupPushSecret(this, `backup-push-${s.path}`, {
          name,
          namespace: backup.namespace,
          sourceSecretName: name,
          remoteKey: backupSecretName(platform.name, s.path),
          storeName: awsStore.body.metadata.name,
          refreshInterval,
        });
      }
    }
  }
}
