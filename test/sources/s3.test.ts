import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicySource } from '../../controller/sources/resolve.js';
import { S3Source } from '../../controller/sources/s3.js';
import { PolicySourceError } from '../../controller/sources/types.js';
import { startS3, type S3TestServer } from './s3-server.js';
import { policyYaml } from './policy-text.js';

let s3: S3TestServer;
before(async () => {
  s3 = await startS3(['policies', 'other']);
});
after(async () => {
  await s3?.close();
});

/** Counts GetObject requests the source sends, to prove unchanged objects are not downloaded again. */
function countingClient() {
  const client = s3.client();
  const counts = { get: 0, list: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') counts.get++;
      if (context.commandName === 'ListObjectsV2Command') counts.list++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, counts };
}

test('reads every YAML object under the prefix and only those', async () => {
  await s3.put('policies/prod/payments.yaml', policyYaml('payments'));
  await s3.put('policies/prod/team/orders.yml', policyYaml('orders'));
  await s3.put('policies/prod/README.md', '# not a policy');
  await s3.put('policies/staging/other.yaml', policyYaml('other'));
  const source = new S3Source('s3://policies/prod/', { s3: s3.client() });
  const result = await source.fetch();
  assert.deepEqual(
    result.documents.map((d) => d.path),
    ['payments.yaml', 'team/orders.yml'],
  );
  assert.match(result.documents[0].content, /name: payments/);
  assert.equal(source.name, 's3://policies/prod/');
  assert.match(result.revision, /^sha256:[0-9a-f]{64}$/);
});

test('downloads only objects whose ETag changed, and the revision follows the content', async () => {
  await s3.put('policies/etag/a.yaml', policyYaml('a'));
  await s3.put('policies/etag/b.yaml', policyYaml('b'));
  const { client, counts } = countingClient();
  const source = new S3Source('s3://policies/etag/', { s3: client });
  const first = await source.fetch();
  assert.equal(counts.get, 2);
  const second = await source.fetch();
  assert.equal(counts.get, 2, 'nothing changed: nothing downloaded');
  assert.equal(second.revision, first.revision);
  await s3.put('policies/etag/b.yaml', policyYaml('b', { taskLimit: { enabled: true, warnAt: 800 } }));
  const third = await source.fetch();
  assert.equal(counts.get, 3, 'only the changed object is downloaded');
  assert.notEqual(third.revision, first.revision);
  assert.match(third.documents.find((d) => d.path === 'b.yaml')!.content, /warnAt: 800/);
  await s3.remove('policies/etag/a.yaml');
  const fourth = await source.fetch();
  assert.deepEqual(
    fourth.documents.map((d) => d.path),
    ['b.yaml'],
  );
  assert.notEqual(fourth.revision, third.revision, 'a deleted object changes the revision');
});

test('a 50 MiB object is refused with a clear error, without downloading it; the limit is configurable', async () => {
  await s3.put('policies/big/huge.yaml', new Uint8Array(50 * 1024 * 1024).fill(0x61));
  await s3.put('policies/big/ok.yaml', policyYaml('ok'));
  const { client, counts } = countingClient();
  const result = await createPolicySource('s3://policies/big/', { s3: client, env: {} }).fetch();
  assert.deepEqual(
    result.documents.map((d) => d.path),
    ['ok.yaml'],
  );
  assert.equal(counts.get, 1);
  assert.deepEqual(
    result.problems?.map((p) => [p.path, p.severity]),
    [['huge.yaml', 'error']],
  );
  assert.match(result.problems![0].message, /52428800 bytes, over the 1048576-byte limit/);
  const raised = await createPolicySource('s3://policies/big/', {
    s3: client,
    env: { MAX_POLICY_BYTES: String(60 * 1024 * 1024) },
  }).fetch();
  assert.deepEqual(raised.problems, [], 'with MAX_POLICY_BYTES raised the object is read');
  assert.throws(
    () => createPolicySource('s3://policies/big/', { s3: client, env: { MAX_POLICY_BYTES: 'lots' } }),
    /not a positive whole number/,
  );
});

test('a binary object is an error, not a policy', async () => {
  await s3.put('policies/binary/blob.yaml', new Uint8Array([0xff, 0xfe, 0x00, 0x81, 0x90]));
  const result = await new S3Source('s3://policies/binary/', { s3: s3.client() }).fetch();
  assert.equal(result.documents.length, 0);
  assert.match(result.problems![0].message, /not valid UTF-8/);
});

test('a bucket that does not exist fails the whole fetch with a hint', async () => {
  const source = new S3Source('s3://no-such-bucket/prefix/', { s3: s3.client() });
  await assert.rejects(source.fetch(), (error: unknown) => {
    assert.ok(error instanceof PolicySourceError);
    assert.match(error.message, /s3:\/\/no-such-bucket\/prefix\/: cannot list the policy objects: NoSuchBucket/);
    assert.match(error.message, /does not exist/);
    return true;
  });
});

test('refused credentials fail the fetch and never show the secret key', async () => {
  const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const source = new S3Source('s3://policies/prod/', {
    s3: s3.client({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey }),
  });
  await assert.rejects(source.fetch(), (error: unknown) => {
    assert.ok(error instanceof PolicySourceError);
    assert.match(
      error.message,
      /cannot list the policy objects: (InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch)/,
    );
    assert.ok(!error.message.includes(secretAccessKey));
    return true;
  });
});

test('a URL that is not an S3 URL is refused at construction', () => {
  assert.throws(() => new S3Source('s3://', { s3: s3.client() }), /not an S3 URL/);
  assert.throws(() => new S3Source('s3://Bad_Bucket/x', { s3: s3.client() }), /not an S3 URL/);
});
