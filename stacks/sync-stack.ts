import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Namespace } from '@cdktf/provider-kubernetes/lib/namespace';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ServiceAccount } from '@cdktf/provider-kubernetes/lib/service-account';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import {
  backupObjectName,
  backupSecretName,
  BACKUP_AWS_STORE,
  BACKUP_POLICY_CONFIGMAP,
  BACKUP_VAULT_STORE,
  backupPushRoleName,
  constructIds,
  csiClassName,
  iamRoleArn,
  injectorFileName,
  NO_PODS_QUOTA,
  ownerLabel,
  pairName,
} from '../config/names';
import type { PlatformPlan, ServicePlan } from '../config/plan';
import { BACKUP_POLICY_KEY, backupSecretPolicy, backupSecretTags } from '../constructs/backup-secret-contract';
import { EsoTokenRequestRole } from '../constructs/eso-rbac';
import { ExternalSecret } from '../constructs/external-secret';
import { ESO_SERVICE_ACCOUNT } from '../constructs/external-secrets-operator';
import { dependencyOn, KubernetesObject, MANAGED_BY } from '../constructs/kubernetes-object';
import { defaultDenyBody, NetworkPolicy } from '../constructs/network-policies';
import { podSecurityLabels } from '../constructs/platform-namespace';
import { AwsBackupStore, BackupPushSecret } from '../constructs/push-secret';
import { CSI_CA_CERT_PATH } from '../constructs/vault-server';
import { VAULT_CA_CONFIGMAP, VaultSecretStore } from '../constructs/vault-secret-store';
import { injectorAnnotations, injectorTokenVolume, VaultSecretProviderClass, type DeliveredSecret } from '../constructs/workload-delivery';
import type { BackupStack } from './backup-stack';
import { ESO_NAMESPACE, vaultCaCertVariable } from './cluster-stack';
import { PlatformStack } from './platform-stack';
import { kubernetesProvider } from './providers';

const AUTH_MOUNT = 'kubernetes';

/**
 * In `local` there are no workloads whose own manifests create their namespaces and service
 * accounts, so the sync layer creates them (each distinct namespace and `namespace/name` once). In
 * cluster environments they belong to the workloads' deployments and this layer only refers to them.
 */
function localIdentities(scope: Construct, plan: PlatformPlan): Map<string, NamespaceV1> {
  const namespaces = new Map<string, NamespaceV1>();
  for (const ns of [...new Set(plan.services.map((s) => s.namespace))].sort()) {
    namespaces.set(ns, new NamespaceV1(scope, `namespace-${ns}`, { metadata: { name: ns, labels: { ...MANAGED_BY } } }));
  }
  const accounts = new Map<string, { namespace: string; name: string }>();
  for (const svc of plan.services) for (const sa of svc.serviceAccounts) accounts.set(`${svc.namespace}/${sa}`, { namespace: svc.namespace, name: sa });
  for (const [key, sa] of [...accounts].sort(([a], [b]) => a.localeCompare(b))) {
    new ServiceAccountV1(scope, `service-account-${key}`, {
      metadata: { name: sa.name, namespace: namespaces.get(sa.namespace)!.metadata.name, labels: { ...MANAGED_BY } },
      automountServiceAccountToken: false,
    });
  }
  return namespaces;
}

/** Namespaced objects are created after the namespaces this stack creates (local only). */
function afterNamespaces(scope: Construct, namespaces: ReadonlyMap<string, string>): void {
  for (const node of scope.node.findAll()) {
    if (!(node instanceof Manifest)) continue;
    const ns = (node.manifestInput as { metadata?: { namespace?: string } } | undefined)?.metadata?.namespace;
    const created = ns ? namespaces.get(ns) : undefined;
    if (created) node.dependsOn = [...(node.dependsOn ?? []), dependencyOn(created)];
  }
}

