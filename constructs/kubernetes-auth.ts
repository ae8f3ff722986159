import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { Construct } from 'constructs';
import { constructIds } from '../config/names';
import type { RolePlan } from '../config/plan';

/** Props of the Kubernetes auth method. */
export interface KubernetesAuthProps {
  /** Mount path of the auth method. @default "kubernetes" */
  readonly path?: string;
  /** API server URL Vault calls for TokenReview. */
  readonly kubernetesHost: string;
  /**
   * PEM CA of the API server, for a Vault that runs outside the cluster (the `local` environment).
   * When set, Vault stops reading its own pod's service account CA and token (`disable_local_ca_jwt`)
   * and reviews each login with the client's own token.
   * @default - Vault runs in the cluster and uses its pod's service account CA and token
   */
  readonly kubernetesCaCert?: string;
  /**
   * A token-reviewer JWT for a Vault outside the cluster: a token of a service account bound to
   * `system:auth-delegator`, which Vault uses to call TokenReview. It is written with the provider's
   * write-only argument (`token_reviewer_jwt_wo`), so it never reaches plan or state; bump `version`
   * to write a new one.
   * @default - Vault reviews each login with its own pod's service account token (in a cluster)
   */
  readonly tokenReviewerJwt?: { readonly value: string; readonly version: number };
}

/** The Kubernetes auth method, its backend config, and one role per consumer. */
export class KubernetesAuth extends Construct {
  /** Mount path, as a reference that orders roles after the mount. */
  public readonly path: string;
  /** The `vault_auth_backend` resource (the auth method's mount). */
  public readonly backend: AuthBackend;

  constructor(scope: Construct, id: string, props: KubernetesAuthProps) {
    super(scope, id);
    this.backend = new AuthBackend(this, 'backend', { type: 'kubernetes', path: props.path ?? 'kubernetes' });
    this.path = this.backend.path;
    // Running inside the cluster, Vault reads its own service account token and CA for TokenReview,
    // so no reviewer JWT or CA is written into config or state. Outside it, the (public) CA is given.
    const config = new KubernetesAuthBackendConfig(this, 'config', {
      backend: this.path,
      kubernetesHost: props.kubernetesHost,
      ...(props.kubernetesCaCert !== undefined ? { kubernetesCaCert: props.kubernetesCaCert, disableLocalCaJwt: true } : {}),
    });
    // The binding (vault 5.6.0) predates the write-only argument, so it is set as raw attributes.
    if (props.tokenReviewerJwt) {
      config.addOverride('token_reviewer_jwt_wo', props.tokenReviewerJwt.value);
      config.addOverride('token_reviewer_jwt_wo_version', props.tokenReviewerJwt.version);
    }
  }

  /** Adds a role bound to exactly the plan's service accounts and namespaces. */
  public addRole(role: RolePlan): KubernetesAuthBackendRole {
    const problems: string[] = [];
    if (role.serviceAccounts.length === 0) problems.push('at least one service account is required');
    if (role.namespaces.length === 0) problems.push('at least one namespace is required');
    if (role.tokenTtlSeconds > role.tokenMaxTtlSeconds) problems.push(`'tokenTtl' (${role.tokenTtlSeconds}s) must not exceed 'tokenMaxTtl' (${role.tokenMaxTtlSeconds}s)`);
    if (problems.length > 0) throw new Error(`Kubernetes auth role ${role.name} failed validation:\n- ${problems.join('\n- ')}`);
    return new KubernetesAuthBackendRole(this, constructIds.role(role.name), {
      backend: this.path,
      roleName: role.name,
      boundServiceAccountNames: [...role.serviceAccounts],
      boundServiceAccountNamespaces: [...role.namespaces],
      tokenPolicies: [...role.policies],
      tokenTtl: role.tokenTtlSeconds,
      tokenMaxTtl: role.tokenMaxTtlSeconds,
      ...(role.tokenType ? { tokenType: role.tokenType } : {}),
      audience: role.audience,
    });
  }
}
