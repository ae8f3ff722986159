import type { Construct } from 'constructs';
import { KubernetesObject } from './kubernetes-object';

/** Props of an ExternalSecret that syncs one Vault secret into one Kubernetes Secret. */
export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it writes. */
  readonly name: string;
  readonly namespace: string;
  /** The SecretStore to read through. */
  readonly storeName: string;
  /** Path under the mount. */
  readonly path: string;
  /** Keys to copy; each becomes a key of the Kubernetes Secret. */
  readonly keys: readonly string[];
  /** How often ESO re-reads Vault (Go duration). */
  readonly refreshInterval: string;
  /** Labels on the target Secret (owner, rotation period). */
  readonly labels?: Record<string, string>;
}

/**
 * An `ExternalSecret` (external-secrets.io/v1). ESO owns the target Secret (`creationPolicy:
 * Owner`, removed with the ExternalSecret) and keeps it when the Vault secret is gone
 * (`deletionPolicy: Retain`), so a Vault outage or a mistaken delete never empties a running workload.
 */
export class ExternalSecret extends KubernetesObject {
  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        refreshInterval: props.refreshInterval,
        secretStoreRef: { kind: 'SecretStore', name: props.storeName },
        target: {
          name: props.name,
          creationPolicy: 'Owner',
          deletionPolicy: 'Retain',
          template: { metadata: { labels: props.labels ?? {} } },
        },
        data: props.keys.map((key) => ({ secretKey: key, remoteRef: { key: props.path, property: key } })),
      },
    });
  }
}
