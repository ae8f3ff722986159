import type { Construct } from 'constructs';
import { BACKUP_PUSH_FORMAT } from './backup-secret-contract';
import { KubernetesObject } from './kubernetes-object';

/** Props of a PushSecret that copies one Kubernetes Secret to AWS Secrets Manager. */
export interface BackupPushSecretProps {
  readonly name: string;
  readonly namespace: string;
  /** The Kubernetes Secret to push (written by an ExternalSecret from Vault). */
  readonly sourceSecretName: string;
  /** Name of the AWS secret (created by the backup stack, so it carries the platform's KMS key). */
  readonly remoteKey: string;
  /** The AWS SecretStore. */
  readonly storeName: string;
  /** How often ESO pushes (Go duration). */
  readonly refreshInterval: string;
  /** The AWS secret's tags besides `managed-by` (`backupSecretTags`, as the backup layer sets them). */
  readonly tags: Readonly<Record<string, string>>;
  /** ConfigMap (same namespace) and key holding the secret's resource policy (`backupSecretPolicy`). */
  readonly policy: { readonly configMapName: string; readonly key: string };
}

/**
 * A `PushSecret` (external-secrets.io/v1alpha1): the whole Kubernetes Secret is pushed as one JSON
 * string document to AWS Secrets Manager. Values travel from Vault to AWS inside the cluster, never
 * through Terraform. `deletionPolicy: None` keeps the backup if the PushSecret is removed.
 *
 * The push metadata declares the tags and the resource policy the backup layer gave the secret
 * (see backup-secret-contract.ts): without them ESO would delete the policy on every push.
 */
export class BackupPushSecret extends KubernetesObject {
  constructor(scope: Construct, id: string, props: BackupPushSecretProps) {
    super(scope, id, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        refreshInterval: props.refreshInterval,
        deletionPolicy: 'None',
        updatePolicy: 'Replace',
        secretStoreRefs: [{ kind: 'SecretStore', name: props.storeName }],
        selector: { secret: { name: props.sourceSecretName } },
        data: [
          {
            match: { remoteRef: { remoteKey: props.remoteKey } },
            metadata: {
              apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
              kind: 'PushSecretMetadata',
              spec: {
                secretPushFormat: BACKUP_PUSH_FORMAT,
                tags: { ...props.tags },
                resourcePolicy: { blockPublicPolicy: true, policySourceRef: { kind: 'ConfigMap', name: props.policy.configMapName, key: props.policy.key } },
              },
            },
          },
        ],
      },
    });
  }
}

/** Props of the SecretStore that writes backups to AWS Secrets Manager. */
export interface AwsBackupStoreProps {
  readonly name: string;
  readonly namespace: string;
  /** Primary region of the backups. */
  readonly region: string;
  /** Service account annotated with the push role (IRSA). */
  readonly serviceAccount: string;
}

/** A `SecretStore` (external-secrets.io/v1) for AWS Secrets Manager, authenticated with IRSA. */
export class AwsBackupStore extends KubernetesObject {
  constructor(scope: Construct, id: string, props: AwsBackupStoreProps) {
    super(scope, id, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: props.region,
            auth: { jwt: { serviceAccountRef: { name: props.serviceAccount } } },
          },
        },
      },
    });
  }
}
