/**
 * Risk flags, the first thing a report shows: widened access, new wildcards, secrets or backups
 * destroyed or replaced, replacements of anything, and changes to the Vault server's replicas or
 * unseal. Each flag has a level that `--fail-on` can gate on.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import type { AccessDiff } from './access-diff';
import type { ResourceChange } from './changes';
import { layerOf } from './concepts';
import type { StackJson, SynthesizedSide } from './synthesize';

export const RISK_LEVELS = ['widening', 'wildcard', 'destroy', 'replace', 'server'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskFlag {
  readonly level: RiskLevel;
  /** One line, naming the exact subject (service, account, path; secret; stack). */
  readonly message: string;
}

/** Flags for one stack's resource changes. */
export function changeRisks(stack: string, changes: readonly ResourceChange[]): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const c of changes) {
    const what = `${c.concept} ${c.subject ?? c.address}`;
    if ((c.concept === 'secret' || c.concept === 'backup') && (c.action === 'delete' || c.action === 'replace')) {
      flags.push({ level: 'destroy', message: `${what} is ${c.action === 'delete' ? 'destroyed' : 'replaced'} (${stack})` });
    }
    if (c.action === 'replace') {
      const because = c.replacedBecause?.length ? `, forced by ${c.replacedBecause.join(', ')}` : '';
      flags.push({ level: 'replace', message: `${c.address} is replaced${because} (${stack})` });
    }
  }
  if (layerOf(stack) === 'unseal' && changes.length) {
    const types = [...new Set(changes.map((c) => `${c.type} ${c.action}`))].join(', ');
    flags.push({ level: 'server', message: `unseal layer changes: ${types} (${stack})` });
  }
  return flags;
}

/** Flags for access: every gain is a widening, every new wildcard a wildcard. */
export function accessRisks(diff: AccessDiff): RiskFlag[] {
  const flags: RiskFlag[] = diff.changes
    .filter((c) => c.kind === 'gain')
    .map((c) => ({ level: 'widening' as const, message: `${describeGrantee(c)} gains ${c.capability} on ${c.path} (${c.platform}: ${c.environments.join(', ')})` }));
  for (const w of diff.newWildcards) flags.push({ level: 'wildcard', message: `new wildcard: ${w}` });
  return flags;
}

/** `service payment-service (SA waqiti-system/payment-service, role waqiti-payment-service)`. */
export function describeGrantee(g: { service: string; serviceAccount: string; role: string; policy: string }): string {
  if (g.role === '-') return `holders of policy ${g.policy} (no Kubernetes role)`;
  return `service ${g.service} (SA ${g.serviceAccount}, role ${g.role})`;
}

/** The Vault server shape that matters: HA, replicas, and the seal stanzas of its config. */
interface ServerShape {
  ha?: unknown;
  replicas?: unknown;
  standalone?: unknown;
  seal?: string;
}

/** Flags for Vault server replicas and unseal in the cluster layer's vault chart. */
export async function serverRisks(base: SynthesizedSide | undefined, head: SynthesizedSide): Promise<RiskFlag[]> {
  const flags: RiskFlag[] = [];
  for (const [name, stack] of head.stacks) {
    if (layerOf(name) !== 'cluster') continue;
    const before = await serverShape(base?.stacks.get(name));
    const after = await serverShape(stack);
    if (!before || !after) continue;
    if (JSON.stringify(before.replicas) !== JSON.stringify(after.replicas)) {
      flags.push({ level: 'server', message: `Vault server replicas ${String(before.replicas)} → ${String(after.replicas)} (${name})` });
    }
    if (JSON.stringify(before.ha) !== JSON.stringify(after.ha) || JSON.stringify(before.standalone) !== JSON.stringify(after.standalone)) {
      flags.push({ level: 'server', message: `Vault server mode changes (HA ${String(before.ha)} → ${String(after.ha)}) (${name})` });
    }
    if (before.seal !== after.seal) flags.push({ level: 'server', message: `Vault unseal (seal stanza of the server config) changes (${name})` });
  }
  return flags;
}

async function serverShape(stack: StackJson | undefined): Promise<ServerShape | undefined> {
  const releases = Object.values(stack?.resource?.helm_release ?? {});
  const vault = releases.find((r) => r.chart === 'vault');
  if (!vault) return undefined;
  const values = (Array.isArray(vault.values) ? vault.values : []).map((v) => parseYaml(String(v)) as Record<string, any>);
  const server = Object.assign({}, ...values.map((v) => v?.server ?? {})) as Record<string, any>;
  const config = server.ha?.raft?.config ?? server.ha?.config ?? server.standalone?.config;
  let seal: string | undefined;
  if (typeof config === 'string') {
    try {
      seal = JSON.stringify((await parseHcl('vault.hcl', config)).seal ?? null);
    } catch {
      seal = `unparsed:${config.length}`;
    }
  }
  return { ha: server.ha?.enabled, replicas: server.ha?.replicas, standalone: server.standalone?.enabled, seal };
}
