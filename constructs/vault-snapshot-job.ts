import { Construct } from 'constructs';
import { KubernetesObject } from './kubernetes-object';

/** Images of the snapshot job, pinned; bump them deliberately. */
export const SNAPSHOT_IMAGES = {
  vault: 'hashicorp/vault:1.20.4',
  consul: 'hashicorp/consul:1.21.4',
  awsCli: 'amazon/aws-cli:2.27.0',
} as const;

/** Where the snapshot is taken from. */
export type SnapshotSource =
  | {
      readonly type: 'raft';
      /** Vault's active node, e.g. `https://vault-active.vault.svc:8200`. */
      readonly vaultAddress: string;
      /** Secret in the namespace whose `ca.crt` signs Vault's certificate. @default - plain HTTP */
      readonly caSecret?: string;
      /** Kubernetes auth mount and the role that may only read `sys/storage/raft/snapshot`. */
      readonly authPath: string;
      readonly role: string;
      /** Audience of the projected token the role expects. */
      readonly audience: string;
    }
  | {
      readonly type: 'consul';
      /** Consul address with scheme, e.g. `https://consul-server.consul.svc:8501`. */
      readonly consulAddress: string;
      /** Secret with `ca.crt` for Consul's certificate. @default - plain HTTP */
      readonly caSecret?: string;
      /** Secret with `tls.crt`/`tls.key`, where Consul verifies clients. */
      readonly clientCertSecret?: string;
      /** Secret and key holding a Consul token allowed to take snapshots. */
      readonly tokenSecret: { readonly name: string; readonly key: string };
    };

/** Props of the scheduled snapshot job. */
export interface VaultSnapshotJobProps {
  readonly namespace: string;
  /** Service account, annotated with the snapshot role (IRSA). */
  readonly serviceAccount: string;
  /** ARN of the IAM role that may only put objects into the bucket. */
  readonly roleArn: string;
  readonly bucket: string;
  readonly region: string;
  /** Cron schedule (UTC). */
  readonly schedule: string;
  readonly source: SnapshotSource;
  /** Alert when the last successful snapshot is older than this. @default 10800 (3 hours) */
  readonly maxAgeSeconds?: number;
}

const hardened = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65532,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const resources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

/**
 * A CronJob that saves a storage snapshot (Raft through Vault's API with a token that may do only
 * that, or Consul through its own) into an emptyDir, then puts it into the S3 bucket, where default
 * encryption uses the snapshot key and versioning keeps replaced objects. The AWS side is the
 * backup layer's `VaultSnapshots`. No token or value is in the manifest: the Vault token comes from
 * a login with the pod's projected service account token, a Consul token from a Secret.
 */
export class VaultSnapshotJob extends Construct {
  public readonly cronJob: KubernetesObject;
  /** Alerts on failed and missing snapshots (kube-state-metrics). */
  public readonly alerts: KubernetesObject;

