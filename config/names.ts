/**
 * Every name derived from the configuration, computed here and only here: stack names, construct
 * ids, Vault roles and policies, Kubernetes object names, AWS resource names and state keys.
 * `config/plan.ts`, the stacks and the constructs call these functions; validation enumerates the
 * same names (`registerPlatformNames`, `registerGlobalNames`) and refuses any two inputs that map to
 * one name, reporting both sources.
 */
import { resolveNamespace } from './namespaces';
import { environmentsOf, present, type PlatformView } from './view';

/** The layers of a platform, in apply order. */
export const LAYERS = ['unseal', 'cluster', 'vault-config', 'backup', 'sync'] as const;
export type Layer = (typeof LAYERS)[number];

/** `<platform>-<env>`: the kubeconfig context, the `VSP_ONLY` selector and the prefix of AWS names. */
export const pairName = (platform: string, env: string) => `${platform}-${env}`;
/** `<platform>-<env>-<layer>`, e.g. `waqiti-prod-vault-config`. */
export const stackName = (platform: string, env: string, layer: Layer) => `${pairName(platform, env)}-${layer}`;
/** S3 state key of one layer. */
export const stateKey = (keyPrefix: string, layer: Layer) => `${keyPrefix}/${layer}.tfstate`;
/** Local state file of one stack, relative to the project. */
export const localStateFile = (dir: string, stack: string) => `${dir}/${stack}.tfstate`;

/** KV v2 data path of a secret. */
export const dataPath = (mount: string, path: string) => `${mount}/data/${path}`;
/** A secret path as a Kubernetes name: `payment-providers/stripe` → `payment-providers-stripe`. */
export const slug = (path: string) => path.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');

/** Name of the Vault role and policy of a service. */
export const serviceRoleName = (platform: string, service: string) => `${platform}-${service}`;
/** Name of the backup reader's Vault role and policy. */
export const backupReaderName = (platform: string) => `${platform}-backup-reader`;
/** The default break-glass policy, the Terraform (apply identity) policy and role, and the snapshot job's role and policy. */
export const breakGlassPolicyName = (platform: string) => `${platform}-break-glass`;
export const terraformPolicyName = (platform: string) => `${platform}-terraform`;
export const snapshotRoleName = (platform: string) => `${platform}-vault-snapshot`;
/** Namespace of the backup pipeline. */
export const backupNamespace = (platform: string) => `${platform}-secrets-backup`;
/** Service accounts of the backup pipeline. */
export const BACKUP_READER_SA = 'backup-reader';
export const BACKUP_PUSHER_SA = 'backup-pusher';
/** SecretStores of the backup pipeline. */
export const BACKUP_VAULT_STORE = 'vault-backup-reader';
export const BACKUP_AWS_STORE = 'aws-backup';
/** The ConfigMap holding the backup secrets' resource policy, which the PushSecrets declare. */
export const BACKUP_POLICY_CONFIGMAP = 'aws-backup-policy';
/** Vault's own policies: never a policy name of ours. */
export const VAULT_BUILTIN_POLICIES = ['root', 'default'] as const;
/** The Vault server's service account (chart default) and TLS secret. */
export const VAULT_SERVICE_ACCOUNT = 'vault';
export const VAULT_TLS_SECRET = 'vault-tls';
/** Namespace and service account of the External Secrets Operator. */
export const ESO_NAMESPACE = 'external-secrets-system';
// Hardening objects (issue 11): one name each, used by the constructs and registered below.
/** ConfigMap with Vault's CA certificate (`ca.crt`) in each namespace that verifies Vault. */
export const VAULT_CA_CONFIGMAP = 'vault-ca';
/** Role and RoleBinding that let ESO request tokens for the named service accounts of a namespace. */
export const ESO_TOKEN_ROLE = 'external-secrets-token-request';
/** NetworkPolicy around Vault's server pods. */
export const VAULT_NETWORK_POLICY = 'vault-server';
/** Default-deny NetworkPolicy of the ESO and backup namespaces. */
export const DEFAULT_DENY_POLICY = 'default-deny';
/** ResourceQuota that lets no pod run in the backup namespace. */
export const NO_PODS_QUOTA = 'no-pods';
/** Probe (and job name) of the certificate each Vault pod serves. */
export const SERVED_CERTIFICATE_PROBE = 'vault-served-certificate';
export const ESO_SERVICE_ACCOUNT = 'external-secrets';

