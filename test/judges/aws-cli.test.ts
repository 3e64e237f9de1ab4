/**
 * The AWS CLI against the sandbox: the `aws` commands of the README's "Try it" block, run by bash with exactly the
 * environment `sandbox --emulator-only` prints (and no AWS config file), give what the SDK reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ECSClient, ListServicesCommand as ListEcsServicesCommand } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient, ListInstancesCommand, ListServicesCommand } from '@aws-sdk/client-servicediscovery';
import { SQSClient, CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { runEmulator } from '../../controller/cli/commands/sandbox.js';
import type { Sandbox } from '../../sandbox/index.js';
import { runJudgeAsync } from './tools.js';

/** The README's "Try it" shell block: its export line and its `aws` commands (continuation lines joined). */
function readmeCommands(): { exports: Record<string, string>; aws: string[] } {
  const readme = readFileSync('README.md', 'utf8');
  const block = readme.slice(readme.indexOf('## Try it')).split('```sh')[1].split('```')[0];
  const lines = block.replace(/\\\n\s*/g, '').split('\n');
  const exportLine = lines.find((l) => l.startsWith('export '))!;
  const exports = Object.fromEntries(
    exportLine
      .slice(7)
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split('=') as [string, string]),
  );
  const aws = lines.filter((l) => l.startsWith('aws ')).map((l) => l.replace(/\s+#.*$/, ''));
  return { exports, aws };
}

test('the README prints the same environment variables as sandbox --emulator-only, for CLI v1 and v2', async () => {
  const { exports } = readmeCommands();
  const sandbox = await startPrinted();
  try {
    assert.deepEqual(Object.keys(exports).sort(), Object.keys(sandbox.printed).sort());
    // CLI v1 reads only AWS_DEFAULT_REGION, v2 and the SDKs AWS_REGION (and v2 AWS_DEFAULT_REGION too).
    assert.ok('AWS_DEFAULT_REGION' in exports && 'AWS_REGION' in exports && 'AWS_ENDPOINT_URL' in exports);
  } finally {
    await sandbox.stop();
  }
});

test('aws ecs list-services, servicediscovery list-instances and sqs receive-message answer as the SDK reads them', async () => {
  const { aws } = readmeCommands();
  assert.equal(aws.length, 3, `README commands: ${aws.join('\n')}`);
  const started = await startPrinted();
  const { sandbox, printed } = started;
  const home = mkdtempSync(join(tmpdir(), 'aws-cli-judge-'));
  // Only what the banner prints, no config file or profile, so the test proves the README's environment suffices.
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    ...printed,
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_PAGER: '',
  };
  const config = {
    endpoint: sandbox.url,
    region: sandbox.region,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  };
  const ecs = new ECSClient(config);
  const cloudMap = new ServiceDiscoveryClient(config);
  const sqs = new SQSClient(config);
  try {
    const version = await runJudgeAsync('aws', ['--version'], { env });
    const cli = `${version.stdout}${version.stderr}`.trim();
    const shell = async (command: string) => {
      const result = await runJudgeAsync('bash', ['-c', command], { env });
      const hint = command.includes('aws sqs')
        ? "\n(the sandbox speaks SQS's JSON protocol only: AWS CLI v2 >= 2.13.34, or v1 with a botocore from April 2024 on)"
        : '';
      assert.equal(result.status, 0, `${cli}: ${command}\n${result.stderr}${hint}`);
      return JSON.parse(result.stdout);
    };

    const services = await shell(aws[0]);
    const sdkArns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(new ListEcsServicesCommand({ cluster: 'prod', nextToken }));
      sdkArns.push(...page.serviceArns!);
      nextToken = page.nextToken;
    } while (nextToken);
    assert.ok(sdkArns.length > 5);
    assert.deepEqual(
      [...services.serviceArns].sort(),
      sdkArns.sort(),
      'the CLI follows nextToken to the same services',
    );

    const instances = await shell(aws[1]);
    // The README picks the first service ListServices returns.
    const serviceId = (await cloudMap.send(new ListServicesCommand({}))).Services![0].Id!;
    const sdk = await cloudMap.send(new ListInstancesCommand({ ServiceId: serviceId }));
    assert.deepEqual(
      instances.Instances.map((i: { Id: string }) => i.Id).sort(),
      sdk.Instances!.map((i) => i.Id!).sort(),
    );

    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ecs-discovery-controller-events' }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"detail-type":"judge"}',
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      }),
    );
    const received = await shell(`${aws[2]} --message-attribute-names All --attribute-names All`);
    assert.equal(received.Messages.length, 1);
    assert.equal(received.Messages[0].Body, '{"detail-type":"judge"}');
    assert.equal(received.Messages[0].MessageAttributes.k.StringValue, 'v');
  } finally {
    ecs.destroy();
    cloudMap.destroy();
    sqs.destroy();
    await started.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

/** Runs `sandbox --emulator-only --port 0` in-process and parses the environment its banner prints. */
async function startPrinted(): Promise<{ sandbox: Sandbox; printed: Record<string, string>; stop(): Promise<void> }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => (text += chunk));
  const abort = new AbortController();
  let ready!: (sandbox: Sandbox) => void;
  const started = new Promise<Sandbox>((resolve) => (ready = resolve));
  const exit = runEmulator(
    ['--emulator-only', '--port', '0'],
    { stdout, stderr: new PassThrough(), env: {} },
    abort.signal,
    ready,
  );
  const sandbox = await started;
  const printed = Object.fromEntries([...text.matchAll(/^\s*export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  return {
    sandbox,
    printed,
    async stop() {
      abort.abort();
      await exit;
    },
  };
}
