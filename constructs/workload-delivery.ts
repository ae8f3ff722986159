import type { Construct } from 'constructs';
import { KubernetesObject } from './kubernetes-object';

/** One secret a workload receives from Vault directly (Agent Injector or CSI). */
export interface DeliveredSecret {
  /** Path under the mount. */
  readonly path: string;
  /** Kubernetes-safe name of the secret, used in file and object names. */
  readonly slug: string;
  readonly keys: readonly string[];
  /** Consul-template for the Agent Injector, e.g. a `DATABASE_URL` line. @default - one `KEY=value` line per key */
  readonly template?: string;
}

/** Props for Agent Injector annotations. */
export interface InjectorAnnotationsProps {
  /** KV v2 mount. */
  readonly mount: string;
  /** Vault role of the workload. */
  readonly role: string;
  readonly secrets: readonly DeliveredSecret[];
}

/** The default template: one `KEY=value` line per key. */
export function defaultTemplate(mount: string, s: DeliveredSecret): string {
  const lines = s.keys.map((k) => `${k.toUpperCase().replace(/[^A-Z0-9]/g, '_')}={{ index .Data.data ${JSON.stringify(k)} }}`);
  return `{{- with secret ${JSON.stringify(`${mount}/data/${s.path}`)} -}}\n${lines.join('\n')}\n{{- end }}`;
}

/**
 * Pod annotations for the Vault Agent Injector: one rendered file per secret under
 * `/vault/secrets/<slug>`. Returned as data for the workload's own chart.
 */
export function injectorAnnotations(props: InjectorAnnotationsProps): Record<string, string> {
  const annotations: Record<string, string> = {
    'vault.hashicorp.com/agent-inject': 'true',
    'vault.hashicorp.com/role': props.role,
  };
  for (const s of props.secrets) {
    annotations[`vault.hashicorp.com/agent-inject-secret-${s.slug}`] = `${props.mount}/data/${s.path}`;
    annotations[`vault.hashicorp.com/agent-inject-template-${s.slug}`] = s.template ?? defaultTemplate(props.mount, s);
  }
  return annotations;
}

/** Props of a CSI SecretProviderClass for the Vault provider. */
export interface VaultSecretProviderClassProps {
  readonly name: string;
  readonly namespace: string;
  readonly vaultAddress: string;
  readonly role: string;
  readonly mount: string;
  readonly authMountPath: string;
  readonly audience: string;
  readonly secrets: readonly DeliveredSecret[];
}

/**
 * A `SecretProviderClass` (secrets-store.csi.x-k8s.io/v1) for the Vault CSI provider: each key of
 * each secret becomes a file `<slug>-<key>` in the mounted volume.
 */
export class VaultSecretProviderClass extends KubernetesObject {
  constructor(scope: Construct, id: string, props: VaultSecretProviderClassProps) {
    const objects = props.secrets.flatMap((s) =>
      s.keys.map((k) => `- objectName: ${JSON.stringify(`${s.slug}-${k}`)}\n  secretPath: ${JSON.stringify(`${props.mount}/data/${s.path}`)}\n  secretKey: ${JSON.stringify(k)}`),
    );
    super(scope, id, {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1',
      kind: 'SecretProviderClass',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        provider: 'vault',
        parameters: {
          vaultAddress: props.vaultAddress,
          roleName: props.role,
          vaultKubernetesMountPath: props.authMountPath,
          audience: props.audience,
          objects: `${objects.join('\n')}\n`,
        },
      },
    });
  }
}
