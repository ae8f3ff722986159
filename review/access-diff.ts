/**
 * Who gains and who loses which capability on which path: the access models of every Vault
 * configuration stack at base and at head, differenced NET, per service account (namespace/name)
 * and path, after both sides are resolved. A rename of a service, role or policy that leaves every
 * service account with the same capabilities is no gain and no loss (it is listed as re-granted);
 * a move that changes who holds a capability is one "move" from the old holders to the new. A
 * change that is the same in several environments of a platform is one line naming them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessModelOf, grantKey, netKey, type AccessGrant, type Wildcard } from './access-model';
import { layerOf } from './concepts';
import type { SynthesizedSide } from './synthesize';

export interface AccessChange extends AccessGrant {
  readonly kind: 'gain' | 'loss';
  readonly platform: string;
  /** Environments where this exact change happens, sorted. */
  readonly environments: readonly string[];
}

/** A capability on a path that changes holders: the old holders lose it, the new ones gain it. */
export interface AccessMove {
  readonly platform: string;
  readonly path: string;
  readonly capability: string;
  /** Grants (service, SA, role) that lose it, and those that gain it. */
  readonly from: readonly AccessGrant[];
  readonly to: readonly AccessGrant[];
  readonly environments: readonly string[];
}

/** A service account keeps a capability on a path, now through another role or policy (a rename). */
export interface AccessRegrant {
  readonly platform: string;
  readonly serviceAccount: string;
  readonly fromRole: string;
  readonly toRole: string;
  readonly fromPolicy: string;
  readonly toPolicy: string;
  /** Paths × capabilities kept. */
  readonly grants: number;
  readonly environments: readonly string[];
}

/** A wildcard present at head and not at base. */
export interface NewWildcard extends Wildcard {
  readonly platform: string;
  readonly environments: readonly string[];
  /** The broad grant's justification from the inventory, when the wildcard is one. */
  readonly justification?: string;
}

export interface AccessDiff {
  /** Net gains and losses per service account, path and capability. */
  readonly changes: readonly AccessChange[];
  /** Gains and losses of one capability on one path in one environment, paired. */
  readonly moves: readonly AccessMove[];
  readonly regranted: readonly AccessRegrant[];
  readonly newWildcards: readonly NewWildcard[];
}

const ENV_ORDER = ['local', 'dev', 'staging', 'prod'];
/** local, dev, staging, prod first, then any other environment by name. */
export const byEnvironment = (a: string, b: string) => {
  const rank = (e: string) => (ENV_ORDER.includes(e) ? ENV_ORDER.indexOf(e) : ENV_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
};

/** `waqiti-prod-vault-config` → platform `waqiti`, environment `prod`. */
export function splitStackName(name: string): { platform: string; env: string; layer: string } {
  const layer = layerOf(name);
  const rest = name.slice(0, name.length - layer.length - 1);
  const cut = rest.lastIndexOf('-');
  return { platform: rest.slice(0, cut), env: rest.slice(cut + 1), layer };
}

/** Merges per-environment items that share a key into one with the environments listed. */
class ByEnvironment<T> {
  private readonly items = new Map<string, { item: T; envs: Set<string> }>();
  add(key: string, item: T, env: string): void {
    const entry = this.items.get(key) ?? { item, envs: new Set<string>() };
    entry.envs.add(env);
    this.items.set(key, entry);
  }
  all(): Array<T & { environments: string[] }> {
    return [...this.items.values()].map(({ item, envs }) => ({ ...item, environments: [...envs].sort(byEnvironment) }));
  }
}

/** Broad-grant justifications by policy path, from the access report written next to the stack. */
function justifications(side: SynthesizedSide | undefined, stack: string): Map<string, string> {
  const out = new Map<string, string>();
  const file = side ? join(side.outdir, 'stacks', stack, 'access-report.json') : '';
  if (!side || !existsSync(file)) return out;
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as { entries?: Array<{ grants?: Array<{ path?: string; broad?: string }> }> };
    for (const e of report.entries ?? []) for (const g of e.grants ?? []) if (g.path && g.broad) out.set(g.path, g.broad);
  } catch {
    /* an unreadable report only loses the justification text */
  }
  return out;
}

