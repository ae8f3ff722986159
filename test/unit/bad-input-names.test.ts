/**
 * Bad input, classes 1 and 3-5 (derived names, production tier, identities, cross-field checks),
 * each case run through the app exactly as cdktf.json runs it: exit 1, the problem with its field
 * path and hint, no stack trace, nothing written. Accepted boundaries are checked in-process.
 */
import { validatePlatforms } from '../../config/validate';
import { PLATFORMS } from '../../config/platforms';
import { expectProblem, runMutated } from '../support/bad-input';
import { clone } from '../support/synth';

type Row = [label: string, mutate: string, path: string, message: RegExp, hint: RegExp, platform?: string];

const W = `const w = named('waqiti');`;
const copy = (expr: string) => `JSON.parse(JSON.stringify(${expr}))`;
/** An extra WAQITI environment copied from staging, with its own state key. */
const extraEnv = (name: string, extra = '') => `${W} w.environments[${JSON.stringify(name)}] = { ...${copy('w.environments.staging')}, backend: { ...w.environments.staging.backend, keyPrefix: 'waqiti/${name}' }${extra} };`;

describe('1. derived names: every collision is refused, naming both sources', () => {
  const rows: Row[] = [
    [
      'secret paths that differ only by case',
      `${W} w.secrets.push({ ...${copy("secret(w, 'infrastructure/redis')")}, path: 'Infrastructure/Redis', consumers: ['redis'] }); service(w, 'redis').reads.push('Infrastructure/Redis');`,
      'services[6].reads[1]',
      /service "redis" reading "Infrastructure\/Redis" \(services\[6\]\.reads\[1\]\) and service "redis" reading "infrastructure\/redis" \(services\[6\]\.reads\[0\]\) both produce .*ExternalSecret and Secret "redis-infrastructure-redis" in namespace "waqiti-data"/,
      /rename one of them/,
    ],
    [
      'secret paths that differ by "/" versus "-"',
      `${W} w.secrets.push({ ...${copy("secret(w, 'infrastructure/redis')")}, path: 'infrastructure-redis', consumers: ['redis'] }); service(w, 'redis').reads.push('infrastructure-redis');`,
      'services[6].reads[1]',
      /both produce construct id "sync-redis-infrastructure-redis"/,
      /rename one of them/,
    ],
    [
      'secret paths that differ by "/" versus "--" (construct ids)',
      `${W} w.secrets.push({ ...${copy("secret(w, 'infrastructure/postgres')")}, path: 'infrastructure--postgres', consumers: ['postgres'] }); service(w, 'postgres').reads.push('infrastructure--postgres');`,
      'secrets[16].path',
      /secret "infrastructure--postgres" \(secrets\[16\]\.path\) and secret "infrastructure\/postgres" \(secrets\[0\]\.path\) both produce construct id "generated-infrastructure--postgres"/,
      /rename one of them/,
    ],
    [
      'a service named like the built-in backup reader',
      `${W} w.services.push({ name: 'backup-reader', namespace: 'waqiti-tools', serviceAccounts: ['tools'], reads: ['auth'] }); secret(w, 'auth').consumers.push('backup-reader');`,
      'services[11].name',
      /service "backup-reader" \(services\[11\]\.name\) and the built-in backup reader .* both produce Vault policy "waqiti-backup-reader", Vault role "waqiti-backup-reader"/,
      /rename service "backup-reader"/,
    ],
    [
      'a service named like the operator policy',
      `${W} w.services.push({ name: 'operator', namespace: 'waqiti-tools', serviceAccounts: ['tools'], reads: ['auth'] }); secret(w, 'auth').consumers.push('operator');`,
      'services[11].name',
      /service "operator" \(services\[11\]\.name\) and the operator policy \(operatorPolicy\.name\) both produce Vault policy "waqiti-operator"/,
      /rename one of them/,
    ],
    [
      "an operator policy named like Vault's root policy",
      `${W} w.operatorPolicy.name = 'root';`,
      'operatorPolicy.name',
      /the operator policy \(operatorPolicy\.name\) and Vault's built-in "root" policy both produce Vault policy "root"/,
      /rename the operator policy/,
    ],
    [
      "a platform × environment pair equal to another platform's",
      `${W} w.environments['qa-dev'] = { ...${copy('w.environments.dev')}, productionGrade: false, backend: { ...w.environments.dev.backend, keyPrefix: 'waqiti/qa-dev' } };
       const q = ${copy("named('pea-forecast')")}; q.name = 'waqiti-qa';
       for (const [env, e] of Object.entries(q.environments)) if (e.backend.type === 's3') e.backend = { ...e.backend, bucket: 'waqiti-qa-state', keyPrefix: 'waqiti-qa/' + env };
       platforms.push(q);`,
      'environments.dev',
      /platform "waqiti-qa", environment "dev" and platform "waqiti", environment "qa-dev" \(environments\.qa-dev\) produce the same platform × environment name "waqiti-qa-dev", stack "waqiti-qa-dev-unseal"/,
      /rename the platform or the environment/,
      'waqiti-qa',
    ],
    [
      'a replica region listed twice',
      `${W} w.environments.prod.aws.replicaRegions.push('eu-central-1');`,
      'environments.prod.aws.replicaRegions[2]',
      /replica region "eu-central-1" \(environments\.prod\.aws\.replicaRegions\[2\]\) and replica region "eu-central-1" \(environments\.prod\.aws\.replicaRegions\[0\]\) both produce aws provider alias "aws-eu-central-1"/,
      /list it once/,
    ],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint, platform = 'waqiti') => {
    expectProblem(runMutated(mutate), { platform, path, message, hint });
  });
});

