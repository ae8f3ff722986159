"""moto_server with fixes for three gaps of moto 5.2.5 that break the aws provider's multi-Region
resources. Run with the moto virtual environment's python, with moto_server's own arguments:

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
"""

import sys
from copy import copy
from typing import Any

import moto.kms.models as kms_models
import moto.kms.responses as kms_responses
import moto.secretsmanager.models as sm_models
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


kms_models.KmsBackend.replicate_key = _replicate_key
kms_responses.KmsResponse.replicate_key = _replicate_key_response
sm_models.FakeSecret.create_replicas = _create_replicas_with_keys

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
