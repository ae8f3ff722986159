/**
 * The cluster-side hardening of one platform × environment (issue 11), resolved from the optional
 * `security` settings with safe defaults per tier. Stacks read only this, never the raw settings.
 */
import { durationSeconds } from './durations';
import type { Delivery, EnvironmentConfig, PlatformConfig, ResourcesConfig, ServiceConfig, TokenType } from './schema';
import { isProductionGrade } from './tier';

/** Requests and limits of one container, resolved. */
export type Resources = Required<Pick<ResourcesConfig, 'cpuRequest' | 'memoryRequest' | 'memoryLimit'>> & { readonly cpuLimit?: string };

/** Everything the cluster and sync layers need to harden one environment. */
export interface SecurityPlan {
  /** Held to production standards (config/tier.ts). */
  readonly productionGrade: boolean;
  /** NetworkPolicies around Vault, ESO and the backup namespace. */
  readonly networkPolicies: boolean;
  /** Namespaces that may scrape and probe Vault on 8200. */
  readonly monitoringNamespaces: readonly string[];
  /** Namespaces, beyond ESO's and the injected workloads', that may call Vault on 8200. */
  readonly vaultClientNamespaces: readonly string[];
  /** CIDRs ESO may reach on `esoEgressPorts` (API server, AWS). */
  readonly esoEgressCidrs: readonly string[];
  /** Ports for `esoEgressCidrs`. */
  readonly esoEgressPorts: readonly number[];
  /** Vault's web UI. */
  readonly ui: boolean;
  /** Metrics without a token (only with `networkPolicies`). */
  readonly unauthenticatedMetrics: boolean;
  /** The file audit device and its rotation; the alert threshold of the audit volume. */
  readonly audit: { readonly file: boolean; readonly rotateAtMiB: number; readonly keep: number; readonly volumeAlertPercent: number };
  /** Blackbox exporter and module that probe the certificate each Vault pod serves. */
  readonly certificateProbe: { readonly prober: string; readonly module: string };
  /** Requests and limits per container. */
  readonly resources: { readonly server: Resources; readonly reloader: Resources; readonly injector: Resources; readonly csi: Resources };
}

/** Default requests and limits: production-grade environments get room, the others stay small. */
const RESOURCES = {
  production: {
    server: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    reloader: { cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '50m', memoryLimit: '32Mi' },
    injector: { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' },
    csi: { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '200m', memoryLimit: '128Mi' },
  },
  other: {
    server: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    reloader: { cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '50m', memoryLimit: '32Mi' },
    injector: { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '250m', memoryLimit: '128Mi' },
    csi: { cpuRequest: '20m', memoryRequest: '32Mi', cpuLimit: '100m', memoryLimit: '64Mi' },
  },
} as const;

export const DEFAULT_CERTIFICATE_PROBE = { prober: 'prometheus-blackbox-exporter.monitoring.svc:9115', module: 'vault_tls' } as const;

export function resolveSecurity(envName: string, env: EnvironmentConfig): SecurityPlan {
  const s = env.security ?? {};
  const productionGrade = isProductionGrade(envName, env);
  const networkPolicies = s.networkPolicies ?? true;
  const r = RESOURCES[productionGrade ? 'production' : 'other'];
  return {
    productionGrade,
    networkPolicies,
    monitoringNamespaces: s.monitoringNamespaces ?? ['monitoring'],
    vaultClientNamespaces: s.vaultClientNamespaces ?? [],
    esoEgressCidrs: s.esoEgressCidrs ?? ['0.0.0.0/0'],
    esoEgressPorts: s.esoEgressPorts ?? [443],
    ui: s.ui ?? !productionGrade,
    unauthenticatedMetrics: s.unauthenticatedMetrics ?? networkPolicies,
    audit: {
      file: s.audit?.file ?? true,
      rotateAtMiB: s.audit?.rotateAtMiB ?? 100,
      keep: s.audit?.keep ?? 5,
      volumeAlertPercent: s.audit?.volumeAlertPercent ?? 80,
    },
    certificateProbe: s.certificateProbe ?? DEFAULT_CERTIFICATE_PROBE,
    resources: {
      server: s.resources?.server ?? r.server,
      reloader: s.resources?.reloader ?? r.reloader,
      injector: s.resources?.injector ?? r.injector,
      csi: s.resources?.csi ?? r.csi,
    },
  };
}

/** The token a role issues: type and TTLs in seconds. */
export interface TokenSettings {
  /** `service` or `batch`. */
  readonly type: TokenType;
  /** Token TTL in seconds. */
  readonly ttlSeconds: number;
  /** Maximum TTL in seconds. */
  readonly maxTtlSeconds: number;
}

/** TTL of tokens for consumers that log in for every read (ESO, the CSI provider): 10 minutes. */
export const PER_READ_TOKEN_TTL_SECONDS = 600;

/**
 * Token settings per consumer. ESO and the CSI provider log in for every read and never renew: they
 * get `service` tokens with a 10-minute TTL (or the environment's, if shorter), so a token that
 * leaks from them is dead within minutes. `service` rather than `batch` because ESO revokes its
 * token after each reconcile, which a batch token does not allow. An injected agent keeps and renews
 * its token: it gets the environment's TTLs. A service's `token` overrides either.
 */
export function tokenSettings(env: EnvironmentConfig, deliveries: ReadonlySet<Delivery>, override?: ServiceConfig['token']): TokenSettings {
  const envTtl = durationSeconds(env.auth.tokenTtl)!;
  const envMax = durationSeconds(env.auth.tokenMaxTtl)!;
  const perRead = !deliveries.has('injector');
  const type: TokenType = override?.type ?? 'service';
  const ttlSeconds = override?.ttl ? durationSeconds(override.ttl)! : perRead ? Math.min(envTtl, PER_READ_TOKEN_TTL_SECONDS) : envTtl;
  const maxTtlSeconds = override?.maxTtl ? durationSeconds(override.maxTtl)! : perRead ? ttlSeconds : envMax;
  return { type, ttlSeconds, maxTtlSeconds };
}

/** How a service receives its secrets, from the secrets it reads. */
export function deliveriesOf(platform: PlatformConfig, service: ServiceConfig): Set<Delivery> {
  const byPath = new Map(platform.secrets.map((s) => [s.path, s]));
  return new Set(service.reads.flatMap((p) => byPath.get(p)?.delivery ?? []));
}
