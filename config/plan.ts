/**
 * From a validated platform and one environment, the plan the stacks build: which policy grants
 * what, which role binds whom, which secrets are generated, synced, delivered and backed up.
 *
 * This is the one place access is derived. A service's policy is `read` on `<mount>/data/<path>`
 * for exactly the secrets in its `reads`, plus any broad grant declared for it (flagged).
 */
import {
  backupNamespace,
  backupReaderName,
  breakGlassPolicyName,
  snapshotRoleName,
  terraformPolicyName,
  BACKUP_PUSHER_SA,
  BACKUP_READER_SA,
  dataPath,
  serviceRoleName,
  serviceStoreName,
  syncTargetName,
} from './names';
import { resolveNamespace } from './namespaces';
import type { Capability, EnvironmentConfig, GeneratedOrigin, PlatformConfig, SecretConfig, TokenType } from './schema';
import { deliveriesOf, resolveSecurity, tokenSettings, type SecurityPlan, type TokenSettings } from './cluster-security';
import { applyIdentityPlan, awsAccessPlan, backupPushInterval, snapshotPlan, type ApplyIdentityPlan, type AwsAccessPlan, type SnapshotPlan } from './security';
import { terraformPolicyGrants } from './terraform-policy';

/** Path of the Kubernetes auth method every role lives in. */
export const KUBERNETES_AUTH_PATH = 'kubernetes';
/** Paths of the audit devices the vault-config stack declares. */
export const AUDIT_DEVICE_PATHS = ['file', 'stdout'] as const;

/** One path of a policy and the capabilities on it. */
export interface Grant {
  readonly path: string;
  readonly capabilities: readonly Capability[];
  /** Set for a broad grant: why least privilege was set aside. Flagged in the access report. */
  readonly broadJustification?: string;
  /** Set for a declared operator grant on `auth/` or `sys/`: why. Flagged in the access report. */
  readonly privilegedJustification?: string;
}

/** A Vault ACL policy to write. */
export interface PolicyPlan {
  readonly name: string;
  /**
   * `service`: derived from a service's reads; `operator`: the rotation job (writes, no reads);
   * `backup`: the backup reader; `break-glass`: permanent deletion, emergencies only; `terraform`:
   * the apply identity; `snapshot`: the storage snapshot job.
   */
  readonly kind: 'service' | 'operator' | 'backup' | 'break-glass' | 'terraform' | 'snapshot';
  readonly grants: readonly Grant[];
}

/** A Kubernetes auth role. */
export interface RolePlan {
  readonly name: string;
  readonly serviceAccounts: readonly string[];
  readonly namespaces: readonly string[];
  readonly policies: readonly string[];
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
  /** `service` or `batch`, chosen per consumer (config/security.ts). @default - Vault's default (service) */
  readonly tokenType?: TokenType;
  readonly audience: string;
}

/** A consuming service in this environment. */
export interface ServicePlan {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccounts: readonly string[];
  readonly role: RolePlan;
  readonly policy: PolicyPlan;
  readonly secrets: readonly SecretConfig[];
  /** The service's ESO-delivered secrets, synced into its namespace. */
  readonly syncs: readonly SyncPlan[];
}

/** An ESO sync of one secret into one service's namespace. */
export interface SyncPlan {
  readonly service: string;
  readonly namespace: string;
  readonly secret: SecretConfig;
  /** Name of the ExternalSecret and of the Kubernetes Secret it writes. */
  readonly targetName: string;
  /** The namespaced SecretStore that authenticates as the service. */
  readonly storeName: string;
}

/** Where the backup sync runs: its own namespace, service account and read-only role. */
export interface BackupPlan {
  readonly namespace: string;
  /** Service account that reads critical secrets from Vault. */
  readonly readerServiceAccount: string;
  /** Service account that pushes to AWS Secrets Manager (IRSA). */
  readonly pusherServiceAccount: string;
  readonly role: RolePlan;
  readonly policy: PolicyPlan;
  readonly secrets: readonly SecretConfig[];
}

/** A generated secret and how to generate it. */
export interface GeneratedSecretPlan {
  readonly secret: SecretConfig;
  readonly origin: GeneratedOrigin;
}