describe('3. the production tier is declared, and no production-grade environment escapes its rules', () => {
  const rows: Row[] = [
    ['an extra environment that does not declare its tier', extraEnv('production'), 'environments.production.productionGrade', /environment "production" does not say whether it is production-grade/, /productionGrade: true/],
    ['a production-grade extra environment with 1 replica', extraEnv('production', ', productionGrade: true, replicas: 1'), 'environments.production.replicas', /production runs 1 Vault replica/, /production is production-grade: run at least 3 replicas/],
    ['a production-grade extra environment with Shamir unseal', extraEnv('production', ", productionGrade: true, unseal: { type: 'shamir' }"), 'environments.production.unseal', /production uses shamir unseal/, /AWS KMS/],
    ['a production-grade extra environment without TLS', extraEnv('production', ", productionGrade: true, tls: { source: 'none' }"), 'environments.production.tls', /production serves Vault without TLS/, /cert-manager/],
    ['a production-grade extra environment without replica regions', extraEnv('production', ', productionGrade: true, aws: { ...w.environments.staging.aws, replicaRegions: [] }'), 'environments.production.aws.replicaRegions', /production has no backup replica regions/, /add at least one region/],
    ['dev declared production-grade with 1 replica', `${W} w.environments.dev.productionGrade = true;`, 'environments.dev.replicas', /dev runs 1 Vault replica/, /dev is production-grade/],
    ['prod declared not production-grade', `${W} w.environments.prod.productionGrade = false;`, 'environments.prod.productionGrade', /prod is declared not production-grade/, /always production-grade/],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint) => {
    expectProblem(runMutated(mutate), { platform: 'waqiti', path, message, hint });
  });

  it.each([
    ['a non-production extra environment with 1 replica and Shamir unseal', false],
    ['a production-grade extra environment with 3 replicas, KMS, TLS and a replica region', true],
  ])('accepts %s', (_label, productionGrade) => {
    const platforms = clone(PLATFORMS) as any[];
    const w = platforms[0];
    w.environments.qa = { ...clone(w.environments.staging), productionGrade, backend: { ...w.environments.staging.backend, keyPrefix: 'waqiti/qa' } };
    if (!productionGrade) Object.assign(w.environments.qa, { replicas: 1, unseal: { type: 'shamir' }, tls: { source: 'none' } });
    expect(() => validatePlatforms(platforms)).not.toThrow();
  });
});

