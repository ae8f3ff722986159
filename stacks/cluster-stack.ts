import { Fn, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { SERVED_CERTIFICATE_PROBE } from '../config/names';
import type { PlatformPlan } from '../config/plan';
import { MetricsMonitor, SecretsAlerts, ServedCertificateProbe } from '../constructs/alerts';
import { ESO_DEFAULT_NAMESPACE, ExternalSecretsOperator } from '../constructs/external-secrets-operator';
import { esoNetworkPolicyBody, NetworkPolicy, vaultNetworkPolicyBody } from '../constructs/network-policies';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { dependencyOn, KubernetesObject } from '../constructs/kubernetes-object';
import { VAULT_TLS_SECRET, VaultServer } from '../constructs/vault-server';
import { VAULT_CA_CONFIGMAP } from '../constructs/vault-secret-store';
import { VaultSnapshotJob, type SnapshotSource } from '../constructs/vault-snapshot-job';
import { KUBERNETES_AUTH_PATH } from '../config/plan';
import { PlatformStack } from './platform-stack';
import { clusterProviders } from './providers';
import type { UnsealStack } from './unseal-stack';

/** ESO's namespace, as in the WAQITI seed. */
export const ESO_NAMESPACE = ESO_DEFAULT_NAMESPACE;
/** Job name of the blackbox probe of the certificate Vault serves. */
export const SERVED_CERTIFICATE_JOB = SERVED_CERTIFICATE_PROBE;

/**
 * Vault's CA certificate (PEM, public: it is the issuer's certificate, no key), for whoever must
 * verify Vault: injected agents here, SecretStores in the sync layer. `TF_VAR_vault_ca_cert`.
 */
export const vaultCaCertVariable = (scope: Construct) =>
  new TerraformVariable(scope, 'vault_ca_cert', {
    type: 'string',
    description: "PEM CA certificate that signs Vault's server certificate (public, no key). Consumers trust only this.",
  });

/** Namespaces whose pods call Vault's API: ESO (stores, backups), injected workloads, declared clients. */
export function vaultClientNamespaces(plan: PlatformPlan): string[] {
  const injected = plan.services.filter((s) => s.secrets.some((x) => x.delivery.includes('injector'))).map((s) => s.namespace);
  const eso = plan.syncs.length > 0 || plan.backup ? [ESO_NAMESPACE] : [];
  return [...new Set([...eso, ...injected, ...plan.security.vaultClientNamespaces])].sort();
}

/** Cluster services: Vault (Helm), the External Secrets Operator (Helm), their namespaces and NetworkPolicies, metrics and alerts. */
export class ClusterStack extends PlatformStack {
  public readonly vault: VaultServer;
  public readonly eso: ExternalSecretsOperator;

  constructor(scope: Construct, plan: PlatformPlan, unseal: UnsealStack | undefined) {
    super(scope, plan, 'cluster');
    clusterProviders(this, plan);
    const { env, platform, security } = plan;
    const vaultNs = platform.vault.namespace;
    const tls = env.tls.source !== 'none';
    if (unseal) this.addDependency(unseal);
    // Pod Security: `restricted`, except that the CSI provider needs hostPath volumes (audit and warn stay `restricted`).
    const vaultNamespace = new PlatformNamespace(this, 'vault-namespace', { name: vaultNs, podSecurity: platform.vault.csi ? 'privileged' : 'restricted' });
    const esoNamespace = new PlatformNamespace(this, 'eso-namespace', { name: ESO_NAMESPACE });
    const caCert = tls ? vaultCaCertVariable(this).stringValue : undefined;
    if (caCert) {
      // The CA certificate alone, for Prometheus and the blackbox exporter to verify Vault: never the TLS secret.
      new KubernetesObject(this, 'vault-ca', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: VAULT_CA_CONFIGMAP, namespace: vaultNs }, data: { 'ca.crt': caCert } }).manifest.dependsOn = [dependencyOn(vaultNamespace.namespace.fqn)];
    }
    this.vault = new VaultServer(this, 'vault', {
      namespace: vaultNs,
      createNamespace: false,
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
      hardening: {
        ui: security.ui,
        unauthenticatedMetrics: security.unauthenticatedMetrics,
        resources: security.resources,
        auditRotation: { rotateAtBytes: security.audit.rotateAtMiB * 1024 * 1024, keep: security.audit.keep },
        injectorCaCertBase64: caCert && platform.vault.injector ? Fn.base64encode(caCert) : undefined,
      },
    });
    this.vault.release.dependsOn = [dependencyOn(vaultNamespace.namespace.fqn)];
    this.eso = new ExternalSecretsOperator(this, 'external-secrets', { namespace: ESO_NAMESPACE, createNamespace: false });
    this.eso.release.dependsOn = [dependencyOn(esoNamespace.namespace.fqn)];
    if (security.networkPolicies) {
      const vaultPolicy = new NetworkPolicy(this, 'vault-network-policy', vaultNetworkPolicyBody({ namespace: vaultNs, clientNamespaces: vaultClientNamespaces(plan), monitoringNamespaces: security.monitoringNamespaces, csi: platform.vault.csi }));
      const esoPolicy = new NetworkPolicy(this, 'eso-network-policy', esoNetworkPolicyBody({ namespace: ESO_NAMESPACE, vaultNamespace: vaultNs, monitoringNamespaces: security.monitoringNamespaces, egressCidrs: security.esoEgressCidrs, egressPorts: security.esoEgressPorts }));
      vaultPolicy.manifest.dependsOn = [dependencyOn(vaultNamespace.namespace.fqn)];
      esoPolicy.manifest.dependsOn = [dependencyOn(esoNamespace.namespace.fqn)];
    }
    // ServiceMonitor, PrometheusRule, Probe and Certificate need the Prometheus operator's and cert-manager's
    // CRDs, which kubernetes_manifest reads at plan time: they are cluster prerequisites (README).
    new MetricsMonitor(this, 'vault-metrics', {
      name: 'vault',
      namespace: vaultNs,
      selector: { 'app.kubernetes.io/name': 'vault', 'vault-active': 'true' },
      port: tls ? 'https' : 'http',
      path: '/v1/sys/metrics',
      params: { format: ['prometheus'] },
      tlsCaConfigMap: tls ? VAULT_CA_CONFIGMAP : undefined,
    });
    new MetricsMonitor(this, 'eso-metrics', {
      name: 'external-secrets',
      namespace: this.eso.namespace,
      selector: { 'app.kubernetes.io/name': 'external-secrets' },
      port: 'metrics',
    });
    if (tls) {
      new ServedCertificateProbe(this, 'served-certificate', {
        namespace: vaultNs,
        jobName: SERVED_CERTIFICATE_JOB,
        prober: security.certificateProbe.prober,
        module: security.certificateProbe.module,
        targets: Array.from({ length: env.replicas }, (_, i) => `vault-${i}.vault-internal.${vaultNs}.svc:8200`),
      });
    }
    new SecretsAlerts(this, 'alerts', {
      namespace: vaultNs,
      platform: platform.name,
      vaultNamespace: vaultNs,
      hardening: {
        auditVolumeAlertPercent: security.audit.volumeAlertPercent,
        servedCertificateJob: tls ? SERVED_CERTIFICATE_JOB : undefined,
        certManagerCertificate: env.tls.source === 'cert-manager' ? 'vault-server' : undefined,
      },
    });
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
