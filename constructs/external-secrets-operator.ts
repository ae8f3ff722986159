import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';

/** The ESO chart, pinned (ESO v2.9.0 serves external-secrets.io/v1 and PushSecret v1alpha1). */
export const ESO_CHART = { repository: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' } as const;

/** Where the operator runs unless told otherwise (as in the WAQITI seed). */
export const ESO_DEFAULT_NAMESPACE = 'external-secrets-system';

/** Props of the External Secrets Operator release. */
export interface ExternalSecretsOperatorProps {
  /** Namespace of the operator. @default "external-secrets-system" (as in the WAQITI seed) */
  readonly namespace?: string;
  /** Controller replicas (leader-elected). @default 2 */
  readonly replicas?: number;
}

/** The External Secrets Operator from its official chart, with CRDs and Prometheus metrics. */
export class ExternalSecretsOperator extends Construct {
  public readonly namespace: string;
  public readonly release: Release;

  constructor(scope: Construct, id: string, props: ExternalSecretsOperatorProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? ESO_DEFAULT_NAMESPACE;
    const replicas = props.replicas ?? 2;
    if (replicas < 1) throw new Error(`'replicas' must be at least 1. Received: ${replicas}`);
    this.release = new Release(this, 'release', {
      name: 'external-secrets',
      namespace: this.namespace,
      createNamespace: true,
      ...ESO_CHART,
      values: [
        JSON.stringify({
          installCRDs: true,
          replicaCount: replicas,
          leaderElect: true,
          metrics: { service: { enabled: true } },
          serviceMonitor: { enabled: false },
          podDisruptionBudget: { enabled: true, minAvailable: 1 },
        }),
      ],
      atomic: true,
    });
  }
}
