import { KvSecretBackendV2 } from '@cdktf/provider-vault/lib/kv-secret-backend-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Construct } from 'constructs';

/** Props of a KV version 2 secrets engine. */
export interface KvV2MountProps {
  /** Mount path, e.g. `waqiti`. */
  readonly path: string;
  /** Versions kept per secret. */
  readonly maxVersions: number;
  /** Require check-and-set on every write. */
  readonly casRequired: boolean;
  /** Seconds after which versions are deleted; 0 keeps them. */
  readonly deleteVersionAfterSeconds: number;
  /** Shown in `vault secrets list`. @default - "<path> secrets (KV v2)" */
  readonly description?: string;
}

/** A KV v2 mount and its engine settings. */
export class KvV2Mount extends Construct {
  /** The mount path, as a reference that orders dependants after the mount. */
  public readonly path: string;

  constructor(scope: Construct, id: string, props: KvV2MountProps) {
    super(scope, id);
    if (props.maxVersions < 1) throw new Error(`'maxVersions' must be at least 1. Received: ${props.maxVersions}`);
    const mount = new Mount(this, 'mount', {
      path: props.path,
      type: 'kv',
      options: { version: '2' },
      description: props.description ?? `${props.path} secrets (KV v2)`,
    });
    new KvSecretBackendV2(this, 'config', {
      mount: mount.path,
      maxVersions: props.maxVersions,
      casRequired: props.casRequired,
      deleteVersionAfter: props.deleteVersionAfterSeconds,
    });
    this.path = mount.path;
  }
}
