/**
 * The typed description of a secrets platform.
 *
 * Everything the stacks declare is derived from one `PlatformConfig`: the KV mount, the secrets
 * inventory, the services that consume it and the settings per environment. The schema is written
 * with zod so that field-level problems (types, ranges, names) are reported with their path; the
 * rules that span fields live in `config/rules.ts`. Objects are strict: an unknown field, such as a
 * `value` next to a secret's keys, is an error, so secret values have nowhere to hide in config.
 */
import { z } from 'zod';
import { AWS_REGIONS, closest } from './aws-regions';

/** Vault ACL capabilities, as Vault spells them. */
export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Environments every platform must define. More may be added. */
export const REQUIRED_ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;

/** A Kubernetes DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** One segment of a Vault path: letters, digits, '-', '_' and '.'. */
export const VAULT_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** A duration in whole units: `30s`, `15m`, `1h`, `90d`, `365d`. */
export const DURATION = /^[1-9][0-9]*(s|m|h|d)$/;
/** A Go duration as ESO's `refreshInterval` takes it: `15s`, `1h`, `1h30m`. */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
/** A Kubernetes resource quantity for storage: `10Gi`, `500Mi`. */
export const QUANTITY = /^[1-9][0-9]*(Mi|Gi|Ti)$/;
/** An AWS region name. */
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;

const k8sName = z.string().regex(K8S_NAME, 'must be a valid Kubernetes name (lowercase letters, digits and "-", at most 63 characters)');
const duration = z.string().regex(DURATION, 'must be a duration such as "30s", "15m", "1h" or "90d"');
const awsRegion = z
  .string()
  .regex(AWS_REGION, 'must be an AWS region such as "eu-west-1"')
  .refine((r) => !AWS_REGION.test(r) || AWS_REGIONS.has(r), {
    error: (iss) => {
      const near = closest(String(iss.input), AWS_REGIONS);
      return `"${String(iss.input)}" is not an AWS region${near ? ` (did you mean "${near}"?)` : ''}`;
    },
  });
/** An IAM role or user ARN: `arn:aws:iam::<account>:role/<name>` (paths allowed). */
export const IAM_PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const iamPrincipalArn = z.string().regex(IAM_PRINCIPAL_ARN, 'must be an IAM role or user ARN such as "arn:aws:iam::111122223333:role/platform-admin"');
/** A five-field cron schedule, as a CronJob takes it: `17 * * * *`. */
export const CRON = /^(\S+\s+){4}\S+$/;

/** How a generated secret's characters are drawn. */
export const CHARSETS = ['alphanumeric', 'alphanumeric-symbols', 'lowercase-alphanumeric'] as const;
export type Charset = (typeof CHARSETS)[number];

/** A secret the platform generates itself, in Vault, without the value passing through config or state. */
export const generatedOriginSchema = z.strictObject({
  kind: z.literal('generated'),
  /** Characters per generated key. */
  length: z.number().int().min(16, 'must be at least 16 characters').max(256, 'must be at most 256 characters'),
  /** Character set of the generated values. */
  charset: z.enum(CHARSETS),
  /** Bump to rotate: a new value is generated on the next apply. Starts at 1. */
  generation: z.number().int().min(1).max(1_000_000),
});

/** A secret supplied from outside (a vendor's API key): a declared slot that is filled out of band. */
export const externalOriginSchema = z.strictObject({
  kind: z.literal('external'),
  /** Where the value comes from, for the people who fill the slot, e.g. "Stripe dashboard". */
  source: z.string().min(3).max(200),
});

