/**
 * Resource changes of one stack, from either source a review has: a real plan (`tofu show -json`)
 * or a diff of the synthesized JSON at base and head. Both keep only what a reviewer may see: the
 * address, the concept, the subject (from identifier attributes) and the NAMES of changed
 * attributes. No attribute value is ever copied out.
 */
import { conceptOf, subjectOf, type Concept } from './concepts';
import type { StackJson } from './synthesize';

/** `forget`: OpenTofu drops the object from state and leaves it in place (`lifecycle { destroy = false }`). */
export type Action = 'create' | 'update' | 'replace' | 'delete' | 'forget';

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly concept: Concept;
  /** e.g. `waqiti/auth`, `waqiti-api-gateway`, `ExternalSecret waqiti-system/auth`; undefined if none. */
  readonly subject?: string;
  readonly action: Action;
  /** Dotted names of the changed attributes down to the leaf (`manifest.spec.refreshInterval`), never their values. */
  readonly attributes: readonly string[];
  /** For replacements: the attributes that force it. */
  readonly replacedBecause?: readonly string[];
  /** What the resource is, in identifiers only (names, paths, regions): read by the risk flags. */
  readonly facts?: ChangeFacts;
}

/** Identifiers a risk flag needs to say what a change does. Never a value. */
export interface ChangeFacts {
  /** The provider leaves the object in place when the resource is destroyed (`disable_delete`). */
  readonly keptOnDestroy?: boolean;
  /** `vault_kv_secret_v2`: destroying deletes every version and the metadata (`delete_all_versions`). */
  readonly deletesAllVersions?: boolean;
  /** `kubernetes_manifest`: the object at base and at head. */
  readonly before?: ManifestFacts;
  readonly after?: ManifestFacts;
  /** `aws_secretsmanager_secret`: replica regions at base and head. */
  readonly replicaRegions?: { readonly before: readonly string[]; readonly after: readonly string[] };
  /** The region of the provider alias a resource uses (`aws.us-east-1` → `us-east-1`). */
  readonly providerRegion?: string;
  /** `aws_secretsmanager_secret`: days a deleted secret stays recoverable. */
  readonly recoveryWindowDays?: number;
}

/** A Kubernetes object's identity and what it syncs, as names and paths. */
export interface ManifestFacts {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** ExternalSecret: the Kubernetes Secret it writes. */
  readonly target?: string;
  /** ExternalSecret: the Vault paths (remote keys) it reads. */
  readonly remoteKeys?: readonly string[];
  /** ExternalSecret: its SecretStore; SecretStore: the Vault role it logs in as. */
  readonly store?: string;
  readonly role?: string;
  /** PushSecret: the Kubernetes Secret it pushes and where to. */
  readonly source?: string;
  readonly pushedTo?: readonly string[];
}

/** How a stack's changes were obtained. */
export type ChangeSource = 'plan' | 'config-diff';

export interface Counts {
  add: number;
  change: number;
  replace: number;
  destroy: number;
  forget: number;
}

export function countChanges(changes: readonly ResourceChange[]): Counts {
  const c: Counts = { add: 0, change: 0, replace: 0, destroy: 0, forget: 0 };
  for (const ch of changes) {
    if (ch.action === 'create') c.add++;
    else if (ch.action === 'update') c.change++;
    else if (ch.action === 'replace') c.replace++;
    else if (ch.action === 'forget') c.forget++;
    else c.destroy++;
  }
  return c;
}

/* ------------------------------------------------------------------ facts */

type Body = Record<string, unknown>;

const isObj = (v: unknown): v is Body => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && !v.includes('${') ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Identity and sync identifiers of a `kubernetes_manifest` body (`manifest` attribute). */
export function manifestFacts(body: unknown): ManifestFacts | undefined {
  const m = isObj(body) && isObj(body.manifest) ? body.manifest : undefined;
  const meta = m && isObj(m.metadata) ? m.metadata : undefined;
  const kind = str(m?.kind);
  const name = str(meta?.name);
  if (!m || !kind || !name) return undefined;
  const spec = isObj(m.spec) ? m.spec : {};
  const facts: { -readonly [K in keyof ManifestFacts]: ManifestFacts[K] } = { kind, name, namespace: str(meta?.namespace) };
  if (kind === 'ExternalSecret') {
    facts.target = str(isObj(spec.target) ? spec.target.name : undefined) ?? name;
    facts.store = str(isObj(spec.secretStoreRef) ? spec.secretStoreRef.name : undefined);
    facts.remoteKeys = [...new Set(list(spec.data).flatMap((d) => (isObj(d) && isObj(d.remoteRef) && str(d.remoteRef.key) ? [String(d.remoteRef.key)] : [])))].sort();
  } else if (kind === 'SecretStore' || kind === 'ClusterSecretStore') {
    const k8s = isObj(spec.provider) && isObj(spec.provider.vault) && isObj(spec.provider.vault.auth) && isObj(spec.provider.vault.auth.kubernetes) ? spec.provider.vault.auth.kubernetes : undefined;
    facts.role = str(k8s?.role);
  } else if (kind === 'PushSecret') {
    facts.source = str(isObj(spec.selector) && isObj(spec.selector.secret) ? spec.selector.secret.name : undefined);
    facts.pushedTo = list(spec.data).flatMap((d) => (isObj(d) && isObj(d.match) && isObj(d.match.remoteRef) && str(d.match.remoteRef.remoteKey) ? [String(d.match.remoteRef.remoteKey)] : []));
  }
  return facts;
}

