/**
 * Bad input, classes 2 and 6-10 (the platforms module, policy escape hatches, key names,
 * secret-looking values, prototype keys, reporting), each case run through the app exactly as
 * cdktf.json runs it: exit 1, the problem with its field path and hint, no stack trace, nothing
 * written. Accepted boundaries are checked in-process.
 */
import { join } from 'node:path';
import { buildAccessReport } from '../../config/access-report';
import { planPlatform } from '../../config/plan';
import { PLATFORMS } from '../../config/platforms';
import { findSecretLikeValues } from '../../config/secret-patterns';
import { platformIssues, validatePlatforms } from '../../config/validate';
import { expectCleanRejection, expectProblem, printedIssues, runModuleText, runMutated } from '../support/bad-input';
import { runApp } from '../support/run-app';
import { clone } from '../support/synth';

type Row = [label: string, mutate: string, path: string, message: RegExp, hint: RegExp];

const W = `const w = named('waqiti');`;
const PLATFORMS_INDEX = JSON.stringify(join(__dirname, '..', '..', 'config', 'platforms'));

describe('2. the platforms module: one clean error, nothing written', () => {
  it.each([
    ['PLATFORMS is null', 'exports.PLATFORMS = null;', /PLATFORMS in .* must be a list of platforms, received null/, /export const PLATFORMS/],
    ['PLATFORMS is an object', 'exports.PLATFORMS = { waqiti: {} };', /must be a list of platforms, received an object/, /export const PLATFORMS/],
    ['PLATFORMS is a string', "exports.PLATFORMS = 'waqiti';", /must be a list of platforms, received "waqiti"/, /export const PLATFORMS/],
    ['PLATFORMS is missing', 'exports.platforms = [];', /does not export PLATFORMS \(it exports "platforms"\)/, /export the list by that name/],
    ['PLATFORMS is empty', 'exports.PLATFORMS = [];', /PLATFORMS in .* is empty: there is nothing to synthesize/, /add at least one platform/],
    ['the module throws', "throw new Error('cannot read inventory');", /failed to load: cannot read inventory/, /loads on its own/],
    ['the module does not compile', 'exports.PLATFORMS = [', /failed to load/, /loads on its own/],
  ])('%s', (_label, text, message, hint) => {
    const run = runModuleText(text);
    expectCleanRejection(run);
    expect(run.stderr).toMatch(/^Invalid platforms module: /);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(new RegExp(`hint: .*${hint.source}`));
  });

  it('a module path that does not exist', () => {
    const run = runApp({ VSP_PLATFORMS_MODULE: '/nonexistent/platforms.ts' });
    expectCleanRejection(run);
    expect(run.stderr).toMatch(/the platforms module \/nonexistent\/platforms\.ts does not exist\n {2}hint: set VSP_PLATFORMS_MODULE to an existing/);
  });

  it.each([
    ['null', 'null', /a platform must be an object, received null/],
    ['a number', '42', /a platform must be an object, received 42/],
    ['a list', '[]', /a platform must be an object, received a list of 0 items/],
  ])('an entry that is %s, next to a valid platform', (_label, entry, message) => {
    const run = runModuleText(`const { PLATFORMS } = require(${PLATFORMS_INDEX});\nexports.PLATFORMS = [PLATFORMS[0], ${entry}];`);
    expectProblem(run, { platform: 'platforms[1]', path: '', message, hint: /PlatformConfig object/ });
  });

  it('an unknown VSP_ONLY pair', () => {
    const run = runApp({ VSP_ONLY: 'waqiti-production' });
    expectCleanRejection(run);
    expect(run.stderr).toMatch(/Invalid VSP_ONLY: "waqiti-production" is not a platform × environment pair\n {2}hint: use <platform>-<env>, one of waqiti-local/);
  });
});

