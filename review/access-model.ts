/**
 * Who can do what, read from a synthesized vault-config stack the way Vault will see it: each
 * Kubernetes auth role binds service accounts (names × namespaces) to policies, and each policy's HCL
 * grants capabilities on paths. A policy that no role binds is still listed (its holders come from
 * elsewhere, e.g. the operator policy), with no service account.
 */
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

/** The access a stack declares, plus the policy paths that contain a glob. */
export interface AccessModel {
  readonly grants: readonly AccessGrant[];
  /** `policy path` entries whose path has `*` or `+`, and roles bound to `*` accounts or namespaces. */
  readonly wildcards: readonly string[];
}

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
    rulesByPolicy.set(name, await policyRules(name, String(body.policy ?? '')));
  }

  const grants: AccessGrant[] = [];
  const wildcards = new Set<string>();
  const bound = new Set<string>();
  for (const body of Object.values(roles)) {
    const role = String(body.role_name);
    const service = role.startsWith(`${platform}-`) ? role.slice(platform.length + 1) : role;
    const names = strings(body.bound_service_account_names);
    const namespaces = strings(body.bound_service_account_namespaces);
    if (names.includes('*') || namespaces.includes('*')) wildcards.add(`role ${role} binds ${names.join(',')} in ${namespaces.join(',')}`);
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
    for (const rule of rules) {
      if (/[*+]/.test(rule.path)) wildcards.add(`policy ${policy} path ${rule.path}`);
      if (bound.has(policy)) continue;
      for (const capability of rule.capabilities) grants.push({ service: '-', role: '-', serviceAccount: '-', policy, path: rule.path, capability });
    }
  }
  grants.sort((a, b) => grantKey(a).localeCompare(grantKey(b)));
  return { grants, wildcards: [...wildcards].sort() };
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