const regionsOf = (replica: unknown): string[] => list(replica).flatMap((r) => (isObj(r) && str(r.region) ? [String(r.region)] : [])).sort();

/** The facts a risk flag needs, from the resource body at base and at head (either may be missing). */
export function factsOf(type: string, before: unknown, after: unknown, provider?: string): ChangeFacts | undefined {
  const body = isObj(after) ? after : isObj(before) ? before : undefined;
  if (!body) return undefined;
  const facts: { -readonly [K in keyof ChangeFacts]: ChangeFacts[K] } = {};
  if (type === 'vault_generic_endpoint' && (isObj(before) ? before : body).disable_delete === true) facts.keptOnDestroy = true;
  if (type === 'vault_kv_secret_v2') facts.deletesAllVersions = (isObj(before) ? before : body).delete_all_versions === true;
  if (type === 'kubernetes_manifest') {
    const b = manifestFacts(before);
    const a = manifestFacts(after);
    if (b) facts.before = b;
    if (a) facts.after = a;
  }
  if (type === 'aws_secretsmanager_secret') {
    facts.replicaRegions = { before: regionsOf(isObj(before) ? before.replica : undefined), after: regionsOf(isObj(after) ? after.replica : undefined) };
    const days = body.recovery_window_in_days;
    if (typeof days === 'number') facts.recoveryWindowDays = days;
  }
  const region = provider?.match(/^aws\.(.+)$/)?.[1];
  if (region) facts.providerRegion = region;
  return Object.keys(facts).length ? facts : undefined;
}

/** The identity of a `kubernetes_manifest` object; a change of any of these makes the provider replace it. */
const MANIFEST_IDENTITY = ['manifest.apiVersion', 'manifest.kind', 'manifest.metadata.name', 'manifest.metadata.namespace'];

/* ------------------------------------------------------------------ synthesized-config diff */

/** Resources of a stack as `type.name` → body without cdktf's `//` metadata. */
function resourcesOf(stack: StackJson | undefined): Map<string, { type: string; body: Body }> {
  const out = new Map<string, { type: string; body: Body }>();
  for (const [type, byName] of Object.entries(stack?.resource ?? {})) {
    for (const [name, raw] of Object.entries(byName)) {
      const body = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== '//'));
      out.set(`${type}.${name}`, { type, body });
    }
  }
  return out;
}

/**
 * Differences between the synthesized JSON of a stack at base and at head, resource by resource.
 * What the provider would do is followed where the JSON shows it: a `kubernetes_manifest` whose
 * apiVersion, kind, name or namespace changes is a replacement, as in its plan.
 */
export function diffSynthesized(stackName: string, base: StackJson | undefined, head: StackJson | undefined): ResourceChange[] {
  const before = resourcesOf(base);
  const after = resourcesOf(head);
  const changes: ResourceChange[] = [];
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const address of addresses) {
    const b = before.get(address);
    const a = after.get(address);
    const { type, body } = (a ?? b)!;
    const side = a ? after : before;
    const resolveRef = (t: string, n: string, attr: string) => {
      const v = side.get(`${t}.${n}`)?.body[attr];
      return typeof v === 'string' && !v.includes('${') ? v : undefined;
    };
    const facts = factsOf(type, b?.body, a?.body, typeof body.provider === 'string' ? body.provider.replace(/^\$\{|\}$/g, '') : undefined);
    const common = { address, type, concept: conceptOf(type, body, stackName), subject: subjectOf(type, body, resolveRef), ...(facts ? { facts } : {}) };
    if (!b) changes.push({ ...common, action: 'create', attributes: [] });
    else if (!a) changes.push({ ...common, action: keptOnDestroy(b.body) ? 'forget' : 'delete', attributes: [] });
    else {
      const attributes = changedPaths(b.body, a.body);
      if (!attributes.length) continue;
      const forcing = type === 'kubernetes_manifest' ? attributes.filter((p) => MANIFEST_IDENTITY.includes(p)) : [];
      if (forcing.length) changes.push({ ...common, action: 'replace', attributes, replacedBecause: forcing });
      else changes.push({ ...common, action: 'update', attributes });
    }
  }
  return changes;
}

