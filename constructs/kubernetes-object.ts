import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Token, type IResolveContext } from 'cdktf';
import { Construct } from 'constructs';

/** A Kubernetes object as plain data: apiVersion, kind, metadata and the rest. */
export interface KubernetesObjectBody {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Labels every object of the project carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'vault-secrets-platform' } as const;

/**
 * The body without empty lists, at any depth. The API server leaves an empty list out of what it
 * returns (`omitempty`), so `kubernetes_manifest` would find `[]` turned into null after apply and
 * fail with "Provider produced inconsistent result". An empty list means the same as no list in
 * every field the stacks set (a NetworkPolicy's `ingress: []` with `policyTypes: [Ingress]` and no
 * `ingress` both deny all), so nothing is lost. Empty objects stay: `podSelector: {}` selects all.
 */
export function withoutEmptyLists<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutEmptyLists(v)) as T;
  if (value && typeof value === 'object' && !Token.isUnresolved(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => !(Array.isArray(v) && v.length === 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, withoutEmptyLists(v)])) as T;
  }
  return value;
}

/**
 * One Kubernetes object applied with `kubernetes_manifest`. The body is kept on the construct so
 * tests and reports can read it without parsing the synthesized JSON. Empty lists are left out
 * (see withoutEmptyLists).
 */
export class KubernetesObject extends Construct {
  /** The object as applied. */
  public readonly body: KubernetesObjectBody;
  /** The `kubernetes_manifest` resource, e.g. to order it after its namespace. */
  public readonly manifest: Manifest;

  constructor(scope: Construct, id: string, body: KubernetesObjectBody) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(body.metadata.name) || body.metadata.name.length > 253) {
      throw new Error(`${body.kind} name must be a valid Kubernetes name. Received: ${body.metadata.name}`);
    }
    this.body = withoutEmptyLists({ ...body, metadata: { ...body.metadata, labels: { ...MANAGED_BY, ...body.metadata.labels } } });
    this.manifest = new Manifest(this, 'manifest', { manifest: this.body as unknown as Record<string, unknown> });
  }
}

/**
 * A `depends_on` entry for the resource whose `fqn` is given. depends_on takes a static address
 * (`type.name`), not an interpolation, so the braces an fqn renders with are suppressed, as cdktf
 * does for `dependsOn` in a resource's config.
 */
export function dependencyOn(fqn: string): string {
  return Token.asString({
    resolve: (ctx: IResolveContext) => {
      ctx.suppressBraces = true;
      return fqn;
    },
  });
}
