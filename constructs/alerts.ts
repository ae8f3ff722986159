import type { Construct } from 'constructs';
import { KubernetesObject } from './kubernetes-object';

/** One alerting rule, and the seed alert it answers. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  /** How the signal is detected when metrics alone cannot see it. */
  readonly detection?: string;
}

/** Props of the platform's alert rules. */
export interface SecretsAlertsProps {
  /** Namespace the PrometheusRule lives in (where the Prometheus operator looks). */
  readonly namespace: string;
  /** Platform name, for rule names and labels. */
  readonly platform: string;
  /** Vault server namespace, to scope Vault metrics. */
  readonly vaultNamespace: string;
  /** Label selecting this PrometheusRule in the Prometheus `ruleSelector`. @default { release: 'prometheus' } */
  readonly ruleSelectorLabels?: Record<string, string>;
}

/**
 * The alerts the seeds ask for, plus Vault sealed and audit failure. Every rule is backed by a
 * metric Vault, ESO or cert-manager exports; where metrics cannot see a signal (a KV secret past its
 * rotation period, an individual denied request), `detection` says how it is caught.
 */
export function secretsAlertRules(platform: string, vaultNamespace: string): AlertRule[] {
  const vault = `namespace="${vaultNamespace}"`;
  return [
    { alert: 'VaultSealed', expr: `max by (pod) (vault_core_unsealed{${vault}}) == 0`, for: '1m', severity: 'critical', summary: 'A Vault server is sealed; with KMS auto-unseal this means the KMS key or its IAM role is unreachable.' },
    { alert: 'VaultAuditLogRequestFailure', expr: `sum(increase(vault_audit_log_request_failure{${vault}}[5m])) > 0`, for: '0m', severity: 'critical', summary: 'Vault failed to write audit log entries; Vault refuses requests it cannot audit.' },
    { alert: 'VaultAuditLogResponseFailure', expr: `sum(increase(vault_audit_log_response_failure{${vault}}[5m])) > 0`, for: '0m', severity: 'critical', summary: 'Vault failed to write audit log responses.' },
    {
      alert: 'VaultUnauthorizedAccessAttempts',
      expr: `sum(increase(vault_core_response_status_code{${vault},code="403"}[5m])) > 10`,
      for: '5m',
      severity: 'warning',
      summary: 'Many requests to Vault were denied (403): a misconfigured workload or someone probing for secrets.',
      detection: 'The metric counts denials; who was denied which path is in the audit log (error "permission denied"), which the log pipeline ships and indexes.',
    },
    { alert: 'ExternalSecretSyncFailed', expr: `max by (namespace, name) (externalsecret_status_condition{condition="Ready",status="False"}) == 1`, for: '10m', severity: 'critical', summary: 'An ExternalSecret has not synced from Vault; its Kubernetes Secret is stale.' },
    { alert: 'ExternalSecretSyncErrors', expr: `sum by (namespace, name) (increase(externalsecret_sync_calls_error[15m])) > 0`, for: '15m', severity: 'warning', summary: 'ESO keeps failing to read a secret from Vault (also covers failed backup pushes).' },
    {
      alert: 'SecretRotationFailed',
      expr: `sum by (namespace, name) (increase(externalsecret_sync_calls_error[1h])) > 3`,
      for: '1h',
      severity: 'warning',
      summary: 'A rotated value has not reached Kubernetes for an hour.',
      detection: 'Rotation itself is a `cdktf deploy` after a generation bump; a failed apply fails the CI job that runs it. This alert catches the second half: the new value not reaching workloads.',
    },
    { alert: 'CertificateExpiringSoon', expr: `(certmanager_certificate_expiration_timestamp_seconds - time()) < 14 * 24 * 3600`, for: '1h', severity: 'warning', summary: 'A cert-manager certificate (Vault TLS or ingress) expires within 14 days and has not renewed.' },
    {
      alert: 'SecretRotationOverdue',
      expr: `max by (path) (vault_secret_rotation_overdue{platform="${platform}"}) > 0`,
      for: '1h',
      severity: 'warning',
      summary: 'A secret is older than its rotation period.',
      detection: 'KV secrets have no age metric. Every secret carries custom_metadata rotation_period (written by this project); the overdue check compares it with the metadata updated_time and exposes vault_secret_rotation_overdue. Until that exporter runs, the README shows the one-line check.',
    },
  ];
}

/** A `PrometheusRule` (monitoring.coreos.com/v1) holding the platform's secret alerts. */
export class SecretsAlerts extends KubernetesObject {
  /** The rules, for reports. */
  public readonly rules: AlertRule[];

  constructor(scope: Construct, id: string, props: SecretsAlertsProps) {
    const rules = secretsAlertRules(props.platform, props.vaultNamespace);
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: `${props.platform}-secrets-alerts`, namespace: props.namespace, labels: props.ruleSelectorLabels ?? { release: 'prometheus' } },
      spec: {
        groups: [
          {
            name: `${props.platform}.secrets`,
            rules: rules.map((r) => ({
              alert: r.alert,
              expr: r.expr,
              for: r.for,
              labels: { severity: r.severity, platform: props.platform },
              annotations: { summary: r.summary, ...(r.detection ? { detection: r.detection } : {}) },
            })),
          },
        ],
      },
    });
    this.rules = rules;
  }
}

/** Props of a ServiceMonitor. */
export interface MetricsMonitorProps {
  readonly name: string;
  /** Namespace of the monitored service. */
  readonly namespace: string;
  /** Labels of the Service to scrape. */
  readonly selector: Record<string, string>;
  /** Named port. */
  readonly port: string;
  /** Metrics path. @default "/metrics" */
  readonly path?: string;
  /** Extra query parameters, e.g. Vault's `format=prometheus`. */
  readonly params?: Record<string, string[]>;
  /** Scrape over HTTPS, trusting the CA in this secret's `ca.crt` (Vault with TLS). @default - plain HTTP */
  readonly tlsCaSecret?: string;
  /** Labels selecting it in Prometheus' `serviceMonitorSelector`. @default { release: 'prometheus' } */
  readonly selectorLabels?: Record<string, string>;
}

/** A `ServiceMonitor` (monitoring.coreos.com/v1). */
export class MetricsMonitor extends KubernetesObject {
  constructor(scope: Construct, id: string, props: MetricsMonitorProps) {
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: props.name, namespace: props.namespace, labels: props.selectorLabels ?? { release: 'prometheus' } },
      spec: {
        selector: { matchLabels: props.selector },
        namespaceSelector: { matchNames: [props.namespace] },
        endpoints: [
          {
            port: props.port,
            path: props.path ?? '/metrics',
            interval: '30s',
            ...(props.params ? { params: props.params } : {}),
            ...(props.tlsCaSecret
              ? { scheme: 'https', tlsConfig: { ca: { secret: { name: props.tlsCaSecret, key: 'ca.crt' } }, serverName: `vault.${props.namespace}.svc` } }
              : {}),
          },
        ],
      },
    });
  }
}
