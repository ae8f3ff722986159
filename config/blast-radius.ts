/**
 * A namespace's blast radius: every path that the service accounts bound in that namespace can
 * read. Anyone who may create a pod or a SecretStore in a namespace can run as any service account
 * there, so the namespace, not the service, is the unit an attacker compromises.
 *
 * `blastRadius` works on plain bindings (a subject, its namespaces, service accounts and grants), so
 * the review tool can feed it what it parses from plans; `namespaceBlastRadius` feeds it a plan.
 */
import type { PlatformPlan } from './plan';
import { resolveNamespace } from './rules';

/** One Vault role's binding: who (namespaces × service accounts) gets which grants. */
export interface RoleBinding {
  /** The service (or `backup-reader`) behind the role. */
  readonly subject: string;
  readonly namespaces: readonly string[];
  readonly serviceAccounts: readonly string[];
  readonly grants: ReadonlyArray<{ readonly path: string; readonly capabilities: readonly string[] }>;
}

/** What one namespace exposes if it is compromised. */
export interface NamespaceBlastRadius {
  readonly namespace: string;
  /** Subjects whose roles are bound in the namespace, sorted. */
  readonly subjects: readonly string[];
  /** `namespace/name` of every bound service account, sorted. */
  readonly serviceAccounts: readonly string[];
  /** The union of the paths they can read (or list), sorted, each with the subjects that grant it. */
  readonly paths: ReadonlyArray<{ readonly path: string; readonly capabilities: readonly string[]; readonly via: readonly string[] }>;
  /** More than one subject shares the namespace. */
  readonly shared: boolean;
  /** The platform's declared reason for the sharing, if any. */
  readonly justification?: string;
}

const READING = new Set(['read', 'list']);

/** Blast radius per namespace from plain role bindings. A `*` namespace is kept as its own entry. */
export function blastRadius(bindings: readonly RoleBinding[], justifications: ReadonlyMap<string, string> = new Map()): NamespaceBlastRadius[] {
  const byNamespace = new Map<string, { subjects: Set<string>; accounts: Set<string>; paths: Map<string, { caps: Set<string>; via: Set<string> }> }>();
  for (const b of bindings) {
    for (const ns of b.namespaces) {
      const entry = byNamespace.get(ns) ?? { subjects: new Set(), accounts: new Set(), paths: new Map() };
      byNamespace.set(ns, entry);
      entry.subjects.add(b.subject);
      for (const sa of b.serviceAccounts) entry.accounts.add(`${ns}/${sa}`);
      for (const g of b.grants) {
        const caps = g.capabilities.filter((c) => READING.has(c));
        if (caps.length === 0) continue;
        const p = entry.paths.get(g.path) ?? { caps: new Set(), via: new Set() };
        entry.paths.set(g.path, p);
        caps.forEach((c) => p.caps.add(c));
        p.via.add(b.subject);
      }
    }
  }
  return [...byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, e]) => {
      const justification = justifications.get(namespace);
      return {
        namespace,
        subjects: [...e.subjects].sort(),
        serviceAccounts: [...e.accounts].sort(),
        paths: [...e.paths.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, p]) => ({ path, capabilities: [...p.caps].sort(), via: [...p.via].sort() })),
        shared: e.subjects.size > 1,
        ...(justification ? { justification } : {}),
      };
    });
}

/** Blast radius of every namespace a plan binds: the services' and the backup reader's. */
export function namespaceBlastRadius(plan: PlatformPlan): NamespaceBlastRadius[] {
  const bindings: RoleBinding[] = plan.services.map((s) => ({ subject: s.name, namespaces: s.role.namespaces, serviceAccounts: s.role.serviceAccounts, grants: s.policy.grants }));
  if (plan.backup) bindings.push({ subject: 'backup-reader', namespaces: plan.backup.role.namespaces, serviceAccounts: plan.backup.role.serviceAccounts, grants: plan.backup.policy.grants });
  const justifications = new Map((plan.platform.sharedNamespaces ?? []).map((d) => [resolveNamespace(d.namespace, plan.envName), d.justification]));
  return blastRadius(bindings, justifications);
}
