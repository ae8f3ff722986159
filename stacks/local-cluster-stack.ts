import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { PlatformPlan } from '../config/plan';
import { MetricsMonitor, SecretsAlerts } from '../constructs/alerts';
import { ESO_DEFAULT_NAMESPACE } from '../constructs/external-secrets-operator';
import { MANAGED_BY } from '../constructs/kubernetes-object';
import { TokenReviewer } from '../constructs/token-reviewer';
import { PlatformStack } from './platform-stack';
import { kubernetesProvider } from './providers';

/**
 * The cluster layer of the `local` environment: what can exist on a bare API server with no kubelet.
 * Vault (OpenBao) and the ESO controller run as local processes instead of Helm releases, so this
 * layer holds their namespaces, the token reviewer Vault's Kubernetes auth uses, and the monitoring
 * objects (ServiceMonitors, PrometheusRule) exactly as the cluster environments declare them.
 */
export class LocalClusterStack extends PlatformStack {
  /** Namespace and name of the token-reviewer service account. */
  public readonly reviewer: { readonly namespace: string; readonly name: string };

  constructor(scope: Construct, plan: PlatformPlan) {
    super(scope, plan, 'cluster');
    kubernetesProvider(this, plan);
    const vaultNs = new NamespaceV1(this, 'vault-namespace', { metadata: { name: plan.platform.vault.namespace, labels: { ...MANAGED_BY } } });
    const esoNs = new NamespaceV1(this, 'eso-namespace', { metadata: { name: ESO_DEFAULT_NAMESPACE, labels: { ...MANAGED_BY } } });
    const reviewer = new TokenReviewer(this, 'token-reviewer', {
      namespace: vaultNs.metadata.name,
      bindingName: `${plan.platform.name}-vault-token-reviewer`,
    });
    this.reviewer = { namespace: plan.platform.vault.namespace, name: reviewer.name };
    new TerraformOutput(this, 'token-reviewer-account', {
      description: 'Service account whose token Vault uses for TokenReview (kubernetes_reviewer_jwt of the vault-config stack).',
      value: `${plan.platform.vault.namespace}/${reviewer.name}`,
    });
    new MetricsMonitor(this, 'vault-metrics', {
      name: 'vault',
      namespace: vaultNs.metadata.name,
      selector: { 'app.kubernetes.io/name': 'vault', 'vault-active': 'true' },
      port: 'http',
      path: '/v1/sys/metrics',
      params: { format: ['prometheus'] },
    });
    new MetricsMonitor(this, 'eso-metrics', {
      name: 'external-secrets',
      namespace: esoNs.metadata.name,
      selector: { 'app.kubernetes.io/name': 'external-secrets' },
      port: 'metrics',
    });
    new SecretsAlerts(this, 'alerts', { namespace: vaultNs.metadata.name, platform: plan.platform.name, vaultNamespace: plan.platform.vault.namespace });
  }
}