describe('6. policy escape hatches', () => {
  const rows: Row[] = [
    ['a broad-grant prefix that does not end at a segment boundary', `${W} w.broadGrants.push({ service: 'grafana', prefix: 'monitoring', justification: 'dashboards read every monitoring credential' });`, 'broadGrants[0].prefix', /does not end at a segment boundary/, /end the prefix with "\/" \("monitoring\/"\)/],
    ['a broad-grant prefix that leaves the mount', `${W} w.broadGrants.push({ service: 'grafana', prefix: '../sys/', justification: 'dashboards read every monitoring credential' });`, 'broadGrants[0].prefix', /"\." or "\.\." segments/, /under the mount's data path/],
    ['a broad-grant prefix under metadata/', `${W} w.broadGrants.push({ service: 'grafana', prefix: 'metadata/', justification: 'dashboards read every monitoring credential' });`, 'broadGrants[0].prefix', /must not start with "data\/" or "metadata\/"/, /under the mount's data path/],
    ['the sys mount', `${W} w.kv.mount = 'sys'; w.operatorPolicy.grants = [{ path: 'sys/data/*', capabilities: ['read'] }];`, 'kv.mount', /mount path "sys" is reserved by Vault/, /sys, auth, identity, cubbyhole/],
    ['the auth mount', `${W} w.kv.mount = 'auth';`, 'kv.mount', /mount path "auth" is reserved by Vault/, /a mount of the platform's own/],
    ['the identity mount', `${W} w.kv.mount = 'identity';`, 'kv.mount', /"identity" is reserved by Vault/, /a mount of the platform's own/],
    ['the cubbyhole mount', `${W} w.kv.mount = 'cubbyhole';`, 'kv.mount', /"cubbyhole" is reserved by Vault/, /a mount of the platform's own/],
    ['an undeclared operator grant on sys/', `${W} w.operatorPolicy.grants.push({ path: 'sys/policies/acl/*', capabilities: ['update'] });`, 'operatorPolicy.grants[2].path', /reaches Vault's own configuration/, /privileged: \{ justification/],
    ['an undeclared operator grant on auth/', `${W} w.operatorPolicy.grants.push({ path: 'auth/kubernetes/role/*', capabilities: ['update'] });`, 'operatorPolicy.grants[2].path', /"auth\/kubernetes\/role\/\*" reaches Vault's own configuration/, /flagged in the access report/],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint) => {
    expectProblem(runMutated(mutate), { platform: 'waqiti', path, message, hint });
  });

  it('accepts a declared privileged grant and flags it in the access report', () => {
    const platforms = clone(PLATFORMS) as any[];
    platforms[0].operatorPolicy.grants.push({ path: 'sys/leases/revoke-prefix/waqiti/*', capabilities: ['update', 'sudo'], privileged: { justification: 'incident response revokes leaked leases' } });
    const [w] = validatePlatforms(platforms);
    const report = buildAccessReport(planPlatform(w, 'prod'));
    expect(report.flags).toContain('PRIVILEGED GRANT: waqiti-operator may update, sudo on sys/leases/revoke-prefix/waqiti/* (incident response revokes leaked leases)');
  });

  it('accepts a broad grant ending at a segment boundary, and the whole mount', () => {
    const platforms = clone(PLATFORMS) as any[];
    platforms[0].broadGrants.push({ service: 'grafana', prefix: 'monitoring/', justification: 'dashboards read every monitoring credential' });
    platforms[0].broadGrants.push({ service: 'prometheus', prefix: '', justification: 'scrapes every exporter credential' });
    expect(() => validatePlatforms(platforms)).not.toThrow();
  });
});

describe('7. key names', () => {
  const rows: Row[] = [
    ['"." as a key', `${W} w.secrets[0].keys.push('.');`, 'secrets[0].keys[1]', /"\." is not a usable key name/, /cannot be "\." or "\.\."/],
    ['".." as a key', `${W} w.secrets[0].keys.push('..');`, 'secrets[0].keys[1]', /"\.\." is not a usable key name/, /name the key/],
    ['keys that differ by "-" versus "_"', `${W} w.secrets[2].keys.push('admin_password');`, 'secrets[2].keys[2]', /key "admin_password" and secrets\[2\]\.keys\[1\] "admin-password" both become the environment variable ADMIN_PASSWORD/, /rename one key/],
    ['keys that differ by case', `${W} w.secrets[0].keys.push('PASSWORD');`, 'secrets[0].keys[1]', /both become the environment variable PASSWORD/, /rename one key/],
    ['keys that differ by "." versus "-"', `${W} w.secrets[11].keys.push('tls-crt');`, 'secrets[11].keys[2]', /key "tls-crt" and secrets\[11\]\.keys\[0\] "tls\.crt" both become the environment variable TLS_CRT/, /rename one key/],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint) => {
    expectProblem(runMutated(mutate), { platform: 'waqiti', path, message, hint });
  });

  it.each([['.env'], ['..data'], ['a.b']])('accepts the key %s', (key) => {
    const platforms = clone(PLATFORMS) as any[];
    platforms[0].secrets[0].keys.push(key);
    expect(() => validatePlatforms(platforms)).not.toThrow();
  });
});

describe('8. secret-looking values', () => {
  const rows: Row[] = [
    ['an AWS secret access key (contains "/")', `${W} w.secrets[0].description = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';`, 'secrets[0].description', /AWS secret access key/, /config holds names and metadata only/],
    ['a URL with a 2-character password', `${W} w.secrets[0].description = 'postgres://app:pw@db.internal:5432/payments';`, 'secrets[0].description', /URL with embedded password/, /values are generated in Vault or filled out of band/],
    ['a URL with a 1-character password and no user', `${W} w.secrets[1].description = 'redis://:x@redis:6379';`, 'secrets[1].description', /URL with embedded password/, /config holds names/],
    ['a 32-digit hex key', `${W} w.secrets[4].description = 'data key 4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c';`, 'secrets[4].description', /long hex key/, /config holds names/],
    ['a 64-digit hex key in a source', `${W} w.secrets[5].origin.source = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';`, 'secrets[5].origin.source', /long hex key/, /config holds names/],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint) => {
    const run = runMutated(mutate);
    expectProblem(run, { platform: 'waqiti', path, message, hint });
    expect(run.stderr).not.toMatch(/wJalrXUtnFEMI|:pw@|4f3c2a1b9d8e|9f86d081884c/);
  });

  it.each([['client-secret'], ['webhook-secret'], ['aws-secret-access-key'], ['private_key'], ['db-password'], ['AWS_SECRET_ACCESS_KEY']])('does not mistake the key name %s for a value', (key) => {
    expect(findSecretLikeValues(key)).toEqual([]);
    const platforms = clone(PLATFORMS) as any[];
    platforms[0].secrets[6].keys = ['client-id', key];
    expect(() => validatePlatforms(platforms)).not.toThrow();
  });

  it.each([
    ['a template reference in a URL', 'postgresql://{{.Data.data.username}}:{{.Data.data.password}}@db:5432/x'],
    ['an EKS OIDC provider id', 'oidc.eks.eu-west-1.amazonaws.com/id/B2C0E4F1A8D94C3E5F6A7B8C9D0E1F2A'],
    ['a labelled digest', 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
  ])('does not mistake %s for a value', (_label, text) => {
    expect(findSecretLikeValues(text)).toEqual([]);
  });
});

describe('9. prototype keys', () => {
  const rows: Row[] = [
    ['"__proto__" as an environment name', `${W} w.environments = JSON.parse(JSON.stringify(w.environments).replace('"dev":', '"__proto__":'));`, 'environments.__proto__', /"__proto__" cannot be used as a key/, /built-in property of every JavaScript object/],
    ['"constructor" as an environment name', `${W} w.environments.constructor = { ...JSON.parse(JSON.stringify(w.environments.dev)), productionGrade: false };`, 'environments.constructor', /"constructor" cannot be used as a key/, /rename it/],
    ['"__proto__" in an object literal (a custom prototype)', `${W} w.secrets[0] = { __proto__: { criticality: 'standard' }, ...w.secrets[0] };`, 'secrets[0]', /is not a plain object: it has a custom prototype/, /without "__proto__"/],
    ['"__proto__" as a field of a secret', `${W} w.secrets[0] = JSON.parse(JSON.stringify(w.secrets[0]).replace('{', '{"__proto__": {"value": "x"},'));`, 'secrets[0].__proto__', /"__proto__" cannot be used as a key/, /rename it/],
  ];
  it.each(rows)('%s', (_label, mutate, path, message, hint) => {
    expectProblem(runMutated(mutate), { platform: 'waqiti', path, message, hint });
  });
});

describe('10. reporting', () => {
  it('reports every problem when entries are malformed, with no generic message', () => {
    const run = runMutated(`${W}
      w.services[0] = 'payment-service';
      w.services[1].reads = 'auth';
      w.services[3].serviceAccounts.push('default');
      w.environments.prod.replicas = 1;
      w.environments.staging.aws = null;
      w.environments.Prod = {};
      w.secrets[3].origin = { kind: 'random' };
      w.secrets[0].value = 'x';
      w.kv = [];`);
    expectCleanRejection(run);
    const issues = printedIssues(run.stderr);
    const at = (path: string) => issues.filter((i) => i.path === path);
    expect(at('services[0]')[0].message).toBe('expected an object, received "payment-service"');
    expect(at('services[0]')[0].hint).toMatch(/a service: \{ name, namespace, serviceAccounts, reads \}/);
    expect(at('services[1].reads')[0].message).toBe('expected a list, received "auth"');
    expect(at('services[3].serviceAccounts[1]')[0].message).toMatch(/binds the "default" service account/);
    expect(at('environments.prod.replicas')[0].message).toMatch(/prod runs 1 Vault replica/);
    expect(at('environments.staging.aws')[0].message).toBe('expected an object, received null');
    expect(at('environments.Prod')[0].message).toBe('"Prod" is not a valid environment name');
    expect(at('secrets[3].origin.kind')[0].message).toBe('"kind" must be one of "generated", "external", received "random"');
    expect(at('secrets[0].value')[0]).toMatchObject({ message: 'unknown field "value"', hint: expect.stringMatching(/the fields here are path, keys, consumers/) });
    expect(at('kv')[0].hint).toMatch(/\{ mount, maxVersions, casRequired, deleteVersionAfter \}/);
    // A malformed entry causes no knock-on reports about what it might have declared.
    expect(issues.filter((i) => /payment-service" is not a declared service|consumed by no service/.test(i.message))).toEqual([]);
    expect(run.stderr).not.toMatch(/Invalid key in record|see config\/schema\.ts|expected object|Invalid input|Unrecognized key/);
    for (const i of issues) expect(i.hint.length).toBeGreaterThan(10);
  });

  it.each([
    ['a missing field', (p: any) => delete p.secrets[0].owner, 'secrets[0].owner', '"owner" is missing', /add owner: the accountable team/],
    ['a number in quotes', (p: any) => (p.environments.prod.replicas = '3'), 'environments.prod.replicas', 'expected a number, received "3"', /write 3 without quotes/],
    ['an account id as a number', (p: any) => (p.environments.prod.aws.accountId = 111122223333), 'environments.prod.aws.accountId', 'expected a string, received 111122223333', /write it in quotes/],
    ['a misspelt field', (p: any) => (p.secrets[0].owners = 'x'), 'secrets[0].owners', 'unknown field "owners"', /did you mean "owner"\?/],
    ['a length below its bound', (p: any) => (p.secrets[0].origin.length = 15), 'secrets[0].origin.length', 'must be at least 16 (received 15)', /from 16 to 256/],
    ['a length above its bound', (p: any) => (p.secrets[0].origin.length = 257), 'secrets[0].origin.length', 'must be at most 256 (received 257)', /from 16 to 256/],
    ['an empty key list', (p: any) => (p.secrets[0].keys = []), 'secrets[0].keys', 'must list at least one entry', /a list of key names/],
    ['a secret-looking value in a wrong-typed field', (p: any) => (p.environments.prod.replicas = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), 'environments.prod.replicas', 'expected a number, received a string that looks like a secret value (not shown)', /Vault server pods/],
  ])('says what is wrong and how to fix it: %s', (_label, mutate, path, message, hint) => {
    const p = clone(PLATFORMS[0]) as any;
    mutate(p);
    const issue = platformIssues(p).find((i) => i.path === path);
    expect(issue).toMatchObject({ message });
    expect(issue!.hint).toMatch(hint);
  });
});
