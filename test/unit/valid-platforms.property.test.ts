/**
 * No input that passes validation can crash construct building: fast-check generates random
 * platforms (services, secrets, deliveries, namespaces with `{env}`, broad and privileged grants,
 * extra environments with a declared tier, Raft or Consul, every TLS and unseal form), and every
 * one that validation accepts is planned and synthesized in-process, with its access report.
 * Generated platforms are valid by construction, so the test also proves validation accepts them.
 */
import { Testing } from 'cdktf';
import fc from 'fast-check';
import { buildAccessReport, renderAccessMarkdown } from '../../config/access-report';
import { standardEnvironments } from '../../config/environments';
import { envVarName, slug } from '../../config/names';
import { planPlatform } from '../../config/plan';
import type { EnvironmentConfig, PlatformConfig, SecretConfig, ServiceConfig } from '../../config/schema';
import { platformIssues, validatePlatforms } from '../../config/validate';
import { createPlatformStacks } from '../../stacks';

/** Runs per `npm test`; `VSP_PROPERTY_RUNS` and `VSP_PROPERTY_SEED` explore further by hand. */
const RUNS = Number(process.env.VSP_PROPERTY_RUNS ?? 30);

const word = fc.stringMatching(/^[a-z][a-z0-9]{1,7}$/);
const names = (min: number, max: number) => fc.uniqueArray(word, { minLength: min, maxLength: max, selector: (w) => w });

/** Key names whose environment-variable forms are distinct. */
const keyNames = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}([-_.][a-z0-9]{1,5})?$/), { minLength: 1, maxLength: 4, selector: (k) => envVarName(k) })
  .filter((keys) => keys.every((k) => k !== '.' && k !== '..'));

const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1', 'ap-northeast-1'] as const;

