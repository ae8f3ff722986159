import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import { KubernetesObject } from './kubernetes-object';
import { RELOADER_IMAGE, reloaderEnv, reloaderScript } from './vault-reloader';
import { renderVaultServerConfig, type VaultSeal } from './vault-server-config';

/** Requests and limits of one container. */
export interface ContainerResources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  /** @default - no CPU limit */
  readonly cpuLimit?: string;
  readonly memoryLimit: string;
}

/** Hardening of Vault's pods (issue 11). Every field has a safe default. */
export interface VaultHardening {
  /** Serve the web UI. @default false */
  readonly ui?: boolean;
  /** Serve metrics without a token (only behind the NetworkPolicy). @default false */
  readonly unauthenticatedMetrics?: boolean;
  /** Requests and limits. @default - small fixed values (see DEFAULT_RESOURCES) */
  readonly resources?: { readonly server?: ContainerResources; readonly reloader?: ContainerResources; readonly injector?: ContainerResources; readonly csi?: ContainerResources };
  /** The file audit device's rotation. @default - rotate at 100 MiB, keep 5 */
  readonly auditRotation?: { readonly rotateAtBytes: number; readonly keep: number };
  /** Base64 of the PEM CA certificate that injected agents trust (public). Required with TLS and the injector. */
  readonly injectorCaCertBase64?: string;
}

const DEFAULT_RESOURCES: Required<NonNullable<VaultHardening['resources']>> = {
  server: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
  reloader: { cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '50m', memoryLimit: '32Mi' },
  injector: { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '250m', memoryLimit: '128Mi' },
  csi: { cpuRequest: '20m', memoryRequest: '32Mi', cpuLimit: '100m', memoryLimit: '64Mi' },
};

/** Kubernetes `resources` from typed requests and limits. */
export const k8sResources = (r: ContainerResources) => ({
  requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
  limits: { ...(r.cpuLimit ? { cpu: r.cpuLimit } : {}), memory: r.memoryLimit },
});

/** A container as Pod Security `restricted` wants it, with a read-only root filesystem. */
export const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } as const;
/** Vault's user and group in the official image. */
const VAULT_POD = { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } } as const;
/** Where the CSI provider finds Vault's CA certificate (only `ca.crt` of the TLS secret is mounted). */
export const CSI_CA_CERT_PATH = '/vault/ca/ca.crt';
/** The audit file on the audit volume. */
export const AUDIT_FILE = '/vault/audit/vault-audit.log';

/** The official chart, pinned. */
export const VAULT_CHART = { repository: 'https://helm.releases.hashicorp.com', chart: 'vault', version: '0.31.0' } as const;

/** Where the server certificate comes from. */
export type VaultTls =
  | { readonly source: 'cert-manager'; readonly issuer: { readonly name: string; readonly kind: 'Issuer' | 'ClusterIssuer' } }
  | { readonly source: 'secret'; readonly secretName: string }
  | { readonly source: 'none' };

/** Consul storage, with its TLS material and ACL token taken from Secrets in Vault's namespace. */
export interface ConsulStorage {
  readonly type: 'consul';
  /** Consul address, e.g. `consul-server.consul.svc:8501`. */
  readonly address: string;
  /** KV prefix. */
  readonly path: string;
  /** Secret with `ca.crt` (TLS on), and one with `tls.crt`/`tls.key` where Consul verifies clients. @default - plain HTTP */
  readonly tls?: { readonly caSecret: string; readonly clientCertSecret?: string };
  /** Secret and key holding the ACL token, set as `CONSUL_HTTP_TOKEN`. @default - no token */
  readonly aclTokenSecret?: { readonly name: string; readonly key: string };
}

/** Where the chart mounts a Secret listed in `server.extraVolumes`. */
export const userconfigDir = (secret: string) => `/vault/userconfig/${secret}`;

/** Props of a highly available Vault on Kubernetes. */
export interface VaultServerProps {
  /** Namespace of the release (created if missing). */
  readonly namespace: string;
  /** Server pods. At least 3 in staging and prod. */
  readonly replicas: number;
  /** Raft (integrated, default) or Consul storage. */
  readonly storage: { readonly type: 'raft' } | ConsulStorage;
  /** Data volume size, e.g. `10Gi`. */
  readonly dataSize: string;
  /** Audit volume size, e.g. `10Gi`. */
  readonly auditSize: string;
  /** Storage class for both volumes. @default - the cluster default */
  readonly storageClass?: string;
  readonly tls: VaultTls;
  /** Unseal: AWS KMS (the key id may be a reference to another stack) or Shamir keys. */
  readonly seal: VaultSeal;
  /** IAM role for the server's service account (IRSA), allowed to use the unseal key. */
  readonly serviceAccountRoleArn?: string;
  /** Deploy the Agent Injector. */
  readonly injector: boolean;
  /** Deploy the CSI provider. */
  readonly csi: boolean;
  /** Create the namespace with the release. @default true (false when the stack creates it with Pod Security labels) */
  readonly createNamespace?: boolean;
  /** Hardening: UI, metrics, resources, audit rotation, the injector's CA. @default - safe defaults */
  readonly hardening?: VaultHardening;
}

