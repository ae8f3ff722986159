import { Audit } from '@cdktf/provider-vault/lib/audit';
import { Construct } from 'constructs';

/** Props of a file audit device. */
export interface AuditDeviceProps {
  /** Where Vault writes the log: a file on the audit volume, or `stdout`. */
  readonly filePath: string;
  /** Audit device path. @default "file" */
  readonly path?: string;
  /** Description. @default "All requests and responses, secrets HMAC-hashed" */
  readonly description?: string;
}

/**
 * A file audit device (a file, or `stdout`). Every request and response is logged with secrets
 * HMAC'd. Vault answers a request if at least one device records it, so clusters get two: `stdout`
 * (shipped by the node's log collector) and the rotated file on the audit volume.
 */
export class AuditDevice extends Construct {
  /** The `vault_audit` resource. */
  public readonly resource: Audit;
  /** The device's path (`sys/audit/<path>`). */
  public readonly devicePath: string;

  constructor(scope: Construct, id: string, props: AuditDeviceProps) {
    super(scope, id);
    if (!props.filePath.startsWith('/') && props.filePath !== 'stdout') {
      throw new Error(`'filePath' must be an absolute path or "stdout". Received: ${props.filePath}`);
    }
    this.devicePath = props.path ?? 'file';
    this.resource = new Audit(this, 'device', {
      type: 'file',
      path: this.devicePath,
      description: props.description ?? 'All requests and responses, secrets HMAC-hashed',
      options: { file_path: props.filePath },
    });
  }
}
