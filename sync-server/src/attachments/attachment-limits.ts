/** What the operator sets for attachments (config.ts reads them from the environment). */
export interface AttachmentLimits {
  /** DATA_DIR/attachments: each database's blobs in a folder named by its store id. */
  directory: string;
  maxBytes: number;
  quotaBytes: number;
  uploadsPerWindow: number;
  downloadsPerWindow: number;
  uploadExpirySeconds: number;
  orphanGraceSeconds: number;
  gcIntervalSeconds: number;
}
