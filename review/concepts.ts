/**
 * What a resource means to a reviewer: its platform concept (secret, service, role, policy, backup,
 * chart, ...) and a subject that names it (a secret path, a role name, a chart). Subjects are read
 * only from identifier attributes listed here, never from free-form ones, so no value can slip
 * into a report through them.
 */
import { LAYERS } from '../stacks/platform-stack';

/** Platform concepts, in the order a report lists them. */
export const CONCEPTS = ['secret', 'service', 'role', 'policy', 'backup', 'chart', 'unseal', 'vault', 'alert', 'other'] as const;
export type Concept = (typeof CONCEPTS)[number];

/** The attributes that identify a resource of each type, as dotted paths. Everything else is unread. */
const IDENTIFIERS: Readonly<Record<string, readonly string[]>> = {
  vault_policy: ['name'],
  vault_kubernetes_auth_backend_role: ['role_name'],
  vault_kv_secret_v2: ['mount', 'name'],
  vault_generic_endpoint: ['path'],
  vault_mount: ['path'],
  vault_auth_backend: ['path'],
  vault_audit: ['path'],
  vault_kv_secret_backend_v2: ['mount'],
  vault_kubernetes_auth_backend_config: ['backend'],
  helm_release: ['namespace', 'name'],
  aws_secretsmanager_secret: ['name'],
  aws_kms_alias: ['name'],
  aws_iam_role: ['name'],
  aws_iam_role_policy: ['name'],
  kubernetes_namespace: ['metadata.0.name', 'metadata.name'],
  kubernetes_service_account: ['metadata.0.namespace', 'metadata.namespace', 'metadata.0.name', 'metadata.name'],
  kubernetes_manifest: ['manifest.kind', 'manifest.metadata.namespace', 'manifest.metadata.name'],
};

const BY_TYPE: Readonly<Record<string, Concept>> = {
  vault_policy: 'policy',
  vault_kubernetes_auth_backend_role: 'role',
  vault_kv_secret_v2: 'secret',
  vault_generic_endpoint: 'secret',
  vault_mount: 'vault',
  vault_auth_backend: 'vault',
  vault_audit: 'vault',
  vault_kv_secret_backend_v2: 'vault',
  vault_kubernetes_auth_backend_config: 'vault',
  helm_release: 'chart',
  aws_secretsmanager_secret: 'backup',
  aws_kms_replica_key: 'backup',
  kubernetes_namespace: 'service',
  kubernetes_service_account: 'service',
};

const BY_MANIFEST_KIND: Readonly<Record<string, Concept>> = {
  ExternalSecret: 'service',
  SecretStore: 'service',
  ClusterSecretStore: 'service',
  SecretProviderClass: 'service',
  PushSecret: 'backup',
  PrometheusRule: 'alert',
  ServiceMonitor: 'alert',
  Certificate: 'chart',
};

/** The layer a stack name ends with (`waqiti-prod-vault-config` → `vault-config`). */
export function layerOf(stackName: string): string {
  return LAYERS.find((l) => stackName.endsWith(`-${l}`)) ?? 'unknown';
}

/** A resource's concept, from its type, its manifest kind and the layer it is in. */
export function conceptOf(type: string, body: unknown, stackName: string): Concept {
  const layer = layerOf(stackName);
  if (type === 'kubernetes_manifest') {
    const kind = read(body, 'manifest.kind');
    return (typeof kind === 'string' && BY_MANIFEST_KIND[kind]) || 'other';
  }
  if (layer === 'unseal') return 'unseal';
  if (layer === 'backup' && type.startsWith('aws_')) return 'backup';
  return BY_TYPE[type] ?? 'other';
}

/**
 * Resolves `${type.name.attr}` references of synthesized JSON to the referenced resource's literal
 * identifier attribute (e.g. a secret's `mount` → the mount's `path`); undefined when it cannot.
 */
export type ReferenceResolver = (type: string, name: string, attr: string) => string | undefined;

/** `kind namespace/name`-style subject from the identifier attributes, or undefined. */
export function subjectOf(type: string, body: unknown, resolveRef?: ReferenceResolver): string | undefined {
  const paths = IDENTIFIERS[type];
  if (!paths || body === null || typeof body !== 'object') return undefined;
  const parts: string[] = [];
  for (const p of paths) {
    let v = read(body, p);
    if (typeof v === 'string' && resolveRef) {
      v = v.replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g, (ref, t: string, n: string, a: string) => {
        const id = IDENTIFIERS[t]?.includes(a) ? resolveRef(t, n, a) : undefined;
        return id ?? ref;
      });
    }
    if (typeof v === 'string' && v.length > 0 && !v.includes('${') && !parts.includes(v)) parts.push(v);
  }
  if (parts.length === 0) return undefined;
  if (type === 'kubernetes_manifest') return parts.length > 1 ? `${parts[0]} ${parts.slice(1).join('/')}` : parts[0];
  return parts.join('/');
}

/** Reads a dotted path (`metadata.0.name`) from plain objects and arrays. */
function read(body: unknown, path: string): unknown {
  let cur: unknown = body;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
