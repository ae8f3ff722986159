/**
 * Rules that span fields, as one table checked in a single pass. Each rule reads the typed view of
 * the platform (`config/view.ts`: every field that passed its own schema check, nothing else), so a
 * malformed entry never stops a rule: its own fields are reported by the schema check, and the rule
 * still reports everything else. Every violation carries a field path and a hint.
 */
import { closest } from './aws-regions';
import { durationSeconds, goDurationSeconds } from './durations';
import { resolveNamespace } from './namespaces';
import {
  backupNamespace,
  BACKUP_PUSHER_SA,
  BACKUP_READER_SA,
  envVarName,
  ESO_NAMESPACE,
  ESO_SERVICE_ACCOUNT,
  injectorFileName,
  NameRegistry,
  registerPlatformNames,
  syncTargetName,
  VAULT_SERVICE_ACCOUNT,
  type NameCollision,
} from './names';
import { CAPABILITIES, K8S_NAME, REQUIRED_ENVIRONMENTS, VAULT_SEGMENT } from './schema';
import { findSecretLikeValues } from './secret-patterns';
import { isProductionGrade, KNOWN_TIERS, PRODUCTION_BY_DEFAULT } from './tier';
import { environmentsOf, present, type PlatformView } from './view';

export { resolveNamespace } from './namespaces';