export async function diffAccess(base: SynthesizedSide | undefined, head: SynthesizedSide): Promise<AccessDiff> {
  const names = [...new Set([...(base?.stacks.keys() ?? []), ...head.stacks.keys()])].filter((n) => layerOf(n) === 'vault-config').sort();
  const changes = new ByEnvironment<Omit<AccessChange, 'environments'>>();
  const moves = new ByEnvironment<Omit<AccessMove, 'environments'>>();
  const regrants = new ByEnvironment<Omit<AccessRegrant, 'environments' | 'grants'> & { grants: number }>();
  const wildcards = new ByEnvironment<Omit<NewWildcard, 'environments'>>();
  for (const name of names) {
    const { platform, env } = splitStackName(name);
    const b = base?.stacks.get(name);
    const h = head.stacks.get(name);
    const before = b ? await accessModelOf(platform, b) : { grants: [], wildcards: [] };
    const after = h ? await accessModelOf(platform, h) : { grants: [], wildcards: [] };
    const netBefore = groupBy(before.grants, netKey);
    const netAfter = groupBy(after.grants, netKey);
    const gains = [...netAfter].filter(([k]) => !netBefore.has(k)).map(([, gs]) => gs[0]);
    const losses = [...netBefore].filter(([k]) => !netAfter.has(k)).map(([, gs]) => gs[0]);
    for (const g of gains) changes.add(`gain\u0000${platform}\u0000${grantKey(g)}`, { ...g, kind: 'gain', platform }, env);
    for (const g of losses) changes.add(`loss\u0000${platform}\u0000${grantKey(g)}`, { ...g, kind: 'loss', platform }, env);

    // A capability on a path that some holders lose and others gain, in this environment, is a move.
    const lostBy = groupBy(losses, (g) => `${g.path}\u0000${g.capability}`);
    for (const [pc, gained] of groupBy(gains, (g) => `${g.path}\u0000${g.capability}`)) {
      const lost = lostBy.get(pc);
      if (!lost) continue;
      const key = [platform, pc, ...lost.map(grantKey), '>', ...gained.map(grantKey)].join('\u0001');
      moves.add(key, { platform, path: gained[0].path, capability: gained[0].capability, from: lost, to: gained }, env);
    }

    // Kept by the same service account, through another role or policy: a rename, not a change.
    const kept = new Map<string, number>();
    for (const [k, gs] of netAfter) {
      const old = netBefore.get(k);
      if (!old || old.some((o) => gs.some((g) => g.role === o.role && g.policy === o.policy))) continue;
      const o = old[0];
      const g = gs[0];
      const key = [g.serviceAccount, o.role, g.role, o.policy, g.policy].join('\u0000');
      kept.set(key, (kept.get(key) ?? 0) + 1);
    }
    for (const [key, count] of kept) {
      const [serviceAccount, fromRole, toRole, fromPolicy, toPolicy] = key.split('\u0000');
      regrants.add(`${platform}\u0000${key}\u0000${count}`, { platform, serviceAccount, fromRole, toRole, fromPolicy, toPolicy, grants: count }, env);
    }

    const old = new Set(before.wildcards.map((w) => w.key));
    const why = justifications(head, name);
    for (const w of after.wildcards.filter((x) => !old.has(x.key))) {
      const justification = w.path ? why.get(w.path) : undefined;
      wildcards.add(`${platform}\u0000${w.key}\u0000${w.text}`, { ...w, platform, ...(justification ? { justification } : {}) }, env);
    }
  }
  const order = (x: AccessChange, y: AccessChange) =>
    (x.kind === y.kind ? 0 : x.kind === 'gain' ? -1 : 1) || x.platform.localeCompare(y.platform) || grantKey(x).localeCompare(grantKey(y));
  return {
    changes: changes.all().sort(order),
    moves: moves.all().sort((x, y) => x.platform.localeCompare(y.platform) || x.path.localeCompare(y.path) || x.capability.localeCompare(y.capability)),
    regranted: regrants.all(),
    newWildcards: wildcards.all(),
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
