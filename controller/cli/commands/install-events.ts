import { parseArgs } from 'node:util';
import { createAwsClients } from '../../aws/clients.js';
import { installEvents, parseQueueArn } from '../../install/install-events.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError } from '../io.js';

const HELP = `Usage: ecs-discovery-controller install-events --queue-arn ARN [options]

Creates or updates the EventBridge rules that send ECS events to the controller's SQS queue
(idempotent: running it again changes nothing). For users who do not deploy with manifests/.
It reads and checks everything first (the queue exists, the rules can be read, with --no-queue-policy
the queue policy lets the rules deliver) and changes nothing when a check fails; a write that fails
after others is followed by undoing them, and the error lists what was restored or left changed.

Options:
  --queue-arn ARN       the controller's queue (arn:aws:sqs:REGION:ACCOUNT:NAME)        [required]
  --name-prefix NAME    rule name prefix (default: ecs-discovery-controller)
  --no-queue-policy     do not add the statement that lets EventBridge send to the queue
  --region REGION       region of the rules (default: the queue's region)
  --dry-run             print what would change without changing it
  -h, --help            show this help
`;

/** `install-events`: creates or updates the EventBridge rules and SQS target, then prints what changed. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'queue-arn': { type: 'string' },
        'name-prefix': { type: 'string', default: 'ecs-discovery-controller' },
        'no-queue-policy': { type: 'boolean', default: false },
        region: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  if (!values['queue-arn']) throw new UsageError('--queue-arn is required');
  let queue;
  try {
    queue = parseQueueArn(values['queue-arn']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!/^[A-Za-z0-9._-]{1,50}$/.test(values['name-prefix']!))
    throw new UsageError('--name-prefix may hold at most 50 letters, digits, dots, hyphens or underscores');
  const clients = createAwsClients({ region: values.region ?? queue.region });
  try {
    const changes = await installEvents(clients, {
      queueArn: values['queue-arn'],
      namePrefix: values['name-prefix']!,
      setQueuePolicy: !values['no-queue-policy'],
      dryRun: values['dry-run']!,
    });
    const verb = values['dry-run'] ? 'would be ' : '';
    for (const c of changes)
      io.stdout.write(
        `${c.resource}: ${c.change === 'unchanged' ? 'unchanged' : verb + c.change}${c.detail ? ` (${c.detail})` : ''}\n`,
      );
    const changed = changes.filter((c) => c.change !== 'unchanged').length;
    io.stdout.write(
      changed === 0
        ? 'Everything is up to date.\n'
        : `${changed} change(s)${values['dry-run'] ? ' would be made (dry run)' : ' made'}.\n`,
    );
    return EXIT.ok;
  } finally {
    clients.destroy();
  }
}
