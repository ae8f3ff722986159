/**
 * Where moto 5.2.5 falls short of AWS for the backup layer, proven on stock `moto_server`, and the
 * same calls answered as AWS documents them by the harness's moto (scripts/lib/moto_fixes.py). When a
 * moto release fixes a gap, its "stock" test fails: drop that fix and this test together.
 */
import { CreateKeyCommand, DescribeKeyCommand, ListResourceTagsCommand, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, GetBucketTaggingCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../../scripts/lib/moto';
import { awsClients } from '../support/aws';

jest.setTimeout(120_000);

const ACCOUNT = '111122223333';
const [PRIMARY, REPLICA] = ['eu-west-1', 'eu-central-1'];

/** What moto answers for a multi-Region key replicated with tags and a description, and for a replicated secret. */
async function probe(moto: MotoServer) {
  const primary = awsClients(moto, PRIMARY);
  const replica = awsClients(moto, REPLICA);
  const key = (await primary.kms.send(new CreateKeyCommand({ MultiRegion: true, Description: 'primary' }))).KeyMetadata!;
  await primary.kms.send(new ReplicateKeyCommand({ KeyId: key.KeyId, ReplicaRegion: REPLICA, Description: 'replica', Tags: [{ TagKey: 'platform', TagValue: 'waqiti' }] }));
  const replicaKey = (await replica.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
  const replicaTags = (await replica.kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags ?? [];
  const primaryAfter = (await primary.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
  const replicaKeyArn = `arn:aws:kms:${REPLICA}:${ACCOUNT}:key/${key.KeyId}`;
  await primary.sm.send(new CreateSecretCommand({ Name: `probe-${key.KeyId}`, KmsKeyId: key.Arn, AddReplicaRegions: [{ Region: REPLICA, KmsKeyId: replicaKeyArn }] }));
  const secret = await primary.sm.send(new DescribeSecretCommand({ SecretId: `probe-${key.KeyId}` }));
  return {
    replicaDescription: replicaKey.Description,
    replicaTags: replicaTags.map((t) => `${t.TagKey}=${t.TagValue}`),
    replicaType: replicaKey.MultiRegionConfiguration?.MultiRegionKeyType,
    primaryTypeAfterReplicaRead: primaryAfter.MultiRegionConfiguration?.MultiRegionKeyType,
    secretReplicaKey: secret.ReplicationStatus?.[0]?.KmsKeyId,
    replicaKeyArn,
  };
}

/** What moto answers for a bucket created with tags and sending its events to EventBridge. */
async function probeBucket(moto: MotoServer) {
  const s3 = new S3Client({ region: PRIMARY, endpoint: moto.endpoint, forcePathStyle: true, credentials: { ...MOTO_CREDENTIALS } });
  const bucket = `probe-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1', Tags: [{ Key: 'purpose', Value: 'probe' }] } }));
  const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket })).then(
    (r) => (r.TagSet ?? []).map((t) => `${t.Key}=${t.Value}`),
    (e: Error) => e.name,
  );
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
  const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  return { bucketTags: tags, eventBridge: notification.EventBridgeConfiguration !== undefined };
}

describe('stock moto 5.2.5', () => {
  let moto: MotoServer;
  beforeAll(async () => (moto = await startMoto({ accountId: ACCOUNT, fixes: false })));
  afterAll(() => moto?.stop());

  it('gap 1: ReplicateKey ignores Tags and Description (the aws provider then waits 10 min for the tags)', async () => {
    const p = await probe(moto);
    expect(p.replicaTags).toEqual([]);
    expect(p.replicaDescription).toBe('primary');
  });

  it('gap 2: once the replica is described, the primary reports REPLICA too (one shared configuration dict)', async () => {
    const p = await probe(moto);
    expect(p.replicaType).toBe('REPLICA');
    expect(p.primaryTypeAfterReplicaRead).toBe('REPLICA');
  });

  it('gap 3: a Secrets Manager replica reports the default key, not the KmsKeyId it was created with', async () => {
    const p = await probe(moto);
    expect(p.secretReplicaKey).toBe('alias/aws/secretsmanager');
  });

  it('gap 4: CreateBucket ignores the tags of its CreateBucketConfiguration', async () => {
    expect((await probeBucket(moto)).bucketTags).toBe('NoSuchTagSet');
  });

  it('gap 5: the bucket notification configuration leaves out the EventBridge switch it stored', async () => {
    expect((await probeBucket(moto)).eventBridge).toBe(false);
  });
});

describe('the harness moto (scripts/lib/moto_fixes.py)', () => {
  let moto: MotoServer;
  beforeAll(async () => (moto = await startMoto({ accountId: ACCOUNT })));
  afterAll(() => moto?.stop());

  it('answers these calls as AWS documents them', async () => {
    const p = await probe(moto);
    expect(p).toEqual({
      replicaDescription: 'replica',
      replicaTags: ['platform=waqiti'],
      replicaType: 'REPLICA',
      primaryTypeAfterReplicaRead: 'PRIMARY',
      secretReplicaKey: p.replicaKeyArn,
      replicaKeyArn: expect.stringMatching(new RegExp(`^arn:aws:kms:${REPLICA}:${ACCOUNT}:key/mrk-`)),
    });
    expect(await probeBucket(moto)).toEqual({ bucketTags: ['purpose=probe'], eventBridge: true });
  });

  it('runs in the account it was given, on 127.0.0.1, and stops by PID', async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const other = await startMoto({ accountId: '444455556666' });
    const key = (await awsClients(other, PRIMARY).kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    expect(key.Arn).toMatch(/^arn:aws:kms:eu-west-1:444455556666:key\//);
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });
});
