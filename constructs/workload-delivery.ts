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

/** Name of the projected volume that carries the `vault`-audience token the injected agent logs in with. */
export const INJECTOR_TOKEN_VOLUME = 'vault-token';

/**
 * The projected service account token volume the workload's pod spec must declare for the injected
 * agent: audience bound (the role checks it), short-lived, rotated by the kubelet.
 */
export function injectorTokenVolume(audience: string, expirationSeconds = 600): Record<string, unknown> {
  if (!audience) throw new Error("'audience' is required: the Vault role binds the token's audience");
  return { name: INJECTOR_TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { path: 'token', audience, expirationSeconds } }] } };
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
    // Log in with the projected `vault`-audience token (injectorTokenVolume), not the pod's default token.
    'vault.hashicorp.com/agent-service-account-token-volume-name': INJECTOR_TOKEN_VOLUME,
    // The CA comes from the injector (AGENT_INJECT_VAULT_CACERT_BYTES); verification is never skipped.
    'vault.hashicorp.com/tls-skip-verify': 'false',
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
  /** Audience of the token the provider logs in with; the role binds it. */
  readonly audience: string;
  /** Path of Vault's CA certificate inside the CSI provider pod. Required for https. */
  readonly caCertPath?: string;
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
    const problems: string[] = [];
    if (!props.audience) problems.push("'audience' is required: the Vault role binds the token's audience");
    if (props.vaultAddress.startsWith('https://') && !props.caCertPath) problems.push(`'caCertPath' is required for ${props.vaultAddress}: the provider must verify Vault's certificate`);
    if (problems.length > 0) throw new Error(`SecretProviderClass ${props.name} failed validation:\n- ${problems.join('\n- ')}`);
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
          ...(props.caCertPath ? { vaultCACertPath: props.caCertPath } : {}),
          objects: `${objects.join('\n')}\n`,
        },
      },
    });
  }
}
