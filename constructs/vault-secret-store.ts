import type { Construct } from 'constructs';
import { KubernetesObject } from './kubernetes-object';

/** Props of an ESO SecretStore that reads Vault as one service. */
export interface VaultSecretStoreProps {
  /** Store name. */
  readonly name: string;
  /** Namespace of the store, its ExternalSecrets and the service account. */
  readonly namespace: string;
  /** Vault address as seen from the cluster. */
  readonly vaultServer: string;
  /** KV v2 mount. */
  readonly mount: string;
  /** Kubernetes auth mount path in Vault. */
  readonly authMountPath: string;
  /** Vault role to log in as: the service's own role. */
  readonly role: string;
  /** Service account whose token ESO requests to log in (bound by the role). */
  readonly serviceAccount: string;
  /** Audience of the requested token; must match the role's. */
  readonly audience: string;
  /** Secret holding `ca.crt` for Vault's TLS. @default - the system trust store */
  readonly caSecretName?: string;
}

/**
 * A namespaced `SecretStore` (external-secrets.io/v1) on the Vault provider with Kubernetes auth.
 * It logs in with a token of the service's own service account, so ESO reads exactly what the
 * service may read: least privilege per service instead of one shared ESO role.
 */
export class VaultSecretStore extends KubernetesObject {
  constructor(scope: Construct, id: string, props: VaultSecretStoreProps) {
    super(scope, id, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        provider: {
          vault: {
            server: props.vaultServer,
            path: props.mount,
            version: 'v2',
            ...(props.caSecretName ? { caProvider: { type: 'Secret', name: props.caSecretName, key: 'ca.crt' } } : {}),
            auth: {
              kubernetes: {
                mountPath: props.authMountPath,
                role: props.role,
                serviceAccountRef: { name: props.serviceAccount, audiences: [props.audience] },
              },
            },
          },
        },
      },
    });
  }
}
