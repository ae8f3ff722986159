/**
 * Security settings of one platform × environment, with their defaults resolved: who administers
 * the AWS keys, who may restore, how often backups are pushed, Vault storage snapshots, the CI apply
 * identity and the Consul storage hardening. Pure data; `config/plan.ts` puts it in the plan.
 */
import { goDurationSeconds } from './durations';
import type { ApplyIdentityConfig, EnvironmentConfig, PlatformConfig } from './schema';

/** How often the backup pipeline pushes, unless the environment says otherwise. */
export const DEFAULT_BACKUP_PUSH_INTERVAL = '1h';
/** The shortest push interval a production-grade environment accepts. */
export const MIN_PRODUCTION_PUSH_SECONDS = 3600;
/** Hourly, off the top of the hour. */
export const DEFAULT_SNAPSHOT_SCHEDULE = '17 * * * *';
export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 30;
/** Path of the CI JWT auth method unless configured. */
export const DEFAULT_APPLY_AUTH_PATH = 'ci-jwt';
/** CI token lifetime unless configured. */
export const DEFAULT_APPLY_TOKEN_TTL = '20m';

/** The AWS principals around the keys and backups. */
export interface AwsAccessPlan {
  /** Administers (never uses) every KMS key and the backup secrets' policies. */
  readonly keyAdminArn: string;
  /** Who may assume the restore role; `undefined`: the account's principals, with MFA. */
  readonly restorePrincipalArns?: readonly string[];
}

/** Vault storage snapshots to S3. */
export interface SnapshotPlan {
  /** Cron schedule of the CronJob (UTC). */
  readonly schedule: string;
  /** Days a replaced or deleted snapshot version is kept. */
  readonly retentionDays: number;
  /** S3 bucket: `<platform>-<env>-vault-snapshots-<account>` (bucket names are global). */
  readonly bucket: string;
  /** IAM role the CronJob assumes (IRSA): may only put objects into the bucket, encrypted with its key. */
  readonly roleName: string;
  readonly roleArn: string;
  /** Namespace and service account of the CronJob (Vault's namespace). */
  readonly namespace: string;
  readonly serviceAccount: string;
  /** What is snapshotted: Raft through Vault's API, or Consul through its own. */
  readonly storage: 'raft' | 'consul';
}

/** The CI identity that applies the vault-config layer. */
export interface ApplyIdentityPlan {
  readonly authPath: string;
  /** Role name in the JWT auth method: `<platform>-terraform`. */
  readonly roleName: string;
  readonly config: ApplyIdentityConfig;
  readonly tokenTtl: string;
}

/** The principal that administers the keys, as configured or by its default name. */
export const keyAdminArn = (platform: Pick<PlatformConfig, 'name'>, env: { readonly aws: Pick<EnvironmentConfig['aws'], 'accountId' | 'keyAdminArn'> }): string =>
  env.aws.keyAdminArn ?? `arn:aws:iam::${env.aws.accountId}:role/${platform.name}-platform-admin`;

export function awsAccessPlan(platform: PlatformConfig, env: EnvironmentConfig): AwsAccessPlan {
  return { keyAdminArn: keyAdminArn(platform, env), ...(env.aws.restorePrincipalArns ? { restorePrincipalArns: [...env.aws.restorePrincipalArns] } : {}) };
}

/** Seconds between pushes of the backup pipeline. */
export const backupPushInterval = (env: EnvironmentConfig): string => env.backupPushInterval ?? DEFAULT_BACKUP_PUSH_INTERVAL;
export const backupPushSeconds = (env: EnvironmentConfig): number | undefined => goDurationSeconds(backupPushInterval(env));

/** Snapshots, on by default wherever there is a cluster. */
export function snapshotPlan(platform: PlatformConfig, envName: string, env: EnvironmentConfig): SnapshotPlan | undefined {
  const enabled = env.snapshots?.enabled ?? env.cluster;
  if (!enabled || !env.cluster) return undefined;
  const prefix = `${platform.name}-${envName}`;
  const roleName = `${prefix}-vault-snapshot`;
  return {
    schedule: env.snapshots?.schedule ?? DEFAULT_SNAPSHOT_SCHEDULE,
    retentionDays: env.snapshots?.retentionDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS,
    bucket: `${prefix}-vault-snapshots-${env.aws.accountId}`,
    roleName,
    roleArn: `arn:aws:iam::${env.aws.accountId}:role/${roleName}`,
    namespace: platform.vault.namespace,
    serviceAccount: 'vault-snapshot',
    storage: platform.vault.storage.type,
  };
}

export function applyIdentityPlan(platform: PlatformConfig, env: EnvironmentConfig): ApplyIdentityPlan | undefined {
  const config = env.applyIdentity;
  if (!config) return undefined;
  return { authPath: config.path ?? DEFAULT_APPLY_AUTH_PATH, roleName: `${platform.name}-terraform`, config, tokenTtl: config.tokenTtl ?? DEFAULT_APPLY_TOKEN_TTL };
}
