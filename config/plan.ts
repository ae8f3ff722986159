/**
 * From a validated platform and one environment, the plan the stacks build: which policy grants
 * what, which role binds whom, which secrets are generated, synced, delivered and backed up.
 *
 * This is the one place access is derived. A service's policy is `read` on `<mount>/data/<path>`
 * for exactly the secrets in its `reads`, plus any broad grant declared for it (flagged).
 */
import { durationSeconds } from './durations';
import {
  backupNamespace,
  backupReaderName,
  BACKUP_PUSHER_SA,
  BACKUP_READER_SA,
  dataPath,
  serviceRoleName,
  serviceStoreName,
  syncTargetName,
} from './names';
import { resolveNamespace } from './namespaces';
import type { Capability, EnvironmentConfig, GeneratedOrigin, PlatformConfig, SecretConfig } from './schema';

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
  /** `service`: derived from a service's reads; `operator`: people and CI; `backup`: the backup reader. */
  readonly kind: 'service' | 'operator' | 'backup';
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
  /** Undefined when no secret is critical. */
  readonly backup?: BackupPlan;
  readonly generated: readonly GeneratedSecretPlan[];
  readonly external: readonly SecretConfig[];
  readonly syncs: readonly SyncPlan[];
}

// Names are derived in config/names.ts; these are re-exported for the stacks that import them from here.
export { dataPath, serviceRoleName, slug } from './names';

export function planPlatform(platform: PlatformConfig, envName: string): PlatformPlan {
  const env = platform.environments[envName];
  if (!env) throw new Error(`platform "${platform.name}" has no environment "${envName}"`);
  const mount = platform.kv.mount;
  const byPath = new Map(platform.secrets.map((s) => [s.path, s]));
  const ttl = durationSeconds(env.auth.tokenTtl)!;
  const maxTtl = durationSeconds(env.auth.tokenMaxTtl)!;
  const role = (name: string, serviceAccounts: readonly string[], namespaces: readonly string[]): RolePlan => ({
    name,
    serviceAccounts: [...serviceAccounts].sort(),
    namespaces: [...new Set(namespaces)].sort(),
    policies: [name],
    tokenTtlSeconds: ttl,
    tokenMaxTtlSeconds: maxTtl,
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
      role: role(name, svc.serviceAccounts, [namespace]),
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
          role: role(backupName, [BACKUP_READER_SA], [backupNs]),
          policy: { name: backupName, kind: 'backup', grants: sortGrants(critical.map((s) => ({ path: dataPath(mount, s.path), capabilities: ['read'] }))) },
          secrets: critical,
        };

  return {
    platform,
    envName,
    env,
    mount,
    services,
    operatorPolicy: {
      name: platform.operatorPolicy.name,
      kind: 'operator',
      grants: sortGrants(
        platform.operatorPolicy.grants.map((g) => ({
          path: g.path,
          capabilities: g.capabilities as Capability[],
          ...(g.privileged ? { privilegedJustification: g.privileged.justification } : {}),
        })),
      ),
    },
    backup,
    generated: platform.secrets.flatMap((s) => (s.origin.kind === 'generated' ? [{ secret: s, origin: s.origin }] : [])),
    external: platform.secrets.filter((s) => s.origin.kind === 'external'),
    syncs: services.flatMap((svc) => svc.syncs),
  };
}

/** Every policy of the plan: services, backup reader, operator. */
export function allPolicies(plan: PlatformPlan): PolicyPlan[] {
  return [...plan.services.map((s) => s.policy), ...(plan.backup ? [plan.backup.policy] : []), plan.operatorPolicy];
}

/** Every Kubernetes auth role of the plan. */
export function allRoles(plan: PlatformPlan): RolePlan[] {
  return [...plan.services.map((s) => s.role), ...(plan.backup ? [plan.backup.role] : [])];
}

function sortGrants(grants: Grant[]): Grant[] {
  return [...grants].sort((a, b) => a.path.localeCompare(b.path));
}
