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

export const environmentSchema = z.strictObject({
  /**
   * Whether production rules apply (at least 3 replicas, KMS unseal, TLS, backup replica regions,
   * an https Vault address, no wildcard bindings). See `isProductionGrade` in `config/tier.ts`.
   * @default - true for `staging` and `prod`, false for `local` and `dev`; any other environment must set it
   */
  productionGrade: z.boolean().optional(),
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
  broadGrants: z.array(broadGrantSchema),
  environments: z.record(k8sName, environmentSchema),
});

export type PlatformConfig = z.infer<typeof platformSchema>;
export type SecretConfig = z.infer<typeof secretSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type BroadGrant = z.infer<typeof broadGrantSchema>;
export type GeneratedOrigin = z.infer<typeof generatedOriginSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