/** How consumers receive a secret. */
export const DELIVERIES = ['eso', 'injector', 'csi'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export const CRITICALITIES = ['critical', 'standard'] as const;

export const secretSchema = z.strictObject({
  /** Path under the KV mount, e.g. `infrastructure/postgres`. Never includes the mount or `data/`. */
  path: z.string().min(1).max(200),
  /** Key names inside the secret, e.g. `password`. Values never appear in config. */
  keys: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a key name of letters, digits, "_", "-" or "."')).min(1),
  /** Services that consume this secret. Must agree with each service's `reads`. */
  consumers: z.array(k8sName),
  /** Where the value comes from. */
  origin: z.discriminatedUnion('kind', [generatedOriginSchema, externalOriginSchema]),
  /** How often the value must be rotated, e.g. `90d`. */
  rotationPeriod: duration,
  /** Team or person accountable for the secret and its rotation. */
  owner: z.string().min(2).max(100),
  /** `critical` secrets are backed up to AWS Secrets Manager. */
  criticality: z.enum(CRITICALITIES),
  /** How consumers receive the secret. */
  delivery: z.array(z.enum(DELIVERIES)).min(1),
  /** What the secret is for. */
  description: z.string().max(300).optional(),
  /**
   * Agent Injector template (consul-template) for the rendered file, e.g. a `DATABASE_URL` line.
   * References values with `{{ .Data.data.<key> }}`; never contains them.
   */
  injectorTemplate: z.string().max(2000).optional(),
});

export const serviceSchema = z.strictObject({
  /** Service name; also the name of its Vault role and policy. */
  name: k8sName,
  /** Kubernetes namespace. `{env}` is replaced by the environment's name, e.g. `pea-forecast-{env}`. */
  namespace: z.string().min(1).max(63),
  /** Kubernetes service accounts the service runs as. */
  serviceAccounts: z.array(z.string().min(1).max(253)).min(1),
  /** Paths (under the mount) of the secrets the service reads. */
  reads: z.array(z.string().min(1)).min(1),
  /** Vault token settings of the service's role. @default - derived from how it receives secrets (see config/security.ts) */
  token: z.lazy(() => serviceTokenSchema).optional(),
});

/**
 * A broad grant: read on every path under a prefix. The seeds grant `waqiti/data/*` to every
 * service; this project never does unless it is written here, and every such grant is flagged in
 * the access report.
 */
export const broadGrantSchema = z.strictObject({
  /** The service receiving the grant. */
  service: k8sName,
  /** Prefix under the mount; the grant is `read`+`list` on `<mount>/data/<prefix>*`. Empty for the whole mount. */
  prefix: z.string().max(200),
  /** Why least privilege is not enough here. Required, shown in the access report. */
  justification: z.string().min(10).max(300),
});

/** A capability grant in the operator (rotation) policy. */
export const grantSchema = z.strictObject({
  /** A Vault API path, e.g. `waqiti/data/*`. */
  path: z.string().min(1).max(300),
  /** Capabilities on that path. */
  capabilities: z.array(z.string()).min(1),
  /**
   * Declares a grant on an `auth/` or `sys/` path (a path from which privileges can be escalated),
   * which is otherwise refused; it is flagged in the access report with this justification.
   * @default - not privileged: the path must stay inside the platform's mount
   */
  privileged: z.strictObject({ justification: z.string().min(10).max(300) }).optional(),
});

export const operatorPolicySchema = z.strictObject({
  /** Policy name, e.g. `waqiti-operator`. */
  name: k8sName,
  /** Who holds it (documentation and report only), e.g. "platform on-call, CI rotation job". */
  holders: z.string().min(3).max(200),
  /** The grants. Paths must stay inside the platform's mount. */
  grants: z.array(grantSchema).min(1),
});

export const tlsSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('cert-manager'),
    /** cert-manager issuer that signs the Vault server certificate. */
    issuer: z.strictObject({ name: k8sName, kind: z.enum(['Issuer', 'ClusterIssuer']) }),
  }),
  z.strictObject({
    source: z.literal('secret'),
    /** Existing Kubernetes TLS secret (tls.crt, tls.key, ca.crt) in the Vault namespace. */
    secretName: k8sName,
  }),
  z.strictObject({ source: z.literal('none') }),
]);

export const unsealSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('awskms'),
    /** Region of the unseal key. */
    region: awsRegion,
  }),
  z.strictObject({ type: z.literal('shamir') }),
]);

export const backendSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('local'),
    /** Folder for state files, relative to the stack's working directory. */
    dir: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    region: awsRegion,
    /** Key prefix; each stack appends `<stack>.tfstate`. */
    keyPrefix: z.string().min(1),
  }),
]);

/**
 * The identity CI logs in to Vault with to apply the vault-config layer: a JWT/OIDC role (GitHub
 * Actions, GitLab CI), bound to exactly the claims given, holding only the Terraform policy.
 */