/** One problem in a platform's configuration. */
export interface ConfigIssue {
  /** Where: a dotted path from the platform root, e.g. `services[2].serviceAccounts[0]`. */
  readonly path: string;
  /** What is wrong, with the value received. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

export type Report = (path: string, message: string, hint: string) => void;
type Rule = (p: PlatformView, report: Report) => void;

/** Environments where wildcard bindings are tolerated, unless they are production-grade. */
const WILDCARD_ENVIRONMENTS = new Set(['local', 'dev']);
/** Token TTL bounds for Kubernetes auth roles. */
export const TOKEN_TTL_RANGE = { min: 60, max: 24 * 3600 } as const;
export const TOKEN_MAX_TTL_MAX = 72 * 3600;
/** ESO refresh interval bounds. */
export const REFRESH_RANGE = { min: 10, max: 24 * 3600 } as const;
/** Namespaces no service may run in: Kubernetes' own. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
/** Mount paths Vault reserves (its system backend, auth methods, identity, cubbyhole, audit, token). */
export const RESERVED_MOUNTS = ['sys', 'auth', 'identity', 'cubbyhole', 'audit', 'token'] as const;
/** Path prefixes of an operator grant that reach Vault's own configuration: refused unless declared `privileged`. */
export const PRIVILEGED_PREFIXES = ['auth/', 'sys/'] as const;
/** Longest name part of an annotation key (`vault.hashicorp.com/agent-inject-template-<file>`). */
const ANNOTATION_NAME_MAX = 63;
/** Longest IAM role name. */
const IAM_ROLE_MAX = 64;

/** Problems with a path that must stay under the mount, or `undefined` when it is fine. */
function pathProblem(path: string): string | undefined {
  if (path === '') return 'must not be empty';
  if (path.startsWith('/') || path.endsWith('/')) return 'must not start or end with "/"';
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'must not contain "." or ".." segments, which leave the mount';
  if (segments.some((s) => s === '')) return 'must not contain an empty segment ("//")';
  if (segments[0] === 'data' || segments[0] === 'metadata') return 'must not start with "data/" or "metadata/": give the path under the mount';
  if (segments.some((s) => s.includes('*') || s.includes('+'))) return 'must not contain wildcards';
  const bad = segments.find((s) => !VAULT_SEGMENT.test(s));
  if (bad !== undefined) return `has an invalid segment "${bad}"`;
  return undefined;
}

/** Values listed more than once. */
function duplicates(values: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

const strings = (items: ReadonlyArray<string | undefined> | undefined): string[] => present(items).map(([s]) => s);

/** A secret's delivery, or none when malformed. */
const deliveryOf = (s: { delivery?: ReadonlyArray<string | undefined> } | undefined): string[] => strings(s?.delivery);

const RULES: Record<string, Rule> = {
  requiredEnvironments(p, report) {
    const names = new Set(Object.keys(p.environments ?? {}));
    for (const env of REQUIRED_ENVIRONMENTS) {
      if (!names.has(env)) {
        report(`environments.${env}`, `environment "${env}" is missing`, `every platform defines ${REQUIRED_ENVIRONMENTS.join(', ')}; start from standardEnvironments() in config/environments.ts`);
      }
    }
    if (p.environments?.local?.cluster === true) {
      report('environments.local.cluster', 'the local environment must not have a cluster', 'set cluster: false; local is only the Vault configuration, aimed at 127.0.0.1');
    }
  },

  tier(p, report) {
    for (const [env, e] of environmentsOf(p)) {
      if (!(KNOWN_TIERS as readonly string[]).includes(env) && e.productionGrade === undefined) {
        report(
          `environments.${env}.productionGrade`,
          `environment "${env}" does not say whether it is production-grade`,
          `add productionGrade: true (replicas, KMS unseal, TLS and backup rules apply) or productionGrade: false; only ${KNOWN_TIERS.join(', ')} have a default`,
        );
      }
      if ((PRODUCTION_BY_DEFAULT as readonly string[]).includes(env) && e.productionGrade === false) {
        report(`environments.${env}.productionGrade`, `${env} is declared not production-grade`, `${PRODUCTION_BY_DEFAULT.join(' and ')} are always production-grade; remove productionGrade, or use another environment name for a non-production copy`);
      }
    }
  },

  productionRules(p, report) {
    for (const [env, e] of environmentsOf(p)) {
      if (!isProductionGrade(env, e)) continue;
      const at = `environments.${env}`;
      const why = `${env} is production-grade`;
      if (e.replicas !== undefined && e.replicas < 3) report(`${at}.replicas`, `${env} runs ${e.replicas} Vault replica(s)`, `${why}: run at least 3 replicas for a Raft quorum that survives a node loss`);
      if (e.unseal?.type !== undefined && e.unseal.type !== 'awskms') report(`${at}.unseal`, `${env} uses ${e.unseal.type} unseal`, `${why}: auto-unseal with AWS KMS ({ type: 'awskms', region }); manual unseal keys do not survive a 3 a.m. restart`);
      if (e.tls?.source === 'none') report(`${at}.tls`, `${env} serves Vault without TLS`, `${why}: use cert-manager or an existing TLS secret`);
      if (e.aws?.replicaRegions !== undefined && e.aws.replicaRegions.length === 0) {
        report(`${at}.aws.replicaRegions`, `${env} has no backup replica regions`, `${why}: add at least one region other than the primary, e.g. "eu-central-1"`);
      }
      if (e.vaultAddress !== undefined && /^http:/i.test(e.vaultAddress)) {
        report(`${at}.vaultAddress`, `${env} reaches Vault over plain http (${e.vaultAddress})`, `${why}: use an https:// address; the token and every secret cross this connection`);
      }
      if (e.auth?.kubernetesHost !== undefined && /^http:/i.test(e.auth.kubernetesHost)) {
        report(`${at}.auth.kubernetesHost`, `${env} reviews tokens with the API server over plain http (${e.auth.kubernetesHost})`, `${why}: use the API server's https:// address`);
      }
      if (e.cluster === false) report(`${at}.cluster`, `${env} is production-grade but has no cluster`, 'a production-grade environment runs Vault in its cluster; set cluster: true or productionGrade: false');
    }
  },

  environments(p, report) {
    for (const [env, e] of environmentsOf(p)) {
      const at = `environments.${env}`;
      present(e.aws?.replicaRegions).forEach(([r, j]) => {
        if (r === e.aws?.primaryRegion) report(`${at}.aws.replicaRegions[${j}]`, `replica region "${r}" is the primary region`, 'replicas must be in other regions');
      });
      const ttl = durationSeconds(e.auth?.tokenTtl ?? '');
      const maxTtl = durationSeconds(e.auth?.tokenMaxTtl ?? '');
      if (ttl !== undefined && (ttl < TOKEN_TTL_RANGE.min || ttl > TOKEN_TTL_RANGE.max)) {
        report(`${at}.auth.tokenTtl`, `token TTL ${e.auth?.tokenTtl} is out of range`, 'must be between 1m and 24h');
      }
      if (maxTtl !== undefined && ttl !== undefined && (maxTtl < ttl || maxTtl > TOKEN_MAX_TTL_MAX)) {
        report(`${at}.auth.tokenMaxTtl`, `max TTL ${e.auth?.tokenMaxTtl} is out of range`, `must be at least tokenTtl (${e.auth?.tokenTtl}) and at most 72h`);
      }
      if (e.eso?.refreshInterval !== undefined) {
        const refresh = goDurationSeconds(e.eso.refreshInterval);
        if (refresh === undefined || refresh < REFRESH_RANGE.min || refresh > REFRESH_RANGE.max) {
          report(`${at}.eso.refreshInterval`, `refresh interval "${e.eso.refreshInterval}" is invalid`, 'a Go duration between 10s and 24h, e.g. "15s", "1h" or "1h30m"');
        }
      }
      if (e.cluster === false && env !== 'local') report(`${at}.cluster`, `${env} has no cluster`, 'only the local environment runs without a cluster');
      if (e.cluster === true && e.backend?.type === 'local') report(`${at}.backend`, `${env} keeps state in a local backend`, 'environments with a cluster use the S3 backend with locking');
      if (p.vault?.storage?.type === 'raft' && e.replicas !== undefined && e.replicas > 1 && e.replicas % 2 === 0) {
        report(`${at}.replicas`, `${env} runs ${e.replicas} Raft replicas, an even number`, 'use an odd number (1, 3, 5, 7 or 9): an even Raft cluster tolerates no more failures than one node fewer');
      }
      for (const [field, url] of [['vaultAddress', e.vaultAddress], ['auth.kubernetesHost', e.auth?.kubernetesHost]] as const) {
        if (url !== undefined && !/^https?:\/\/[^/?#\s]+/i.test(url)) report(`${at}.${field}`, `"${url}" is not an http(s) URL`, 'give an address such as "https://vault.vault.svc:8200"');
        else if (url !== undefined && /^https?:\/\/[^/]*@/i.test(url)) report(`${at}.${field}`, 'the URL carries credentials', 'remove "user:password@"; credentials never go in config');
      }
      const oidc = e.aws?.oidcProvider;
      if (oidc !== undefined) {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(oidc)) {
          report(`${at}.aws.oidcProvider`, `the OIDC provider "${oidc}" is a URL`, `give the host path without the scheme, e.g. "${oidc.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '')}"; IAM trust conditions use it as "<host path>:sub"`);
        } else if (e.cluster === true && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(\/[A-Za-z0-9._~-]+)*$/.test(oidc)) {
          report(`${at}.aws.oidcProvider`, `the OIDC provider "${oidc}" is not a host path`, 'give the cluster\'s IAM OIDC provider as host and path, e.g. "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"');
        }
      }
    }
  },

  consul(p, report) {
    const storage = p.vault?.storage;
    if (storage?.type === 'consul' && storage.address !== undefined && /:\/\/|\//.test(storage.address)) {
      report('vault.storage.address', `the Consul address "${storage.address}" is not a host and port`, 'give host:port without a scheme or path, e.g. "consul-server.consul.svc:8500"');
    }
  },

  mount(p, report) {
    const mount = p.kv?.mount;
    if (mount !== undefined && (RESERVED_MOUNTS as readonly string[]).includes(mount.toLowerCase())) {
      report('kv.mount', `mount path "${mount}" is reserved by Vault`, `choose a mount of the platform's own, e.g. "${p.name ?? 'platform'}"; ${RESERVED_MOUNTS.join(', ')} are Vault's`);
    }
  },

  secrets(p, report) {
    const mount = p.kv?.mount;
    const secrets = present(p.secrets);
    for (const [s, i] of secrets) {
      if (s.path !== undefined) {
        const problem = pathProblem(s.path);
        if (problem) report(`secrets[${i}].path`, `path "${s.path}" ${problem}`, 'give the path under the mount, e.g. "infrastructure/postgres"');
        if (mount && s.path.startsWith(`${mount}/`)) report(`secrets[${i}].path`, `path "${s.path}" repeats the mount "${mount}"`, `drop the leading "${mount}/"`);
      }
      const keys = present(s.keys);
      for (const key of duplicates(keys.map(([k]) => k))) report(`secrets[${i}].keys`, `key "${key}" is listed twice`, 'list each key once');
      for (const [key, j] of keys) {
        if (key === '.' || key === '..') report(`secrets[${i}].keys[${j}]`, `"${key}" is not a usable key name`, 'Kubernetes Secret keys and file names cannot be "." or ".."; name the key, e.g. "password"');
      }
      const byVar = new Map<string, number>();
      for (const [key, j] of keys) {
        const v = envVarName(key);
        const first = byVar.get(v);
        if (first !== undefined && keys[first][0] !== key) {
          report(`secrets[${i}].keys[${j}]`, `key "${key}" and secrets[${i}].keys[${first}] "${keys[first][0]}" both become the environment variable ${v}`, 'rename one key: the injector template turns keys into variable names (uppercase, other characters to "_")');
        } else if (first === undefined) byVar.set(v, j);
      }
      if (s.injectorTemplate === undefined && deliveryOf(s).includes('injector')) {
        for (const [key, j] of keys) {
          if (/^[0-9]/.test(key)) report(`secrets[${i}].keys[${j}]`, `key "${key}" becomes the environment variable ${envVarName(key)}, which starts with a digit`, 'start the key with a letter, or give an injectorTemplate');
        }
      }
      if (s.injectorTemplate !== undefined && s.path !== undefined && mount !== undefined) {
        const own = `${mount}/data/${s.path}`;
        for (const m of s.injectorTemplate.matchAll(/secret\s+"([^"]*)"/g)) {
          if (m[1] !== own) report(`secrets[${i}].injectorTemplate`, `the template reads "${m[1]}", not this secret's own path "${own}"`, `use {{- with secret "${own}" -}}: the service's policy grants exactly its own secrets`);
        }
        const declared = new Set(keys.map(([k]) => k));
        const used = [...s.injectorTemplate.matchAll(/\.Data\.data\.([A-Za-z0-9_]+)/g), ...s.injectorTemplate.matchAll(/index\s+\.Data\.data\s+"([^"]+)"/g)].map((m) => m[1]);
        for (const key of new Set(used)) {
          if (!declared.has(key)) report(`secrets[${i}].injectorTemplate`, `the template uses key "${key}", which is not in keys`, `declare "${key}" in keys, or fix the template (keys: ${[...declared].join(', ')})`);
        }
      }
      if (s.path !== undefined && deliveryOf(s).includes('injector')) {
        const annotation = `agent-inject-template-${injectorFileName(s.path)}`;
        if (annotation.length > ANNOTATION_NAME_MAX) {
          report(`secrets[${i}].path`, `the Agent Injector annotation "${annotation}" is ${annotation.length} characters, more than ${ANNOTATION_NAME_MAX}`, 'shorten the path (at most 41 characters once lowercased) or deliver it through ESO or CSI');
        }
      }
    }
    for (const path of duplicates(strings(secrets.map(([s]) => s.path)))) {
      report('secrets', `secret path "${path}" is declared twice`, 'merge the two entries, or give one a different path');
    }
  },

  services(p, report) {
    const services = present(p.services);
    for (const name of duplicates(strings(services.map(([s]) => s.name)))) {
      report('services', `service "${name}" is declared twice`, 'service names are unique per platform: they name Vault roles and policies');
    }
    for (const [svc, i] of services) {
      for (const sa of duplicates(strings(svc.serviceAccounts))) report(`services[${i}].serviceAccounts`, `service account "${sa}" is listed twice`, 'list each once');
      for (const path of duplicates(strings(svc.reads))) report(`services[${i}].reads`, `secret "${path}" is listed twice`, 'list each once');
      present(svc.serviceAccounts).forEach(([sa, j]) => {
        if (sa !== '*' && (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa) || sa.length > 253)) {
          report(`services[${i}].serviceAccounts[${j}]`, `"${sa}" is not a valid Kubernetes service account name`, 'use lowercase letters, digits, "-" and "."');
        }
      });
      if (svc.namespace === undefined) continue;
      const invalid = new Set<string>();
      for (const [env] of environmentsOf(p)) {
        const ns = resolveNamespace(svc.namespace, env);
        if (ns !== '*' && !K8S_NAME.test(ns)) invalid.add(`"${ns}" (in ${env})`);
      }
      if (invalid.size > 0) report(`services[${i}].namespace`, `namespace ${[...invalid].join(', ')} is not a valid Kubernetes name`, 'use lowercase letters, digits and "-", at most 63 characters; "{env}" is replaced by the environment name');
    }
  },

  identities(p, report) {
    const services = present(p.services);
    const platform = p.name;
    const vaultNs = p.vault?.namespace;
    const hasCritical = present(p.secrets).some(([s]) => s.criticality === 'critical');
    // Namespaces that belong to the platform's own components.
    const reservedNs = new Map<string, string>();
    if (vaultNs !== undefined) reservedNs.set(vaultNs, "Vault's namespace (vault.namespace)");
    reservedNs.set(ESO_NAMESPACE, "the External Secrets Operator's namespace");
    if (platform !== undefined && hasCritical) reservedNs.set(backupNamespace(platform), 'the backup namespace, which holds a copy of every critical secret');
    if (vaultNs !== undefined && (SYSTEM_NAMESPACES as readonly string[]).includes(vaultNs)) {
      report('vault.namespace', `Vault must not run in the "${vaultNs}" namespace`, `give Vault its own namespace, e.g. "vault"; ${SYSTEM_NAMESPACES.join(', ')} belong to Kubernetes`);
    }
    for (const [svc, i] of services) {
      present(svc.serviceAccounts).forEach(([sa, j]) => {
        if (sa === 'default') report(`services[${i}].serviceAccounts[${j}]`, `service "${svc.name}" binds the "default" service account`, 'every pod without a service account runs as "default"; give the service its own service account');
      });
      if (svc.namespace === undefined) continue;
      const hits = new Map<string, string[]>();
      for (const [env] of environmentsOf(p)) {
        const ns = resolveNamespace(svc.namespace, env);
        const why = (SYSTEM_NAMESPACES as readonly string[]).includes(ns) ? 'a Kubernetes system namespace' : reservedNs.get(ns);
        if (why) hits.set(`"${ns}", which is ${why}`, [...(hits.get(`"${ns}", which is ${why}`) ?? []), env]);
      }
      for (const [what, envs] of hits) report(`services[${i}].namespace`, `service "${svc.name}" runs in namespace ${what} (in ${envs.join(', ')})`, 'give the service a namespace of its own, e.g. "<platform>-<team>"');
    }
    // One identity (namespace + service account) may belong to one subject only.
    const found = new Map<string, { path: string; message: string; hint: string; envs: string[] }>();
    const note = (path: string, message: string, hint: string, env: string) => {
      const f = found.get(`${path}\u0000${message}`) ?? { path, message, hint, envs: [] };
      f.envs.push(env);
      found.set(`${path}\u0000${message}`, f);
    };
    for (const [env, e] of environmentsOf(p)) {
      const owners = new Map<string, { path: string; what: string }>();
      const claim = (ns: string, sa: string, path: string, what: string) => {
        const key = `${ns}/${sa}`;
        const first = owners.get(key);
        if (!first) owners.set(key, { path, what });
        else if (first.what !== what) note(path, `${what} binds service account "${sa}" in namespace "${ns}", which ${first.path ? `${first.what} (${first.path})` : first.what} already binds`, 'one service account in one namespace is one identity: give each service its own service account, or merge the services', env);
      };
      if (vaultNs !== undefined) claim(vaultNs, VAULT_SERVICE_ACCOUNT, '', "the Vault server's identity");
      claim(ESO_NAMESPACE, ESO_SERVICE_ACCOUNT, '', "the External Secrets Operator's identity");
      if (platform !== undefined && hasCritical && e.cluster !== false) {
        claim(backupNamespace(platform), BACKUP_READER_SA, '', 'the built-in backup reader');
        claim(backupNamespace(platform), BACKUP_PUSHER_SA, '', 'the built-in backup pusher');
      }
      const wildcards: Array<{ ns: string; sa: string; path: string; what: string }> = [];
      for (const [svc, i] of services) {
        if (svc.namespace === undefined || svc.name === undefined) continue;
        const ns = resolveNamespace(svc.namespace, env);
        present(svc.serviceAccounts).forEach(([sa, j]) => {
          const entry = { ns, sa, path: `services[${i}].serviceAccounts[${j}]`, what: `service "${svc.name}"` };
          if (ns === '*' || sa === '*') wildcards.push(entry);
          else claim(ns, sa, entry.path, entry.what);
        });
      }
      for (const w of wildcards) {
        const overlaps = [...owners.entries()].filter(([key, o]) => {
          const [ns, sa] = key.split('/');
          return o.what !== w.what && (w.ns === '*' || w.ns === ns) && (w.sa === '*' || w.sa === sa);
        });
        for (const [key, o] of overlaps.slice(0, 3)) note(w.path, `${w.what} binds "${w.ns}/${w.sa}", which includes "${key}" of ${o.what}${o.path ? ` (${o.path})` : ''}`, "a wildcard binding must not include another subject's service account; name the service accounts", env);
      }
    }
    for (const f of found.values()) report(f.path, `${f.message} (in ${f.envs.join(', ')})`, f.hint);
  },

  consumption(p, report) {
    const secretPaths = new Set(strings(present(p.secrets).map(([s]) => s.path)));
    const serviceNames = new Set(strings(present(p.services).map(([s]) => s.name)));
    // A malformed entry is reported by the schema; references to what it might have declared are not.
    const allSecretsKnown = (p.secrets ?? []).every((s) => s?.path !== undefined);
    const allServicesKnown = (p.services ?? []).every((s) => s?.name !== undefined);
    const unknownReads = new Set(strings(present(p.services).filter(([s]) => s.reads === undefined).map(([s]) => s.name)));
    const readers = new Map<string, Set<string>>();
    for (const [svc, i] of present(p.services)) {
      present(svc.reads).forEach(([path, j]) => {
        if (path.includes('*') || path.includes('+')) {
          report(`services[${i}].reads[${j}]`, `"${path}" is a wildcard; a service policy may only name the service's own secrets`, 'list each secret the service reads; if a broad grant is truly needed, declare it in broadGrants with a justification');
        } else if (!secretPaths.has(path) && allSecretsKnown) {
          const near = closest(path, secretPaths);
          report(`services[${i}].reads[${j}]`, `service "${svc.name}" reads "${path}", which is not a declared secret`, `${near ? `did you mean "${near}"? ` : ''}declare the secret in secrets[], or fix the path`);
        }
        if (svc.name !== undefined) readers.set(path, (readers.get(path) ?? new Set()).add(svc.name));
      });
    }
    for (const [s, i] of present(p.secrets)) {
      if (s.path === undefined) continue;
      const consumers = strings(s.consumers);
      for (const dup of duplicates(consumers)) report(`secrets[${i}].consumers`, `consumer "${dup}" is listed twice`, 'list each once');
      const actual = readers.get(s.path) ?? new Set<string>();
      if (actual.size === 0 && allServicesKnown && unknownReads.size === 0) report(`secrets[${i}]`, `secret "${s.path}" is consumed by no service`, "add it to a service's reads, or remove the secret");
      present(s.consumers).forEach(([c, j]) => {
        if (unknownReads.has(c)) return;
        if (!serviceNames.has(c)) {
          if (allServicesKnown) report(`secrets[${i}].consumers[${j}]`, `consumer "${c}" is not a declared service`, 'declare the service, or fix the name');
        } else if (!actual.has(c)) report(`secrets[${i}].consumers[${j}]`, `"${c}" is listed as a consumer of "${s.path}" but does not read it`, `add "${s.path}" to that service's reads, or drop the consumer`);
      });
      if (s.consumers !== undefined) {
        for (const reader of actual) {
          if (!consumers.includes(reader)) report(`secrets[${i}].consumers`, `service "${reader}" reads "${s.path}" but is not listed as a consumer`, `add "${reader}" to consumers`);
        }
      }
    }
  },

  wildcardBindings(p, report) {
    for (const [svc, i] of present(p.services)) {
      for (const [env, e] of environmentsOf(p)) {
        if (WILDCARD_ENVIRONMENTS.has(env) && !isProductionGrade(env, e)) continue;
        if (strings(svc.serviceAccounts).includes('*')) {
          report(`services[${i}].serviceAccounts`, `service "${svc.name}" binds every service account ("*") in ${env}`, 'wildcards are allowed only in local and dev (when not production-grade); name the service accounts');
        }
        if (svc.namespace !== undefined && resolveNamespace(svc.namespace, env) === '*') {
          report(`services[${i}].namespace`, `service "${svc.name}" binds every namespace ("*") in ${env}`, 'wildcards are allowed only in local and dev (when not production-grade); name the namespace');
        }
      }
    }
  },

  delivery(p, report) {
    const byPath = new Map(present(p.secrets).map(([s]) => [s.path, s] as const));
    for (const [s, i] of present(p.secrets)) {
      const d = deliveryOf(s);
      if (d.includes('injector') && p.vault?.injector === false) report(`secrets[${i}].delivery`, `secret "${s.path}" is delivered by the Agent Injector, which is disabled`, 'set vault.injector: true, or deliver it with "eso" or "csi"');
      if (d.includes('csi') && p.vault?.csi === false) report(`secrets[${i}].delivery`, `secret "${s.path}" is delivered by the CSI provider, which is disabled`, 'set vault.csi: true, or deliver it with "eso" or "injector"');
      for (const dup of duplicates(d)) report(`secrets[${i}].delivery`, `delivery "${dup}" is listed twice`, 'list each once');
    }
    for (const [svc, i] of present(p.services)) {
      const needsObjects = strings(svc.reads).some((path) => deliveryOf(byPath.get(path)).some((d) => d === 'eso' || d === 'csi'));
      if (!needsObjects) continue;
      if (svc.namespace?.includes('*')) report(`services[${i}].namespace`, `service "${svc.name}" receives secrets through ESO or CSI, whose objects need a real namespace, but its namespace is "${svc.namespace}"`, 'name the namespace');
      const first = svc.serviceAccounts?.[0];
      if (first === '*' && strings(svc.reads).some((path) => deliveryOf(byPath.get(path)).includes('eso'))) {
        report(`services[${i}].serviceAccounts[0]`, `the SecretStore of service "${svc.name}" logs in as its first service account, which is "*"`, 'list a real service account first');
      }
      for (const path of strings(svc.reads)) {
        if (svc.name !== undefined && deliveryOf(byPath.get(path)).includes('eso') && syncTargetName(svc.name, path).length > 253) {
          report(`services[${i}].reads`, `the ExternalSecret name "${syncTargetName(svc.name, path).slice(0, 40)}…" for "${path}" is longer than 253 characters`, 'shorten the service name or the secret path');
        }
      }
    }
  },

  operatorPolicy(p, report) {
    const known = new Set<string>(CAPABILITIES);
    const mount = p.kv?.mount;
    const grants = present(p.operatorPolicy?.grants);
    for (const [g, i] of grants) {
      const at = `operatorPolicy.grants[${i}]`;
      present(g.capabilities).forEach(([c, j]) => {
        if (!known.has(c)) report(`${at}.capabilities[${j}]`, `unknown capability "${c}"`, `use one of ${CAPABILITIES.join(', ')}`);
      });
      if (g.path === undefined) continue;
      const privileged = PRIVILEGED_PREFIXES.some((prefix) => g.path!.startsWith(prefix));
      if (g.path.split('/').some((s) => s === '..' || s === '.')) {
        report(`${at}.path`, `path "${g.path}" contains "." or ".." segments`, 'write the path without them');
      } else if (privileged && !g.privileged) {
        report(`${at}.path`, `a grant on "${g.path}" reaches Vault's own configuration (${PRIVILEGED_PREFIXES.join(', ')}), from which privileges can be escalated`, 'remove it; if the operators truly need it, declare it with privileged: { justification: "..." } so it is flagged in the access report');
      } else if (!privileged && mount !== undefined && !g.path.startsWith(`${mount}/`)) {
        report(`${at}.path`, `path "${g.path}" is outside the mount "${mount}/"`, `operator grants stay inside the platform's mount, e.g. "${mount}/data/*"`);
      }
      if (g.privileged && !privileged) report(`${at}.privileged`, `"privileged" is declared on "${g.path}", which is not an ${PRIVILEGED_PREFIXES.join(' or ')} path`, 'remove privileged: it is only for auth/ and sys/ grants');
      if (strings(g.capabilities).includes('sudo') && !(privileged && g.privileged)) {
        report(`${at}.capabilities`, 'the operator policy must not grant "sudo"', 'rotation needs create, read, update, delete and list; sudo is for root-protected system paths, declared as privileged grants');
      }
    }
    for (const path of duplicates(strings(grants.map(([g]) => g.path)))) report('operatorPolicy.grants', `path "${path}" is granted twice`, 'merge the capabilities into one grant');
  },

  broadGrants(p, report) {
    const serviceNames = new Set(strings(present(p.services).map(([s]) => s.name)));
    const mount = p.kv?.mount;
    for (const [g, i] of present(p.broadGrants)) {
      if (g.service !== undefined && !serviceNames.has(g.service) && (p.services ?? []).every((s) => s?.name !== undefined)) report(`broadGrants[${i}].service`, `"${g.service}" is not a declared service`, 'name a service from services[]');
      if (g.prefix === undefined || g.prefix === '') continue;
      const problem = g.prefix.endsWith('/') ? pathProblem(g.prefix.slice(0, -1)) : undefined;
      if (problem) report(`broadGrants[${i}].prefix`, `prefix "${g.prefix}" ${problem}`, 'give a prefix under the mount\'s data path, e.g. "payment-providers/"; the wildcard is implied');
      else if (!g.prefix.endsWith('/')) report(`broadGrants[${i}].prefix`, `prefix "${g.prefix}" does not end at a segment boundary, so "${g.prefix}*" also matches paths such as "${g.prefix}-other"`, `end the prefix with "/" ("${g.prefix}/"), or use "" for the whole mount`);
      else if (mount !== undefined && g.prefix.startsWith(`${mount}/`)) report(`broadGrants[${i}].prefix`, `prefix "${g.prefix}" repeats the mount "${mount}"`, `give it under the mount's data path: drop the leading "${mount}/"`);
    }
  },

  noSecretValues(p, report) {
    const walk = (value: unknown, path: string): void => {
      if (typeof value === 'string') {
        const found = findSecretLikeValues(value);
        if (found.length > 0) report(path, `looks like a literal secret value (${found.join(', ')})`, 'config holds names and metadata only; values are generated in Vault or filled out of band (see README, "How secret values get in")');
        if (/[$%]\{/.test(value)) report(path, 'contains "${" or "%{", which Terraform would evaluate as an expression', 'remove the template sequence; config is literal text');
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, `${path}[${i}]`));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      }
    };
    walk(p, '');
  },

