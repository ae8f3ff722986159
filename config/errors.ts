/**
 * Schema problems in words: what is wrong (with the value received, never a secret-looking one)
 * and how to fix it (what the field takes, with an example). zod's generic messages ("Invalid key
 * in record", "expected object") never reach the user.
 */
import { z } from 'zod';
import { closest } from './aws-regions';
import type { ConfigIssue } from './rules';
import { findSecretLikeValues } from './secret-patterns';
import { PROTOTYPE_KEYS } from './view';

/** What each field takes, by field name, with an example. */
const FIELD_HELP: Record<string, string> = {
  name: 'a Kubernetes name (lowercase letters, digits and "-", at most 63 characters), e.g. "payment-service"',
  displayName: 'a human-readable name, e.g. "WAQITI payments platform"',
  kv: 'the KV v2 mount: { mount, maxVersions, casRequired, deleteVersionAfter }',
  mount: 'one Vault path segment, e.g. "waqiti"',
  maxVersions: 'a whole number from 1 to 100, e.g. 10',
  casRequired: 'true or false',
  deleteVersionAfter: '"0s" to keep every version, or a duration such as "90d"',
  vault: 'the Vault server: { namespace, storage, injector, csi }',
  namespace: 'a Kubernetes namespace, e.g. "waqiti-system" ("{env}" in a service namespace is replaced by the environment name)',
  storage: 'for vault: { type: "raft" } or { type: "consul", address, path }; for an environment: { dataSize, auditSize }',
  injector: 'true or false (deploy the Vault Agent Injector)',
  csi: 'true or false (deploy the Vault CSI provider)',
  secrets: 'a list of secrets, each { path, keys, consumers, origin, rotationPeriod, owner, criticality, delivery }',
  path: 'a path such as "infrastructure/postgres"',
  keys: 'a list of key names, e.g. ["username", "password"]',
  consumers: 'a list of the service names that read the secret',
  origin: '{ kind: "generated", length, charset, generation } or { kind: "external", source }',
  length: 'characters per generated value, a whole number from 16 to 256',
  charset: '"alphanumeric", "alphanumeric-symbols" or "lowercase-alphanumeric"',
  generation: 'a whole number from 1; bump it to rotate',
  rotationPeriod: 'a duration such as "90d"',
  owner: 'the accountable team, e.g. "team-payments"',
  criticality: '"critical" (backed up to AWS Secrets Manager) or "standard"',
  delivery: 'a list of "eso", "injector" and "csi", e.g. ["eso"]',
  description: 'free text, at most 300 characters',
  injectorTemplate: 'a consul-template that references values as {{ .Data.data.<key> }}',
  services: 'a list of services, each { name, namespace, serviceAccounts, reads }',
  serviceAccounts: 'a list of service account names, e.g. ["payment-service"]',
  reads: 'a list of secret paths declared in secrets[], e.g. ["auth"]',
  operatorPolicy: '{ name, holders, grants }',
  holders: 'who holds the policy, e.g. "platform on-call and the CI rotation job"',
  grants: 'a list of { path, capabilities }, e.g. [{ path: "waqiti/data/*", capabilities: ["read", "list"] }]',
  capabilities: 'a list of Vault capabilities, e.g. ["read", "list"]',
  privileged: '{ justification: "why the operators need this path" }',
  justification: 'why, in 10 to 300 characters',
  broadGrants: 'a list of { service, prefix, justification }; usually []',
  service: 'the name of a service in services[]',
  prefix: 'a prefix under the mount ending in "/", e.g. "payment-providers/", or "" for the whole mount',
  environments: 'an object keyed by environment name (local, dev, staging, prod, ...); standardEnvironments() in config/environments.ts builds the usual four',
  productionGrade: 'true or false',
  cluster: 'true (Vault runs in a Kubernetes cluster) or false (local only)',
  vaultAddress: 'a URL such as "https://vault.vault.svc:8200"',
  replicas: 'Vault server pods: an odd whole number from 1 to 9 (at least 3 when production-grade)',
  dataSize: 'a size such as "10Gi"',
  auditSize: 'a size such as "10Gi"',
  storageClass: 'a storage class name; leave it out for the cluster default',
  tls: '{ source: "cert-manager", issuer: { name, kind } }, { source: "secret", secretName } or { source: "none" }',
  issuer: '{ name: "vault-ca", kind: "ClusterIssuer" }',
  secretName: 'the name of a Kubernetes TLS secret, e.g. "vault-tls"',
  unseal: '{ type: "awskms", region } or { type: "shamir" }',
  region: 'an AWS region such as "eu-west-1"',
  primaryRegion: 'an AWS region such as "eu-west-1"',
  replicaRegions: 'a list of AWS regions other than the primary, e.g. ["eu-central-1"]',
  aws: '{ accountId, primaryRegion, replicaRegions, oidcProvider }',
  accountId: 'a 12-digit AWS account id as a string, e.g. "111122223333"',
  oidcProvider: 'the host path of the cluster\'s IAM OIDC provider, e.g. "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"',
  eso: '{ refreshInterval }',
  refreshInterval: 'a Go duration from 10s to 24h, e.g. "15s" or "1h30m"',
  auth: '{ tokenTtl, tokenMaxTtl, audience, kubernetesHost }',
  tokenTtl: 'a duration from 1m to 24h, e.g. "1h"',
  tokenMaxTtl: 'a duration up to 72h and at least tokenTtl, e.g. "24h"',
  audience: 'the audience of service account tokens, e.g. "vault"',
  kubernetesHost: 'the API server URL, e.g. "https://kubernetes.default.svc:443"',
  backupRecoveryWindowDays: 'a whole number of days from 7 to 30',
  backend: '{ type: "s3", bucket, region, keyPrefix } or { type: "local", dir }',
  bucket: 'an S3 bucket name, e.g. "waqiti-terraform-state"',
  keyPrefix: 'a key prefix such as "waqiti/prod"',
  dir: 'a folder such as "state"',
  address: 'the Consul address, e.g. "consul-server.consul.svc:8500"',
};

