/**
 * NetworkPolicies (networking.k8s.io/v1) for the platform's own namespaces: Vault's server pods,
 * the ESO namespace and the backup namespace. Pure bodies are exported so tests and the local API
 * server can check them without cdktf.
 */
import type { Construct } from 'constructs';
import { DEFAULT_DENY_POLICY, VAULT_NETWORK_POLICY } from '../config/names';
import { KubernetesObject, type KubernetesObjectBody } from './kubernetes-object';

/** Labels of Vault's server pods (official chart). */
export const VAULT_SERVER_POD = { 'app.kubernetes.io/name': 'vault', component: 'server' } as const;
/** Labels of the Vault CSI provider pods (official chart). */
export const VAULT_CSI_POD = { 'app.kubernetes.io/name': 'vault-csi-provider' } as const;
/** Every namespace carries its own name in this label (Kubernetes 1.21+). */
const NAME_LABEL = 'kubernetes.io/metadata.name';

const namespacesNamed = (names: readonly string[]) => ({ namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: [...new Set(names)].sort() } ] } });
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));

/** Props of the policy around Vault's server pods. */
export interface VaultNetworkPolicyProps {
  /** Vault's namespace. */
  readonly namespace: string;
  /** Namespaces whose pods call Vault's API: ESO, injected workloads, CI. Must not be empty. */
  readonly clientNamespaces: readonly string[];
  /** Namespaces that scrape metrics and probe the certificate on 8200. */
  readonly monitoringNamespaces: readonly string[];
  /** The CSI provider (in Vault's namespace) calls Vault. */
  readonly csi: boolean;
}

/** 8200 only from client and monitoring namespaces, Vault's own server pods and the CSI provider; 8201 only among server pods. */
export function vaultNetworkPolicyBody(props: VaultNetworkPolicyProps): KubernetesObjectBody {
  if (props.clientNamespaces.length === 0) throw new Error("VaultNetworkPolicy: 'clientNamespaces' must name at least one namespace");
  const servers = { podSelector: { matchLabels: { ...VAULT_SERVER_POD } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: VAULT_NETWORK_POLICY, namespace: props.namespace },
    spec: {
      podSelector: { matchLabels: { ...VAULT_SERVER_POD } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [namespacesNamed([...props.clientNamespaces, ...props.monitoringNamespaces]), servers, ...(props.csi ? [{ podSelector: { matchLabels: { ...VAULT_CSI_POD } } }] : [])],
          ports: tcp(8200),
        },
        { from: [servers], ports: tcp(8201) },
      ],
    },
  };
}

/** Props of a namespace's default-deny policy and its few exceptions. */
export interface DefaultDenyProps {
  readonly namespace: string;
  /** Allowed egress rules (NetworkPolicyEgressRule). @default - none: all egress denied */
  readonly egress?: ReadonlyArray<Record<string, unknown>>;
  /** Allowed ingress rules (NetworkPolicyIngressRule). @default - none: all ingress denied */
  readonly ingress?: ReadonlyArray<Record<string, unknown>>;
}

/** Every pod of the namespace: deny all ingress and egress but the listed rules. */
export function defaultDenyBody(props: DefaultDenyProps): KubernetesObjectBody {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: DEFAULT_DENY_POLICY, namespace: props.namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [...(props.ingress ?? [])], egress: [...(props.egress ?? [])] },
  };
}

/** Props of ESO's namespace policy. */
export interface EsoNetworkPolicyProps {
  readonly namespace: string;
  readonly vaultNamespace: string;
  readonly monitoringNamespaces: readonly string[];
  /** Where ESO may connect on `egressPorts` (API server, AWS Secrets Manager). */
  readonly egressCidrs: readonly string[];
  readonly egressPorts: readonly number[];
  /** ESO's metrics port. @default 8080 */
  readonly metricsPort?: number;
  /** ESO's webhook port, called by the API server. @default 10250 */
  readonly webhookPort?: number;
}

/** ESO: default deny, then DNS, Vault on 8200, the API server and AWS on 443; in, metrics and the webhook. */
export function esoNetworkPolicyBody(props: EsoNetworkPolicyProps): KubernetesObjectBody {
  return defaultDenyBody({
    namespace: props.namespace,
    egress: [
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { to: [{ ...namespacesNamed([props.vaultNamespace]), podSelector: { matchLabels: { ...VAULT_SERVER_POD } } }], ports: tcp(8200) },
      { to: props.egressCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...props.egressPorts) },
    ],
    ingress: [
      // The API server's address is not a pod's: the webhook port is open to any source, and only it.
      { ports: tcp(props.webhookPort ?? 10250) },
      { from: [namespacesNamed(props.monitoringNamespaces)], ports: tcp(props.metricsPort ?? 8080) },
    ],
  });
}

/** A NetworkPolicy from a body built above. */
export class NetworkPolicy extends KubernetesObject {
  constructor(scope: Construct, id: string, body: KubernetesObjectBody) {
    if (body.kind !== 'NetworkPolicy') throw new Error(`NetworkPolicy expects a NetworkPolicy body. Received: ${body.kind}`);
    super(scope, id, body);
  }
}
