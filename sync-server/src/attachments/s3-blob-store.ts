import { PassThrough, Readable } from 'node:stream';
import { NoSuchKey, S3, type S3ClientConfig } from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import { BLOB_ID, type BlobStore } from './blob-store.ts';

/** Where the S3-compatible store is (config.ts reads it from ATTACHMENTS_S3_*). */
export interface S3Location {
  bucket: string;
  /** Null: AWS itself; a URL for any other S3-compatible service. */
  endpoint: string | null;
  region: string;
  /** Bucket in the path (`endpoint/bucket/key`), as most self-hosted S3-compatible servers want. */
  forcePathStyle: boolean;
}

/** The object that says which database's blobs a bucket holds. */
const OWNER_KEY = 'anochat-attachment-store-id';

/** Keys tus's S3 store writes for an upload: the blob, its record, its last unfinished part. */
const keysOf = (id: string) => [id, `${id}.info`, `${id}.part`];
const KEY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\.info|\.part)?$/;

export class BucketOwnedElsewhereError extends Error {
  override readonly name = 'BucketOwnedElsewhereError';
}

/**
 * Blobs in an S3-compatible bucket. Uploads go through `@tus/s3-store` (a multipart upload per
 * blob, `<id>.info` for tus's record, `<id>.part` for a chunk below S3's 5 MiB part minimum);
 * downloads are ranged GETs of the completed object; the collector lists and deletes keys.
 * Credentials come from the AWS SDK's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
 * a profile, an instance role), never from our configuration.
 *
 * A bucket holds one database's blobs: the collector removes every blob its database has no
 * record of, so a bucket shared by two deployments would lose blobs. The first start writes the
 * database's store id into the bucket; a server of another database refuses to start on it.
 */
export async function createS3BlobStore(location: S3Location, storeId: string): Promise<BlobStore> {
  const clientConfig: S3ClientConfig = {
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint === null ? {} : { endpoint: location.endpoint }),
    // Checksums only where S3 requires them (DeleteObjects): the SDK's default trailing checksums
    // change the body's encoding, which several S3-compatible servers do not accept. The blob
    // carries its own authentication (secretstream) and travels over TLS.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new S3(clientConfig);
  await claimBucket(client, location.bucket, storeId);
  const dataStore = new S3Store({ s3ClientConfig: { ...clientConfig, bucket: location.bucket } });
  const bucket = location.bucket;

  return {
    dataStore,
    read(id, start, end) {
      if (!BLOB_ID.test(id)) throw new Error('not a blob id');
      const body = new PassThrough();
      client
        .getObject({ Bucket: bucket, Key: id, Range: `bytes=${start}-${end}` })
        .then((object) => {
          if (!(object.Body instanceof Readable)) throw new Error('the object has no body stream');
          object.Body.on('error', (error) => body.destroy(error)).pipe(body);
        })
        .catch((error: unknown) => body.destroy(error as Error));
      return body;
    },
    async remove(id) {
      if (!BLOB_ID.test(id)) throw new Error('not a blob id');
      // tus aborts an unfinished multipart upload (its parts are not objects yet); for a finished
      // or vanished one it answers "not found". The keys go either way, idempotently.
      await dataStore.remove(id).catch((error: unknown) => {
        if ((error as { status_code?: unknown })?.status_code !== 404) throw error;
      });
      const deleted = await client.deleteObjects({
        Bucket: bucket,
        Delete: { Objects: keysOf(id).map((Key) => ({ Key })), Quiet: true },
      });
      if ((deleted.Errors ?? []).length > 0)
        throw new Error(`the bucket kept ${deleted.Errors?.length} objects of a removed blob`);
    },
    async list() {
      const ids = new Set<string>();
      let ContinuationToken: string | undefined;
      do {
        const page = await client.listObjectsV2({ Bucket: bucket, ContinuationToken });
        for (const object of page.Contents ?? []) {
          const id = KEY.exec(object.Key ?? '')?.[1];
          if (id !== undefined) ids.add(id);
        }
        ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
      return [...ids];
    },
  };
}

async function claimBucket(client: S3, bucket: string, storeId: string): Promise<void> {
  try {
    const owner = await client.getObject({ Bucket: bucket, Key: OWNER_KEY });
    const ownerId = (await owner.Body?.transformToString())?.trim();
    if (ownerId !== storeId)
      throw new BucketOwnedElsewhereError(
        `the bucket ${bucket} holds the attachments of another database: give each deployment its own bucket`,
      );
  } catch (error) {
    if (!(error instanceof NoSuchKey)) throw error;
    await client.putObject({ Bucket: bucket, Key: OWNER_KEY, Body: storeId });
  }
}
