/**
 * Environment settings shared by the reference platforms. A platform calls `standardEnvironments`
 * with what is its own (state bucket, AWS account, regions, namespace of the cluster's OIDC
 * provider) and may override any environment afterwards; the result is plain typed data.
 */
import type { EnvironmentConfig } from './schema';

/** What differs between platforms in the standard environment set. */
export interface StandardEnvironmentOptions {
  /** Platform name, used in state keys. */
  readonly platform: string;
  /** S3 bucket holding remote state for dev, staging and prod. */
  readonly stateBucket: string;
  /** AWS account for KMS keys and backups. */
  readonly awsAccountId: string;
  /** Primary AWS region. */
  readonly primaryRegion: string;
  /** Backup replica regions in prod (staging gets the first one). */
  readonly replicaRegions: readonly string[];
  /** EKS OIDC provider host per cluster environment. */
  readonly oidcProviders: Readonly<Record<'dev' | 'staging' | 'prod', string>>;
  /** Token TTL for services in staging and prod; dev and local use 1h. */
  readonly tokenTtl: string;
  /** ESO refresh interval in staging and prod. */
  readonly refreshInterval: string;
  /**
   * The CI that applies the vault-config layer (GitHub Actions OIDC): its repository. Each cluster
   * environment binds the role to that repository and to the GitHub environment of the same name.
   * `local` has no CI; an `applyIdentity` without `oidcDiscoveryUrl` there trusts the public key
   * given as the variable `ci_jwt_validation_pubkey` (the integration test does that).
   * @default - no CI identity: apply with an operator token
   */
  readonly ciRepository?: string;
}

/** GitHub Actions' OIDC issuer. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** `local`, `dev`, `staging` and `prod`, with the project's defaults. */
export function standardEnvironments(o: StandardEnvironmentOptions): Record<string, EnvironmentConfig> {
  const cluster = (env: 'dev' | 'staging' | 'prod', replicas: number, replicaRegions: string[]): EnvironmentConfig => ({
    cluster: true,
    vaultAddress: 'https://vault.vault.svc:8200',
    replicas,
    storage: { dataSize: env === 'prod' ? '50Gi' : '10Gi', auditSize: env === 'prod' ? '50Gi' : '10Gi' },
    tls: { source: 'cert-manager', issuer: { name: 'vault-ca', kind: 'ClusterIssuer' } },
    unseal: { type: 'awskms', region: o.primaryRegion },
    aws: {
      accountId: o.awsAccountId,
      primaryRegion: o.primaryRegion,
      replicaRegions,
      oidcProvider: o.oidcProviders[env],
      keyAdminArn: `arn:aws:iam::${o.awsAccountId}:role/${o.platform}-platform-admin`,
      restorePrincipalArns: [`arn:aws:iam::${o.awsAccountId}:role/${o.platform}-oncall`],
    },
    eso: { refreshInterval: env === 'dev' ? '1m' : o.refreshInterval },
    auth: {
      tokenTtl: env === 'dev' ? '1h' : o.tokenTtl,
      tokenMaxTtl: '24h',
      audience: 'vault',
      kubernetesHost: 'https://kubernetes.default.svc:443',
    },
    backupRecoveryWindowDays: env === 'prod' ? 30 : 7,
    backupPushInterval: '1h',
    backend: { type: 's3', bucket: o.stateBucket, region: o.primaryRegion, keyPrefix: `${o.platform}/${env}` },
    ...(o.ciRepository
      ? {
          applyIdentity: {
            oidcDiscoveryUrl: GITHUB_ACTIONS_ISSUER,
            boundIssuer: GITHUB_ACTIONS_ISSUER,
            audience: 'vault',
            boundClaims: { repository: o.ciRepository, environment: env },
          },
        }
      : {}),
  });
  return {
    local: {
      cluster: false,
      vaultAddress: 'http://127.0.0.1:8200',
      replicas: 1,
      storage: { dataSize: '1Gi', auditSize: '1Gi' },
      tls: { source: 'none' },
      unseal: { type: 'shamir' },
      aws: { accountId: o.awsAccountId, primaryRegion: o.primaryRegion, replicaRegions: [], oidcProvider: 'none' },
      eso: { refreshInterval: '15s' },
      auth: { tokenTtl: '1h', tokenMaxTtl: '4h', audience: 'vault', kubernetesHost: 'https://127.0.0.1:6443' },
      backupRecoveryWindowDays: 7,
      backend: { type: 'local', dir: 'state' },
    },
    dev: cluster('dev', 1, []),
    staging: cluster('staging', 3, o.replicaRegions.slice(0, 1)),
    prod: cluster('prod', 5, [...o.replicaRegions]),
  };
}