  constructor(scope: Construct, id: string, props: VaultSnapshotJobProps) {
    super(scope, id);
    if (!/^(\S+\s+){4}\S+$/.test(props.schedule)) throw new Error(`'schedule' must be a five-field cron schedule. Received: ${props.schedule}`);
    const src = props.source;
    const labels = { 'app.kubernetes.io/name': 'vault-snapshot' };
    new KubernetesObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: props.serviceAccount, namespace: props.namespace, annotations: { 'eks.amazonaws.com/role-arn': props.roleArn } },
      automountServiceAccountToken: false,
    });
    const volumes: Record<string, unknown>[] = [
      { name: 'snapshots', emptyDir: { sizeLimit: '10Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ];
    const mounts: Record<string, unknown>[] = [
      { name: 'snapshots', mountPath: '/snapshots' },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    let take: Record<string, unknown>;
    if (src.type === 'raft') {
      volumes.push({ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: src.audience, expirationSeconds: 600 } }] } });
      mounts.push({ name: 'vault-token', mountPath: '/var/run/secrets/vault', readOnly: true });
      if (src.caSecret) {
        volumes.push({ name: 'vault-ca', secret: { secretName: src.caSecret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
        mounts.push({ name: 'vault-ca', mountPath: '/vault/ca', readOnly: true });
      }
      take = {
        name: 'snapshot',
        image: SNAPSHOT_IMAGES.vault,
        command: ['/bin/sh', '-ec'],
        args: [
          // The token stays in the shell; `-field=token` prints nothing else, and nothing is echoed.
          `VAULT_TOKEN="$(vault write -field=token auth/${src.authPath}/login role=${src.role} jwt=@/var/run/secrets/vault/token)"; export VAULT_TOKEN; vault operator raft snapshot save /snapshots/snapshot.snap`,
        ],
        env: [
          { name: 'VAULT_ADDR', value: src.vaultAddress },
          { name: 'HOME', value: '/tmp' },
          ...(src.caSecret ? [{ name: 'VAULT_CACERT', value: '/vault/ca/ca.crt' }] : []),
        ],
        volumeMounts: mounts,
        securityContext: hardened,
        resources,
      };
    } else {
      const tlsVolumes = [
        ...(src.caSecret ? [{ name: 'consul-ca', secret: { secretName: src.caSecret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] : []),
        ...(src.clientCertSecret ? [{ name: 'consul-client', secret: { secretName: src.clientCertSecret } }] : []),
      ];
      volumes.push(...tlsVolumes);
      mounts.push(...tlsVolumes.map((v) => ({ name: v.name, mountPath: `/consul/${v.name}`, readOnly: true })));
      take = {
        name: 'snapshot',
        image: SNAPSHOT_IMAGES.consul,
        command: ['consul', 'snapshot', 'save', '/snapshots/snapshot.snap'],
        env: [
          { name: 'CONSUL_HTTP_ADDR', value: src.consulAddress },
          { name: 'CONSUL_HTTP_TOKEN', valueFrom: { secretKeyRef: { name: src.tokenSecret.name, key: src.tokenSecret.key } } },
          ...(src.caSecret ? [{ name: 'CONSUL_CACERT', value: '/consul/consul-ca/ca.crt' }] : []),
          ...(src.clientCertSecret
            ? [
                { name: 'CONSUL_CLIENT_CERT', value: '/consul/consul-client/tls.crt' },
                { name: 'CONSUL_CLIENT_KEY', value: '/consul/consul-client/tls.key' },
              ]
            : []),
        ],
        volumeMounts: mounts,
        securityContext: hardened,
        resources,
      };
    }
    const upload = {
      name: 'upload',
      image: SNAPSHOT_IMAGES.awsCli,
      command: ['/bin/sh', '-ec'],
      // The bucket's default encryption applies the snapshot key; its policy refuses any other key.
      args: [`aws s3 cp --only-show-errors --region "${props.region}" /snapshots/snapshot.snap "s3://${props.bucket}/$(date -u +%Y/%m/%d/%Y%m%dT%H%M%SZ).snap"`],
      env: [{ name: 'HOME', value: '/tmp' }],
      volumeMounts: [
        { name: 'snapshots', mountPath: '/snapshots', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      securityContext: hardened,
      resources,
    };
    this.cronJob = new KubernetesObject(this, 'cron-job', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'vault-snapshot', namespace: props.namespace, labels },
      spec: {
        schedule: props.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 1800,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: props.serviceAccount,
                automountServiceAccountToken: false,
                restartPolicy: 'Never',
                securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, fsGroup: 65532 },
                // The snapshot is taken first, then uploaded: an init container hands over through the emptyDir.
                initContainers: [take],
                containers: [upload],
                volumes,
              },
            },
          },
        },
      },
    });
    const ns = `namespace="${props.namespace}"`;
    this.alerts = new KubernetesObject(this, 'alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'vault-snapshot-alerts', namespace: props.namespace, labels },
      spec: {
        groups: [
          {
            name: 'vault-snapshots',
            rules: [
              {
                alert: 'VaultSnapshotFailed',
                expr: `max(kube_job_status_failed{${ns},job_name=~"vault-snapshot-.*"}) > 0`,
                for: '0m',
                labels: { severity: 'warning' },
                annotations: { summary: 'A Vault storage snapshot job failed; see its pod logs (no values are logged).' },
              },
              {
                alert: 'VaultSnapshotMissing',
                expr: `time() - max(kube_cronjob_status_last_successful_time{${ns},cronjob="vault-snapshot"}) > ${props.maxAgeSeconds ?? 10800}`,
                for: '15m',
                labels: { severity: 'critical' },
                annotations: { summary: 'No Vault storage snapshot has succeeded recently: the last recovery point is getting old.' },
              },
            ],
          },
        ],
      },
    });
  }
}
