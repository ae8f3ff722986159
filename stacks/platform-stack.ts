import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { PlatformPlan } from '../config/plan';

/** The layers of a platform, in apply order. */
export const LAYERS = ['unseal', 'cluster', 'vault-config', 'backup', 'sync'] as const;
export type Layer = (typeof LAYERS)[number];

/** `<platform>-<env>-<layer>`, e.g. `waqiti-prod-vault-config`. */
export const stackName = (platform: string, env: string, layer: Layer) => `${platform}-${env}-${layer}`;

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
      new S3Backend(this, { bucket: backend.bucket, key: `${backend.keyPrefix}/${layer}.tfstate`, region: backend.region, encrypt: true });
      // OpenTofu 1.10+ and Terraform 1.11+ lock with a lock file next to the state; no DynamoDB table.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    } else {
      new LocalBackend(this, { path: `../../../${backend.dir}/${name}.tfstate` });
    }
  }
}