describe('4. identities', () => {
  const rows: Row[] = [
    ['a "default" service account', `${W} w.services[0].serviceAccounts.push('default');`, 'services[0].serviceAccounts[1]', /binds the "default" service account/, /its own service account/],
    ['the kube-system namespace', `${W} w.services[0].namespace = 'kube-system';`, 'services[0].namespace', /runs in namespace "kube-system", which is a Kubernetes system namespace \(in local, dev, staging, prod\)/, /a namespace of its own/],
    ['the kube-public namespace', `${W} w.services[0].namespace = 'kube-public';`, 'services[0].namespace', /"kube-public", which is a Kubernetes system namespace/, /a namespace of its own/],
    ['the default namespace', `${W} w.services[0].namespace = 'default';`, 'services[0].namespace', /"default", which is a Kubernetes system namespace/, /a namespace of its own/],
    ['the backup namespace', `${W} w.services[0].namespace = 'waqiti-secrets-backup';`, 'services[0].namespace', /"waqiti-secrets-backup", which is the backup namespace/, /a namespace of its own/],
    [
      'two services bound to one service account in one namespace',
      `${W} w.services[1].serviceAccounts = ['payment-service'];`,
      'services[1].serviceAccounts[0]',
      /service "wallet-service" binds service account "payment-service" in namespace "waqiti-system", which service "payment-service" \(services\[0\]\.serviceAccounts\[0\]\) already binds/,
      /one service account in one namespace is one identity/,
    ],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint) => {
    expectProblem(runMutated(mutate), { platform: 'waqiti', path, message, hint });
  });

  it('accepts the same service account name in two namespaces', () => {
    const platforms = clone(PLATFORMS) as any[];
    platforms[0].services[7].serviceAccounts = ['redis'];
    expect(() => validatePlatforms(platforms)).not.toThrow();
  });
});

describe('5. cross-checks between fields', () => {
  const rows: Row[] = [
    ['a state key shared by two environments', `${W} w.environments.staging.backend.keyPrefix = 'waqiti/prod';`, 'environments.prod.backend.keyPrefix', /produce the same state file "s3:\/\/waqiti-terraform-state\/waqiti\/prod\/unseal\.tfstate"/, /its own backend keyPrefix/],
    ['a state bucket shared by two platforms', `named('pea-forecast').environments.prod.backend.bucket = 'waqiti-terraform-state';`, 'environments.prod.backend.bucket', /state bucket "waqiti-terraform-state" is also used by platform "waqiti"/, /its own state bucket/, 'pea-forecast'],
    ['an http Vault address in prod', `${W} w.environments.prod.vaultAddress = 'http://vault.vault.svc:8200';`, 'environments.prod.vaultAddress', /prod reaches Vault over plain http/, /https:\/\//],
    ['an OIDC provider given as a URL', `${W} w.environments.prod.aws.oidcProvider = 'https://oidc.eks.eu-west-1.amazonaws.com/id/WAQITI-PROD';`, 'environments.prod.aws.oidcProvider', /is a URL/, /"oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/WAQITI-PROD"/],
    ['a region that is not an AWS region', `${W} w.environments.prod.aws.primaryRegion = 'eu-west-4';`, 'environments.prod.aws.primaryRegion', /"eu-west-4" is not an AWS region \(did you mean "eu-west-1"\?\)/, /an AWS region such as/],
    ['a replica region that is not an AWS region', `${W} w.environments.prod.aws.replicaRegions[0] = 'us-east-9';`, 'environments.prod.aws.replicaRegions[0]', /"us-east-9" is not an AWS region/, /an AWS region such as/],
    ['injector delivery while the injector is disabled', `${W} w.secrets[0].delivery = ['eso', 'injector'];`, 'secrets[0].delivery', /delivered by the Agent Injector, which is disabled/, /vault\.injector: true/],
    ['CSI delivery while CSI is disabled', `${W} w.secrets[0].delivery = ['csi'];`, 'secrets[0].delivery', /delivered by the CSI provider, which is disabled/, /vault\.csi: true/],
    ['an even number of Raft replicas (would crash the Vault construct)', `${W} w.environments.prod.replicas = 4;`, 'environments.prod.replicas', /prod runs 4 Raft replicas, an even number/, /odd number/],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint, platform = 'waqiti') => {
    expectProblem(runMutated(mutate), { platform, path, message, hint });
  });

  it.each([['eu-west-3'], ['ap-southeast-7'], ['us-gov-west-1']])('accepts the AWS region %s', (region) => {
    const platforms = clone(PLATFORMS) as any[];
    platforms[0].environments.prod.aws.replicaRegions = [region];
    expect(() => validatePlatforms(platforms)).not.toThrow();
  });
});
