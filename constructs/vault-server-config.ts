/**
 * The Vault server's HCL configuration, rendered deterministically from typed values. Kept apart
 * from the Helm release so it can be tested on its own.
 */
import { renderHclDocument, type HclBlock, type LabelledBlock } from './hcl';

/** Where Vault keeps its data. */
export type VaultStorage =
  | { readonly type: 'raft'; /** Pod names to auto-join, e.g. vault-0..vault-2. */ readonly peers: readonly string[]; readonly internalService: string }
  | {
      readonly type: 'consul';
      readonly address: string;
      readonly path: string;
      /**
       * TLS to Consul: the CA file, and a client certificate and key where Consul verifies clients.
       * The ACL token is never here: it comes from the environment (`CONSUL_HTTP_TOKEN`).
       * @default - plain HTTP (local and dev only; validation refuses it in production-grade environments)
       */
      readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
    };

/** How Vault unseals. */
export type VaultSeal = { readonly type: 'awskms'; readonly region: string; readonly kmsKeyId: string } | { readonly type: 'shamir' };

/** Typed values for the server configuration. */
export interface VaultServerConfigProps {
  readonly storage: VaultStorage;
  readonly seal: VaultSeal;
  /** Folder holding tls.crt, tls.key and ca.crt. Undefined disables TLS (local and dev only). */
  readonly tlsDir?: string;
  /** Raft data path. @default "/vault/data" */
  readonly dataPath?: string;
  /** Serve the web UI. @default false */
  readonly ui?: boolean;
  /** Serve /v1/sys/metrics without a token: only behind a NetworkPolicy. @default false */
  readonly unauthenticatedMetrics?: boolean;
}

/** The consul storage stanza: https with the CA (and client certificate) when TLS is given. */
function consulStorage(storage: Extract<VaultStorage, { type: 'consul' }>): HclBlock {
  const tls = storage.tls;
  if (!tls) return { address: storage.address, path: storage.path, scheme: 'http' };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw new Error("consul TLS: 'certFile' and 'keyFile' are given together or not at all");
  return {
    address: storage.address,
    path: storage.path,
    scheme: 'https',
    tls_ca_file: tls.caFile,
    ...(tls.certFile ? { tls_cert_file: tls.certFile, tls_key_file: tls.keyFile } : {}),
    tls_min_version: 'tls12',
  };
}

/** Renders the server HCL: listener, storage, seal, service registration and telemetry. */
export function renderVaultServerConfig(props: VaultServerConfigProps): string {
  const scheme = props.tlsDir ? 'https' : 'http';
  const listener: HclBlock = props.tlsDir
    ? {
        address: '[::]:8200',
        cluster_address: '[::]:8201',
        tls_cert_file: `${props.tlsDir}/tls.crt`,
        tls_key_file: `${props.tlsDir}/tls.key`,
        tls_client_ca_file: `${props.tlsDir}/ca.crt`,
        tls_min_version: 'tls12',
        telemetry: { unauthenticated_metrics_access: props.unauthenticatedMetrics ?? false },
      }
    : { address: '[::]:8200', cluster_address: '[::]:8201', tls_disable: true, telemetry: { unauthenticated_metrics_access: props.unauthenticatedMetrics ?? false } };

  const storage: LabelledBlock =
    props.storage.type === 'raft'
      ? {
          type: 'storage',
          labels: ['raft'],
          body: {
            path: props.dataPath ?? '/vault/data',
            retry_join: props.storage.peers.map((peer): HclBlock => ({
              leader_api_addr: `${scheme}://${peer}.${(props.storage as { internalService: string }).internalService}:8200`,
              ...(props.tlsDir ? { leader_ca_cert_file: `${props.tlsDir}/ca.crt`, leader_tls_servername: 'vault' } : {}),
            })),
          },
        }
      : { type: 'storage', labels: ['consul'], body: consulStorage(props.storage) };

  const blocks: LabelledBlock[] = [
    { type: 'listener', labels: ['tcp'], body: listener },
    storage,
    ...(props.seal.type === 'awskms' ? [{ type: 'seal', labels: ['awskms'], body: { region: props.seal.region, kms_key_id: props.seal.kmsKeyId } }] : []),
    { type: 'service_registration', labels: ['kubernetes'], body: {} },
  ];
  return renderHclDocument(
    { ui: props.ui ?? false, disable_mlock: true, telemetry: { prometheus_retention_time: '30s', disable_hostname: true } },
    blocks,
  );
}