const delivered = (svc: ServicePlan, how: 'injector' | 'csi'): DeliveredSecret[] =>
  svc.secrets.filter((s) => s.delivery.includes(how)).map((s) => ({ path: s.path, slug: injectorFileName(s.path), keys: s.keys, template: s.injectorTemplate }));

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
    const localNamespaces = env.cluster ? undefined : localIdentities(this, plan);
    const tls = env.tls.source !== 'none';
    const caCert = tls ? vaultCaCertVariable(this).stringValue : undefined;
    const caConfigMapName = tls ? VAULT_CA_CONFIGMAP : undefined;
    const refreshInterval = env.eso.refreshInterval;
    // The backup pipeline re-reads Vault and pushes at its own, slower pace: a bad write reaches the
    // AWS backup at most once per interval, and the good value stays there as AWSPREVIOUS.
    const pushInterval = plan.backupPushInterval;
    // Per namespace: the service accounts ESO may request tokens for (one Role each, finding 12),
    // and a ConfigMap with Vault's CA certificate only (finding 6).
    const tokenAccounts = new Map<string, Set<string>>();
    const namespaceResources = new Map<string, string>();
    const storeNamespace = (namespace: string, serviceAccount: string) => {
      if (!tokenAccounts.has(namespace) && caCert) {
        new KubernetesObject(this, `vault-ca-${namespace}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: VAULT_CA_CONFIGMAP, namespace }, data: { 'ca.crt': caCert } });
      }
      tokenAccounts.set(namespace, (tokenAccounts.get(namespace) ?? new Set()).add(serviceAccount));
    };

    for (const svc of plan.services) {
      const syncs = svc.syncs;
      if (syncs.length > 0) {
        storeNamespace(svc.namespace, svc.serviceAccounts[0]);
        const store = new VaultSecretStore(this, constructIds.store(svc.name), {
          name: syncs[0].storeName,
          namespace: svc.namespace,
          vaultServer,
          mount: plan.mount,
          authMountPath: AUTH_MOUNT,
          role: svc.role.name,
          serviceAccount: svc.serviceAccounts[0],
          audience: env.auth.audience,
          caConfigMapName,
        });
        for (const sync of syncs) {
          new ExternalSecret(this, constructIds.sync(sync.targetName), {
            name: sync.targetName,
            namespace: sync.namespace,
            storeName: store.body.metadata.name,
            path: sync.secret.path,
            keys: sync.secret.keys,
            refreshInterval,
            labels: { 'secrets.platform/owner': ownerLabel(sync.secret.owner), 'secrets.platform/rotation': sync.secret.rotationPeriod },
          });
        }
      }
      const csi = delivered(svc, 'csi');
      if (csi.length > 0) {
        new VaultSecretProviderClass(this, constructIds.csi(svc.name), {
          name: csiClassName(svc.name),
          namespace: svc.namespace,
          vaultAddress: vaultServer,
          role: svc.role.name,
          mount: plan.mount,
          authMountPath: AUTH_MOUNT,
          audience: env.auth.audience,
          caCertPath: tls ? CSI_CA_CERT_PATH : undefined,
          secrets: csi,
        });
      }
      const injected = delivered(svc, 'injector');
      if (injected.length > 0) {
        new TerraformOutput(this, constructIds.injectorOutput(svc.name), {
          description: `Pod annotations for ${svc.name} (Vault Agent Injector)`,
          value: injectorAnnotations({ mount: plan.mount, role: svc.role.name, secrets: injected }),
        });
        new TerraformOutput(this, `injector-token-volume-${svc.name}`, {
          description: `Pod volume for ${svc.name}: the projected "${env.auth.audience}"-audience token the injected agent logs in with`,
          value: injectorTokenVolume(env.auth.audience),
        });
      }
    }

    const backup = plan.backup;
    if (backup && backupStack?.backups) {
      this.addDependency(backupStack);
      // The backup namespace holds every critical secret: Pod Security `restricted`, no pods at all
      // (ESO runs in its own namespace and only needs the service accounts' tokens), no automounted tokens.
      const ns = new Namespace(this, 'backup-namespace', { metadata: { name: backup.namespace, labels: { ...MANAGED_BY, ...podSecurityLabels('restricted') } } });
      namespaceResources.set(backup.namespace, ns.fqn);
      new KubernetesObject(this, 'backup-no-pods', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: NO_PODS_QUOTA, namespace: backup.namespace },
        spec: { hard: { pods: '0' } },
      });
      if (plan.security.networkPolicies) {
        new NetworkPolicy(this, 'backup-default-deny', defaultDenyBody({ namespace: backup.namespace }));
      }
      new ServiceAccount(this, 'backup-reader', { metadata: { name: backup.readerServiceAccount, namespace: ns.metadata.name }, automountServiceAccountToken: false });
      new ServiceAccount(this, 'backup-pusher', {
        metadata: {
          name: backup.pusherServiceAccount,
          namespace: ns.metadata.name,
          annotations: { 'eks.amazonaws.com/role-arn': backupStack.backups.pushRole.arn },
        },
        automountServiceAccountToken: false,
      });
      storeNamespace(backup.namespace, backup.readerServiceAccount);
      storeNamespace(backup.namespace, backup.pusherServiceAccount);
      const vaultStore = new VaultSecretStore(this, 'backup-vault-store', {
        name: BACKUP_VAULT_STORE,
        namespace: backup.namespace,
        vaultServer,
        mount: plan.mount,
        authMountPath: AUTH_MOUNT,
        role: backup.role.name,
        serviceAccount: backup.readerServiceAccount,
        audience: env.auth.audience,
        caConfigMapName,
      });
      const awsStore = new AwsBackupStore(this, 'backup-aws-store', {
        name: BACKUP_AWS_STORE,
        namespace: backup.namespace,
        region: env.aws.primaryRegion,
        serviceAccount: backup.pusherServiceAccount,
      });
      // The backup secrets' resource policy, as the backup layer attached it: each PushSecret declares
      // it, so ESO compares instead of deleting it (constructs/backup-secret-contract.ts).
      new KubernetesObject(this, 'backup-policy', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: BACKUP_POLICY_CONFIGMAP, namespace: backup.namespace, labels: { ...MANAGED_BY } },
        data: {
          [BACKUP_POLICY_KEY]: backupSecretPolicy({
            pushRoleArn: iamRoleArn(env.aws.accountId, backupPushRoleName(pairName(platform.name, plan.envName))),
            restoreRoleArn: backupStack.restore.roleArn,
          }),
        },
      });
      // ESO reconciles: a store whose service account or source Secret is not there yet retries,
      // so these objects need no apply order among themselves.
      for (const s of backup.secrets) {
        const name = backupObjectName(s.path);
        new ExternalSecret(this, constructIds.backupRead(s.path), {
          name,
          namespace: backup.namespace,
          storeName: vaultStore.body.metadata.name,
          path: s.path,
          keys: s.keys,
          refreshInterval: pushInterval,
        });
        new BackupPushSecret(this, constructIds.backupPush(s.path), {
          name,
          namespace: backup.namespace,
          sourceSecretName: name,
          remoteKey: backupSecretName(platform.name, s.path),
          storeName: awsStore.body.metadata.name,
          refreshInterval: pushInterval,
          tags: backupSecretTags({ platform: platform.name, environment: plan.envName, path: s.path }),
          policy: { configMapName: BACKUP_POLICY_CONFIGMAP, key: BACKUP_POLICY_KEY },
        });
      }
    }

    for (const [namespace, accounts] of tokenAccounts) {
      new EsoTokenRequestRole(this, `eso-token-request-${namespace}`, { namespace, serviceAccounts: [...accounts], esoNamespace: ESO_NAMESPACE, esoServiceAccount: ESO_SERVICE_ACCOUNT });
    }
    // Every object in a namespace this stack creates waits for it: the provider sends each
    // kubernetes_manifest on its own, and the API server refuses one in a namespace not yet there.
    for (const [name, created] of localNamespaces ?? []) namespaceResources.set(name, created.fqn);
    afterNamespaces(this, namespaceResources);
  }
}
