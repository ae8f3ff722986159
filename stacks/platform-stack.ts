import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { localStateFile, stackName, stateKey, type Layer } from '../config/names';
import type { PlatformPlan } from '../config/plan';

// Stack names and layers are derived in config/names.ts (validation checks them for collisions).
export { LAYERS, stackName, type Layer } from '../config/names';

/**
 * A stack of one layer of one platform × environment, with the environment's backend: S3 with
 * native locking for cluster environments, a local file for `local`. Local state lives in
 * `<project>/<dir>/`, reached from the stack's working folder `cdktf.out/stacks/<name>/`.
 */
export class PlatformStack extends TerraformStack {
  public readonly plan: PlatformPlan;
  public readonly layer: Layer;

  constructor(scope: Construct, plan: PlatformPlan, layer: Layer) {
    const name = stackName(plan.platform.name, plan.envName, layer);
    super(scope, name);
    this.plan = plan;
    this.layer = layer;
    const backend = plan.env.backend;
    if (backend.type === 's3') {
      new S3Backend(this, { bucket: backend.bucket, key: stateKey(backend.keyPrefix, layer), region: backend.region, encrypt: true });
      // OpenTofu 1.10+ and Terraform 1.11+ lock with a lock file next to the state; no DynamoDB table.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    } else {
      new LocalBackend(this, { path: `../../../${localStateFile(backend.dir, name)}` });
    }
  }
}