  names(p, report) {
    const reg = new NameRegistry();
    registerPlatformNames(p, reg);
    reportCollisions(reg.collisions, report);
    const P = p.name;
    if (P !== undefined && present(p.secrets).some(([s]) => s.criticality === 'critical') && backupNamespace(P).length > 63) {
      report('name', `the backup namespace "${backupNamespace(P)}" is longer than 63 characters`, 'shorten the platform name to at most 48 characters');
    }
    if (P !== undefined) {
      for (const [env, e] of environmentsOf(p)) {
        const longest = `${P}-${env}-secrets-backup-push`;
        if (e.cluster === true && longest.length > IAM_ROLE_MAX) report(`environments.${env}`, `the IAM role name "${longest}" is longer than ${IAM_ROLE_MAX} characters`, 'shorten the platform or environment name');
      }
    }
  },
};

/**
 * Reports collisions once per pair of sources, at the later source (a field, never a built-in),
 * naming both sources, every name they share and every environment it happens in.
 */
export function reportCollisions(collisions: readonly NameCollision[], report: Report): void {
  const grouped = new Map<string, { c: NameCollision; names: string[]; envs: Set<string> }>();
  for (const c of collisions) {
    const key = [c.first.path, c.first.what, c.second.path, c.second.what].join('\u0000');
    const g = grouped.get(key) ?? { c, names: [], envs: new Set<string>() };
    const scope = /^k8s:(.+)$/.exec(c.scope);
    for (const env of c.envs ?? []) g.envs.add(env);
    const kind = c.kind === 'Secret' && c.first.path && c.second.path ? 'ExternalSecret and Secret' : c.kind;
    const name = `${kind} "${c.name}"${scope ? ` in namespace "${scope[1]}"` : ''}`;
    if (!g.names.some((n) => n.split(' in namespace')[0] === name.split(' in namespace')[0])) g.names.push(name);
    grouped.set(key, g);
  }
  for (const { c, names, envs } of grouped.values()) {
    const src = (s: NameCollision['first']) => (s.path ? `${s.what} (${s.path})` : s.what);
    const [later, earlier] = c.second.path ? [c.second, c.first] : [c.first, c.second];
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    report(
      later.path,
      `${src(later)} and ${src(earlier)} both produce ${shown}${envs.size > 0 ? ` (in ${[...envs].join(', ')})` : ''}`,
      later.what === earlier.what
        ? 'list it once'
        : earlier.path
        ? 'rename one of them so that their derived names differ: names are computed in config/names.ts, where paths are lowercased and "/" and other characters become "-"'
        : `rename ${later.what}: the name is taken by ${earlier.what}`,
    );
  }
}

/** Every cross-field problem in a platform, in rule order. A rule that fails is itself reported. */
export function checkRules(platform: PlatformView): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message, hint) => issues.push({ path, message, hint });
  for (const [name, rule] of Object.entries(RULES)) {
    try {
      rule(platform, report);
    } catch (err) {
      report('', `the "${name}" check could not run on this input (${err instanceof Error ? err.message : String(err)})`, 'fix the other problems listed; if this remains, it is a bug in config/rules.ts');
    }
  }
  return issues;
}
export const __RULES = RULES;