const EXPECTED: Record<string, string> = { string: 'a string', number: 'a number', boolean: 'true or false', object: 'an object', array: 'a list', record: 'an object', int: 'a whole number' };

/** A value as the user wrote it, short, and never a secret-looking string. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') {
    if (findSecretLikeValues(v).length > 0) return 'a string that looks like a secret value (not shown)';
    return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  }
  if (typeof v === 'function') return 'a function';
  return String(v);
}

/** The value at `path` inside `root`, or undefined. */
function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: any = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = v[seg as any];
  }
  return v;
}

/** The schema that applies at `path`, following the input through unions. */
function schemaAt(root: z.ZodType, path: ReadonlyArray<PropertyKey>, input: unknown): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  let v: any = input;
  const resolve = (x: z.ZodType | undefined, value: any): z.ZodType | undefined => {
    if (x instanceof z.ZodOptional) return resolve(x.unwrap() as z.ZodType, value);
    if (x instanceof z.ZodDiscriminatedUnion) {
      const disc = (x as any)._zod.def.discriminator as string;
      const options = x.options as unknown as z.ZodObject[];
      return options.find((o) => (o.shape as any)[disc]?.values?.has(value?.[disc]));
    }
    return x;
  };
  for (const seg of path) {
    s = resolve(s, v);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return undefined;
    v = v?.[seg as any];
  }
  return resolve(s, v);
}

/** `a.b[2].c` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '');
}

/** The field name an issue is about: the last named segment of its path. */
function fieldOf(path: ReadonlyArray<PropertyKey>): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return String(path[i]);
  return undefined;
}

/** What one entry of a list takes. */
const ELEMENT_HELP: Record<string, string> = {
  secrets: 'a secret: { path, keys, consumers, origin, rotationPeriod, owner, criticality, delivery }',
  services: 'a service: { name, namespace, serviceAccounts, reads }',
  grants: 'a grant: { path, capabilities }',
  broadGrants: 'a broad grant: { service, prefix, justification }',
  keys: 'a key name of letters, digits, "_", "-" or ".", e.g. "password"',
  consumers: 'a service name, e.g. "payment-service"',
  serviceAccounts: 'a service account name, e.g. "payment-service"',
  reads: 'a secret path declared in secrets[], e.g. "auth"',
  replicaRegions: 'an AWS region such as "eu-central-1"',
  capabilities: 'one of create, read, update, patch, delete, list, sudo, deny',
  delivery: 'one of "eso", "injector", "csi"',
};