export const applyIdentitySchema = z.strictObject({
  /** Path of the JWT auth method. @default "ci-jwt" */
  path: z.string().regex(VAULT_SEGMENT, 'must be a single Vault path segment').optional(),
  /**
   * OIDC discovery URL of the CI's token issuer, e.g. `https://token.actions.githubusercontent.com`.
   * When omitted (the local environment), the issuer's public key comes in as the variable
   * `ci_jwt_validation_pubkey` (PEM, public).
   */
  oidcDiscoveryUrl: z.string().url().optional(),
  /** The `iss` claim the tokens must carry. */
  boundIssuer: z.string().min(1).max(300),
  /** The `aud` claim the tokens must carry, e.g. `vault`. */
  audience: z.string().min(1).max(100),
  /** Claims that must match exactly, e.g. `{ repository: "org/repo", ref: "refs/heads/main" }`. At least one. */
  boundClaims: z.record(z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be a claim name'), z.string().min(1).max(300)),
  /** Claim that names the entity in audit logs. @default "sub" */
  userClaim: z.string().min(1).max(100).optional(),
  /** Lifetime of the CI token, e.g. `20m`. @default "20m" */
  tokenTtl: duration.optional(),
});

/** Consul storage security: TLS material and the ACL token, all from Kubernetes Secrets in Vault's namespace. */
export const consulSecuritySchema = z.strictObject({
  tls: z
    .strictObject({
      /** Secret holding `ca.crt`, the CA that signed Consul's server certificate. */
      caSecret: k8sName,
      /** Secret holding `tls.crt` and `tls.key`, for Consul agents that verify incoming clients (`verify_incoming`). */
      clientCertSecret: k8sName.optional(),
    })
    .optional(),
  /** Secret and key holding Consul's ACL token for Vault; delivered as `CONSUL_HTTP_TOKEN`, never written in config. */
  aclTokenSecret: z.strictObject({ name: k8sName, key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key name') }).optional(),
  /**
   * Secret and key holding a Consul token allowed to take snapshots (the snapshot CronJob's).
   * @default - `{ name: "consul-snapshot-token", key: "token" }`
   */
  snapshotTokenSecret: z.strictObject({ name: k8sName, key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key name') }).optional(),
});

/** Vault storage snapshots to S3 (a CronJob in the cluster, a bucket and key in the backup layer). */
export const snapshotsSchema = z.strictObject({
  /** Take snapshots in this environment. */
  enabled: z.boolean(),
  /** When (cron, UTC). @default "17 * * * *" (hourly) */
  schedule: z.string().regex(CRON, 'must be a five-field cron schedule such as "17 * * * *"').optional(),
  /** Days a replaced or deleted snapshot version is kept. @default 30 */
  retentionDays: z.number().int().min(1).max(3650).optional(),
});

export const environmentSchema = z.strictObject({
  /**
   * Whether production rules apply (at least 3 replicas, KMS unseal, TLS, backup replica regions,
   * an https Vault address, no wildcard bindings). See `isProductionGrade` in `config/tier.ts`.
   * @default - true for `staging` and `prod`, false for `local` and `dev`; any other environment must set it
   */
  productionGrade: z.boolean().optional(),
  /** Hardening of the cluster side (NetworkPolicies, audit, UI, resources, certificate probe). @default - safe defaults per tier (config/security.ts) */
  security: z.lazy(() => securitySchema).optional(),
  /** `false` for `local`: no cluster, only the Vault configuration against a Vault on 127.0.0.1. */
  cluster: z.boolean(),
  /** Vault's address as the vault provider reaches it. */
  vaultAddress: z.string().url(),
  /** Vault server replicas. */
  replicas: z.number().int().min(1).max(9),
  storage: z.strictObject({
    /** Raft data volume size. */
    dataSize: z.string().regex(QUANTITY, 'must be a size such as "10Gi"'),
    /** Audit log volume size. */
    auditSize: z.string().regex(QUANTITY, 'must be a size such as "10Gi"'),
    /** Storage class; the cluster default when omitted. */
    storageClass: k8sName.optional(),
  }),
  tls: tlsSchema,
  unseal: unsealSchema,
  aws: z.strictObject({
    /** Account that holds the KMS keys and backups. */
    accountId: z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit AWS account id'),
    primaryRegion: awsRegion,
    /** Regions that hold replicas of every backup. */
    replicaRegions: z.array(awsRegion),
    /** The cluster's IAM OIDC provider host (without https://), for IRSA trust. */
    oidcProvider: z.string().min(1),
    /**
     * The principal that administers the KMS keys and backup secret policies (and applies the
     * unseal and backup layers). Key policies let it manage, never use, the keys.
     * @default - `arn:aws:iam::<accountId>:role/<platform>-platform-admin`
     */
    keyAdminArn: iamPrincipalArn.optional(),
    /**
     * Principals that may assume the restore role (read backups and decrypt them).
     * @default - principals of the account allowed by their own IAM policy, with MFA
     */
    restorePrincipalArns: z.array(iamPrincipalArn).optional(),
  }),
  eso: z.strictObject({
    /** How often ExternalSecrets re-read Vault (Go duration). */
    refreshInterval: z.string(),
  }),
  auth: z.strictObject({
    /** Token TTL for Kubernetes auth roles. */
    tokenTtl: duration,
    /** Maximum token TTL for Kubernetes auth roles. */
    tokenMaxTtl: duration,
    /** Audience the service account tokens must carry. */
    audience: z.string().min(1).max(100),
    /** API server URL Vault uses for TokenReview. */
    kubernetesHost: z.string().url(),
  }),
  /** Days a deleted backup stays recoverable (7-30). */
  backupRecoveryWindowDays: z.number().int().min(7).max(30),
  /**
   * How often the backup pipeline re-reads Vault and pushes to AWS (Go duration). Long enough that
   * a bad write does not replace a good backup within seconds. @default "1h"
   */
  backupPushInterval: z.string().regex(GO_DURATION, 'must be a Go duration such as "1h"').optional(),
  /** Vault storage snapshots to S3. @default - enabled, hourly, 30 days, where the environment has a cluster */
  snapshots: snapshotsSchema.optional(),
  /** The identity CI applies the vault-config layer with. @default - none: apply with an operator token */
  applyIdentity: applyIdentitySchema.optional(),
  backend: backendSchema,
});

export const vaultServerSchema = z.strictObject({
  /** Namespace of the Vault release. */
  namespace: k8sName,
  /** Storage backend: integrated Raft (default), or Consul as the PEA seed asks. */
  storage: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('raft') }),
    z.strictObject({
      type: z.literal('consul'),
      /** Consul agent address, e.g. `consul-server.consul.svc:8500`. */
      address: z.string().min(3),
      /** KV prefix Vault keeps its data under. */
      path: z.string().min(1),
      /** TLS and the ACL token. Required where an environment is production-grade. */
      security: consulSecuritySchema.optional(),
    }),
  ]),
  /** Deploy the Vault Agent Injector. */
  injector: z.boolean(),
  /** Deploy the Vault CSI provider. */
  csi: z.boolean(),
});

export const platformSchema = z.strictObject({
  /** Platform name: prefix of stacks, roles and policies. */
  name: k8sName,
  /** Human-readable name for reports. */
  displayName: z.string().min(1),
  kv: z.strictObject({
    /** Mount path, e.g. `waqiti` or `secret`. */
    mount: z.string().regex(VAULT_SEGMENT, 'must be a single Vault path segment'),
    /** Versions kept per secret. */
    maxVersions: z.number().int().min(1).max(100),
    /** Require check-and-set on every write. */
    casRequired: z.boolean(),
    /** Delete versions older than this; `0s` keeps them. */
    deleteVersionAfter: z.union([z.literal('0s'), duration]),
  }),
  vault: vaultServerSchema,
  secrets: z.array(secretSchema).min(1),
  services: z.array(serviceSchema).min(1),
  operatorPolicy: operatorPolicySchema,
  /**
   * Permanent deletion (`metadata/*` delete, `destroy/*`), kept out of the operator policy and held
   * only in an emergency. @default - `<platform>-break-glass` on the whole mount
   */
  breakGlassPolicy: operatorPolicySchema.optional(),
  broadGrants: z.array(broadGrantSchema),
  /** Namespaces that more than one service shares, each with a justification (flagged). @default [] */
  sharedNamespaces: z.array(z.lazy(() => sharedNamespaceSchema)).optional(),
  environments: z.record(k8sName, environmentSchema),
});

// ---- Security review (issue 11): cluster-side hardening. Every field is optional; the defaults are
// resolved per tier in config/security.ts and checked in the "security review" rules of config/rules.ts.

/** A CIDR block such as `10.0.0.0/16`. */
export const CIDR = /^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$/;
/** A CPU quantity (`250m`, `1`) and a memory quantity (`256Mi`, `1Gi`). */
export const CPU = /^([1-9][0-9]*m|[1-9][0-9]*(\.[0-9]+)?)$/;
export const MEMORY = /^[1-9][0-9]*(Mi|Gi)$/;
/** Vault token types a Kubernetes auth role may issue. */
export const TOKEN_TYPES = ['service', 'batch'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** A namespace that several services share on purpose. Flagged, with its blast radius, in the access report. */
export const sharedNamespaceSchema = z.strictObject({
  /** The namespace as the services write it (`{env}` allowed), e.g. `waqiti-system`. */
  namespace: z.string().min(1).max(63),
  /** Every service in it: the declaration must match the inventory exactly. */
  services: z.array(k8sName).min(2),
  /** Why these services cannot have a namespace each. Shown in the access report. */
  justification: z.string().min(10).max(300),
});

/** Token settings of one service's Kubernetes auth role. */
export const serviceTokenSchema = z.strictObject({
  /** `batch` for consumers that log in per read (ESO, CSI), `service` for renewing agents (injector). */
  type: z.enum(TOKEN_TYPES).optional(),
  /** Token TTL. */
  ttl: duration.optional(),
  /** Maximum TTL. */
  maxTtl: duration.optional(),
});

/** Requests and limits of one container. */
export const resourcesSchema = z.strictObject({
  cpuRequest: z.string().regex(CPU, 'must be a CPU quantity such as "250m" or "1"'),
  memoryRequest: z.string().regex(MEMORY, 'must be a memory quantity such as "256Mi"'),
  /** @default - no CPU limit (throttling Vault hurts more than it protects) */
  cpuLimit: z.string().regex(CPU, 'must be a CPU quantity such as "250m" or "1"').optional(),
  memoryLimit: z.string().regex(MEMORY, 'must be a memory quantity such as "256Mi"'),
});

export const securitySchema = z.strictObject({
  /** NetworkPolicies around Vault, ESO and the backup namespace. @default true */
  networkPolicies: z.boolean().optional(),
  /** Namespaces whose pods may reach Vault's metrics on 8200 (Prometheus, blackbox exporter). @default ["monitoring"] */
  monitoringNamespaces: z.array(k8sName).optional(),
  /** More namespaces that may call Vault on 8200, e.g. the CI runner that applies vault-config. @default [] */
  vaultClientNamespaces: z.array(k8sName).optional(),
  /** Where ESO may connect on `esoEgressPorts`: the API server and AWS Secrets Manager endpoints. @default ["0.0.0.0/0"] */
  esoEgressCidrs: z.array(z.string().regex(CIDR, 'must be a CIDR such as "10.0.0.0/16"')).optional(),
  /** Ports for `esoEgressCidrs`. @default [443] */
  esoEgressPorts: z.array(z.number().int().min(1).max(65535)).optional(),
  /** Vault's web UI. @default false in production-grade environments, true elsewhere */
  ui: z.boolean().optional(),
  /** Serve /v1/sys/metrics without a token; only allowed behind the NetworkPolicy. @default - equal to networkPolicies */
  unauthenticatedMetrics: z.boolean().optional(),
  audit: z
    .strictObject({
      /** Keep the file device on the audit volume next to stdout. @default true */
      file: z.boolean().optional(),
      /** Rotate the file at this size, in MiB. @default 100 */
      rotateAtMiB: z.number().int().min(10).max(10240).optional(),
      /** Rotated files kept. @default 5 */
      keep: z.number().int().min(1).max(50).optional(),
      /** Alert when the audit volume is this full, in percent. @default 80 */
      volumeAlertPercent: z.number().int().min(50).max(95).optional(),
    })
    .optional(),
  /** Blackbox exporter that probes the certificate each Vault pod serves. @default { prober: "prometheus-blackbox-exporter.monitoring.svc:9115", module: "vault_tls" } */
  certificateProbe: z.strictObject({ prober: z.string().min(3).max(200), module: z.string().min(1).max(63) }).optional(),
  /** Requests and limits. @default - per tier, see config/security.ts */
  resources: z
    .strictObject({ server: resourcesSchema.optional(), reloader: resourcesSchema.optional(), injector: resourcesSchema.optional(), csi: resourcesSchema.optional() })
    .optional(),
});

export type PlatformConfig = z.infer<typeof platformSchema>;
export type SharedNamespace = z.infer<typeof sharedNamespaceSchema>;
export type SecurityConfig = z.infer<typeof securitySchema>;
export type ResourcesConfig = z.infer<typeof resourcesSchema>;
export type SecretConfig = z.infer<typeof secretSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type BroadGrant = z.infer<typeof broadGrantSchema>;
export type GeneratedOrigin = z.infer<typeof generatedOriginSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
export type ApplyIdentityConfig = z.infer<typeof applyIdentitySchema>;
export type ConsulSecurityConfig = z.infer<typeof consulSecuritySchema>;
