/**
 * AWS SDK clients aimed at a moto server, and helpers that read what was created back through the
 * AWS API (never from the synthesized JSON or the state). Nothing here prints a secret value.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MOTO_CREDENTIALS, type MotoServer } from '../../scripts/lib/moto';

// The SDK's note that its 2027 releases need Node 22 is for whoever bumps it, not test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** KMS, IAM and Secrets Manager clients for one region of a moto server. */
export function awsClients(moto: MotoServer, region: string): { kms: KMSClient; iam: IAMClient; sm: SecretsManagerClient } {
  const config = { region, endpoint: moto.endpoint, credentials: { ...MOTO_CREDENTIALS } };
  return { kms: new KMSClient(config), iam: new IAMClient(config), sm: new SecretsManagerClient(config) };
}

/** A policy document as IAM returns it (URL-encoded JSON) or as a stack declares it (JSON). */
export const parsePolicy = (doc: string | undefined): any => JSON.parse(doc?.trimStart().startsWith('{') ? doc : decodeURIComponent(doc ?? ''));

/**
 * Resolves the `${aws_….arn}` references of a synthesized stack to the ARNs AWS reports: a secret by
 * its declared name, a KMS key through its declared alias, a replica key by the primary's key id in
 * the replica provider's region. `region` is the stack's primary region.
 */
export function arnResolver(tf: Record<string, any>, moto: MotoServer, region: string): (ref: string) => Promise<string> {
  const resource = (type: string, id: string) => {
    const body = tf.resource?.[type]?.[id];
    if (!body) throw new Error(`the stack has no ${type}.${id}`);
    return body;
  };
  const keyArnByAlias = async (keyId: string, inRegion: string): Promise<string> => {
    const out = await awsClients(moto, inRegion).kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return out.KeyMetadata!.Arn!;
  };
  const primaryKeyAlias = (keyResourceId: string): string => {
    const aliases = Object.values<any>(tf.resource?.aws_kms_alias ?? {}).filter((a) => a.target_key_id === `\${aws_kms_key.${keyResourceId}.key_id}`);
    if (aliases.length !== 1) throw new Error(`aws_kms_key.${keyResourceId} has ${aliases.length} aliases; expected 1`);
    return aliases[0].name;
  };
  const resolve = async (value: string): Promise<string> => {
    // A reference, alone or followed by a path (`${aws_s3_bucket.x.arn}/*`).
    const m = /^\$\{(aws_[a-z0-9_]+)\.([^.}]+)\.arn\}(.*)$/.exec(value);
    if (!m) return value;
    const [, type, id, rest] = m;
    return `${await arnOf(type, id, value)}${rest}`;
  };
  const arnOf = async (type: string, id: string, ref: string): Promise<string> => {
    if (type === 'aws_s3_bucket') return `arn:aws:s3:::${resource(type, id).bucket}`;
    if (type === 'aws_secretsmanager_secret') {
      const out = await awsClients(moto, region).sm.send(new DescribeSecretCommand({ SecretId: resource(type, id).name }));
      return out.ARN!;
    }
    if (type === 'aws_kms_key') return keyArnByAlias(primaryKeyAlias(id), region);
    if (type === 'aws_kms_replica_key') {
      const body = resource(type, id);
      const primary = /^\$\{aws_kms_key\.([^.}]+)\.arn\}$/.exec(body.primary_key_arn);
      const replicaRegion = tf.provider.aws.find((p: { alias?: string }) => `aws.${p.alias}` === body.provider)?.region;
      if (!primary || !replicaRegion) throw new Error(`cannot resolve ${ref}`);
      const keyId = (await keyArnByAlias(primaryKeyAlias(primary[1]), region)).split('/').pop()!;
      return keyArnByAlias(keyId, replicaRegion);
    }
    throw new Error(`no resolver for ${type}`);
  };
  return resolve;
}

/** A declared policy (JSON with `${…arn}` references) with every reference resolved, like AWS stores it. */
export async function resolvePolicy(policy: any, resolve: (ref: string) => Promise<string>): Promise<any> {
  if (typeof policy === 'string') return resolve(policy);
  if (Array.isArray(policy)) return Promise.all(policy.map((p) => resolvePolicy(p, resolve)));
  if (policy && typeof policy === 'object') {
    const entries = await Promise.all(Object.entries(policy).map(async ([k, v]) => [k, await resolvePolicy(v, resolve)] as const));
    return Object.fromEntries(entries);
  }
  return policy;
}

/**
 * The Secrets Manager containers of a platform's backups, created through the API as the backup
 * layer declares them (test/integration/aws-apply.test.ts proves the layer creates exactly these):
 * a multi-Region KMS key replicated to every replica region, and per critical secret
 * `<platform>/backup/<path>` under that key, replicated under each replica key, tagged for ESO. For
 * tests of what uses the backups (restore), without the aws provider.
 */
export async function createBackupContainers(moto: MotoServer, platform: string, paths: readonly string[], primaryRegion: string, replicaRegions: readonly string[]): Promise<void> {
  const { kms, sm } = awsClients(moto, primaryRegion);
  const key = (await kms.send(new CreateKeyCommand({ MultiRegion: true, Description: `Secrets Manager backups for ${platform}` }))).KeyMetadata!;
  const replicaArns: Record<string, string> = {};
  for (const region of replicaRegions) {
    replicaArns[region] = (await kms.send(new ReplicateKeyCommand({ KeyId: key.KeyId, ReplicaRegion: region }))).ReplicaKeyMetadata!.Arn!;
  }
  for (const path of paths) {
    await sm.send(
      new CreateSecretCommand({
        Name: `${platform}/backup/${path}`,
        KmsKeyId: key.Arn,
        AddReplicaRegions: replicaRegions.map((Region) => ({ Region, KmsKeyId: replicaArns[Region] })),
        Tags: [
          { Key: 'managed-by', Value: 'external-secrets' },
          { Key: 'vault-path', Value: path },
        ],
      }),
    );
  }
}
