/**
 * Rules that span fields, as one table checked in a single pass. Each rule reads the platform as
 * given (possibly malformed: schema problems are reported separately, and a rule that trips over a
 * malformed shape is skipped) and reports every violation it finds, each with a field path and a hint.
 */
import { durationSeconds, goDurationSeconds } from './durations';
import { CAPABILITIES, K8S_NAME, REQUIRED_ENVIRONMENTS, VAULT_SEGMENT, type PlatformConfig } from './schema';
import { findSecretLikeValues } from './secret-patterns';
import { resolveSecurity } from './security';
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

// ---- Security review (issue 11): rules for the cluster-side findings -------------------------------

/** Namespaces the platform itself runs in, where no service may be bound. */
const platformNamespaces = (p: PlatformConfig) =>
  new Map([
    [p.vault?.namespace, 'the Vault namespace (it holds the server certificate and key)'],
    ['external-secrets-system', 'the ESO namespace (its service account may mint tokens for every consumer)'],
    [`${p.name}-secrets-backup`, 'the backup namespace (it holds every critical secret)'],
  ]);

/** Size in MiB of a storage quantity such as `10Gi`. */
const quantityMiB = (q: string): number | undefined => {
  const m = /^([0-9]+)(Mi|Gi|Ti)$/.exec(q);
  return m ? Number(m[1]) * { Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[m[2] as 'Mi' | 'Gi' | 'Ti'] : undefined;
};

const SECURITY_RULES: Record<string, Rule> = {
  /** Finding 1: one service per namespace in production-grade environments, unless declared. */
  sharedNamespaces(p, report) {
    const declarations = list(p.sharedNamespaces);
    for (const [env, e] of envEntries(p)) {
      const groups = new Map<string, number[]>();
      list(p.services).forEach((svc, i) => {
        const ns = resolveNamespace(svc.namespace ?? '', env);
        groups.set(ns, [...(groups.get(ns) ?? []), i]);
      });
      if (!isProductionGrade(env, e)) continue;
      for (const [ns, members] of groups) {
        if (members.length < 2 || ns === '*') continue;
        const names = members.map((i) => p.services[i].name);
        const declared = declarations.findIndex((d) => resolveNamespace(d.namespace ?? '', env) === ns);
        if (declared < 0) {
          report(`services[${members[1]}].namespace`, `namespace "${ns}" (in ${env}) is shared by ${names.join(', ')}; anyone who can create a pod there can read all of their secrets`, 'give each service its own namespace, or declare the sharing in sharedNamespaces with a justification (it is flagged in the access report)');
          continue;
        }
        const listed = new Set(list(declarations[declared].services));
        const missing = names.filter((n) => !listed.has(n));
        if (missing.length > 0) {
          report(`sharedNamespaces[${declared}].services`, `namespace "${ns}" (in ${env}) also holds ${missing.join(', ')}, which the declaration does not list`, 'list every service of the namespace, so the declaration shows the whole blast radius');
        }
      }
    }
    const seen = new Set<string>();
    declarations.forEach((d, i) => {
      if (seen.has(d.namespace)) report(`sharedNamespaces[${i}].namespace`, `namespace "${d.namespace}" is declared twice`, 'declare each shared namespace once');
      seen.add(d.namespace);
      list(d.services).forEach((name, j) => {
        const svc = list(p.services).find((s) => s.name === name);
        if (!svc) report(`sharedNamespaces[${i}].services[${j}]`, `"${name}" is not a declared service`, 'name a service from services[]');
        else if (svc.namespace !== d.namespace) report(`sharedNamespaces[${i}].services[${j}]`, `service "${name}" runs in "${svc.namespace}", not in "${d.namespace}"`, 'drop it from the declaration, or fix the namespace');
      });
      const inNamespace = list(p.services).filter((s) => s.namespace === d.namespace).length;
      if (inNamespace < 2) report(`sharedNamespaces[${i}]`, `namespace "${d.namespace}" is declared shared but holds ${inNamespace} service(s)`, 'remove the stale declaration: the namespace no longer needs one');
    });
  },

  /** Findings 1, 11, 12: no service bound in the Vault, ESO or backup namespace. */
  platformNamespaces(p, report) {
    const reserved = platformNamespaces(p);
    list(p.services).forEach((svc, i) => {
      for (const [env] of envEntries(p)) {
        const why = reserved.get(resolveNamespace(svc.namespace ?? '', env));
        if (why) {
          report(`services[${i}].namespace`, `service "${svc.name}" runs in ${why}`, 'run services in their own namespaces; the platform\'s namespaces hold only the platform');
          return;
        }
      }
    });
  },

  /** Findings 4, 5, 13: NetworkPolicies, metrics, UI and audit rotation per environment. */
  clusterHardening(p, report) {
    for (const [env, e] of envEntries(p)) {
      if (!e.cluster) continue;
      const at = `environments.${env}.security`;
      const s = resolveSecurity(env, e);
      if (s.productionGrade && !s.networkPolicies) {
        report(`${at}.networkPolicies`, `${env} turns the NetworkPolicies off`, 'production-grade environments keep Vault, ESO and the backup namespace behind NetworkPolicies');
      }
      if (s.unauthenticatedMetrics && !s.networkPolicies) {
        report(`${at}.unauthenticatedMetrics`, `${env} serves Vault metrics without a token and without a NetworkPolicy`, 'turn networkPolicies on (only monitoringNamespaces then reach port 8200 for metrics), or set unauthenticatedMetrics: false and give Prometheus a token');
      }
      if (s.productionGrade && s.ui) {
        report(`${at}.ui`, `${env} serves the Vault UI`, 'the UI is off in production-grade environments; use the CLI or the API');
      }
      const auditMiB = quantityMiB(e.storage?.auditSize ?? '');
      const needed = s.audit.rotateAtMiB * (s.audit.keep + 1);
      if (s.audit.file && auditMiB !== undefined && needed > auditMiB * (s.audit.volumeAlertPercent / 100)) {
        report(`${at}.audit`, `the rotated audit files need ${needed} MiB (rotateAtMiB × (keep + 1)), more than ${s.audit.volumeAlertPercent}% of the ${e.storage.auditSize} audit volume`, 'lower rotateAtMiB or keep, or grow storage.auditSize, so that rotation alone never trips the volume alert');
      }
    }
  },

  /** Finding 13: per-consumer token TTLs within the environment's bounds. */
  serviceTokens(p, report) {
    list(p.services).forEach((svc, i) => {
      const ttl = svc.token?.ttl ? durationSeconds(svc.token.ttl) : undefined;
      const max = svc.token?.maxTtl ? durationSeconds(svc.token.maxTtl) : undefined;
      if (ttl !== undefined && (ttl < TOKEN_TTL_RANGE.min || ttl > TOKEN_TTL_RANGE.max)) {
        report(`services[${i}].token.ttl`, `token TTL ${svc.token!.ttl} is out of range`, 'must be between 1m and 24h');
      }
      if (max !== undefined && (max > TOKEN_MAX_TTL_MAX || (ttl !== undefined && max < ttl))) {
        report(`services[${i}].token.maxTtl`, `max TTL ${svc.token!.maxTtl} is out of range`, 'must be at least the TTL and at most 72h');
      }
    });
  },
};

/** Every cross-field problem in a platform, in rule order. */
export function checkRules(platform: PlatformConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message, hint) => issues.push({ path, message, hint });
  for (const rule of [...Object.values(RULES), ...Object.values(SECURITY_RULES)]) {
    try {
      rule(platform, report);
    } catch {
      // The shape this rule needs is malformed; the schema check has reported that already.
    }
  }
  return issues;
}
