import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { Construct } from 'constructs';
import { MANAGED_BY } from './kubernetes-object';

/** Props of the token reviewer identity. */
export interface TokenReviewerProps {
  /** Namespace of the service account (Vault's). */
  readonly namespace: string;
  /** Service account name. @default "vault-token-reviewer" */
  readonly name?: string;
  /** Name of the ClusterRoleBinding; cluster-scoped, so it carries the platform. */
  readonly bindingName: string;
}

/**
 * A service account bound to `system:auth-delegator`, whose token a Vault outside the cluster uses
 * to send TokenReviews (Kubernetes auth). The account can review tokens and nothing else; its token
 * is minted with TokenRequest and given to Vault write-only, never stored by this project.
 */
export class TokenReviewer extends Construct {
  /** Service account name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: TokenReviewerProps) {
    super(scope, id);
    this.name = props.name ?? 'vault-token-reviewer';
    const sa = new ServiceAccountV1(this, 'service-account', {
      metadata: { name: this.name, namespace: props.namespace, labels: { ...MANAGED_BY } },
      automountServiceAccountToken: false,
    });
    new ClusterRoleBindingV1(this, 'auth-delegator', {
      metadata: { name: props.bindingName, labels: { ...MANAGED_BY } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
      subject: [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: props.namespace }],
    });
  }
}
