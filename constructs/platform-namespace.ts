import { Namespace } from '@cdktf/provider-kubernetes/lib/namespace';
import { Construct } from 'constructs';
import { MANAGED_BY } from './kubernetes-object';

/** Pod Security Standards levels. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Pod Security admission labels: `enforce` at the level given, `audit` and `warn` always at `restricted`. */
export function podSecurityLabels(enforce: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': enforce,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
  };
}

/** Props of a namespace the platform owns. */
export interface PlatformNamespaceProps {
  readonly name: string;
  /** Pod Security level enforced. @default "restricted" */
  readonly podSecurity?: PodSecurityLevel;
}

/** A namespace the platform owns, labelled for Pod Security admission. */
export class PlatformNamespace extends Construct {
  public readonly namespace: Namespace;
  /** The name, as a reference that orders dependants after the namespace. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    this.namespace = new Namespace(this, 'namespace', { metadata: { name: props.name, labels: { ...MANAGED_BY, ...podSecurityLabels(props.podSecurity ?? 'restricted') } } });
    this.name = this.namespace.metadata.name;
  }
}
