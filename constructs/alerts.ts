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
  /** Alerts that watch what Vault actually runs with (audit volume, served certificate). @default - none */
  readonly hardening?: HardeningAlertOptions;
}

/** Options of the alerts added by the security review (issue 11, findings 5 and 10). */
export interface HardeningAlertOptions {
  /** Alert when an audit volume is this full, in percent. */
  readonly auditVolumeAlertPercent: number;
  /** Job name of the blackbox Probe of the certificate each Vault pod serves. @default - no TLS, no probe */
  readonly servedCertificateJob?: string;
  /** cert-manager Certificate name, to catch a server still serving an older certificate. @default - not from cert-manager */
  readonly certManagerCertificate?: string;
}

/** Alerts on the audit volume and on the certificate each Vault pod serves. */
export function hardeningAlertRules(vaultNamespace: string, o: HardeningAlertOptions): AlertRule[] {
  const ns = `namespace="${vaultNamespace}"`;
  const audit = `${ns},persistentvolumeclaim=~"audit-vault-[0-9]+"`;
  const rules: AlertRule[] = [
    {
      alert: 'VaultAuditVolumeFilling',
      expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${audit}} / kubelet_volume_stats_capacity_bytes{${audit}}) * 100 > ${o.auditVolumeAlertPercent}`,
      for: '10m',
      severity: 'critical',
      summary: `A Vault audit volume is over ${o.auditVolumeAlertPercent}% full. Rotation keeps a bounded number of files, so growth means rotation stopped; a full volume fails the file device (the stdout device keeps Vault answering).`,
    },
  ];
  if (o.servedCertificateJob) {
    const served = `probe_ssl_earliest_cert_expiry{job="${o.servedCertificateJob}"}`;
    rules.push(
      { alert: 'VaultServedCertificateExpiringSoon', expr: `min by (instance) (${served}) - time() < 14 * 24 * 3600`, for: '1h', severity: 'critical', summary: 'The certificate a Vault pod actually serves expires within 14 days.' },
      { alert: 'VaultCertificateProbeFailing', expr: `max by (instance) (probe_success{job="${o.servedCertificateJob}"}) == 0`, for: '15m', severity: 'warning', summary: 'The blackbox probe of a Vault pod\'s TLS listener fails: the served certificate is not being watched.' },
    );
    if (o.certManagerCertificate) {
      rules.push({
        alert: 'VaultServingStaleCertificate',
        expr: `min by (instance) (${served}) < on() group_left() (max(certmanager_certificate_expiration_timestamp_seconds{${ns},name="${o.certManagerCertificate}"}) - 3600)`,
        for: '2h',
        severity: 'warning',
        summary: 'A Vault pod still serves an older certificate than the one cert-manager issued: the reload (SIGHUP from the reloader sidecar) did not happen.',
      });
    }
  }
  return rules;
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
    { alert: 'ExternalSecretSyncErrors', expr: `sum by (namespace, name) (increase(externalsecret_sync_calls_error[15m])) > 0`, for: '15m', severity: 'warning', summary: 'ESO keeps failing to read a secret from Vault (the backup reader\'s ExternalSecrets included).' },
    { alert: 'PushSecretFailing', expr: `max by (namespace, name) (pushsecret_status_condition{condition="Ready",status="False"}) == 1`, for: '30m', severity: 'critical', summary: 'A backup PushSecret cannot write to AWS Secrets Manager (denied, or the backup secret\'s policy or tags drifted from what the backup layer declares): the AWS backup of that secret is going stale.' },
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
    const rules = [...secretsAlertRules(props.platform, props.vaultNamespace), ...(props.hardening ? hardeningAlertRules(props.vaultNamespace, props.hardening) : [])];
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
  /** Scrape over HTTPS, trusting the CA in this ConfigMap's `ca.crt` (Vault with TLS; never the TLS secret, which holds the key). @default - plain HTTP */
  readonly tlsCaConfigMap?: string;
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
            ...(props.tlsCaConfigMap
              ? { scheme: 'https', tlsConfig: { ca: { configMap: { name: props.tlsCaConfigMap, key: 'ca.crt' } }, serverName: `vault.${props.namespace}.svc` } }
              : {}),
          },
        ],
      },
    });
  }
}

/** Props of a blackbox-exporter Probe of the certificate each Vault pod serves. */
export interface ServedCertificateProbeProps {
  readonly namespace: string;
  /** Job name, as the alerts select it. */
  readonly jobName: string;
  /** Blackbox exporter address, e.g. `prometheus-blackbox-exporter.monitoring.svc:9115`. */
  readonly prober: string;
  /** Blackbox module (a TLS connect that reads the peer certificate). */
  readonly module: string;
  /** `host:port` of every Vault pod, so one pod that failed to reload is seen. */
  readonly targets: readonly string[];
  /** @default { release: 'prometheus' } */
  readonly selectorLabels?: Record<string, string>;
}

/** A `Probe` (monitoring.coreos.com/v1): the blackbox exporter connects to each Vault pod and reports the served certificate's expiry. */
export class ServedCertificateProbe extends KubernetesObject {
  constructor(scope: Construct, id: string, props: ServedCertificateProbeProps) {
    if (props.targets.length === 0) throw new Error("ServedCertificateProbe: 'targets' must list at least one Vault pod");
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Probe',
      metadata: { name: props.jobName, namespace: props.namespace, labels: props.selectorLabels ?? { release: 'prometheus' } },
      spec: {
        jobName: props.jobName,
        interval: '60s',
        module: props.module,
        prober: { url: props.prober },
        targets: { staticConfig: { static: [...props.targets] } },
      },
    });
  }
}
