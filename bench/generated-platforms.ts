/**
 * A synthetic platform for the scale benchmark: one platform, `bench`, with N services, where N is
 * read from `VSP_BENCH_SERVICES` (default 100). Loaded by `main.ts` through
 * `VSP_PLATFORMS_MODULE=bench/generated-platforms.ts` and by `bench/floor-app.ts`.
 *
 * Shape, per service `svc-00042`:
 *  - its own namespace `svc-00042` and service account `svc-00042`;
 *  - it reads 3 secrets: its own `services/svc-00042` plus 2 from a shared pool `shared/pool-NNN`.
 *    The pool grows with N (one shared secret per 20 services, at least 2), so each shared
 *    secret has about 40 consumers whatever N is: the workload grows linearly.
 *  - own secrets: 2 of 3 generated, 1 of 3 external; every 4th is critical.
 *    shared secrets: alternately generated/external, and critical/standard.
 * Every secret is delivered by ESO. Environments are the standard four.
 */
import { standardEnvironments } from '../config/environments';
import type { PlatformConfig, SecretConfig, ServiceConfig } from '../config/schema';

/** Services to generate, from `VSP_BENCH_SERVICES`. */
export const SERVICE_COUNT = parseCount(process.env.VSP_BENCH_SERVICES, 100);

/** Name of the generated platform: `VSP_ONLY=bench-prod` selects its prod stacks. */
export const BENCH_PLATFORM = 'bench';

function parseCount(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 99_999) throw new Error(`VSP_BENCH_SERVICES must be an integer between 1 and 99999. Received: ${raw}`);
  return n;
}

const pad = (i: number, width: number) => String(i).padStart(width, '0');

/** The platform with `n` services (exported for direct use; `PLATFORMS` uses `SERVICE_COUNT`). */
export function generatePlatform(n: number): PlatformConfig {
  const poolSize = Math.max(2, Math.ceil(n / 20));
  const serviceName = (i: number) => `svc-${pad(i, 5)}`;
  const sharedPath = (j: number) => `shared/pool-${pad(j, 4)}`;

  const services: ServiceConfig[] = [];
  for (let i = 0; i < n; i++) {
    const name = serviceName(i);
    const shared = [sharedPath(i % poolSize), sharedPath((i + 1) % poolSize)];
    services.push({ name, namespace: name, serviceAccounts: [name], reads: [`services/${name}`, ...shared] });
  }

  // Consumers by path, built once (linear), so secrets and services cannot disagree.
  const consumers = new Map<string, string[]>();
  for (const svc of services) {
    for (const path of svc.reads) {
      const list = consumers.get(path) ?? [];
      list.push(svc.name);
      consumers.set(path, list);
    }
  }

  const generated = { kind: 'generated' as const, length: 32, charset: 'alphanumeric' as const, generation: 1 };
  const secret = (path: string, keys: string[], external: boolean, critical: boolean, owner: string): SecretConfig => ({
    path,
    keys,
    consumers: consumers.get(path) ?? [],
    origin: external ? { kind: 'external', source: 'vendor dashboard (benchmark)' } : generated,
    rotationPeriod: '90d',
    owner,
    criticality: critical ? 'critical' : 'standard',
    delivery: ['eso'],
  });

  const secrets: SecretConfig[] = [
    ...services.map((svc, i) => secret(`services/${svc.name}`, ['username', 'password'], i % 3 === 0, i % 4 === 0, `team-${i % 10}`)),
    ...Array.from({ length: poolSize }, (_, j) => secret(sharedPath(j), ['api-key'], j % 2 === 1, j % 2 === 0, 'team-platform')),
  ];

  return {
    name: BENCH_PLATFORM,
    displayName: `Benchmark platform (${n} services)`,
    kv: { mount: BENCH_PLATFORM, maxVersions: 10, casRequired: false, deleteVersionAfter: '0s' },
    vault: { namespace: 'vault', storage: { type: 'raft' }, injector: false, csi: false },
    secrets,
    services,
    operatorPolicy: {
      name: `${BENCH_PLATFORM}-operator`,
      holders: 'benchmark operator',
      grants: [
        { path: `${BENCH_PLATFORM}/data/*`, capabilities: ['create', 'update'] },
        { path: `${BENCH_PLATFORM}/metadata/*`, capabilities: ['read', 'list'] },
      ],
    },
    broadGrants: [],
    environments: standardEnvironments({
      platform: BENCH_PLATFORM,
      stateBucket: 'bench-terraform-state',
      awsAccountId: '444455556666',
      primaryRegion: 'eu-west-1',
      replicaRegions: ['eu-central-1', 'us-east-1'],
      oidcProviders: {
        dev: 'oidc.eks.eu-west-1.amazonaws.com/id/BENCH-DEV',
        staging: 'oidc.eks.eu-west-1.amazonaws.com/id/BENCH-STAGING',
        prod: 'oidc.eks.eu-west-1.amazonaws.com/id/BENCH-PROD',
      },
      tokenTtl: '24h',
      refreshInterval: '15s',
      ciRepository: 'bench/platform-secrets',
    }),
  };
}

/** Same shape as `config/platforms/index.ts`. */
export const PLATFORMS: readonly PlatformConfig[] = [generatePlatform(SERVICE_COUNT)];
