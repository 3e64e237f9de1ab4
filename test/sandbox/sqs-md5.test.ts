import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { md5OfBody, md5OfMessageAttributes } from '../../sandbox/sqs/models/md5.js';

describe('SQS MD5 digests', () => {
  it('hashes the UTF-8 body', () => {
    assert.equal(md5OfBody(''), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(md5OfBody('hello'), '5d41402abc4b2a76b9719d911017c592');
  });

  it('hashes message attributes as the AWS documentation example does', () => {
    assert.equal(
      md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } }),
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
  });

  it('does not depend on the order attributes were given in', () => {
    const a = md5OfMessageAttributes({
      b: { DataType: 'Number', StringValue: '1' },
      a: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]).toString('base64') },
    });
    const b = md5OfMessageAttributes({
      a: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]).toString('base64') },
      b: { DataType: 'Number', StringValue: '1' },
    });
    assert.equal(a, b);
    assert.notEqual(a, md5OfMessageAttributes({ b: { DataType: 'Number', StringValue: '2' } }));
  });
});
