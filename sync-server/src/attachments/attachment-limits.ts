/** What the operator sets for attachments (config.ts reads them from the environment). */
export interface AttachmentLimits {
  /** DATA_DIR/attachments: the directory blob store. */
  directory: string;
  maxBytes: number;
  quotaBytes: number;
  uploadsPerWindow: number;
  downloadsPerWindow: number;
  uploadExpirySeconds: number;
  orphanGraceSeconds: number;
  gcIntervalSeconds: number;
}
