/** Starts s3rver (a real S3 emulator) on a free loopback port with a bucket, for source tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface S3TestServer {
  endpoint: string;
  client(credentials?: { accessKeyId: string; secretAccessKey: string }): S3Client;
  put(key: string, body: string | Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

/** One s3rver with the given buckets; `client()` returns a real S3 client pointed at it. */
export async function startS3(buckets: string[]): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = (await server.run()) as { address: string; port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clients: S3Client[] = [];
  const client = (credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }) => {
    const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const admin = client();
  return {
    endpoint,
    client,
    async put(key, body) {
      const [bucket, ...rest] = key.split('/');
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: rest.join('/'), Body: body }));
    },
    async remove(key) {
      const [bucket, ...rest] = key.split('/');
      await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: rest.join('/') }));
    },
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