const helpFor = (path: ReadonlyArray<PropertyKey>, parentIsRecord = false) => {
  const field = fieldOf(path);
  if (typeof path[path.length - 1] === 'number' && field && ELEMENT_HELP[field]) return ELEMENT_HELP[field];
  if (parentIsRecord) return 'an environment: { cluster, vaultAddress, replicas, storage, tls, unseal, aws, eso, auth, backupRecoveryWindowDays, backend }; copy one from standardEnvironments() in config/environments.ts';
  return field ? FIELD_HELP[field] : undefined;
};

/** One zod issue as what is wrong and how to fix it; `unrecognized_keys` gives one issue per key. */
export function describeSchemaIssue(issue: z.core.$ZodIssue, schema: z.ZodType, root: unknown): ConfigIssue[] {
  const path = issue.path;
  const at = formatPath(path);
  const received = valueAt(root, path);
  const parentSchema = path.length > 0 ? schemaAt(schema, path.slice(0, -1), root) : undefined;
  const help = helpFor(path, parentSchema instanceof z.ZodRecord);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const field = fieldOf(path);
      if (received === undefined) {
        return [{ path: at, message: typeof path[path.length - 1] === 'number' ? `entry ${at} is missing` : `"${field ?? 'value'}" is missing`, hint: `add ${field ?? 'it'}: ${help ?? expected}` }];
      }
      const quoted = typeof received === 'string' && issue.expected === 'number' && received.trim() !== '' && Number.isFinite(Number(received)) ? `; write ${received} without quotes` : '';
      const unquoted = typeof received === 'number' && issue.expected === 'string' ? `; write it in quotes: "${received}"` : '';
      return [{ path: at, message: `expected ${expected}, received ${describeValue(received)}`, hint: `give ${help ?? expected}${quoted}${unquoted}` }];
    }
    case 'unrecognized_keys': {
      const target = schemaAt(schema, path, root);
      const allowed = target instanceof z.ZodObject ? Object.keys(target.shape) : [];
      return issue.keys
        .filter((k) => !PROTOTYPE_KEYS.has(k))
        .map((key) => {
          const near = closest(key, allowed);
          return {
            path: formatPath([...path, key]),
            message: `unknown field "${key}"`,
            hint: `${near ? `did you mean "${near}"? ` : ''}remove it; the fields here are ${allowed.join(', ')}. Config holds names and metadata, never secret values`,
          };
        });
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (disc && options) {
        const field = fieldOf(path.slice(0, -1)) ?? 'value';
        const v = valueAt(root, path);
        const parentHelp = FIELD_HELP[field];
        return [
          {
            path: at,
            message: v === undefined ? `"${disc}" is missing` : `"${disc}" must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, received ${describeValue(v)}`,
            hint: parentHelp ? `${field} is ${parentHelp}` : `use one of ${options.map((o) => JSON.stringify(o)).join(', ')}`,
          },
        ];
      }
      return [{ path: at, message: `${describeValue(received)} is not an accepted value`, hint: `give ${help ?? 'one of the documented forms'}` }];
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      return [{ path: at, message: `"${key}" is not a valid environment name`, hint: 'environment names are Kubernetes names: lowercase letters, digits and "-", at most 63 characters, e.g. "prod" or "qa-eu"' }];
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      const origin = (issue as { origin?: string }).origin;
      let message: string;
      if (origin === 'array' || origin === 'set') message = small ? (limit <= 1 ? 'must list at least one entry' : `must list at least ${limit} entries`) : `must list at most ${limit} entries`;
      else if (origin === 'string') message = small ? (limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters`) : `must be at most ${limit} characters`;
      else message = `must be ${small ? 'at least' : 'at most'} ${limit}`;
      const got = origin === 'number' ? ` (received ${describeValue(received)})` : origin === 'string' && typeof received === 'string' ? ` (received ${received.length})` : '';
      return [{ path: at, message: `${message}${got}`, hint: `give ${help ?? 'a value within the bounds'}` }];
    }
    case 'invalid_format': {
      const custom = issue.message && !/^Invalid /.test(issue.message) ? issue.message : issue.format === 'url' ? 'must be a URL' : `must be a valid ${issue.format}`;
      return [{ path: at, message: `${custom} (received ${describeValue(received)})`, hint: `give ${help ?? 'a value in the documented format'}` }];
    }
    case 'invalid_value':
      return [{ path: at, message: `${describeValue(received)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, hint: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    default:
      return [{ path: at, message: issue.message, hint: `give ${help ?? 'a value as documented for this field'}` }];
  }
}
