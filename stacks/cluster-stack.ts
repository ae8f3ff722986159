import type { Construct } from 'constructs';
import type { PlatformPlan } from '../config/plan';
import { MetricsMonitor, SecretsAlerts } from '../constructs/alerts';
import { ExternalSecretsOperator } from '../constructs/external-secrets-operator';
import { VAULT_TLS_SECRET, VaultServer } from '../constructs/vault-server';
import { VaultSnapshotJob, type SnapshotSource } from '../constructs/vault-snapshot-job';
import { KUBERNETES_AUTH_PATH } from '../config/plan';
import { PlatformStack } from './platform-stack';
import { clusterProviders } from './providers';
import type { UnsealStack } from './unseal-stack';

/** Cluster services: Vault (Helm), the External Secrets Operator (Helm), metrics and alerts. */
export class ClusterStack extends PlatformStack {
  public readonly vault: VaultServer;
  public readonly eso: ExternalSecretsOperator;

  constructor(scope: Construct, plan: PlatformPlan, unseal: UnsealStack | undefined) {
    super(scope, plan, 'cluster');
    clusterProviders(this, plan);
    const { env, platform } = plan;
    const vaultNs = platform.vault.namespace;
    if (unseal) this.addDependency(unseal);
    this.vault = new VaultServer(this, 'vault', {
      namespace: vaultNs,
      replicas: env.replicas,
      storage:
        platform.vault.storage.type === 'consul'
          ? {
              type: 'consul',
              address: platform.vault.storage.address,
              path: platform.vault.storage.path,
              tls: platform.vault.storage.security?.tls,
              aclTokenSecret: platform.vault.storage.security?.aclTokenSecret,
            }
          : platform.vault.storage,
      dataSize: env.storage.dataSize,
      auditSize: env.storage.auditSize,
      storageClass: env.storage.storageClass,
      tls: env.tls,
      seal: env.unseal.type === 'awskms' && unseal ? { type: 'awskms', region: env.unseal.region, kmsKeyId: unseal.unseal.key.keyId } : { type: 'shamir' },
      serviceAccountRoleArn: unseal?.unseal.role.arn,
      injector: platform.vault.injector,
      csi: platform.vault.csi,
    });
    this.eso = new ExternalSecretsOperator(this, 'external-secrets');
    // ServiceMonitor, PrometheusRule and Certificate need the Prometheus operator's and cert-manager's
    // CRDs, which kubernetes_manifest reads at plan time: they are cluster prerequisites (README).
    new MetricsMonitor(this, 'vault-metrics', {
      name: 'vault',
      namespace: vaultNs,
      selector: { 'app.kubernetes.io/name': 'vault', 'vault-active': 'true' },
      port: env.tls.source === 'none' ? 'http' : 'https',
      path: '/v1/sys/metrics',
      params: { format: ['prometheus'] },
      tlsCaSecret: env.tls.source === 'none' ? undefined : VAULT_TLS_SECRET,
    });
    new MetricsMonitor(this, 'eso-metrics', {
      name: 'external-secrets',
      namespace: this.eso.namespace,
      selector: { 'app.kubernetes.io/name': 'external-secrets' },
      port: 'metrics',
    });
    new SecretsAlerts(this, 'alerts', { namespace: vaultNs, platform: platform.name, vaultNamespace: vaultNs });
    const snap = plan.snapshots;
    if (snap) {
      const storage = platform.vault.storage;
      const vaultCa = env.tls.source === 'none' ? undefined : env.tls.source === 'secret' ? env.tls.secretName : VAULT_TLS_SECRET;
      const source: SnapshotSource =
        storage.type === 'consul'
          ? {
              type: 'consul',
              consulAddress: `${storage.security?.tls ? 'https' : 'http'}://${storage.address}`,
              caSecret: storage.security?.tls?.caSecret,
              clientCertSecret: storage.security?.tls?.clientCertSecret,
              tokenSecret: storage.security?.snapshotTokenSecret ?? { name: 'consul-snapshot-token', key: 'token' },
            }
          : {
              type: 'raft',
              vaultAddress: `${vaultCa ? 'https' : 'http'}://vault.${vaultNs}.svc:8200`,
              caSecret: vaultCa,
              authPath: KUBERNETES_AUTH_PATH,
              role: plan.snapshotAccess!.role.name,
              audience: env.auth.audience,
            };
      // The bucket and role come from the backup layer by name (not by reference), so this layer
      // does not wait for it; until the backup layer is applied, the job fails and retries.
      new VaultSnapshotJob(this, 'snapshots', {
        namespace: snap.namespace,
        serviceAccount: snap.serviceAccount,
        roleArn: snap.roleArn,
        bucket: snap.bucket,
        region: env.aws.primaryRegion,
        schedule: snap.schedule,
        source,
      });
    }
  }
}