/* ------------------------------------------------------------------ plan */

interface PlanResourceChange {
  address: string;
  type: string;
  mode?: string;
  provider_name?: string;
  change: {
    actions: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    replace_paths?: unknown[][];
  };
}

/** The resource changes of a `tofu show -json` plan (no-ops and reads left out). */
export function changesFromPlan(stackName: string, plan: { resource_changes?: PlanResourceChange[] }): ResourceChange[] {
  const changes: ResourceChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode && rc.mode !== 'managed') continue;
    const actions = rc.change.actions;
    const action = toAction(actions);
    if (!action) continue;
    const { before, after } = rc.change;
    const body = (after ?? before) as unknown;
    const changed = action === 'update' || action === 'replace' ? changedPaths(asBody(before), asBody(after), asBody(rc.change.after_unknown)) : [];
    // A kubernetes_manifest's `object` is the provider's computed copy of the live object: every
    // field of its CRD schema, unknown until apply. What the change is shows in `manifest`.
    const attributes = rc.type === 'kubernetes_manifest' ? changed.filter((p) => p !== 'object' && !p.startsWith('object.')) : changed;
    const facts = factsOf(rc.type, before, after);
    changes.push({
      address: rc.address,
      type: rc.type,
      concept: conceptOf(rc.type, body, stackName),
      subject: subjectOf(rc.type, body),
      action,
      attributes,
      ...(action === 'replace' ? { replacedBecause: (rc.change.replace_paths ?? []).map((p) => p.map(String).join('.')).sort() } : {}),
      ...(facts ? { facts } : {}),
    });
  }
  return changes.sort((x, y) => x.address.localeCompare(y.address));
}

/** A resource whose `lifecycle { destroy = false }` makes OpenTofu forget it instead of deleting it. */
const keptOnDestroy = (body: Body): boolean => isObj(body.lifecycle) && body.lifecycle.destroy === false;

function toAction(actions: readonly string[]): Action | undefined {
  if ((actions.includes('delete') || actions.includes('forget')) && actions.includes('create')) return 'replace';
  if (actions.includes('forget')) return 'forget';
  if (actions.includes('create')) return 'create';
  if (actions.includes('delete')) return 'delete';
  if (actions.includes('update')) return 'update';
  return undefined;
}

const asBody = (v: unknown): Body => (isObj(v) ? v : {});

/** A string holding a JSON object or array (helm `values`, `data_json`), parsed; else undefined. */
function jsonIn(v: unknown): Body | unknown[] | undefined {
  if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return isObj(parsed) || Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Dotted names of the attributes that differ between two bodies, or that are unknown until apply,
 * down to the leaf that changed: objects by key, lists of equal length by index, and strings that
 * hold JSON (helm `values`, `data_json`) as their parsed structure. Only keys and indexes are
 * returned, never a value.
 */
export function changedPaths(before: unknown, after: unknown, unknown: unknown = {}, prefix = ''): string[] {
  const b = jsonIn(before) ?? before;
  const a = jsonIn(after) ?? after;
  const u = unknown;
  const bothObjects = isObj(b) && isObj(a);
  const sameLengthLists = Array.isArray(b) && Array.isArray(a) && b.length === a.length;
  if (prefix && u === true) return [prefix];
  if (!bothObjects && !sameLengthLists) return JSON.stringify(b) === JSON.stringify(a) ? [] : [prefix];
  const keys = bothObjects
    ? [...new Set([...Object.keys(b), ...Object.keys(a), ...(isObj(u) ? Object.keys(u) : [])])].sort()
    : (a as unknown[]).map((_, i) => String(i));
  const out: string[] = [];
  for (const key of keys) {
    const sub = (v: unknown) => (isObj(v) ? v[key] : Array.isArray(v) ? v[Number(key)] : undefined);
    const name = prefix ? `${prefix}.${key}` : key;
    out.push(...changedPaths(sub(b), sub(a), sub(u), name));
  }
  return out;
}
