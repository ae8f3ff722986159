/**
 * Who can read what: for one platform × environment, each service traced to its service accounts,
 * Vault role, policies, paths and capabilities. Written next to every synthesized stack.
 */
import { namespaceBlastRadius, type NamespaceBlastRadius } from './blast-radius';
import type { PlatformPlan, PolicyPlan } from './plan';

/** One row of the matrix. */
export interface AccessEntry {
  /** Service, or `backup-reader`, `vault-snapshot`, the CI apply identity, or a policy's holders. */
  readonly subject: string;
  readonly kind: 'service' | 'backup' | 'operator' | 'break-glass' | 'terraform' | 'snapshot';
  readonly namespaces: readonly string[];
  readonly serviceAccounts: readonly string[];
  /** Vault role (Kubernetes auth, or the CI's JWT role); none for policies people hold directly. */
  readonly role?: string;
  readonly policies: readonly string[];
  readonly grants: ReadonlyArray<{ path: string; capabilities: readonly string[]; broad?: string; privileged?: string }>;
}

export interface AccessReport {
  readonly platform: string;
  readonly environment: string;
  readonly mount: string;
  readonly entries: readonly AccessEntry[];
  /** Broad grants, shared namespaces and other things a reviewer must see. */
  readonly flags: readonly string[];
  /** Per namespace: what a compromise of that namespace exposes. */
  readonly namespaces: readonly NamespaceBlastRadius[];
}

export function buildAccessReport(plan: PlatformPlan): AccessReport {
  const grantsOf = (p: PolicyPlan) =>
    p.grants.map((g) => ({
      path: g.path,
      capabilities: [...g.capabilities],
      ...(g.broadJustification ? { broad: g.broadJustification } : {}),
      ...(g.privilegedJustification ? { privileged: g.privilegedJustification } : {}),
    }));
  const entries: AccessEntry[] = plan.services.map((s) => ({
    subject: s.name,
    kind: 'service',
    namespaces: s.role.namespaces,
    serviceAccounts: s.role.serviceAccounts,
    role: s.role.name,
    policies: s.role.policies,
    grants: grantsOf(s.policy),
  }));
  if (plan.backup) {
    entries.push({
      subject: 'backup-reader',
      kind: 'backup',
      namespaces: plan.backup.role.namespaces,
      serviceAccounts: plan.backup.role.serviceAccounts,
      role: plan.backup.role.name,
      policies: plan.backup.role.policies,
      grants: grantsOf(plan.backup.policy),
    });
  }
  if (plan.snapshotAccess) {
    const { role, policy } = plan.snapshotAccess;
    entries.push({ subject: 'vault-snapshot', kind: 'snapshot', namespaces: role.namespaces, serviceAccounts: role.serviceAccounts, role: role.name, policies: role.policies, grants: grantsOf(policy) });
  }
  entries.push({
    subject: plan.platform.operatorPolicy.holders,
    kind: 'operator',
    namespaces: [],
    serviceAccounts: [],
    policies: [plan.operatorPolicy.name],
    grants: grantsOf(plan.operatorPolicy),
  });
  entries.push({
    subject: plan.platform.breakGlassPolicy?.holders ?? 'break-glass holders (emergencies only)',
    kind: 'break-glass',
    namespaces: [],
    serviceAccounts: [],
    policies: [plan.breakGlassPolicy.name],
    grants: grantsOf(plan.breakGlassPolicy),
  });
  const ci = plan.applyIdentity;
  entries.push({
    subject: ci ? `CI (${Object.entries(ci.config.boundClaims).map(([k, v]) => `${k}=${v}`).join(', ')})` : 'apply identity: none declared (operator token)',
    kind: 'terraform',
    namespaces: [],
    serviceAccounts: [],
    ...(ci ? { role: `${ci.authPath}/${ci.roleName}` } : {}),
    policies: [plan.terraformPolicy.name],
    grants: grantsOf(plan.terraformPolicy),
  });
  const namespaces = namespaceBlastRadius(plan);
  const flags = [
    ...plan.services.flatMap((s) =>
      s.policy.grants.filter((g) => g.broadJustification).map((g) => `BROAD GRANT: ${s.name} may read ${g.path} (${g.broadJustification})`),
    ),
    ...plan.operatorPolicy.grants
      .filter((g) => g.privilegedJustification)
      .map((g) => `PRIVILEGED GRANT: ${plan.operatorPolicy.name} may ${g.capabilities.join(', ')} on ${g.path} (${g.privilegedJustification})`),
    ...namespaces
      .filter((n) => n.shared)
      .map((n) => `SHARED NAMESPACE: ${n.namespace} holds ${n.subjects.join(', ')}; a compromise of it exposes ${n.paths.length} paths (${n.justification ?? 'no justification declared'})`),
  ];
  return { platform: plan.platform.name, environment: plan.envName, mount: plan.mount, entries, flags, namespaces };
}

export function renderAccessMarkdown(report: AccessReport): string {
  const rows = report.entries.flatMap((e) =>
    e.grants.map(
      (g) =>
        `| ${e.subject} | ${e.namespaces.join(', ') || '-'} | ${e.serviceAccounts.join(', ') || '-'} | ${e.role ?? '-'} | ${e.policies.join(', ')} | \`${g.path}\` | ${g.capabilities.join(', ')}${g.broad ? ' (broad)' : ''}${g.privileged ? ' (privileged)' : ''} |`,
    ),
  );
  return [
    `# Who can read what: ${report.platform} (${report.environment})`,
    '',
    `KV v2 mount: \`${report.mount}/\`. Generated by \`cdktf synth\` from the inventory in \`config/platforms/\`.`,
    '',
    ...(report.flags.length > 0 ? ['## Flags', '', ...report.flags.map((f) => `- ${f}`), ''] : ['No broad grants and no shared namespaces: every namespace exposes exactly its own service\'s secrets.', '']),
    '| Subject | Namespaces | Service accounts | Vault role | Policies | Path | Capabilities |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Blast radius per namespace',
    '',
    'Anyone who may create pods or SecretStores in a namespace can act as any service account there, so a compromised namespace exposes every path below.',
    '',
    '| Namespace | Shared | Services | Paths readable |',
    '| --- | --- | --- | --- |',
    ...(report.namespaces ?? []).map(
      (n) => `| ${n.namespace} | ${n.shared ? `yes: ${n.justification ?? 'not declared'}` : 'no'} | ${n.subjects.join(', ')} | ${n.paths.map((p) => `\`${p.path}\``).join(', ')} |`,
    ),
    '',
  ].join('\n');
}