const platformArb = fc
  .record({
    name: word.map((w) => `p${w}`),
    mountWord: word,
    serviceNames: names(1, 6),
    secretSegments: fc.uniqueArray(fc.tuple(word, fc.option(word, { nil: undefined })), { minLength: 1, maxLength: 8, selector: ([a, b]) => slug(b ? `${a}/${b}` : a) }),
    keys: fc.array(keyNames, { minLength: 8, maxLength: 8 }),
    generated: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    critical: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    deliveryPick: fc.array(fc.subarray(['eso', 'injector', 'csi'] as const, { minLength: 1 }), { minLength: 8, maxLength: 8 }),
    readers: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { minLength: 8, maxLength: 8 }),
    templated: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    sharedNamespace: fc.boolean(),
    injector: fc.boolean(),
    csi: fc.boolean(),
    consul: fc.boolean(),
    length: fc.integer({ min: 16, max: 256 }),
    charset: fc.constantFrom('alphanumeric', 'alphanumeric-symbols', 'lowercase-alphanumeric' as const),
    prodReplicas: fc.constantFrom(3, 5, 7, 9),
    tls: fc.constantFrom('cert-manager', 'secret'),
    primary: fc.constantFrom(...regions),
    replicaCount: fc.integer({ min: 1, max: 3 }),
    broad: fc.option(fc.nat(), { nil: undefined }),
    privileged: fc.boolean(),
    extraEnv: fc.option(fc.tuple(fc.constantFrom('qa', 'production', 'perf'), fc.boolean()), { nil: undefined }),
    refresh: fc.constantFrom('10s', '15s', '1m', '1h30m', '24h'),
    envToSynth: fc.nat(),
  })
  .map((r): PlatformConfig => {
    const { name } = r;
    const mount = `kv${r.mountWord}`;
    const paths = r.secretSegments.map(([a, b]) => (b ? `${a}/${b}` : a));
    const serviceNs = (i: number) => (r.sharedNamespace ? `${name}-apps` : r.templated[i] ? `${name}-s${i}-{env}` : `${name}-s${i}`);
    // Every secret has a reader (service j % n) and every service reads something (secret i % m).
    const readersOf = paths.map((_, j) => new Set([j % r.serviceNames.length, ...r.readers[j].map((x) => x % r.serviceNames.length)]));
    r.serviceNames.forEach((_, i) => readersOf[i % paths.length].add(i));
    const services: ServiceConfig[] = r.serviceNames.map((svc, i) => ({
      name: svc,
      namespace: serviceNs(i),
      serviceAccounts: [svc],
      reads: paths.filter((_, j) => readersOf[j].has(i)),
    }));
    const delivery = (j: number) => r.deliveryPick[j].filter((d) => (d === 'injector' ? r.injector : d === 'csi' ? r.csi : true));
    const secrets: SecretConfig[] = paths.map((path, j) => ({
      path,
      keys: r.keys[j],
      consumers: r.serviceNames.filter((_, i) => readersOf[j].has(i)),
      origin: r.generated[j] ? { kind: 'generated', length: r.length, charset: r.charset, generation: 1 + j } : { kind: 'external', source: 'vendor portal' },
      rotationPeriod: '90d',
      owner: `team ${r.serviceNames[0]}`,
      criticality: r.critical[j] ? 'critical' : 'standard',
      delivery: delivery(j).length > 0 ? delivery(j) : ['eso'],
    }));
    const replicaRegions = regions.filter((x) => x !== r.primary).slice(0, r.replicaCount);
    const environments: Record<string, EnvironmentConfig> = standardEnvironments({
      platform: name,
      stateBucket: `${name}-state`,
      awsAccountId: '123456789012',
      primaryRegion: r.primary,
      replicaRegions,
      oidcProviders: { dev: `oidc.eks.${r.primary}.amazonaws.com/id/DEV`, staging: `oidc.eks.${r.primary}.amazonaws.com/id/STAGING`, prod: `oidc.eks.${r.primary}.amazonaws.com/id/PROD` },
      tokenTtl: '1h',
      refreshInterval: r.refresh,
    });
    environments.prod.replicas = r.prodReplicas;
    if (r.tls === 'secret') environments.prod.tls = { source: 'secret', secretName: 'vault-server-tls' };
    if (r.extraEnv) {
      const [envName, productionGrade] = r.extraEnv;
      environments[envName] = { ...structuredClone(environments.staging), productionGrade, backend: { type: 's3', bucket: `${name}-state`, region: r.primary, keyPrefix: `${name}/${envName}` } };
    }
    return {
      name,
      displayName: `Generated ${name}`,
      kv: { mount, maxVersions: 10, casRequired: false, deleteVersionAfter: '0s' },
      vault: { namespace: 'vault', storage: r.consul ? { type: 'consul', address: 'consul.consul.svc:8500', path: 'vault/' } : { type: 'raft' }, injector: r.injector, csi: r.csi },
      secrets,
      services,
      operatorPolicy: {
        name: `${name}-operator`,
        holders: 'generated operators',
        grants: [
          { path: `${mount}/data/*`, capabilities: ['create', 'read', 'update', 'delete', 'list'] },
          ...(r.privileged ? [{ path: `sys/leases/revoke-prefix/${mount}/*`, capabilities: ['update', 'sudo'], privileged: { justification: 'incident response revokes leases' } }] : []),
        ],
      },
      broadGrants: r.broad === undefined ? [] : [{ service: r.serviceNames[r.broad % r.serviceNames.length], prefix: paths[0].includes('/') ? `${paths[0].split('/')[0]}/` : '', justification: 'generated broad grant for the property test' }],
      environments,
    };
  });

describe('random valid platforms synthesize without crashing', () => {
  it(`holds for ${RUNS} generated platforms`, () => {
    let synthesized = 0;
    fc.assert(
      fc.property(platformArb, fc.nat(), (platform, pick) => {
        // Valid by construction: validation must accept it (no false positives either).
        expect(platformIssues(platform)).toEqual([]);
        const [valid] = validatePlatforms([platform]);
        const envs = Object.keys(valid.environments);
        // One cluster environment and local per run keeps the unit tier fast; across runs every kind is covered.
        for (const envName of new Set(['local', envs[pick % envs.length]])) {
          const app = Testing.app();
          const plan = planPlatform(valid, envName);
          const stacks = createPlatformStacks(app, plan);
          app.synth();
          expect(stacks.length).toBeGreaterThan(0);
          expect(renderAccessMarkdown(buildAccessReport(plan))).toContain(valid.name);
        }
        synthesized++;
      }),
      { numRuns: RUNS, seed: Number(process.env.VSP_PROPERTY_SEED ?? 20261123) },
    );
    expect(synthesized).toBe(RUNS);
  }, 600_000);
});
