import type { S3Location } from './s3-blob-store.ts';

/** What the operator sets for attachments (config.ts reads them from the environment). */
export interface AttachmentLimits {
  /** DATA_DIR/attachments: each database's blobs in a folder named by its store id. */
  directory: string;
  /** Where blobs live: the directory above (the default) or an S3-compatible bucket. */
  storage: { kind: 'directory' } | ({ kind: 's3' } & S3Location);
  maxBytes: number;
  quotaBytes: number;
  uploadsPerWindow: number;
  downloadsPerWindow: number;
  uploadExpirySeconds: number;
  orphanGraceSeconds: number;
  gcIntervalSeconds: number;
}