/** Everything the stacks of one platform × environment declare. */
export interface PlatformPlan {
  readonly platform: PlatformConfig;
  readonly envName: string;
  readonly env: EnvironmentConfig;
  readonly mount: string;
  readonly services: readonly ServicePlan[];
  readonly operatorPolicy: PolicyPlan;
  /** Permanent deletion, held only in an emergency. */
  readonly breakGlassPolicy: PolicyPlan;
  /** What applying the vault-config layer needs, and nothing else. */
  readonly terraformPolicy: PolicyPlan;
  /** The CI identity that holds the Terraform policy; undefined: apply with an operator token. */
  readonly applyIdentity?: ApplyIdentityPlan;
  /** Vault storage snapshots; undefined without a cluster or when disabled. */
  readonly snapshots?: SnapshotPlan;
  /** The snapshot job's Vault role and policy (Raft storage only: Consul snapshots go through Consul). */
  readonly snapshotAccess?: { readonly role: RolePlan; readonly policy: PolicyPlan };
  /** AWS principals named in key and secret policies. */
  readonly aws: AwsAccessPlan;
  /** How often the backup pipeline re-reads Vault and pushes to AWS (Go duration). */
  readonly backupPushInterval: string;
  /** Undefined when no secret is critical. */
  readonly backup?: BackupPlan;
  readonly generated: readonly GeneratedSecretPlan[];
  readonly external: readonly SecretConfig[];
  readonly syncs: readonly SyncPlan[];
  /** Cluster-side hardening, resolved with its defaults. */
  readonly security: SecurityPlan;
}

// Names are derived in config/names.ts; these are re-exported for the stacks that import them from here.
export { dataPath, serviceRoleName, slug } from './names';

