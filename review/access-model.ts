/**
 * Who can do what, read from a synthesized vault-config stack the way Vault will see it: each
 * Kubernetes auth role binds service accounts (names × namespaces) to policies, and each policy's HCL
 * grants capabilities on paths. A policy that no role binds is still listed (its holders come from
 * elsewhere, e.g. the operator policy), with no service account.
 */
import { terraformPolicyName } from '../config/names';
import { parse as parseHcl } from '@cdktf/hcl2json';
import type { StackJson } from './synthesize';

/** One capability on one path, held by one service account through one role and policy. */
export interface AccessGrant {
  /** The service the role belongs to: the role name without the `<platform>-` prefix. */
  readonly service: string;
  /** The Kubernetes auth role, or `-` for a policy no role binds. */
  readonly role: string;
  /** `namespace/name`; `*` parts are wildcards; `-` for a policy no role binds. */
  readonly serviceAccount: string;
  readonly policy: string;
  readonly path: string;
  readonly capability: string;
}

/** A grant on a glob path, or a role bound to `*` service accounts or namespaces. */
export interface Wildcard {
  /** Identity for set differences: who (service account or unbound policy) and what, not the role or policy name. */
  readonly key: string;
  /** One line for a reviewer. */
  readonly text: string;
  /** The glob path, for a path wildcard. */
  readonly path?: string;
}

/** The access a stack declares, plus the wildcards in it. */
export interface AccessModel {
  readonly grants: readonly AccessGrant[];
  readonly wildcards: readonly Wildcard[];
}

/** A grant's net identity: who holds which capability on which path, whatever role or policy gives it. */
export const netKey = (g: Pick<AccessGrant, 'serviceAccount' | 'policy' | 'path' | 'capability'>) =>
  [g.serviceAccount === '-' ? `policy:${g.policy}` : g.serviceAccount, g.path, g.capability].join('\u0000');

type Resources = Record<string, Record<string, unknown>>;

/** A grant's identity, for set differences. */
export const grantKey = (g: AccessGrant) => [g.service, g.role, g.serviceAccount, g.policy, g.path, g.capability].join('\u0000');

/** The access model of one stack (empty for stacks without Vault policies). */
export async function accessModelOf(platform: string, stack: StackJson): Promise<AccessModel> {
  const policies = stack.resource?.vault_policy as Resources | undefined;
  const roles = (stack.resource?.vault_kubernetes_auth_backend_role ?? {}) as Resources;
  if (!policies) return { grants: [], wildcards: [] };

  const rulesByPolicy = new Map<string, Array<{ path: string; capabilities: string[] }>>();
  for (const body of Object.values(policies)) {
    const name = String(body.name);
    // The apply identity's policy is derived from the inventory (config/terraform-policy.ts) and
    // follows every secret, policy and role the stack manages: its changes mirror the inventory
    // change the rest of the review already shows, so they are not access changes of their own.
    if (name === terraformPolicyName(platform)) continue;
    rulesByPolicy.set(name, await policyRules(name, String(body.policy ?? '')));
  }

  const grants: AccessGrant[] = [];
  const wildcards = new Map<string, Wildcard>();
  const bound = new Set<string>();
  for (const body of Object.values(roles)) {
    const role = String(body.role_name);
    const service = role.startsWith(`${platform}-`) ? role.slice(platform.length + 1) : role;
    const names = strings(body.bound_service_account_names);
    const namespaces = strings(body.bound_service_account_namespaces);
    if (names.includes('*') || namespaces.includes('*')) {
      const key = `binding ${names.join(',')} in ${namespaces.join(',')}`;
      wildcards.set(key, { key, text: `role ${role} binds ${names.join(',')} in ${namespaces.join(',')}` });
    }
    for (const policy of strings(body.token_policies)) {
      bound.add(policy);
      for (const rule of rulesByPolicy.get(policy) ?? []) {
        for (const ns of namespaces) {
          for (const sa of names) {
            for (const capability of rule.capabilities) grants.push({ service, role, serviceAccount: `${ns}/${sa}`, policy, path: rule.path, capability });
          }
        }
      }
    }
  }
  for (const [policy, rules] of rulesByPolicy) {
    if (bound.has(policy)) continue;
    for (const rule of rules) {
      for (const capability of rule.capabilities) grants.push({ service: '-', role: '-', serviceAccount: '-', policy, path: rule.path, capability });
    }
  }
  grants.sort((a, b) => grantKey(a).localeCompare(grantKey(b)));
  // Path wildcards per holder (service account, or policy without a role), keyed without role names.
  const byHolder = new Map<string, { g: AccessGrant; caps: string[] }>();
  for (const g of grants.filter((x) => /[*+]/.test(x.path))) {
    const holder = g.serviceAccount === '-' ? `policy:${g.policy}` : g.serviceAccount;
    const key = `path ${g.path} held by ${holder}`;
    const entry = byHolder.get(key) ?? { g, caps: [] };
    entry.caps.push(g.capability);
    byHolder.set(key, entry);
  }
  for (const [key, { g, caps }] of byHolder) {
    const who = g.role === '-' ? `holders of policy ${g.policy} (no Kubernetes role)` : `service ${g.service} (SA ${g.serviceAccount}, role ${g.role})`;
    wildcards.set(key, { key, text: `${who} may ${caps.join(', ')} ${g.path}`, path: g.path });
  }
  return { grants, wildcards: [...wildcards.values()].sort((a, b) => a.key.localeCompare(b.key)) };
}

/** `path "p" { capabilities = [...] }` blocks of a policy, parsed as HCL. */
async function policyRules(name: string, hcl: string): Promise<Array<{ path: string; capabilities: string[] }>> {
  let parsed: { path?: Record<string, Array<{ capabilities?: unknown }>> };
  try {
    parsed = (await parseHcl(`${name}.hcl`, hcl)) as typeof parsed;
  } catch (err) {
    throw new Error(`policy ${name}: its HCL does not parse (${(err as Error).message})`);
  }
  const rules: Array<{ path: string; capabilities: string[] }> = [];
  for (const [path, blocks] of Object.entries(parsed.path ?? {})) {
    const capabilities = [...new Set(blocks.flatMap((b) => strings(b.capabilities)))].sort();
    rules.push({ path, capabilities });
  }
  return rules;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
