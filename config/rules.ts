/**
 * Rules that span fields, as one table checked in a single pass. Each rule reads the platform as
 * given (possibly malformed: schema problems are reported separately, and a rule that trips over a
 * malformed shape is skipped) and reports every violation it finds, each with a field path and a hint.
 */
import { durationSeconds, goDurationSeconds } from './durations';
import { CAPABILITIES, K8S_NAME, REQUIRED_ENVIRONMENTS, VAULT_SEGMENT, type PlatformConfig } from './schema';
import { findSecretLikeValues } from './secret-patterns';
import { keyAdminArn, MIN_PRODUCTION_PUSH_SECONDS } from './security';
import { isProductionGrade } from './tier';

/** One problem in a platform's configuration. */
export interface ConfigIssue {
  /** Where: a dotted path from the platform root, e.g. `services[2].serviceAccounts[0]`. */
  readonly path: string;
  /** What is wrong, with the value received. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

type Report = (path: string, message: string, hint: string) => void;
type Rule = (p: PlatformConfig, report: Report) => void;

/** Environments where wildcard bindings are tolerated (never shared clusters). */
const WILDCARD_ENVIRONMENTS = new Set(['local', 'dev']);
/** Environments held to production standards. */
const PRODUCTION_LIKE = new Set(['staging', 'prod']);
/** Token TTL bounds for Kubernetes auth roles. */
export const TOKEN_TTL_RANGE = { min: 60, max: 24 * 3600 } as const;
export const TOKEN_MAX_TTL_MAX = 72 * 3600;
/** ESO refresh interval bounds. */
export const REFRESH_RANGE = { min: 10, max: 24 * 3600 } as const;

const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);
const envEntries = (p: PlatformConfig) => Object.entries(p.environments ?? {});

/** A service's namespace in one environment (`{env}` replaced). */
export function resolveNamespace(template: string, env: string): string {
  return template.split('{env}').join(env);
}

/** Problems with a path that must stay under the mount, or `undefined` when it is fine. */
function pathProblem(path: string): string | undefined {
  if (path.startsWith('/') || path.endsWith('/')) return 'must not start or end with "/"';
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'must not contain "." or ".." segments, which leave the mount';
  if (segments[0] === 'data' || segments[0] === 'metadata') return 'must not start with "data/" or "metadata/": give the path under the mount';
  if (segments.some((s) => s.includes('*') || s.includes('+'))) return 'must not contain wildcards';
  const bad = segments.find((s) => !VAULT_SEGMENT.test(s));
  if (bad !== undefined) return `has an invalid segment "${bad}"`;
  return undefined;
}

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

