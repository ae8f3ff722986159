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
  /**
   * ConfigMap in the store's namespace holding Vault's CA certificate as `ca.crt` (public, published
   * by the sync layer). Never a TLS Secret: that would carry Vault's private key. Required for https.
   * @default - none (plain http, local and dev without TLS only)
   */
  readonly caConfigMapName?: string;
}

/** The ConfigMap each consuming namespace gets with Vault's CA certificate (`ca.crt`); named in config/names.ts. */
export { VAULT_CA_CONFIGMAP } from '../config/names';

/**
 * A namespaced `SecretStore` (external-secrets.io/v1) on the Vault provider with Kubernetes auth.
 * It logs in with a token of the service's own service account, so ESO reads exactly what the
 * service may read: least privilege per service instead of one shared ESO role.
 */
export class VaultSecretStore extends KubernetesObject {
  constructor(scope: Construct, id: string, props: VaultSecretStoreProps) {
    if (props.vaultServer.startsWith('https://') && !props.caConfigMapName) {
      throw new Error(`SecretStore ${props.name}: 'caConfigMapName' is required for ${props.vaultServer}: the store must verify Vault's certificate`);
    }
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
            ...(props.caConfigMapName ? { caProvider: { type: 'ConfigMap', name: props.caConfigMapName, key: 'ca.crt' } } : {}),
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
