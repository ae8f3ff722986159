import { PLATFORMS } from '../../config/platforms';
import type { PlatformConfig } from '../../config/schema';
import { PlatformConfigError, platformIssues, validatePlatforms } from '../../config/validate';
import { clone, platformNamed } from '../support/synth';

const waqiti = platformNamed('waqiti');
const pea = platformNamed('pea-forecast');

/** Issues of a mutated copy of a platform. */
function issuesAfter(base: PlatformConfig, mutate: (p: any) => void) {
  const p = clone(base);
  mutate(p);
  return platformIssues(p);
}

describe('the shipped platforms', () => {
  it.each(PLATFORMS.map((p) => [p.name, p]))('%s is valid', (_name, platform) => {
    expect(platformIssues(platform)).toEqual([]);
  });
});

// One bad input per rule: the mutation, the field path reported, and the message.
const RULES: Array<[string, PlatformConfig, (p: any) => void, RegExp, RegExp]> = [
  ['unknown capability', waqiti, (p) => p.operatorPolicy.grants[0].capabilities.push('write'), /^operatorPolicy\.grants\[0\]\.capabilities\[5\]$/, /unknown capability "write"/],
  ['sudo in the operator policy', waqiti, (p) => p.operatorPolicy.grants[0].capabilities.push('sudo'), /^operatorPolicy\.grants\[0\]\.capabilities$/, /must not grant "sudo"/],
  ['a wildcard in a service policy', waqiti, (p) => p.services[0].reads.push('payment-providers/*'), /^services\[0\]\.reads\[6\]$/, /is a wildcard/],
  ['an operator grant outside the mount', waqiti, (p) => (p.operatorPolicy.grants[0].path = 'secret/data/*'), /^operatorPolicy\.grants\[0\]\.path$/, /outside the mount "waqiti\/"/],
  ['a secret path leaving the mount', waqiti, (p) => (p.secrets[0].path = '../sys/policy'), /^secrets\[0\]\.path$/, /"\." or "\.\." segments/],
  ['a secret path that repeats the mount', waqiti, (p) => (p.secrets[0].path = 'waqiti/infrastructure/postgres'), /^secrets\[0\]\.path$/, /repeats the mount/],
  ['a secret path written with data/', waqiti, (p) => (p.secrets[0].path = 'data/infrastructure/postgres'), /^secrets\[0\]\.path$/, /must not start with "data\/"/],
  ['a broad grant outside the mount', waqiti, (p) => p.broadGrants.push({ service: 'grafana', prefix: '../', justification: 'reads everything for dashboards' }), /^broadGrants\[0\]\.prefix$/, /leave the mount|segments/],
  ['a duplicate service', waqiti, (p) => p.services.push(clone(p.services[0])), /^services$/, /service "payment-service" is declared twice/],
  ['a duplicate secret path', waqiti, (p) => p.secrets.push(clone(p.secrets[0])), /^secrets$/, /"infrastructure\/postgres" is declared twice/],
  ['a duplicate key in a secret', waqiti, (p) => p.secrets[0].keys.push('password'), /^secrets\[0\]\.keys$/, /key "password" is listed twice/],
  ['a duplicate path in reads', waqiti, (p) => p.services[0].reads.push('auth'), /^services\[0\]\.reads$/, /"auth" is listed twice/],
  ['a service consuming an undeclared secret', waqiti, (p) => p.services[0].reads.push('payment-providers/adyen'), /^services\[0\]\.reads\[6\]$/, /not a declared secret/],
  ['a secret nobody consumes', waqiti, (p) => p.secrets.push({ ...clone(p.secrets[1]), path: 'infrastructure/kafka', consumers: [] }), /^secrets\[\d+\]$/, /consumed by no service/],
  ['a consumer that does not read the secret', waqiti, (p) => p.secrets[0].consumers.push('grafana'), /^secrets\[0\]\.consumers\[1\]$/, /does not read it/],
  ['a reader missing from consumers', waqiti, (p) => (p.secrets[0].consumers = []), /^secrets\[0\]\.consumers$/, /not listed as a consumer/],
  ['a "*" service account in prod', waqiti, (p) => (p.services[0].serviceAccounts = ['*']), /^services\[0\]\.serviceAccounts$/, /every service account \("\*"\) in staging/],
  ['a "*" namespace in prod', waqiti, (p) => (p.services[0].namespace = '*'), /^services\[0\]\.namespace$/, /every namespace \("\*"\) in prod/],
  ['a token TTL above 24h', waqiti, (p) => (p.environments.prod.auth.tokenTtl = '25h'), /^environments\.prod\.auth\.tokenTtl$/, /out of range/],
  ['a token TTL below 1m', waqiti, (p) => (p.environments.dev.auth.tokenTtl = '30s'), /^environments\.dev\.auth\.tokenTtl$/, /out of range/],
  ['a max TTL below the TTL', waqiti, (p) => (p.environments.prod.auth.tokenMaxTtl = '1h'), /^environments\.prod\.auth\.tokenMaxTtl$/, /out of range/],
  ['2 replicas in staging', waqiti, (p) => (p.environments.staging.replicas = 2), /^environments\.staging\.replicas$/, /staging runs 2 Vault replica/],
  ['1 replica in prod', pea, (p) => (p.environments.prod.replicas = 1), /^environments\.prod\.replicas$/, /prod runs 1 Vault replica/],
  ['prod without backup replica regions', waqiti, (p) => (p.environments.prod.aws.replicaRegions = []), /^environments\.prod\.aws\.replicaRegions$/, /no backup replica regions/],
  ['a replica region equal to the primary', waqiti, (p) => p.environments.prod.aws.replicaRegions.push('eu-west-1'), /^environments\.prod\.aws\.replicaRegions\[2\]$/, /is the primary region/],
  ['an invalid refresh interval', waqiti, (p) => (p.environments.prod.eso.refreshInterval = '15 seconds'), /^environments\.prod\.eso\.refreshInterval$/, /refresh interval "15 seconds" is invalid/],
  ['a refresh interval below 10s', waqiti, (p) => (p.environments.prod.eso.refreshInterval = '5s'), /^environments\.prod\.eso\.refreshInterval$/, /is invalid/],
  ['a service name that is not a Kubernetes name', waqiti, (p) => (p.services[0].name = 'Payment_Service'), /^services\[0\]\.name$/, /valid Kubernetes name/],
  ['a namespace that is not a Kubernetes name', waqiti, (p) => (p.services[0].namespace = 'Waqiti System'), /^services\[0\]\.namespace$/, /not a valid Kubernetes name/],
  ['a service account that is not a Kubernetes name', waqiti, (p) => (p.services[0].serviceAccounts = ['Payment SA']), /^services\[0\]\.serviceAccounts\[0\]$/, /not a valid Kubernetes service account name/],
  ['a secret path that is not a Vault path', waqiti, (p) => (p.secrets[0].path = 'infra structure/postgres'), /^secrets\[0\]\.path$/, /invalid segment/],
  ['a mount that is not a Vault path segment', waqiti, (p) => (p.kv.mount = 'waqiti/data'), /^kv\.mount$/, /single Vault path segment/],
  ['a literal secret value in a field', waqiti, (p) => (p.secrets[5].origin.source = 'sk_live_51HxY2eKz9QmR4tVb8nP'), /^secrets\[5\]\.origin\.source$/, /literal secret value \(Stripe key/],
  ['a high-entropy token in a description', waqiti, (p) => (p.secrets[0].description = 'pw is Zk8#qL2vR9xT4mW7pN3bY6cF1hJ5sD0g'), /^secrets\[0\]\.description$/, /high-entropy string/],
  ['a value field next to the keys', waqiti, (p) => (p.secrets[0].value = 'hunter2'), /^secrets\[0\]\.value$/, /unknown field "value"/],
  ['a missing environment', waqiti, (p) => delete p.environments.staging, /^environments\.staging$/, /"staging" is missing/],
  ['shamir unseal in prod', waqiti, (p) => (p.environments.prod.unseal = { type: 'shamir' }), /^environments\.prod\.unseal$/, /uses shamir unseal/],
  ['prod without TLS', waqiti, (p) => (p.environments.prod.tls = { source: 'none' }), /^environments\.prod\.tls$/, /without TLS/],
  ['a local environment with a cluster', waqiti, (p) => (p.environments.local.cluster = true), /^environments\.local\.cluster$/, /must not have a cluster/],
  ['a generated secret shorter than 16', waqiti, (p) => (p.secrets[0].origin.length = 8), /^secrets\[0\]\.origin\.length$/, /at least 16/],
];

describe('each validation rule rejects its bad input', () => {
  it.each(RULES)('%s', (_name, base, mutate, path, message) => {
    const issues = issuesAfter(base, mutate);
    const match = issues.find((i) => path.test(i.path) && message.test(i.message));
    expect(match).toBeDefined();
    expect(match!.hint.length).toBeGreaterThan(5);
  });
});

describe('boundaries', () => {
  it.each([
    ['1m', true],
    ['59s', false],
    ['24h', true],
    ['1441m', false],
  ])('token TTL %s accepted: %s', (ttl, ok) => {
    const issues = issuesAfter(waqiti, (p) => {
      p.environments.dev.auth.tokenTtl = ttl;
      p.environments.dev.auth.tokenMaxTtl = '48h';
    });
    expect(issues.some((i) => i.path === 'environments.dev.auth.tokenTtl')).toBe(!ok);
  });

  it.each([
    ['10s', true],
    ['9s', false],
    ['24h', true],
    ['24h1s', false],
    ['1h30m', true],
  ])('refresh interval %s accepted: %s', (interval, ok) => {
    const issues = issuesAfter(waqiti, (p) => (p.environments.dev.eso.refreshInterval = interval));
    expect(issues.some((i) => i.path === 'environments.dev.eso.refreshInterval')).toBe(!ok);
  });

  it.each([
    [2, false],
    [3, true],
  ])('%i replicas in prod accepted: %s', (replicas, ok) => {
    const issues = issuesAfter(waqiti, (p) => (p.environments.prod.replicas = replicas));
    expect(issues.some((i) => i.path === 'environments.prod.replicas')).toBe(!ok);
  });

  it('allows "*" service accounts in local and dev only', () => {
    const p = clone(waqiti);
    p.services[0].serviceAccounts = ['*'];
    const envs = platformIssues(p)
      .filter((i) => i.path === 'services[0].serviceAccounts')
      .map((i) => /in (\w+)$/.exec(i.message)![1]);
    expect(envs.sort()).toEqual(['prod', 'staging']);
  });
});

describe('reporting', () => {
  it('reports every problem at once, across schema and rules, each with a path and hint', () => {
    const p = clone(waqiti) as any;
    p.environments.prod.replicas = 1;
    p.services[0].reads.push('nope');
    p.operatorPolicy.grants[0].capabilities.push('admin');
    p.secrets[0].keys = 'password';
    const issues = platformIssues(p);
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['environments.prod.replicas', 'services[0].reads[6]', 'operatorPolicy.grants[0].capabilities[5]', 'secrets[0].keys']));
    for (const i of issues) expect(i.hint).not.toEqual('');
  });

  it('throws one PlatformConfigError listing every problem by platform', () => {
    const a = clone(waqiti);
    a.environments.prod.replicas = 1;
    const b = clone(pea);
    b.environments.staging.eso.refreshInterval = 'often';
    let error: unknown;
    try {
      validatePlatforms([a, b]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/2 problems/);
    expect(message).toMatch(/waqiti: environments\.prod\.replicas: prod runs 1 Vault replica/);
    expect(message).toMatch(/pea-forecast: environments\.staging\.eso\.refreshInterval/);
    expect(message).toMatch(/hint: /);
  });

  it('rejects two platforms with the same name', () => {
    expect(() => validatePlatforms([waqiti, clone(waqiti)])).toThrow(/platform "waqiti" is declared twice/);
  });
});