const RULES: Record<string, Rule> = {
  requiredEnvironments(p, report) {
    for (const env of REQUIRED_ENVIRONMENTS) {
      if (!(env in (p.environments ?? {}))) {
        report(`environments.${env}`, `environment "${env}" is missing`, `every platform defines ${REQUIRED_ENVIRONMENTS.join(', ')}; start from config/environments.ts`);
      }
    }
    const local = p.environments?.local;
    if (local && local.cluster) {
      report('environments.local.cluster', 'the local environment must not have a cluster', 'set cluster: false; local is only the Vault configuration, aimed at 127.0.0.1');
    }
  },

  secretPaths(p, report) {
    list(p.secrets).forEach((s, i) => {
      const problem = pathProblem(s.path ?? '');
      if (problem) report(`secrets[${i}].path`, `path "${s.path}" ${problem}`, 'give the path under the mount, e.g. "infrastructure/postgres"');
      if (p.kv?.mount && s.path?.startsWith(`${p.kv.mount}/`)) {
        report(`secrets[${i}].path`, `path "${s.path}" repeats the mount "${p.kv.mount}"`, `drop the leading "${p.kv.mount}/"`);
      }
      for (const key of duplicates(list(s.keys))) report(`secrets[${i}].keys`, `key "${key}" is listed twice`, 'list each key once');
    });
    for (const path of duplicates(list(p.secrets).map((s) => s.path))) {
      report('secrets', `secret path "${path}" is declared twice`, 'merge the two entries, or give one a different path');
    }
  },

  serviceNames(p, report) {
    for (const name of duplicates(list(p.services).map((s) => s.name))) {
      report('services', `service "${name}" is declared twice`, 'service names are unique per platform: they name Vault roles and policies');
    }
    list(p.services).forEach((svc, i) => {
      for (const sa of duplicates(list(svc.serviceAccounts))) report(`services[${i}].serviceAccounts`, `service account "${sa}" is listed twice`, 'list each once');
      for (const path of duplicates(list(svc.reads))) report(`services[${i}].reads`, `secret "${path}" is listed twice`, 'list each once');
      list(svc.serviceAccounts).forEach((sa, j) => {
        if (sa !== '*' && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa)) {
          report(`services[${i}].serviceAccounts[${j}]`, `"${sa}" is not a valid Kubernetes service account name`, 'use lowercase letters, digits, "-" and "."');
        }
      });
      for (const [env] of envEntries(p)) {
        const ns = resolveNamespace(svc.namespace ?? '', env);
        if (ns !== '*' && !K8S_NAME.test(ns)) {
          report(`services[${i}].namespace`, `namespace "${ns}" (in ${env}) is not a valid Kubernetes name`, 'use lowercase letters, digits and "-"; "{env}" is replaced by the environment name');
        }
      }
    });
  },

  consumption(p, report) {
    const secretPaths = new Set(list(p.secrets).map((s) => s.path));
    const serviceNames = new Set(list(p.services).map((s) => s.name));
    const readers = new Map<string, Set<string>>();
    list(p.services).forEach((svc, i) => {
      list(svc.reads).forEach((path, j) => {
        if (path.includes('*')) {
          report(`services[${i}].reads[${j}]`, `"${path}" is a wildcard; a service policy may only name the service's own secrets`, 'list each secret the service reads; if a broad grant is truly needed, declare it in broadGrants with a justification');
        } else if (!secretPaths.has(path)) {
          report(`services[${i}].reads[${j}]`, `service "${svc.name}" reads "${path}", which is not a declared secret`, 'declare the secret in secrets[], or fix the path');
        }
        readers.set(path, (readers.get(path) ?? new Set()).add(svc.name));
      });
    });
    list(p.secrets).forEach((s, i) => {
      const consumers = list(s.consumers);
      const actual = readers.get(s.path) ?? new Set<string>();
      if (actual.size === 0) {
        report(`secrets[${i}]`, `secret "${s.path}" is consumed by no service`, 'add it to a service\'s reads, or remove the secret');
      }
      consumers.forEach((c, j) => {
        if (!serviceNames.has(c)) report(`secrets[${i}].consumers[${j}]`, `consumer "${c}" is not a declared service`, 'declare the service, or fix the name');
        else if (!actual.has(c)) report(`secrets[${i}].consumers[${j}]`, `"${c}" is listed as a consumer of "${s.path}" but does not read it`, `add "${s.path}" to that service's reads, or drop the consumer`);
      });
      for (const reader of actual) {
        if (!consumers.includes(reader)) report(`secrets[${i}].consumers`, `service "${reader}" reads "${s.path}" but is not listed as a consumer`, `add "${reader}" to consumers`);
      }
    });
  },

  wildcardBindings(p, report) {
    list(p.services).forEach((svc, i) => {
      for (const [env] of envEntries(p)) {
        if (WILDCARD_ENVIRONMENTS.has(env)) continue;
        if (list(svc.serviceAccounts).includes('*')) {
          report(`services[${i}].serviceAccounts`, `service "${svc.name}" binds every service account ("*") in ${env}`, 'wildcards are allowed only in local and dev; name the service accounts');
        }
        if (resolveNamespace(svc.namespace ?? '', env) === '*') {
          report(`services[${i}].namespace`, `service "${svc.name}" binds every namespace ("*") in ${env}`, 'wildcards are allowed only in local and dev; name the namespace');
        }
      }
    });
  },

  capabilities(p, report) {
    const known = new Set<string>(CAPABILITIES);
    const mount = p.kv?.mount;
    list(p.operatorPolicy?.grants).forEach((g, i) => {
      list(g.capabilities).forEach((c, j) => {
        if (!known.has(c)) report(`operatorPolicy.grants[${i}].capabilities[${j}]`, `unknown capability "${c}"`, `use one of ${CAPABILITIES.join(', ')}`);
      });
      if (mount && !(g.path ?? '').startsWith(`${mount}/`)) {
        report(`operatorPolicy.grants[${i}].path`, `path "${g.path}" is outside the mount "${mount}/"`, `operator grants stay inside the platform's mount, e.g. "${mount}/data/*"`);
      } else if ((g.path ?? '').split('/').some((s) => s === '..')) {
        report(`operatorPolicy.grants[${i}].path`, `path "${g.path}" leaves the mount`, 'remove ".." segments');
      }
      if (list(g.capabilities).includes('sudo')) {
        report(`operatorPolicy.grants[${i}].capabilities`, 'the operator policy must not grant "sudo"', 'rotation needs create, read, update, delete and list; sudo is for root-protected system paths');
      }
    });
  },

  broadGrants(p, report) {
    const serviceNames = new Set(list(p.services).map((s) => s.name));
    list(p.broadGrants).forEach((g, i) => {
      if (!serviceNames.has(g.service)) report(`broadGrants[${i}].service`, `"${g.service}" is not a declared service`, 'name a service from services[]');
      if (g.prefix !== '') {
        const problem = pathProblem(g.prefix.replace(/\/$/, ''));
        if (problem) report(`broadGrants[${i}].prefix`, `prefix "${g.prefix}" ${problem}`, 'give a prefix under the mount, e.g. "payment-providers/"; the wildcard is implied');
      }
    });
  },

  environments(p, report) {
    for (const [env, e] of envEntries(p)) {
      const at = `environments.${env}`;
      if (PRODUCTION_LIKE.has(env)) {
        if (e.replicas < 3) report(`${at}.replicas`, `${env} runs ${e.replicas} Vault replica(s)`, 'staging and prod need at least 3 replicas for a Raft quorum that survives a node loss');
        if (e.unseal?.type !== 'awskms') report(`${at}.unseal`, `${env} uses ${e.unseal?.type} unseal`, 'staging and prod auto-unseal with AWS KMS; manual unseal keys do not survive a 3 a.m. restart');
        if (e.tls?.source === 'none') report(`${at}.tls`, `${env} serves Vault without TLS`, 'use cert-manager or an existing TLS secret');
      }
      if (env === 'prod' && list(e.aws?.replicaRegions).length === 0) {
        report(`${at}.aws.replicaRegions`, 'prod has no backup replica regions', 'add at least one region other than the primary, e.g. "eu-central-1"');
      }
      list(e.aws?.replicaRegions).forEach((r, j) => {
        if (r === e.aws?.primaryRegion) report(`${at}.aws.replicaRegions[${j}]`, `replica region "${r}" is the primary region`, 'replicas must be in other regions');
      });
      const ttl = durationSeconds(e.auth?.tokenTtl ?? '');
      const maxTtl = durationSeconds(e.auth?.tokenMaxTtl ?? '');
      if (ttl !== undefined && (ttl < TOKEN_TTL_RANGE.min || ttl > TOKEN_TTL_RANGE.max)) {
        report(`${at}.auth.tokenTtl`, `token TTL ${e.auth.tokenTtl} is out of range`, 'must be between 1m and 24h');
      }
      if (maxTtl !== undefined && ttl !== undefined && (maxTtl < ttl || maxTtl > TOKEN_MAX_TTL_MAX)) {
        report(`${at}.auth.tokenMaxTtl`, `max TTL ${e.auth.tokenMaxTtl} is out of range`, `must be at least tokenTtl (${e.auth.tokenTtl}) and at most 72h`);
      }
      const refresh = goDurationSeconds(e.eso?.refreshInterval ?? '');
      if (refresh === undefined || refresh < REFRESH_RANGE.min || refresh > REFRESH_RANGE.max) {
        report(`${at}.eso.refreshInterval`, `refresh interval "${e.eso?.refreshInterval}" is invalid`, 'a Go duration between 10s and 24h, e.g. "15s", "1h" or "1h30m"');
      }
      if (e.cluster === false && env !== 'local') {
        report(`${at}.cluster`, `${env} has no cluster`, 'only the local environment runs without a cluster');
      }
      if (e.cluster && e.backend?.type !== 's3') {
        report(`${at}.backend`, `${env} keeps state in a local backend`, 'environments with a cluster use the S3 backend with locking');
      }
    }
  },

  consulStorageSecurity(p, report) {
    const storage = p.vault?.storage;
    if (storage?.type !== 'consul') return;
    const production = envEntries(p).filter(([name, e]) => isProductionGrade(name, e)).map(([name]) => name);
    if (production.length === 0) return;
    const where = production.join(', ');
    if (!storage.security?.tls) {
      report('vault.storage.security.tls', `Consul storage is plain HTTP, and ${where} ${production.length === 1 ? 'is' : 'are'} production-grade`, 'set security.tls.caSecret (a Secret in Vault\'s namespace with ca.crt), plus clientCertSecret if Consul verifies clients; point address at the HTTPS port (8501)');
    }
    if (!storage.security?.aclTokenSecret) {
      report('vault.storage.security.aclTokenSecret', `Consul storage has no ACL token, and ${where} ${production.length === 1 ? 'is' : 'are'} production-grade`, 'set security.aclTokenSecret to the Secret (name and key) holding a token with key:write on the path, session:write, service:write and agent:read; it is delivered as CONSUL_HTTP_TOKEN, never written in config');
    }
  },

  operatorPolicySplit(p, report) {
    const mount = p.kv?.mount;
    if (!mount) return;
    list(p.operatorPolicy?.grants).forEach((g, i) => {
      const caps = list(g.capabilities);
      const at = `operatorPolicy.grants[${i}].capabilities`;
      if ((g.path ?? '').startsWith(`${mount}/data/`) && caps.includes('read')) {
        report(at, `the operator (rotation) policy reads secret values on "${g.path}"`, 'rotation writes new versions: grant create and update; people who must read a value use a service role or break glass');
      }
      if ((g.path ?? '').startsWith(`${mount}/metadata/`) && caps.includes('delete')) {
        report(at, `the operator policy permanently deletes on "${g.path}"`, 'metadata delete destroys every version: move it to breakGlassPolicy');
      }
      if ((g.path ?? '').startsWith(`${mount}/destroy/`)) {
        report(`operatorPolicy.grants[${i}].path`, `the operator policy destroys versions on "${g.path}"`, 'move destroy to breakGlassPolicy');
      }
    });
    const bg = p.breakGlassPolicy;
    if (!bg) return;
    const taken = new Set([p.operatorPolicy?.name, ...list(p.services).map((s) => `${p.name}-${s.name}`)]);
    if (taken.has(bg.name)) report('breakGlassPolicy.name', `policy name "${bg.name}" is already taken`, 'give the break-glass policy its own name, e.g. "<platform>-break-glass"');
    list(bg.grants).forEach((g, i) => {
      if (!(g.path ?? '').startsWith(`${mount}/`)) report(`breakGlassPolicy.grants[${i}].path`, `path "${g.path}" is outside the mount "${mount}/"`, `break-glass grants stay inside the platform's mount, e.g. "${mount}/metadata/*"`);
      if (list(g.capabilities).includes('sudo')) report(`breakGlassPolicy.grants[${i}].capabilities`, 'the break-glass policy must not grant "sudo"', 'permanent deletion needs delete on metadata/ and update on destroy/');
      list(g.capabilities).forEach((c, j) => {
        if (!(CAPABILITIES as readonly string[]).includes(c)) report(`breakGlassPolicy.grants[${i}].capabilities[${j}]`, `unknown capability "${c}"`, `use one of ${CAPABILITIES.join(', ')}`);
      });
    });
  },

  awsKeyAccess(p, report) {
    for (const [env, e] of envEntries(p)) {
      if (!e.aws) continue;
      const at = `environments.${env}.aws`;
      const admin = keyAdminArn(p, e);
      const account = (arn: string) => arn.split(':')[4];
      if (account(admin) !== e.aws.accountId) {
        report(`${at}.keyAdminArn`, `key admin "${admin}" is in account ${account(admin)}, not ${e.aws.accountId}`, 'name a role in the account that holds the keys');
      }
      const own = ['vault-unseal', 'secrets-backup-push', 'secrets-backup-restore', 'vault-snapshot'].map((r) => `:role/${p.name}-${env}-${r}`);
      if (own.some((suffix) => admin.endsWith(suffix))) {
        report(`${at}.keyAdminArn`, `key admin "${admin}" is a role the platform creates to use the keys`, 'administration stays apart from use: name the role that applies the AWS layers');
      }
      list(e.aws.restorePrincipalArns).forEach((arn, j) => {
        if (arn === admin) report(`${at}.restorePrincipalArns[${j}]`, `the key admin "${arn}" may also restore`, 'administration stays apart from use: name the on-call or restore-job role instead');
        if (account(arn) !== e.aws.accountId) report(`${at}.restorePrincipalArns[${j}]`, `"${arn}" is in account ${account(arn)}, not ${e.aws.accountId}`, 'restores run from the account that holds the backups');
      });
    }
  },

  backupPushInterval(p, report) {
    for (const [env, e] of envEntries(p)) {
      if (e.backupPushInterval === undefined) continue;
      const seconds = goDurationSeconds(e.backupPushInterval);
      if (seconds === undefined) continue; // the schema reports the format
      const at = `environments.${env}.backupPushInterval`;
      if (seconds < 60 || seconds > 24 * 3600) report(at, `push interval "${e.backupPushInterval}" is out of range`, 'between 1m and 24h');
      else if (isProductionGrade(env, e) && seconds < MIN_PRODUCTION_PUSH_SECONDS) {
        report(at, `push interval "${e.backupPushInterval}" lets a bad write replace a good backup within minutes in a production-grade environment`, 'use at least 1h; AWS keeps the previous version as AWSPREVIOUS');
      }
    }
  },

  snapshotsInProduction(p, report) {
    for (const [env, e] of envEntries(p)) {
      if (e.cluster && isProductionGrade(env, e) && e.snapshots?.enabled === false) {
        report(`environments.${env}.snapshots.enabled`, `${env} is production-grade and takes no storage snapshots`, 'keep snapshots on: the Secrets Manager backups hold only critical secrets, a snapshot holds all of Vault');
      }
    }
  },

  applyIdentity(p, report) {
    for (const [env, e] of envEntries(p)) {
      const at = `environments.${env}.applyIdentity`;
      const a = e.applyIdentity;
      if (!a) {
        if (isProductionGrade(env, e)) report(at, `${env} is production-grade and has no CI apply identity`, 'declare applyIdentity (a JWT/OIDC role for CI holding only the Terraform policy) so the vault-config layer is not applied with a root token');
        continue;
      }
      if (Object.keys(a.boundClaims ?? {}).length === 0) report(`${at}.boundClaims`, 'no bound claims: any token from the issuer could apply', 'bind at least the repository, e.g. { repository: "org/repo", environment: "prod" }');
      if (e.cluster && !a.oidcDiscoveryUrl) report(`${at}.oidcDiscoveryUrl`, `${env} has a cluster but no OIDC discovery URL`, 'give the CI issuer\'s discovery URL, e.g. "https://token.actions.githubusercontent.com"; only local takes a public key variable');
    }
  },

  noSecretValues(p, report) {
    const walk = (value: unknown, path: string): void => {
      if (typeof value === 'string') {
        const found = findSecretLikeValues(value);
        if (found.length > 0) report(path, `looks like a literal secret value (${found.join(', ')})`, 'config holds names and metadata only; values are generated in Vault or filled out of band (see README, "How secret values get in")');
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, `${path}[${i}]`));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      }
    };
    walk(p, '');
  },
};

/** Every cross-field problem in a platform, in rule order. */
export function checkRules(platform: PlatformConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message, hint) => issues.push({ path, message, hint });
  for (const rule of Object.values(RULES)) {
    try {
      rule(platform, report);
    } catch {
      // The shape this rule needs is malformed; the schema check has reported that already.
    }
  }
  return issues;
}
