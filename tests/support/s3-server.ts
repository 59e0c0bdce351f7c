import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3 } from '@aws-sdk/client-s3';

const require = createRequire(import.meta.url);

/** The parts of s3rver (an S3 server on the file system, from npm) these tests use. */
interface S3rverContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  body: unknown;
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
}
interface S3rver {
  middleware: ((context: S3rverContext, next: () => Promise<void>) => Promise<void>)[];
  httpServer: { address(): AddressInfo };
  run(): Promise<unknown>;
  close(): Promise<void>;
}
const S3rverServer = require('s3rver') as new (options: object) => S3rver;
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;
const s3rverVersion = (require('s3rver/package.json') as { version: string }).version;

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  version: string;
  /** The variables a sync server needs to keep its blobs in the bucket. */
  environment: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A real S3-compatible server for the S3 blob store's tests: s3rver, over HTTP on an ephemeral
 * port, its objects in a temporary folder, one fresh bucket.
 *
 * s3rver 3.7.1 implements multipart uploads (create, upload part, complete) but not ListParts
 * (GET ?uploadId=) nor AbortMultipartUpload (DELETE ?uploadId=): it answers both 405
 * MethodNotAllowed, and @tus/s3-store needs them to find a resumed upload's offset and to cancel
 * one. No other S3-compatible server installs here (none on npm implements them either; Debian 12
 * has no MinIO or moto), so these two operations, and only they, are added here over s3rver's own
 * part files (`<bucket>/<uploads>/<upload id>/<part number>` and its `.md5`), ahead of s3rver's
 * router. Everything else the store does (objects, ranged GETs, multipart parts and completion,
 * batch deletes, listings) is s3rver's own.
 */
export async function startTestS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rverServer({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
  });
  const router = server.middleware.length - 1;
  server.middleware.splice(router, 0, async (context, next) => {
    const uploadId = context.query.uploadId;
    if (uploadId === undefined || !(context.method === 'GET' || context.method === 'DELETE'))
      return next();
    const [, bucket, ...key] = context.path.split('/');
    const uploadDir = join(
      context.store.getResourcePath(bucket as string, undefined, 'uploads'),
      uploadId,
    );
    const exists = await stat(uploadDir).then(
      () => true,
      () => false,
    );
    if (!exists) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    if (context.method === 'DELETE') {
      await rm(uploadDir, { recursive: true, force: true });
      context.status = 204;
      context.body = null;
      return;
    }
    const numbers = (await readdir(uploadDir))
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
    const parts = [];
    for (const number of numbers) {
      const file = join(uploadDir, String(number));
      const [info, md5] = await Promise.all([stat(file), readFile(`${file}.md5`, 'utf8')]);
      parts.push({
        PartNumber: number,
        LastModified: info.mtime.toISOString(),
        ETag: JSON.stringify(md5),
        Size: info.size,
      });
    }
    context.body = {
      ListPartsResult: {
        Bucket: bucket,
        Key: key.join('/'),
        UploadId: uploadId,
        MaxParts: 1000,
        IsTruncated: false,
        Part: parts,
      },
    };
  });
  await server.run();
  const endpoint = `http://127.0.0.1:${server.httpServer.address().port}`;
  const bucket = `anochat-test-${Date.now().toString(36)}`;
  // s3rver accepts any credentials with its defaults; the SDK insists on some.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.createBucket({ Bucket: bucket });
  client.destroy();
  return {
    endpoint,
    bucket,
    version: s3rverVersion,
    environment: {
      ATTACHMENTS_STORE: 's3',
      ATTACHMENTS_S3_BUCKET: bucket,
      ATTACHMENTS_S3_ENDPOINT: endpoint,
      ATTACHMENTS_S3_FORCE_PATH_STYLE: 'true',
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** s3rver's credentials where the AWS SDK looks for them (the server process reads its env). */
export function useS3rverCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
}
