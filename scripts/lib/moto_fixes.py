"""moto_server with fixes for five gaps of moto 5.2.5 that break the aws provider's multi-Region
keys and secrets and the snapshot bucket. Run with the moto virtual environment's python, with moto_server's own arguments:

    <venv>/bin/python scripts/lib/moto_fixes.py -H 127.0.0.1 -p PORT

scripts/lib/moto.ts starts it this way (or stock moto_server with `fixes: false`), and
test/integration/moto-gaps.test.ts proves on stock moto that each gap is still there, so a moto
release that fixes one makes that test fail and its fix here can go. Each fix does what AWS
documents, and nothing more.

1. KMS ReplicateKey ignores its `Tags`, `Description` and `Policy` parameters
   (moto/kms/responses.py `replicate_key` reads only KeyId and ReplicaRegion). The aws provider
   sends the default tags and then waits up to 10 minutes (`waitTagsPropagated`) for ListResourceTags
   on the replica to return them: aws_kms_replica_key never finishes. The replica's description is
   the primary's, so a second plan would want to change it.
2. KMS ReplicateKey builds the replica with a shallow `copy()` of the primary key
   (moto/kms/models.py `KmsBackend.replicate_key`), so both share one `multi_region_configuration`
   dict (and one grants, aliases and rotations container). DescribeKey on the replica sets
   `MultiRegionKeyType = "REPLICA"` in that shared dict (`KmsBackend.describe_key`), and from then on
   the primary reports REPLICA too.
3. Secrets Manager replicas ignore their `KmsKeyId` (moto/secretsmanager/models.py `ReplicaSecret`
   always reports `alias/aws/secretsmanager`), so aws_secretsmanager_secret reads back another
   replica key than it declared and every plan wants to replace the replica.
4. S3 CreateBucket ignores `CreateBucketConfiguration.Tags` (moto/s3/responses.py
   `_bucket_response_put` reads only the LocationConstraint). The aws provider tags a new bucket that
   way and reads the tags back through S3 Control ListTagsForResource, so every plan wants to add
   the bucket's tags again.
5. S3 GetBucketNotificationConfiguration leaves out `EventBridgeConfiguration` although
   PutBucketNotificationConfiguration stored it (moto/s3/responses.py `get_bucket_notification`), so
   aws_s3_bucket_notification reads `eventbridge = false` and every plan wants to turn it on.
"""

import sys
from copy import copy
from typing import Any

import moto.kms.models as kms_models
import moto.kms.responses as kms_responses
import moto.s3.responses as s3_responses
import moto.secretsmanager.models as sm_models
import xmltodict
from moto.core.responses import ActionResult
from moto.server import main


def _replicate_key(self: Any, key_id: str, replica_region: str, description: Any = None, tags: Any = None, policy: Any = None) -> Any:
    primary = self.keys[self.get_key_id(key_id)]
    if not primary.multi_region:
        raise kms_models.JsonRESTError("UnsupportedOperationException", f"{primary.arn} is not a multi-Region key.")
    replica = copy(primary)
    replica.region = replica_region
    replica.arn = primary.arn.replace(f":kms:{self.region_name}:", f":kms:{replica_region}:")
    # Containers of its own (fix 2): a grant, alias or rotation of one key is not one of the other.
    replica.grants = {}
    replica.aliases = {}
    replica.rotations = []
    replicas = primary.multi_region_configuration["ReplicaKeys"]
    if not any(r["Region"] == replica_region for r in replicas):
        replicas.append({"Arn": replica.arn, "Region": replica_region})
    # The list of replicas is shared (AWS shows every replica from every key); the key type is not.
    replica.multi_region_configuration = {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": dict(primary.multi_region_configuration["PrimaryKey"]),
        "ReplicaKeys": replicas,
    }
    # Fix 1: what ReplicateKey's request says about the replica.
    if description is not None:
        replica.description = description
    if policy:
        replica.policy = policy
    target = kms_models.kms_backends[self.account_id][replica_region]
    target.keys[replica.id] = replica
    if tags:
        target.tagger.tag_resource(replica.id, tags)
    return replica


def _replicate_key_response(self: Any) -> str:
    import json

    key_id = self._get_param("KeyId")
    self._validate_key_id(key_id)
    replica = self.kms_backend.replicate_key(
        key_id,
        self._get_param("ReplicaRegion"),
        description=self._get_param("Description"),
        tags=self._get_param("Tags"),
        policy=self._get_param("Policy"),
    )
    return json.dumps({"ReplicaKeyMetadata": replica.to_dict()["KeyMetadata"], "ReplicaPolicy": replica.policy, "ReplicaTags": tags_of(replica)})


def tags_of(key: Any) -> list[dict[str, str]]:
    backend = kms_models.kms_backends[key.account_id][key.region]
    return backend.tagger.list_tags_for_resource(key.id).get("Tags", [])


_create_replicas = sm_models.FakeSecret.create_replicas


def _create_replicas_with_keys(self: Any, replica_regions: Any, force_overwrite: bool) -> Any:
    replicas = _create_replicas(self, replica_regions, force_overwrite)
    # Fix 3: a replica is encrypted with the key its request names.
    for replica, config in zip(replicas, replica_regions or []):
        if config.get("KmsKeyId"):
            replica.config["KmsKeyId"] = config["KmsKeyId"]
    return replicas


_bucket_response_put = s3_responses.S3Response._bucket_response_put


def _bucket_put_with_tags(self: Any, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
    response = _bucket_response_put(self, request, bucket_name, querystring)
    # Fix 4: CreateBucket (a PUT on the bucket with no subresource) applies the tags of its request.
    if not querystring and self.body:
        config = xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}
        tags = (config.get("Tags") or {}).get("Tag") or []
        if isinstance(tags, dict):
            tags = [tags]
        if tags:
            self.backend.put_bucket_tagging(bucket_name, {t["Key"]: t.get("Value") or "" for t in tags})
    return response


_get_bucket_notification = s3_responses.S3Response.get_bucket_notification


def _get_bucket_notification_with_eventbridge(self: Any) -> Any:
    config = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if config is None or config.event_bridge is None:
        return _get_bucket_notification(self)
    serialized = self.serialized

    # Fix 5: the EventBridge switch is part of the answer (an empty element when it is on).
    def with_eventbridge(action_result: Any) -> Any:
        result = action_result.result
        if isinstance(result, dict):
            action_result = ActionResult({**result, "EventBridgeConfiguration": {}})
        return serialized(action_result)

    self.serialized = with_eventbridge
    try:
        return _get_bucket_notification(self)
    finally:
        del self.serialized


kms_models.KmsBackend.replicate_key = _replicate_key
kms_responses.KmsResponse.replicate_key = _replicate_key_response
sm_models.FakeSecret.create_replicas = _create_replicas_with_keys
s3_responses.S3Response._bucket_response_put = _bucket_put_with_tags
s3_responses.S3Response.get_bucket_notification = _get_bucket_notification_with_eventbridge

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
