import { Construct } from 'constructs';
import { ESO_TOKEN_ROLE } from '../config/names';
import { dependencyOn, KubernetesObject } from './kubernetes-object';

/** Props of ESO's token-request grant in one namespace. */
export interface EsoTokenRequestRoleProps {
  /** The consuming namespace. */
  readonly namespace: string;
  /** The service accounts ESO may request tokens for there (each SecretStore's). */
  readonly serviceAccounts: readonly string[];
  /** ESO's namespace and service account. */
  readonly esoNamespace: string;
  readonly esoServiceAccount: string;
}

/**
 * A Role and RoleBinding that let ESO create tokens (`serviceaccounts/token`) for exactly the named
 * service accounts of one namespace, and nothing else: the chart's cluster-wide grant is off
 * (`rbac.serviceAccountTokenCreate: false`).
 */
export class EsoTokenRequestRole extends Construct {
  public readonly role: KubernetesObject;
  public readonly binding: KubernetesObject;

  constructor(scope: Construct, id: string, props: EsoTokenRequestRoleProps) {
    super(scope, id);
    if (props.serviceAccounts.length === 0) throw new Error(`EsoTokenRequestRole ${props.namespace}: 'serviceAccounts' must name at least one service account (an empty resourceNames would allow all)`);
    const name = ESO_TOKEN_ROLE;
    this.role = new KubernetesObject(this, 'role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: props.namespace },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: [...new Set(props.serviceAccounts)].sort() }],
    });
    this.binding = new KubernetesObject(this, 'binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: props.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: props.esoServiceAccount, namespace: props.esoNamespace }],
    });
  }

  /** Orders both objects after a resource (by its fqn), e.g. the namespace. */
  public dependOn(fqn: string): void {
    this.role.manifest.dependsOn = [dependencyOn(fqn)];
    this.binding.manifest.dependsOn = [dependencyOn(fqn)];
  }
}