/** Name of the Kubernetes secret holding the server certificate. */
export const VAULT_TLS_SECRET = 'vault-tls';

/**
 * Vault from the official `hashicorp/vault` chart: HA with Raft `retry_join` (or Consul),
 * anti-affinity across nodes, a PodDisruptionBudget, data and audit volumes, a TLS listener, KMS
 * auto-unseal through an IRSA service account, Prometheus telemetry, and optionally the Agent
 * Injector and CSI provider.
 */
export class VaultServer extends Construct {
  /** The rendered server HCL. */
  public readonly serverConfig: string;
  /** The chart values, as passed to Helm. */
  public readonly values: Record<string, unknown>;
  /** The Helm release. */
  public readonly release: Release;

  constructor(scope: Construct, id: string, props: VaultServerProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.replicas < 1 || props.replicas > 9) problems.push(`'replicas' must be between 1 and 9. Received: ${props.replicas}`);
    if (props.storage.type === 'raft' && props.replicas > 1 && props.replicas % 2 === 0) problems.push(`'replicas' must be odd for a Raft quorum. Received: ${props.replicas}`);
    if (props.seal.type === 'awskms' && !props.serviceAccountRoleArn) problems.push("'serviceAccountRoleArn' is required with awskms unseal");
    const h = props.hardening ?? {};
    if (props.injector && props.tls.source !== 'none' && !h.injectorCaCertBase64) problems.push("'hardening.injectorCaCertBase64' is required with TLS and the injector: injected agents must verify Vault's certificate");
    if (problems.length > 0) throw new Error(`VaultServer failed validation:\n- ${problems.join('\n- ')}`);

