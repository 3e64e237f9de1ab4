/**
 * The EventBridge rules that feed the controller's queue. The Terraform module, the CloudFormation template
 * and `install-events` all install exactly these (a test compares them).
 */

export interface EventRuleSpec {
  /** Appended to the name prefix: "<prefix>-ecs-state". */
  suffix: string;
  description: string;
  pattern: Record<string, unknown>;
}

/** ECS and Cloud Map API calls that change service discovery (CloudTrail; List/Describe calls are never delivered). */
export const DISCOVERY_API_CALLS = [
  'CreateService',
  'DeleteService',
  'UpdateService',
  'RegisterInstance',
  'DeregisterInstance',
];

export const EVENT_RULES: readonly EventRuleSpec[] = [
  {
    suffix: 'ecs-state',
    description: 'ECS task, service and deployment state changes for ecs-discovery-controller.',
    pattern: {
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change', 'ECS Service Action', 'ECS Deployment State Change'],
    },
  },
  {
    suffix: 'api-calls',
    description:
      'ECS and Cloud Map API calls (CloudTrail) that change service discovery, for ecs-discovery-controller.',
    pattern: {
      source: ['aws.ecs', 'aws.servicediscovery'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ecs.amazonaws.com', 'servicediscovery.amazonaws.com'],
        eventName: DISCOVERY_API_CALLS,
      },
    },
  },
];

/** The SQS queue policy statement that lets EventBridge deliver from these rules (and nothing else). */
export function queuePolicyFor(queueArn: string, ruleArns: readonly string[]): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgeSendsEcsEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': [...ruleArns] } },
      },
    ],
  };
}
