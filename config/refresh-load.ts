/**
 * What the ESO refresh interval costs Vault (issue 11, finding 13). Without its token cache, ESO's
 * Vault provider logs in for every reconcile of every ExternalSecret, reads each key, then looks up
 * and revokes its token; every login is also a TokenReview on the Kubernetes API server.
 */
import { goDurationSeconds } from './durations';
import type { PlatformPlan } from './plan';

/** Steady-state load of one platform × environment's ExternalSecrets on Vault and the API server. */
export interface RefreshLoad {
  /** ExternalSecrets reading Vault: service syncs and backup reads. */
  readonly externalSecrets: number;
  readonly refreshSeconds: number;
  /** Kubernetes auth logins per second (each one a TokenReview on the API server and a token written to Vault's storage). */
  readonly loginsPerSecond: number;
  /** Vault requests per second: logins, key reads, token lookups and revocations. */
  readonly vaultRequestsPerSecond: number;
  /** Tokens alive at once if ESO could not revoke them: logins per second × the roles' TTL. */
  readonly worstCaseLiveTokens: number;
}

const round = (n: number) => Math.round(n * 10000) / 10000;

export function refreshLoad(plan: PlatformPlan): RefreshLoad {
  const refreshSeconds = goDurationSeconds(plan.env.eso.refreshInterval)!;
  const reads = [
    ...plan.syncs.map((s) => ({ keys: s.secret.keys.length, ttl: plan.services.find((x) => x.name === s.service)!.role.tokenTtlSeconds })),
    ...(plan.backup ? plan.backup.secrets.map((s) => ({ keys: s.keys.length, ttl: plan.backup!.role.tokenTtlSeconds })) : []),
  ];
  const loginsPerSecond = reads.length / refreshSeconds;
  const requests = reads.reduce((n, r) => n + 1 + r.keys + 2, 0) / refreshSeconds;
  const liveTokens = reads.reduce((n, r) => n + r.ttl / refreshSeconds, 0);
  return { externalSecrets: reads.length, refreshSeconds, loginsPerSecond: round(loginsPerSecond), vaultRequestsPerSecond: round(requests), worstCaseLiveTokens: Math.round(liveTokens) };
}
