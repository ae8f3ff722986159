/**
 * Who gains and who loses which capability on which path: the access models of every Vault
 * configuration stack at base and at head, differenced. A change that is the same in several
 * environments of a platform is one line that lists those environments.
 */
import { accessModelOf, grantKey, type AccessGrant } from './access-model';
import { layerOf } from './concepts';
import type { SynthesizedSide } from './synthesize';

export interface AccessChange extends AccessGrant {
  readonly kind: 'gain' | 'loss';
  readonly platform: string;
  /** Environments where this exact change happens, sorted. */
  readonly environments: readonly string[];
}

export interface AccessDiff {
  readonly changes: readonly AccessChange[];
  /** Wildcards present at head and not at base, as `<stack>: <what>`. */
  readonly newWildcards: readonly string[];
}

const ENV_ORDER = ['local', 'dev', 'staging', 'prod'];
/** local, dev, staging, prod first, then any other environment by name. */
const byEnvironment = (a: string, b: string) => {
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

export async function diffAccess(base: SynthesizedSide | undefined, head: SynthesizedSide): Promise<AccessDiff> {
  const names = [...new Set([...(base?.stacks.keys() ?? []), ...head.stacks.keys()])].filter((n) => layerOf(n) === 'vault-config').sort();
  const merged = new Map<string, { change: Omit<AccessChange, 'environments'>; envs: Set<string> }>();
  const newWildcards: string[] = [];
  for (const name of names) {
    const { platform, env } = splitStackName(name);
    const b = base?.stacks.get(name);
    const h = head.stacks.get(name);
    const before = b ? await accessModelOf(platform, b) : { grants: [], wildcards: [] };
    const after = h ? await accessModelOf(platform, h) : { grants: [], wildcards: [] };
    const beforeKeys = new Set(before.grants.map(grantKey));
    const afterKeys = new Set(after.grants.map(grantKey));
    const add = (kind: 'gain' | 'loss', g: AccessGrant) => {
      const key = `${kind}\u0000${platform}\u0000${grantKey(g)}`;
      const entry = merged.get(key) ?? { change: { ...g, kind, platform }, envs: new Set<string>() };
      entry.envs.add(env);
      merged.set(key, entry);
    };
    for (const g of after.grants) if (!beforeKeys.has(grantKey(g))) add('gain', g);
    for (const g of before.grants) if (!afterKeys.has(grantKey(g))) add('loss', g);
    const oldWildcards = new Set(before.wildcards);
    for (const w of after.wildcards) if (!oldWildcards.has(w)) newWildcards.push(`${name}: ${w}`);
  }
  const changes = [...merged.values()]
    .map(({ change, envs }) => ({ ...change, environments: [...envs].sort(byEnvironment) }))
    .sort((x, y) => (x.kind === y.kind ? 0 : x.kind === 'gain' ? -1 : 1) || x.platform.localeCompare(y.platform) || grantKey(x).localeCompare(grantKey(y)));
  return { changes, newWildcards };
}