    const tlsDir = props.tls.source === 'none' ? undefined : `/vault/userconfig/${VAULT_TLS_SECRET}`;
    if (props.tls.source === 'cert-manager') {
      new KubernetesObject(this, 'certificate', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'vault-server', namespace: props.namespace },
        spec: {
          secretName: VAULT_TLS_SECRET,
          issuerRef: { name: props.tls.issuer.name, kind: props.tls.issuer.kind },
          commonName: 'vault',
          dnsNames: ['vault', `vault.${props.namespace}`, `vault.${props.namespace}.svc`, `*.vault-internal`, `*.vault-internal.${props.namespace}.svc`],
          ipAddresses: ['127.0.0.1'],
          duration: '2160h',
          renewBefore: '360h',
        },
      });
    }
    const peers = Array.from({ length: props.replicas }, (_, i) => `vault-${i}`);
    const consul = props.storage.type === 'consul' ? props.storage : undefined;
    const consulTls = consul?.tls
      ? {
          caFile: `${userconfigDir(consul.tls.caSecret)}/ca.crt`,
          ...(consul.tls.clientCertSecret
            ? { certFile: `${userconfigDir(consul.tls.clientCertSecret)}/tls.crt`, keyFile: `${userconfigDir(consul.tls.clientCertSecret)}/tls.key` }
            : {}),
        }
      : undefined;
    this.serverConfig = renderVaultServerConfig({
      storage: consul ? { type: 'consul', address: consul.address, path: consul.path, ...(consulTls ? { tls: consulTls } : {}) } : { type: 'raft', peers, internalService: 'vault-internal' },
      seal: props.seal,
      tlsDir,
      ui: h.ui ?? false,
      unauthenticatedMetrics: h.unauthenticatedMetrics ?? false,
    });
    const resources = { ...DEFAULT_RESOURCES, ...h.resources };
    const rotation = h.auditRotation ?? { rotateAtBytes: 100 * 1024 * 1024, keep: 5 };
    const reloader = {
      name: 'reloader',
      image: RELOADER_IMAGE,
      command: ['/bin/sh', '-c', reloaderScript()],
      env: Object.entries(reloaderEnv({ certFile: tlsDir ? `${tlsDir}/tls.crt` : undefined, auditFile: AUDIT_FILE, ...rotation })).map(([name, value]) => ({ name, value })),
      securityContext: { ...RESTRICTED_CONTAINER, runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000 },
      resources: k8sResources(resources.reloader),
      volumeMounts: [{ name: 'audit', mountPath: '/vault/audit' }, ...(tlsDir ? [{ name: VAULT_TLS_SECRET, mountPath: tlsDir, readOnly: true }] : [])],
    };
    const tlsSecretName = props.tls.source === 'secret' ? props.tls.secretName : VAULT_TLS_SECRET;
    const storage = (size: string) => ({ enabled: true, size, ...(props.storageClass ? { storageClass: props.storageClass } : {}) });
    const ha = {
      enabled: true,
      replicas: props.replicas,
      disruptionBudget: { enabled: true, maxUnavailable: 1 },
      ...(props.storage.type === 'raft' ? { raft: { enabled: true, setNodeId: true, config: this.serverConfig } } : { config: this.serverConfig }),
    };
    this.values = {
      global: { enabled: true, tlsDisable: !tlsDir },
      injector: {
        enabled: props.injector,
        replicas: props.injector ? 2 : 1,
        metrics: { enabled: props.injector },
        resources: k8sResources(resources.injector),
        securityContext: { pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, container: RESTRICTED_CONTAINER },
        ...(h.injectorCaCertBase64 && props.tls.source !== 'none' ? { extraEnvironmentVars: { AGENT_INJECT_VAULT_CACERT_BYTES: h.injectorCaCertBase64 } } : {}),
      },
      csi: {
        enabled: props.csi,
        // The provider itself logs in with each SecretProviderClass's address, CA and audience; no agent cache in between.
        agent: { enabled: false },
        resources: k8sResources(resources.csi),
        daemonSet: { securityContext: { pod: { seccompProfile: { type: 'RuntimeDefault' } }, container: RESTRICTED_CONTAINER } },
        ...(tlsDir
          ? {
              volumes: [{ name: 'vault-ca', secret: { secretName: tlsSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
              volumeMounts: [{ name: 'vault-ca', mountPath: '/vault/ca', readOnly: true }],
            }
          : {}),
      },
      ui: { enabled: h.ui ?? false },
      server: {
        resources: k8sResources(resources.server),
        statefulSet: { securityContext: { pod: VAULT_POD, container: RESTRICTED_CONTAINER } },
        // The reloader signals Vault (SIGHUP) through the shared process namespace.
        shareProcessNamespace: true,
        extraContainers: [reloader],
        // This project writes its own NetworkPolicy (constructs/network-policies.ts); the chart's allows every namespace.
        networkPolicy: { enabled: false },
        serviceAccount: {
          create: true,
          name: 'vault',
          ...(props.serviceAccountRoleArn ? { annotations: { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } } : {}),
        },
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault', component: 'server' } },
                topologyKey: 'kubernetes.io/hostname',
              },
            ],
          },
        },
        dataStorage: storage(props.dataSize),
        auditStorage: storage(props.auditSize),
        // The root filesystem is read-only: the chart renders its config into /tmp.
        volumes: [
          ...(tlsDir ? [{ name: VAULT_TLS_SECRET, secret: { secretName: tlsSecretName } }] : []),
          { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
          { name: 'home', emptyDir: { sizeLimit: '16Mi' } },
        ],
        volumeMounts: [
          ...(tlsDir ? [{ name: VAULT_TLS_SECRET, mountPath: tlsDir, readOnly: true }] : []),
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'home', mountPath: '/home/vault' },
        ],
        ...(tlsDir ? { extraEnvironmentVars: { VAULT_CACERT: `${tlsDir}/ca.crt`, VAULT_ADDR: 'https://127.0.0.1:8200' } } : {}),
        // Consul's CA and client certificate as read-only volumes, its ACL token as an environment
        // variable from a Secret: none of it is in the values, the HCL or Terraform state.
        ...(consul?.tls ? { extraVolumes: [consul.tls.caSecret, ...(consul.tls.clientCertSecret ? [consul.tls.clientCertSecret] : [])].map((name) => ({ type: 'secret', name })) } : {}),
        ...(consul?.aclTokenSecret
          ? { extraSecretEnvironmentVars: [{ envName: 'CONSUL_HTTP_TOKEN', secretName: consul.aclTokenSecret.name, secretKey: consul.aclTokenSecret.key }] }
          : {}),
        standalone: { enabled: false },
        ha,
      },
      serverTelemetry: { serviceMonitor: { enabled: false } },
    };
    this.release = new Release(this, 'release', {
      name: 'vault',
      namespace: props.namespace,
      createNamespace: props.createNamespace ?? true,
      ...VAULT_CHART,
      values: [JSON.stringify(this.values)],
      atomic: true,
      timeout: 900,
    });
  }
}