/** The SecretStore through which ESO logs in as a service. */
export const serviceStoreName = (service: string) => `vault-${service}`;
/** The ExternalSecret (and Kubernetes Secret) of one secret synced for one service. */
export const syncTargetName = (service: string, path: string) => `${service}-${slug(path)}`;
/** The CSI SecretProviderClass of a service. */
export const csiClassName = (service: string) => `${service}-vault`;
/** A CSI file: `<slug>-<key>`. */
export const csiObjectName = (path: string, key: string) => `${slug(path)}-${key}`;
/** The Agent Injector annotation suffix of a secret (`agent-inject-secret-<slug>`). */
export const injectorFileName = (path: string) => slug(path);
/** The backup ExternalSecret, Secret and PushSecret of a critical secret. */
export const backupObjectName = (path: string) => `backup-${slug(path)}`;
/** Name of the AWS backup of a secret, as in the WAQITI seed: `<platform>/backup/<path>`. */
export const backupSecretName = (platform: string, path: string) => `${platform}/backup/${path}`;
/** IAM roles of a platform × environment. */
export const unsealRoleName = (pair: string) => `${pair}-vault-unseal`;
export const backupPushRoleName = (pair: string) => `${pair}-secrets-backup-push`;
export const backupRestoreRoleName = (pair: string) => `${pair}-secrets-backup-restore`;
/** The ARN of an IAM role (no path), known before the role exists. */
export const iamRoleArn = (accountId: string, name: string) => `arn:aws:iam::${accountId}:role/${name}`;
/** The label value naming a secret's owner: a Kubernetes label value (at most 63 characters). */
export const ownerLabel = (owner: string) => slug(owner).slice(0, 63).replace(/-+$/, '');
/** The environment variable a key becomes in the injector's default template. */
export const envVarName = (key: string) => key.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** How `constructs` turns an id into a path segment ("/" becomes "--"). */
export const sanitizeId = (id: string) => id.replace(/\//g, '--');

/** Construct ids that depend on the configuration, per stack. */
export const constructIds = {
  policy: (name: string) => `policy-${name}`,
  role: (name: string) => `role-${name}`,
  generated: (path: string) => `generated-${path}`,
  slot: (path: string) => `slot-${path}`,
  store: (service: string) => `store-${service}`,
  sync: (targetName: string) => `sync-${targetName}`,
  csi: (service: string) => `csi-${service}`,
  injectorOutput: (service: string) => `injector-annotations-${service}`,
  backupRead: (path: string) => `backup-read-${path}`,
  backupPush: (path: string) => `backup-push-${path}`,
  backupSecret: (secretName: string) => `secret-${secretName}`,
  replicaProvider: (region: string) => `aws-${region}`,
  replicaKey: (region: string) => `key-${region}`,
} as const;

/** Fixed construct ids at the top of the sync stack, which the derived ones must not hit. */
const SYNC_FIXED_IDS = ['kubernetes', 'kubeconfig_path', 'kube_context', 'backup-namespace', 'backup-reader', 'backup-pusher', 'backup-vault-store', 'backup-aws-store'];
/** Fixed construct ids at the top of the vault-config stack. */
const VAULT_CONFIG_FIXED_IDS = ['vault_address', 'vault', 'random', 'kv', 'audit', 'kubernetes-auth', 'kubernetes_ca_cert'];

/** Where a name comes from: a field path, or a built-in subject. */
export interface NameSource {
  /** Field path from the platform root, e.g. `services[3].name`; empty for a built-in. */
  readonly path: string;
  /** For the message, e.g. `service "backup-reader"` or `the built-in backup reader`. */
  readonly what: string;
  /** Platform the source belongs to (set for names shared across platforms). */
  readonly platform?: string;
}

/** One name collision: two sources, one name. */
export interface NameCollision {
  readonly kind: string;
  readonly name: string;
  readonly scope: string;
  readonly first: NameSource;
  readonly second: NameSource;
  /** The environments where both sources produce the name; undefined when it does not depend on one. */
  readonly envs?: readonly string[];
}

type Claim = { readonly source: NameSource; readonly envs?: ReadonlySet<string> };

const sameSource = (a: NameSource, b: NameSource) => a.path === b.path && a.what === b.what && a.platform === b.platform;

/** Collects names per scope and kind, and every pair of sources that produce the same one. */
export class NameRegistry {
  private readonly seen = new Map<string, Claim[]>();
  public readonly collisions: NameCollision[] = [];

  /**
   * Registers `name` of `kind` in `scope` (e.g. a namespace); the same name from another source is
   * a collision. `envs` limits the claim to some environments (a namespace that depends on the
   * environment); two claims collide only in the environments they share.
   */
  /** Every registered name, e.g. to compare with what the stacks synthesize. */
  public *names(): IterableIterator<{ scope: string; kind: string; name: string }> {
    for (const key of this.seen.keys()) {
      const [scope, kind, name] = key.split('\u0000');
      yield { scope, kind, name };
    }
  }

  public add(scope: string, kind: string, name: string, source: NameSource, envs?: ReadonlySet<string>): void {
    const key = `${scope}\u0000${kind}\u0000${name}`;
    const claims = this.seen.get(key);
    if (!claims) {
      this.seen.set(key, [{ source, envs }]);
      return;
    }
    for (const first of claims) {
      if (sameSource(first.source, source)) return;
      const shared = !first.envs ? envs : !envs ? first.envs : new Set([...envs].filter((e) => first.envs!.has(e)));
      if (shared && shared.size === 0) continue;
      this.collisions.push({ kind, name, scope, first: first.source, second: source, envs: shared ? [...shared] : undefined });
      return;
    }
    claims.push({ source, envs });
  }
}

const builtIn = (what: string): NameSource => ({ path: '', what });

/** Registers every name one platform derives, per environment where the name depends on it. */
export function registerPlatformNames(p: PlatformView, reg: NameRegistry): void {
  const P = p.name;
  if (P === undefined) return;
  const secrets = present(p.secrets);
  const services = present(p.services);
  const byPath = new Map<string, [NonNullable<(typeof secrets)[number][0]>, number]>();
  for (const [s, i] of secrets) if (s.path !== undefined && !byPath.has(s.path)) byPath.set(s.path, [s, i]);
  const critical = secrets.filter(([s]) => s.criticality === 'critical');

  // Vault: policies and roles live in the platform's Vault.
  for (const name of VAULT_BUILTIN_POLICIES) reg.add('vault', 'Vault policy', name, builtIn(`Vault's built-in "${name}" policy`));
  if (critical.length > 0) {
    const src = builtIn(`the built-in backup reader (secrets[${critical[0][1]}] is critical)`);
    reg.add('vault', 'Vault policy', backupReaderName(P), src);
    reg.add('vault', 'Vault role', backupReaderName(P), src);
  }
  if (p.operatorPolicy?.name !== undefined) reg.add('vault', 'Vault policy', p.operatorPolicy.name, { path: 'operatorPolicy.name', what: 'the operator policy' });
  if (p.breakGlassPolicy?.name !== undefined) reg.add('vault', 'Vault policy', p.breakGlassPolicy.name, { path: 'breakGlassPolicy.name', what: 'the break-glass policy' });
  else reg.add('vault', 'Vault policy', breakGlassPolicyName(P), builtIn('the built-in break-glass policy'));
  reg.add('vault', 'Vault policy', terraformPolicyName(P), builtIn('the built-in Terraform policy of the apply identity'));
  reg.add('vault', 'Vault policy', snapshotRoleName(P), builtIn('the built-in storage snapshot job'));
  reg.add('vault', 'Vault role', snapshotRoleName(P), builtIn('the built-in storage snapshot job'));
  for (const [svc, i] of services) {
    if (svc.name === undefined) continue;
    const src = { path: `services[${i}].name`, what: `service "${svc.name}"` };
    reg.add('vault', 'Vault policy', serviceRoleName(P, svc.name), src);
    reg.add('vault', 'Vault role', serviceRoleName(P, svc.name), src);
  }
  // Ids made of a fixed prefix and a name registered above (`role-<role>`, `store-<service>`,
  // `csi-<service>`, `injector-annotations-<service>`) are unique when those names are, and no
  // prefix is a prefix of another or of a fixed id; only ids built from paths are registered.

  // vault-config stack construct ids (paths become ids, with "/" turned into "--").
  for (const id of VAULT_CONFIG_FIXED_IDS) reg.add('ids:vault-config', 'construct id', id, builtIn(`the built-in "${id}" of the vault-config stack`));
  for (const [s, i] of secrets) {
    if (s.path === undefined || s.origin?.kind === undefined) continue;
    const id = s.origin.kind === 'generated' ? constructIds.generated(s.path) : constructIds.slot(s.path);
    reg.add('ids:vault-config', 'construct id', sanitizeId(id), { path: `secrets[${i}].path`, what: `secret "${s.path}"` });
  }

  // AWS backups: secret names, and the construct ids of the backup and sync stacks.
  for (const id of SYNC_FIXED_IDS) reg.add('ids:sync', 'construct id', id, builtIn(`the built-in "${id}" of the sync stack`));
  for (const [s, i] of critical) {
    if (s.path === undefined) continue;
    const src = { path: `secrets[${i}].path`, what: `critical secret "${s.path}"` };
    const secretName = backupSecretName(P, s.path);
    reg.add('aws', 'Secrets Manager backup', secretName, src);
    reg.add('ids:backup', 'construct id', sanitizeId(constructIds.backupSecret(secretName)), src);
    reg.add('ids:sync', 'construct id', sanitizeId(constructIds.backupRead(s.path)), src);
    reg.add('ids:sync', 'construct id', sanitizeId(constructIds.backupPush(s.path)), src);
  }
  for (const [svc, i] of services) {
    if (svc.name === undefined) continue;
    present(svc.reads).forEach(([path, j]) => {
      const s = byPath.get(path)?.[0];
      if (!s?.delivery?.includes('eso')) return;
      reg.add('ids:sync', 'construct id', sanitizeId(constructIds.sync(syncTargetName(svc.name!, path))), { path: `services[${i}].reads[${j}]`, what: `service "${svc.name}" reading "${path}"` });
    });
    // Files a workload receives: Agent Injector files per secret, CSI files per key.
    present(svc.reads).forEach(([path, j]) => {
      const s = byPath.get(path)?.[0];
      const src = { path: `services[${i}].reads[${j}]`, what: `"${path}"` };
      if (s?.delivery?.includes('injector')) reg.add(`service:${svc.name}`, 'Agent Injector file', injectorFileName(path), src);
      if (s?.delivery?.includes('csi')) for (const [key] of present(s.keys)) reg.add(`service:${svc.name}`, 'CSI file', csiObjectName(path, key), { ...src, what: `key "${key}" of "${path}"` });
    });
  }

  // Kubernetes objects, per namespace; a namespace that depends on the environment claims its
  // names only in the environments where it resolves to that namespace.
  const envNames = environmentsOf(p).map(([env]) => env);
  const k8s = (ns: string) => `k8s:${ns}`;
  const vaultNs = p.vault?.namespace;
  if (vaultNs !== undefined) {
    reg.add(k8s(vaultNs), 'Secret', VAULT_TLS_SECRET, builtIn("Vault's TLS secret"));
    reg.add(k8s(vaultNs), 'Certificate', 'vault-server', builtIn("Vault's certificate"));
    reg.add(k8s(vaultNs), 'ServiceMonitor', 'vault', builtIn("Vault's ServiceMonitor"));
    reg.add(k8s(vaultNs), 'PrometheusRule', `${P}-secrets-alerts`, builtIn('the alert rules'));
    reg.add(k8s(vaultNs), 'ConfigMap', VAULT_CA_CONFIGMAP, builtIn("Vault's CA certificate"));
    reg.add(k8s(vaultNs), 'NetworkPolicy', VAULT_NETWORK_POLICY, builtIn("Vault's NetworkPolicy"));
    reg.add(k8s(vaultNs), 'Probe', SERVED_CERTIFICATE_PROBE, builtIn("the probe of Vault's served certificate"));
  }
  reg.add(k8s(ESO_NAMESPACE), 'ServiceMonitor', 'external-secrets', builtIn("ESO's ServiceMonitor"));
  reg.add(k8s(ESO_NAMESPACE), 'NetworkPolicy', DEFAULT_DENY_POLICY, builtIn("ESO's NetworkPolicy"));
  /** Objects of every namespace that holds a SecretStore: the CA certificate and ESO's token Role. */
  const storeNamespace = (ns: string, envs?: ReadonlySet<string>) => {
    reg.add(ns, 'ConfigMap', VAULT_CA_CONFIGMAP, builtIn("Vault's CA certificate"), envs);
    reg.add(ns, 'Role', ESO_TOKEN_ROLE, builtIn("ESO's token-request Role"), envs);
    reg.add(ns, 'RoleBinding', ESO_TOKEN_ROLE, builtIn("ESO's token-request RoleBinding"), envs);
  };
  if (critical.length > 0) {
    const ns = k8s(backupNamespace(P));
    reg.add(ns, 'SecretStore', BACKUP_VAULT_STORE, builtIn("the backup reader's SecretStore"));
    reg.add(ns, 'SecretStore', BACKUP_AWS_STORE, builtIn("the backup pipeline's AWS SecretStore"));
    reg.add(ns, 'ConfigMap', BACKUP_POLICY_CONFIGMAP, builtIn("the backup secrets' resource policy"));
    reg.add(ns, 'NetworkPolicy', DEFAULT_DENY_POLICY, builtIn("the backup namespace's NetworkPolicy"));
    reg.add(ns, 'ResourceQuota', NO_PODS_QUOTA, builtIn("the backup namespace's quota"));
    storeNamespace(ns);
    for (const [s, i] of critical) {
      // The backup ExternalSecret, its Secret and the PushSecret share one name.
      if (s.path !== undefined) reg.add(ns, 'Secret', backupObjectName(s.path), { path: `secrets[${i}].path`, what: `the backup of critical secret "${s.path}"` });
    }
  }
  for (const [svc, i] of services) {
    if (svc.name === undefined || svc.namespace === undefined) continue;
    const namespaces = new Map<string, Set<string> | undefined>();
    if (!svc.namespace.includes('{env}')) namespaces.set(svc.namespace, undefined);
    else for (const env of envNames) {
      const ns = resolveNamespace(svc.namespace, env);
      namespaces.set(ns, (namespaces.get(ns) ?? new Set<string>()).add(env));
    }
    const delivered = present(svc.reads).map(([path, j]) => [path, j, byPath.get(path)?.[0]] as const);
    const eso = delivered.filter(([, , s]) => s?.delivery?.includes('eso'));
    const csi = delivered.some(([, , s]) => s?.delivery?.includes('csi'));
    for (const [nsName, envs] of namespaces) {
      const ns = k8s(nsName);
      if (eso.length > 0) reg.add(ns, 'SecretStore', serviceStoreName(svc.name), { path: `services[${i}].name`, what: `the SecretStore of service "${svc.name}"` }, envs);
      if (eso.length > 0) storeNamespace(ns, envs);
      if (csi) reg.add(ns, 'SecretProviderClass', csiClassName(svc.name), { path: `services[${i}].name`, what: `the SecretProviderClass of service "${svc.name}"` }, envs);
      // The ExternalSecret and the Secret it writes share one name.
      for (const [path, j] of eso) reg.add(ns, 'Secret', syncTargetName(svc.name, path), { path: `services[${i}].reads[${j}]`, what: `service "${svc.name}" reading "${path}"` }, envs);
    }
  }
  // Replica regions become aws provider aliases and replica key ids in the backup stack.
  for (const [env, e] of environmentsOf(p)) {
    present(e.aws?.replicaRegions).forEach(([region, j]) => {
      reg.add(`ids:backup:${env}`, 'aws provider alias', constructIds.replicaProvider(region), { path: `environments.${env}.aws.replicaRegions[${j}]`, what: `replica region "${region}"` });
    });
  }
}

/** Registers the names shared by every platform: stacks, platform × environment pairs, state, IAM roles. */
export function registerGlobalNames(platforms: ReadonlyArray<PlatformView | undefined>, reg: NameRegistry): void {
  platforms.forEach((p) => {
    if (p?.name === undefined) return;
    const P = p.name;
    const hasCritical = present(p.secrets).some(([s]) => s.criticality === 'critical');
    for (const [env, e] of environmentsOf(p)) {
      const src: NameSource = { path: `environments.${env}`, what: `platform "${P}", environment "${env}"`, platform: P };
      const pair = pairName(P, env);
      reg.add('global', 'platform × environment name', pair, src);
      for (const layer of LAYERS) reg.add('global', 'stack', stackName(P, env, layer), src);
      const b = e.backend;
      if (b?.type === 's3' && b.bucket !== undefined && b.keyPrefix !== undefined) {
        const bsrc = { ...src, path: `environments.${env}.backend.keyPrefix`, what: `platform "${P}", environment "${env}" (keyPrefix "${b.keyPrefix}")` };
        for (const layer of LAYERS) reg.add('global', 'state file', `s3://${b.bucket}/${stateKey(b.keyPrefix, layer)}`, bsrc);
      }
      const account = e.aws?.accountId;
      if (account !== undefined && e.cluster) {
        if (e.unseal?.type === 'awskms') reg.add(`aws:${account}`, 'IAM role', unsealRoleName(pair), src);
        if (hasCritical) reg.add(`aws:${account}`, 'IAM role', backupPushRoleName(pair), src);
      }
    }
  });
}
