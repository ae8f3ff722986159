/**
 * Risk flags, the first thing a report shows, each saying what the change really does: widened
 * access (net, per service account), new wildcards (with the broad grant's justification), data
 * destroyed (secrets, backups, a backup region's copies, a workload's Kubernetes Secret), secrets
 * orphaned (a `disable_delete` slot removed: the value stays in Vault, unrotated), replacements,
 * and anything that can lose or fork the Vault server's data or availability (see server-risks.ts).
 *
 * Flags are found per stack and environment, then merged: one flag per change, naming the
 * environments where it happens. Each flag has one or more levels that `--fail-on` gates on.
 */
import { byEnvironment, splitStackName, type AccessDiff } from './access-diff';
import type { AccessGrant } from './access-model';
import { manifestFacts, type ManifestFacts, type ResourceChange } from './changes';
import { layerOf } from './concepts';
import type { StackJson } from './synthesize';

export const RISK_LEVELS = ['widening', 'wildcard', 'destroy', 'orphan', 'replace', 'server'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskFlag {
  /** The level the report shows. */
  readonly level: RiskLevel;
  /** Every level `--fail-on` gates this flag on (the shown level first). */
  readonly levels: readonly RiskLevel[];
  /** One line, naming the exact subject and the environments. */
  readonly message: string;
  readonly platform: string;
  readonly environments: readonly string[];
  /** Stacks whose changes raised it. */
  readonly stacks: readonly string[];
  /** A broad grant's justification from the inventory (wildcard flags). */
  readonly justification?: string;
}

/**
 * A flag in one stack of one environment, before merging. `text` may hold `{envs}` where the
 * environments belong in the sentence; otherwise they are appended as `(platform: envs)`.
 */
export interface Finding {
  readonly level: RiskLevel;
  readonly also?: readonly RiskLevel[];
  readonly text: string;
  readonly stack: string;
  readonly justification?: string;
}

/** One flag per (level, platform, text): the environments and stacks where it was found, merged. */
export function mergeFindings(findings: readonly Finding[]): RiskFlag[] {
  const merged = new Map<string, { f: Finding; platform: string; envs: Set<string>; stacks: Set<string> }>();
  for (const f of findings) {
    const { platform, env } = splitStackName(f.stack);
    const key = [f.level, platform, f.text, f.justification ?? ''].join('\u0000');
    const entry = merged.get(key) ?? { f, platform, envs: new Set<string>(), stacks: new Set<string>() };
    entry.envs.add(env);
    entry.stacks.add(f.stack);
    merged.set(key, entry);
  }
  const flags = [...merged.values()].map(({ f, platform, envs, stacks }) => {
    const environments = [...envs].sort(byEnvironment);
    const message = f.text.includes('{envs}') ? f.text.replace('{envs}', environments.join(', ')) : `${f.text} (${platform}: ${environments.join(', ')})`;
    return {
      level: f.level,
      levels: [f.level, ...(f.also ?? []).filter((l) => l !== f.level)],
      message: f.justification ? `${message}; justification: "${f.justification}"` : message,
      platform,
      environments,
      stacks: [...stacks].sort(),
      ...(f.justification ? { justification: f.justification } : {}),
    };
  });
  return sortRisks(flags);
}

const ORDER: readonly RiskLevel[] = ['widening', 'wildcard', 'destroy', 'server', 'orphan', 'replace'];
export const sortRisks = <T extends { level: RiskLevel }>(flags: T[]): T[] =>
  flags
    .map((f, i) => ({ f, i }))
    .sort((a, b) => ORDER.indexOf(a.f.level) - ORDER.indexOf(b.f.level) || a.i - b.i)
    .map(({ f }) => f);

/* ------------------------------------------------------------------ access */

/** `service payment-service (SA waqiti-system/payment-service, role waqiti-payment-service)`. */
export function describeGrantee(g: { service: string; serviceAccount: string; role: string; policy: string }): string {
  if (g.role === '-') return `holders of policy ${g.policy} (no Kubernetes role)`;
  return `service ${g.service} (SA ${g.serviceAccount}, role ${g.role})`;
}

const holders = (gs: readonly AccessGrant[]) => gs.map(describeGrantee).join(' and ');

/**
 * Access findings: a net gain is a widening; a capability on a path that moves from some holders to
 * others is one widening that says exactly that; a new wildcard carries its justification.
 */
export function accessFindings(diff: AccessDiff): Finding[] {
  const findings: Finding[] = [];
  const stackOf = (platform: string, env: string) => `${platform}-${env}-vault-config`;
  const paths = (ps: string[]) => (ps.length === 1 ? ps[0] : `${ps.length} paths (${ps.slice(0, 5).join(', ')}${ps.length > 5 ? `, … ${ps.length - 5} more in the access changes` : ''})`);
  // Moves: one per environment, old holders, new holders and capability, listing the paths.
  const moved = new Set<string>();
  const moves = new Map<string, { platform: string; env: string; capability: string; from: string; to: string; paths: string[] }>();
  for (const m of diff.moves) {
    for (const env of m.environments) {
      for (const g of m.to) moved.add([m.platform, env, g.serviceAccount, g.policy, m.path, m.capability].join('\u0000'));
      const from = holders(m.from);
      const to = holders(m.to);
      const key = [m.platform, env, m.capability, from, to].join('\u0000');
      const entry = moves.get(key) ?? { platform: m.platform, env, capability: m.capability, from, to, paths: [] };
      entry.paths.push(m.path);
      moves.set(key, entry);
    }
  }
  for (const m of moves.values()) {
    findings.push({ level: 'widening', stack: stackOf(m.platform, m.env), text: `${m.capability} on ${paths(m.paths)} moves from ${m.from} to ${m.to}` });
  }
  // Other gains: one per environment, grantee and capability, listing the paths.
  const gains = new Map<string, { platform: string; env: string; who: string; capability: string; paths: string[] }>();
  for (const c of diff.changes.filter((x) => x.kind === 'gain')) {
    for (const env of c.environments) {
      if (moved.has([c.platform, env, c.serviceAccount, c.policy, c.path, c.capability].join('\u0000'))) continue;
      const who = describeGrantee(c);
      const key = [c.platform, env, who, c.capability].join('\u0000');
      const entry = gains.get(key) ?? { platform: c.platform, env, who, capability: c.capability, paths: [] };
      entry.paths.push(c.path);
      gains.set(key, entry);
    }
  }
  for (const g of gains.values()) findings.push({ level: 'widening', stack: stackOf(g.platform, g.env), text: `${g.who} gains ${g.capability} on ${paths(g.paths)}` });
  for (const w of diff.newWildcards) {
    for (const env of w.environments) {
      findings.push({ level: 'wildcard', stack: stackOf(w.platform, env), text: `new wildcard: ${w.text}`, ...(w.justification ? { justification: w.justification } : {}) });
    }
  }
  return findings;
}

/* ------------------------------------------------------------------ resource changes */

/** The stack at base and at head, for facts a change alone does not carry (a SecretStore's role). */
export interface StackSides {
  readonly base?: StackJson;
  readonly head?: StackJson;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const at = (m: ManifestFacts) => (m.namespace ? `${m.namespace}/${m.name}` : m.name);
const secretAt = (m: ManifestFacts) => (m.namespace ? `${m.namespace}/${m.target ?? m.name}` : (m.target ?? m.name));
const sameKeys = (a: ManifestFacts, b: ManifestFacts) => JSON.stringify(a.remoteKeys ?? []) === JSON.stringify(b.remoteKeys ?? []);

/** SecretStore `namespace/name` → the Vault role it logs in as, from a stack's manifests. */
function storeRoles(stack: StackJson | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const body of Object.values(stack?.resource?.kubernetes_manifest ?? {})) {
    const m = manifestFacts(body);
    if (m && m.kind === 'SecretStore' && m.role) out.set(at(m), m.role);
  }
  return out;
}

/** `service banking-service (namespace waqiti-system)`, or `workloads in namespace X` when no role is known. */
function workloadOf(m: ManifestFacts, roles: Map<string, string>, platform: string): string {
  const role = m.store ? roles.get(m.namespace ? `${m.namespace}/${m.store}` : m.store) : undefined;
  const service = role?.startsWith(`${platform}-`) ? role.slice(platform.length + 1) : role;
  return service ? `service ${service} (namespace ${m.namespace ?? '-'})` : `workloads in namespace ${m.namespace ?? '-'}`;
}

/** `waqiti/metadata/a/b` → `waqiti/a/b`. */
const kvPath = (subject: string | undefined) => subject?.replace(/^([^/]+)\/(metadata|data)\//, '$1/');

/** Findings for one stack's resource changes: what each destroy, replacement or removal really does. */
export function changeFindings(stack: string, changes: readonly ResourceChange[], sides: StackSides = {}): Finding[] {
  const { platform } = splitStackName(stack);
  const findings: Finding[] = [];
  const add = (level: RiskLevel, text: string, also: RiskLevel[] = []) => findings.push({ level, text, stack, ...(also.length ? { also } : {}) });
  const rolesBefore = storeRoles(sides.base);

  // The backup pipeline's own ExternalSecrets (sources of PushSecrets) are not workload Secrets.
  const pushSources = new Set(changes.flatMap((c) => [c.facts?.before, c.facts?.after]).flatMap((m) => (m?.kind === 'PushSecret' && m.source ? [`${m.namespace}/${m.source}`] : [])));
  const createdSecrets = changes.filter((c) => c.action === 'create' && c.facts?.after?.kind === 'ExternalSecret').map((c) => c.facts!.after!);
  const lostRegions = new Map<string, number>();
  // Workload Secrets lost, renamed or moved, one flag per workload.
  const lost = new Map<string, string[]>();
  const renamed = new Map<string, string[]>();
  const moved = new Map<string, string[]>();
  const group = (m: Map<string, string[]>, key: string) => {
    if (!m.has(key)) m.set(key, []);
    return m.get(key)!;
  };
  const replicaKeysGone = new Set<string>();

  for (const c of changes) {
    const f = c.facts ?? {};
    if (c.action === 'forget') {
      const what = c.type === 'vault_mount' ? `KV mount ${c.subject ?? c.address} is forgotten, not deleted: it and every secret in it stay in Vault, unmanaged, and the next apply adopts it (import)` : `${c.subject ?? c.address} (${c.type}) is forgotten, not deleted: it stays, unmanaged`;
      add('orphan', `${what} (lifecycle destroy = false)`);
      continue;
    }
    const gone = c.action === 'delete' || c.action === 'replace';
    // KV secrets and slots
    if (c.type === 'vault_generic_endpoint' && c.concept === 'secret' && gone) {
      if (f.keptOnDestroy) {
        if (c.action === 'delete') add('orphan', `secret ${kvPath(c.subject)} is no longer declared: its slot is removed, but the value stays in Vault (disable_delete), orphaned and no longer rotated; remove it by hand if it is no longer needed`);
        else add('replace', `slot of secret ${kvPath(c.subject)} is replaced (forced by ${(c.replacedBecause ?? []).join(', ') || 'the plan'}); its value stays in Vault (disable_delete)`);
      } else {
        add('destroy', `secret ${kvPath(c.subject)} is ${c.action === 'delete' ? 'deleted' : 'replaced'}`, c.action === 'replace' ? ['replace'] : []);
      }
      continue;
    }
    if (c.type === 'vault_kv_secret_v2' && gone) {
      const how = f.deletesAllVersions ? 'every version and its metadata are deleted for good' : 'its current version is deleted (soft delete: `vault kv undelete` restores it)';
      if (c.action === 'delete') add('destroy', `secret ${c.subject ?? c.address} is deleted from Vault: ${how}; workloads reading it lose it`);
      else add('destroy', `secret ${c.subject ?? c.address} is replaced (forced by ${(c.replacedBecause ?? []).join(', ') || 'the plan'}): ${how}, then a new value is generated`, ['replace']);
      continue;
    }
    if (c.type === 'vault_mount' && gone) {
      add('destroy', `KV mount ${c.subject ?? c.address} is ${c.action === 'delete' ? 'deleted' : 'replaced'}: every secret in it is deleted`, c.action === 'replace' ? ['replace'] : []);
      continue;
    }
    // AWS backups
    if (c.type === 'aws_secretsmanager_secret') {
      const window = f.recoveryWindowDays ? ` (recoverable for ${f.recoveryWindowDays} days with \`aws secretsmanager restore-secret\`)` : '';
      if (c.action === 'delete') add('destroy', `backup ${c.subject ?? c.address} is deleted${window}`);
      else if (c.action === 'replace') add('destroy', `backup ${c.subject ?? c.address} is replaced: the backup and its versions are deleted${window} and an empty one is created`, ['replace']);
      else if (c.action === 'update' && f.replicaRegions) {
        for (const r of f.replicaRegions.before.filter((x) => !f.replicaRegions!.after.includes(x))) lostRegions.set(r, (lostRegions.get(r) ?? 0) + 1);
      }
      continue;
    }
    if (c.type === 'aws_kms_replica_key' && gone && f.providerRegion) {
      replicaKeysGone.add(f.providerRegion);
      continue;
    }
    // Kubernetes objects
    if (c.type === 'kubernetes_manifest') {
      const b = f.before;
      const a = f.after;
      if (b?.kind === 'ExternalSecret' && pushSources.has(`${b.namespace}/${b.target}`)) {
        if (c.action === 'replace') add('replace', `backup pipeline ExternalSecret ${at(b)} is replaced (forced by ${(c.replacedBecause ?? []).join(', ')})`);
        continue;
      }
      if (b?.kind === 'ExternalSecret' && c.action === 'delete') {
        const who = workloadOf(b, rolesBefore, platform);
        const successor = createdSecrets.find((n) => sameKeys(n, b) && n.namespace === b.namespace);
        if (successor) group(renamed, who).push(`${secretAt(b)} → ${successor.target}`);
        else group(lost, who).push(`${secretAt(b)}${b.remoteKeys?.length ? ` (from Vault ${b.remoteKeys.join(', ')})` : ''}`);
        continue;
      }
      if ((b?.kind === 'ExternalSecret' || b?.kind === 'SecretStore') && a && c.action === 'replace' && b.namespace !== a.namespace) {
        const who = b.kind === 'SecretStore' ? workloadOf({ ...b, store: b.name }, rolesBefore, platform) : workloadOf(b, rolesBefore, platform);
        group(moved, `${who.replace(/ \(namespace [^)]*\)$/, '')}\u0000${b.namespace}\u0000${a.namespace}`).push(b.kind === 'SecretStore' ? `SecretStore ${b.name}` : `Secret ${b.target}`);
        continue;
      }
      if (c.action === 'replace' && b && a) {
        const forced = (c.replacedBecause ?? []).join(', ');
        add('replace', `${b.kind} ${at(b)}${at(a) !== at(b) ? ` → ${at(a)}` : ''} is replaced: the provider deletes and recreates a kubernetes_manifest whose ${forced} changes`);
        continue;
      }
    }
    if (c.action === 'replace') {
      const because = c.replacedBecause?.length ? `, forced by ${c.replacedBecause.join(', ')}` : '';
      add('replace', `${c.type} ${c.subject ?? c.address} is replaced${because}`);
    }
  }

  for (const [who, secrets] of lost) {
    const one = secrets.length === 1;
    add('destroy', `${who} loses Kubernetes ${one ? 'Secret' : 'Secrets'} ${secrets.join(', ')}: ${one ? 'its ExternalSecret is' : 'their ExternalSecrets are'} removed and ESO deletes the ${one ? 'Secret' : 'Secrets'} it owns (creationPolicy Owner); pods that mount ${one ? 'it' : 'them'} fail on their next start`);
  }
  for (const [who, pairs] of renamed) {
    add('replace', `${who}: Kubernetes ${pairs.length === 1 ? 'Secret' : 'Secrets'} renamed (same Vault paths and keys): ${pairs.join(', ')}; ESO deletes each old Secret with its ExternalSecret, so pods must be switched to the new names`);
  }
  for (const [key, items] of moved) {
    const [who, from, to] = key.split('\u0000');
    const secrets = items.filter((i) => i.startsWith('Secret ')).map((i) => i.slice(7));
    const consequence = secrets.length
      ? `; ESO deletes Kubernetes ${secrets.length === 1 ? 'Secret' : 'Secrets'} ${secrets.join(', ')} in ${from} and creates ${secrets.length === 1 ? 'it' : 'them'} in ${to}, so pods still in ${from} lose ${secrets.length === 1 ? 'it' : 'them'}`
      : '';
    add('replace', `${who} moves from namespace ${from} to ${to}: the provider replaces its ${items.map((i) => (i.startsWith('Secret ') ? `ExternalSecret ${i.slice(7)}` : i)).sort().join(', ')} (a kubernetes_manifest whose namespace changes is deleted and recreated)${consequence}`);
  }
  for (const [region, n] of [...lostRegions].sort()) {
    const key = replicaKeysGone.has(region) ? ` and the replica KMS key there is scheduled for deletion` : '';
    add('destroy', `${platform} {envs} backups lose their ${region} copy of ${plural(n, 'secret')}${key}: a restore from ${region} is no longer possible`);
  }
  for (const region of [...replicaKeysGone].filter((r) => !lostRegions.has(r)).sort()) {
    add('destroy', `${platform} {envs} backup replica KMS key in ${region} is scheduled for deletion`);
  }
  if (layerOf(stack) === 'unseal' && changes.length) {
    const types = [...new Set(changes.map((c) => `${c.type} ${c.action}`))].join(', ');
    add('server', `Vault unseal layer changes: ${types}; a wrong unseal key or role leaves Vault sealed after its next restart`);
  }
  return findings;
}