export function planPlatform(platform: PlatformConfig, envName: string): PlatformPlan {
  const env = platform.environments[envName];
  if (!env) throw new Error(`platform "${platform.name}" has no environment "${envName}"`);
  const mount = platform.kv.mount;
  const byPath = new Map(platform.secrets.map((s) => [s.path, s]));
  const role = (name: string, serviceAccounts: readonly string[], namespaces: readonly string[], token: TokenSettings): RolePlan => ({
    name,
    serviceAccounts: [...serviceAccounts].sort(),
    namespaces: [...new Set(namespaces)].sort(),
    policies: [name],
    tokenTtlSeconds: token.ttlSeconds,
    tokenMaxTtlSeconds: token.maxTtlSeconds,
    tokenType: token.type,
    audience: env.auth.audience,
  });

  const services = platform.services.map((svc): ServicePlan => {
    const name = serviceRoleName(platform.name, svc.name);
    const namespace = resolveNamespace(svc.namespace, envName);
    const secrets = svc.reads.map((p) => byPath.get(p)!);
    const grants: Grant[] = secrets.map((s) => ({ path: dataPath(mount, s.path), capabilities: ['read'] }));
    for (const g of platform.broadGrants.filter((b) => b.service === svc.name)) {
      grants.push({ path: `${mount}/data/${g.prefix}*`, capabilities: ['read', 'list'], broadJustification: g.justification });
    }
    const syncs = secrets
      .filter((s) => s.delivery.includes('eso'))
      .map((s): SyncPlan => ({ service: svc.name, namespace, secret: s, targetName: syncTargetName(svc.name, s.path), storeName: serviceStoreName(svc.name) }));
    return {
      name: svc.name,
      namespace,
      serviceAccounts: svc.serviceAccounts,
      role: role(name, svc.serviceAccounts, [namespace], tokenSettings(env, deliveriesOf(platform, svc), svc.token)),
      policy: { name, kind: 'service', grants: sortGrants(grants) },
      secrets,
      syncs,
    };
  });

  const critical = platform.secrets.filter((s) => s.criticality === 'critical');
  const backupName = backupReaderName(platform.name);
  const backupNs = backupNamespace(platform.name);
  const backup: BackupPlan | undefined =
    critical.length === 0
      ? undefined
      : {
          namespace: backupNs,
          readerServiceAccount: BACKUP_READER_SA,
          pusherServiceAccount: BACKUP_PUSHER_SA,
          role: role(backupName, [BACKUP_READER_SA], [backupNs], tokenSettings(env, new Set(['eso']))),
          policy: { name: backupName, kind: 'backup', grants: sortGrants(critical.map((s) => ({ path: dataPath(mount, s.path), capabilities: ['read'] }))) },
          secrets: critical,
        };

  const breakGlass = platform.breakGlassPolicy ?? {
    name: breakGlassPolicyName(platform.name),
    grants: [
      { path: `${mount}/data/*`, capabilities: ['delete'] },
      { path: `${mount}/delete/*`, capabilities: ['update'] },
      { path: `${mount}/undelete/*`, capabilities: ['update'] },
      { path: `${mount}/destroy/*`, capabilities: ['update'] },
      { path: `${mount}/metadata/*`, capabilities: ['read', 'delete', 'list'] },
    ],
  };
  const snapshots = snapshotPlan(platform, envName, env);
  const snapshotName = snapshotRoleName(platform.name);
  const snapshotAccess =
    snapshots?.storage === 'raft'
      ? {
          role: role(snapshotName, [snapshots.serviceAccount], [snapshots.namespace], { type: 'service', ttlSeconds: 600, maxTtlSeconds: 900 }),
          policy: { name: snapshotName, kind: 'snapshot' as const, grants: [{ path: 'sys/storage/raft/snapshot', capabilities: ['read'] as Capability[] }] },
        }
      : undefined;
  const applyIdentity = applyIdentityPlan(platform, env);
  const partial = {
    platform,
    envName,
    env,
    mount,
    services,
    operatorPolicy: {
      name: platform.operatorPolicy.name,
      kind: 'operator' as const,
      grants: sortGrants(
        platform.operatorPolicy.grants.map((g) => ({
          path: g.path,
          capabilities: g.capabilities as Capability[],
          ...(g.privileged ? { privilegedJustification: g.privileged.justification } : {}),
        })),
      ),
    },
    breakGlassPolicy: { name: breakGlass.name, kind: 'break-glass' as const, grants: sortGrants(breakGlass.grants.map((g) => ({ path: g.path, capabilities: g.capabilities as Capability[] }))) },
    applyIdentity,
    snapshots,
    snapshotAccess,
    aws: awsAccessPlan(platform, env),
    backupPushInterval: backupPushInterval(env),
    backup,
    generated: platform.secrets.flatMap((s) => (s.origin.kind === 'generated' ? [{ secret: s, origin: s.origin }] : [])),
    external: platform.secrets.filter((s) => s.origin.kind === 'external'),
    syncs: services.flatMap((svc) => svc.syncs),
    security: resolveSecurity(envName, env),
  };
  const terraformName = terraformPolicyName(platform.name);
  const terraformPolicy: PolicyPlan = {
    name: terraformName,
    kind: 'terraform',
    grants: terraformPolicyGrants({
      name: terraformName,
      mount,
      policyNames: policiesBesidesTerraform(partial).map((p) => p.name),
      kubernetesAuthPath: KUBERNETES_AUTH_PATH,
      kubernetesRoles: allRoles(partial).map((r) => r.name),
      auditPaths: AUDIT_DEVICE_PATHS,
      generatedPaths: partial.generated.map((g) => g.secret.path),
      slotPaths: partial.external.map((s) => s.path),
      applyIdentity: applyIdentity ? { authPath: applyIdentity.authPath, roleName: applyIdentity.roleName } : undefined,
    }),
  };
  return { ...partial, terraformPolicy };
}

/** The plan without the Terraform policy, which is derived from the rest. */
export type PlanWithoutTerraformPolicy = Omit<PlatformPlan, 'terraformPolicy'>;

/** Every policy of the plan: services, backup reader, snapshot job, operator, break-glass, Terraform. */
export function allPolicies(plan: PlatformPlan): PolicyPlan[] {
  return [...policiesBesidesTerraform(plan), plan.terraformPolicy];
}

/** Every policy except the Terraform policy (which covers these). */
export function policiesBesidesTerraform(plan: PlanWithoutTerraformPolicy): PolicyPlan[] {
  return [
    ...plan.services.map((s) => s.policy),
    ...(plan.backup ? [plan.backup.policy] : []),
    ...(plan.snapshotAccess ? [plan.snapshotAccess.policy] : []),
    plan.operatorPolicy,
    plan.breakGlassPolicy,
  ];
}

/** Every Kubernetes auth role of the plan. */
export function allRoles(plan: PlanWithoutTerraformPolicy): RolePlan[] {
  return [...plan.services.map((s) => s.role), ...(plan.backup ? [plan.backup.role] : []), ...(plan.snapshotAccess ? [plan.snapshotAccess.role] : [])];
}

function sortGrants(grants: Grant[]): Grant[] {
  return [...grants].sort((a, b) => a.path.localeCompare(b.path));
}
