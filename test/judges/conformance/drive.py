"""Conformance judge: drives every operation the sandbox implements through botocore and holds each raw response
against botocore's service model; sends requests the model forbids and expects the documented error.

Usage: python3 drive.py ENDPOINT REGION   (prints a JSON report on stdout: calls, violations, errors)
Reads the fleet that is there (the demo or a generated one) and creates, then deletes, its own scratch resources.
"""
import json
import sys

from model_check import Judge

LIMIT = 100  # get/describe calls per kind on a big fleet: every item of every list is still checked


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def identity(item):
    # Pagination must give the same items; their mutable fields (a Cloud Map service's InstanceCount while the
    # fleet's tasks start and stop between the two listings) may differ, so items are compared by Id or Arn.
    if isinstance(item, dict):
        return item.get('Id') or item.get('Arn') or json.dumps(item, sort_keys=True)
    return json.dumps(item)


def same_items(judge, what, small, full):
    if sorted(map(identity, small)) != sorted(map(identity, full)):
        judge.violations.append(f'{what}: small pages give {len(small)} items, one page {len(full)}')


def ecs(j):
    clusters = j.paginate('ecs', 'ListClusters', page_size=2)
    same_items(j, 'ecs:ListClusters', clusters, j.paginate('ecs', 'ListClusters'))
    for batch in chunks(clusters, 100):
        j.call('ecs', 'DescribeClusters', clusters=batch, include=['TAGS', 'SETTINGS', 'STATISTICS'])
    families = set()
    for cluster in clusters:
        services = j.paginate('ecs', 'ListServices', page_size=100, cluster=cluster)
        if len(services) <= 50:
            same_items(j, 'ecs:ListServices', j.paginate('ecs', 'ListServices', page_size=3, cluster=cluster), services)
        for batch in chunks(services, 10):
            out = j.call('ecs', 'DescribeServices', cluster=cluster, services=batch, include=['TAGS'])
            families.update(s['taskDefinition'] for s in out['services'])
        tasks = j.paginate('ecs', 'ListTasks', page_size=100, cluster=cluster)
        j.paginate('ecs', 'ListTasks', cluster=cluster, desiredStatus='STOPPED')
        for batch in chunks(tasks, 100):
            j.call('ecs', 'DescribeTasks', cluster=cluster, tasks=batch, include=['TAGS'])
        for arn in services[:3]:
            j.call('ecs', 'ListTagsForResource', resourceArn=arn)
    for family in sorted(families)[:LIMIT]:
        j.call('ecs', 'DescribeTaskDefinition', taskDefinition=family, include=['TAGS'])
    for ns in j.paginate('servicediscovery', 'ListNamespaces')[:10]:
        listed = j.paginate('ecs', 'ListServicesByNamespace', page_size=100, namespace=ns['Arn'])
        if len(listed) <= 50:
            same_items(j, 'ecs:ListServicesByNamespace', j.paginate('ecs', 'ListServicesByNamespace', page_size=2, namespace=ns['Arn']), listed)
    # Scratch resources, then the writes.
    j.call('ecs', 'CreateCluster', clusterName='judge-scratch', tags=[{'key': 'judge', 'value': 'yes'}])
    td = j.call('ecs', 'RegisterTaskDefinition', family='judge-app', networkMode='awsvpc', requiresCompatibilities=['FARGATE'],
                cpu='256', memory='512', containerDefinitions=[{'name': 'app', 'image': 'public.ecr.aws/judge/app:1', 'essential': True,
                                                              'portMappings': [{'name': 'http', 'containerPort': 8080}]}])
    ns = j.call('servicediscovery', 'CreateHttpNamespace', Name='judge-ecs.local')
    ns_id = j.call('servicediscovery', 'GetOperation', OperationId=ns['OperationId'])['Operation']['Targets']['NAMESPACE']
    registry = j.call('servicediscovery', 'CreateService', Name='judge-web', NamespaceId=ns_id)['Service']
    arn = td['taskDefinition']['taskDefinitionArn']
    svc = j.call('ecs', 'CreateService', cluster='judge-scratch', serviceName='judge-web', taskDefinition=arn, desiredCount=2,
                 launchType='FARGATE', serviceRegistries=[{'registryArn': registry['Arn']}],
                 networkConfiguration={'awsvpcConfiguration': {'subnets': ['subnet-0123456789abcdef0']}})['service']
    j.call('ecs', 'TagResource', resourceArn=svc['serviceArn'], tags=[{'key': 'team', 'value': 'judges'}])
    j.call('ecs', 'UntagResource', resourceArn=svc['serviceArn'], tagKeys=['team'])
    j.call('ecs', 'UpdateService', cluster='judge-scratch', service='judge-web', forceNewDeployment=True)
    # botocore has no paginator for ListServiceDeployments: follow nextToken by hand, one per page.
    first = j.call('ecs', 'ListServiceDeployments', cluster='judge-scratch', service='judge-web', maxResults=1)
    second = j.call('ecs', 'ListServiceDeployments', cluster='judge-scratch', service='judge-web', maxResults=1, nextToken=first['nextToken'])
    history = j.call('ecs', 'ListServiceDeployments', cluster='judge-scratch', service='judge-web')['serviceDeployments']
    arns = lambda page: [d['serviceDeploymentArn'] for d in page]
    same_items(j, 'ecs:ListServiceDeployments', arns(first['serviceDeployments'] + second['serviceDeployments']), arns(history))
    j.call('ecs', 'DescribeServiceRevisions', serviceRevisionArns=[d['targetServiceRevisionArn'] for d in history][:20])
    # An EXTERNAL service: its tasks and registries live on task sets.
    j.call('ecs', 'CreateService', cluster='judge-scratch', serviceName='judge-ext', taskDefinition=arn, desiredCount=1,
           launchType='FARGATE', deploymentController={'type': 'EXTERNAL'})
    task_set = j.call('ecs', 'CreateTaskSet', cluster='judge-scratch', service='judge-ext', taskDefinition=arn, externalId='judge',
                      scale={'value': 100.0, 'unit': 'PERCENT'}, serviceRegistries=[{'registryArn': registry['Arn']}])['taskSet']
    j.call('ecs', 'DescribeTaskSets', cluster='judge-scratch', service='judge-ext')
    j.call('ecs', 'DescribeTaskSets', cluster='judge-scratch', service='judge-ext', taskSets=[task_set['taskSetArn'], 'ecs-svc/0000000000000000000'])
    j.call('ecs', 'DeleteTaskSet', cluster='judge-scratch', service='judge-ext', taskSet=task_set['id'], force=True)
    j.call('ecs', 'DeleteService', cluster='judge-scratch', service='judge-ext', force=True)
    tasks = j.paginate('ecs', 'ListTasks', cluster='judge-scratch')
    if tasks:
        j.call('ecs', 'StopTask', cluster='judge-scratch', task=tasks[0], reason='conformance judge')


def ecs_cleanup(j):
    j.call('ecs', 'DeleteService', cluster='judge-scratch', service='judge-web', force=True)
    j.forbidden('ecs', 'DescribeServices', 'InvalidParameterException', 'services missing', cluster='judge-scratch')
    j.forbidden('ecs', 'ListServices', 'InvalidParameterException', 'maxResults 101 over the max 100', cluster='judge-scratch', maxResults=101)
    j.forbidden('ecs', 'ListServices', 'InvalidParameterException', 'launchType not in the enum', cluster='judge-scratch', launchType='BOGUS')
    j.forbidden('ecs', 'DescribeTasks', 'InvalidParameterException', '101 tasks over the max 100', cluster='judge-scratch', tasks=[f'{i:032x}' for i in range(101)])
    j.forbidden('ecs', 'UpdateService', 'InvalidParameterException', 'service missing', cluster='judge-scratch', forceNewDeployment=True)
    j.forbidden('ecs', 'ListTasks', 'InvalidParameterException', 'desiredStatus not in the enum', cluster='judge-scratch', desiredStatus='BOGUS')
    j.forbidden('ecs', 'ListTasks', 'InvalidParameterException', 'maxResults 0 under the min 1', cluster='judge-scratch', maxResults=0)
    j.forbidden('ecs', 'UpdateService', 'ServiceNotFoundException', 'unknown service', cluster='judge-scratch', service='nope', forceNewDeployment=True)
    j.forbidden('ecs', 'ListServices', 'ClusterNotFoundException', 'unknown cluster', cluster='no-such-cluster')


def cloud_map(j):
    namespaces = j.paginate('servicediscovery', 'ListNamespaces', page_size=1)
    same_items(j, 'servicediscovery:ListNamespaces', namespaces, j.paginate('servicediscovery', 'ListNamespaces'))
    for ns in namespaces[:LIMIT]:
        j.call('servicediscovery', 'GetNamespace', Id=ns['Id'])
    services = j.paginate('servicediscovery', 'ListServices', page_size=100)
    if len(services) <= 100:
        same_items(j, 'servicediscovery:ListServices', j.paginate('servicediscovery', 'ListServices', page_size=4), services)
    ns_names = {ns['Id']: ns['Properties'].get('HttpProperties', {}).get('HttpName', ns['Name']) for ns in namespaces}
    for service in services[:LIMIT]:
        j.call('servicediscovery', 'GetService', Id=service['Id'])
        j.call('servicediscovery', 'ListTagsForResource', ResourceARN=service['Arn'])
        instances = j.paginate('servicediscovery', 'ListInstances', page_size=100, ServiceId=service['Id'])
        for instance in instances[:2]:
            j.call('servicediscovery', 'GetInstance', ServiceId=service['Id'], InstanceId=instance['Id'])
        ns_id = (service.get('DnsConfig') or {}).get('NamespaceId') or j.call('servicediscovery', 'GetService', Id=service['Id'])['Service'].get('NamespaceId')
        if ns_id in ns_names:
            j.call('servicediscovery', 'DiscoverInstances', NamespaceName=ns_names[ns_id], ServiceName=service['Name'])
            j.call('servicediscovery', 'DiscoverInstancesRevision', NamespaceName=ns_names[ns_id], ServiceName=service['Name'])
    operations = j.paginate('servicediscovery', 'ListOperations', page_size=100)
    for op in operations[:5]:
        j.call('servicediscovery', 'GetOperation', OperationId=op['Id'])
    # Scratch: each namespace type, a DNS service with custom health, an instance.
    created = []
    for create, extra in (('CreateHttpNamespace', {}), ('CreatePrivateDnsNamespace', {'Vpc': 'vpc-0123456789abcdef0'}), ('CreatePublicDnsNamespace', {})):
        op = j.call('servicediscovery', create, Name=f'judge-{create.lower()}.example', Tags=[{'Key': 'judge', 'Value': 'yes'}], **extra)
        created.append(j.call('servicediscovery', 'GetOperation', OperationId=op['OperationId'])['Operation']['Targets']['NAMESPACE'])
    http_id, private_id, public_id = created
    j.call('servicediscovery', 'UpdateHttpNamespace', Id=http_id, Namespace={'Description': 'judged'})
    j.call('servicediscovery', 'UpdatePrivateDnsNamespace', Id=private_id, Namespace={'Properties': {'DnsProperties': {'SOA': {'TTL': 60}}}})
    j.call('servicediscovery', 'UpdatePublicDnsNamespace', Id=public_id, Namespace={'Description': 'judged', 'Properties': {'DnsProperties': {'SOA': {'TTL': 30}}}}, UpdaterRequestId='judge-public')
    j.forbidden('servicediscovery', 'UpdatePrivateDnsNamespace', 'InvalidInput', 'SOA TTL -1 under the min 0', Id=private_id, Namespace={'Properties': {'DnsProperties': {'SOA': {'TTL': -1}}}})
    j.forbidden('servicediscovery', 'UpdatePrivateDnsNamespace', 'InvalidInput', 'SOA.TTL missing', Id=private_id, Namespace={'Properties': {'DnsProperties': {'SOA': {}}}})
    svc = j.call('servicediscovery', 'CreateService', Name='judge-dns', NamespaceId=private_id, HealthCheckCustomConfig={},
                 DnsConfig={'RoutingPolicy': 'MULTIVALUE', 'DnsRecords': [{'Type': 'A', 'TTL': 60}]})['Service']
    j.call('servicediscovery', 'UpdateService', Id=svc['Id'], Service={'DnsConfig': {'DnsRecords': [{'Type': 'A', 'TTL': 10}]}})
    j.call('servicediscovery', 'RegisterInstance', ServiceId=svc['Id'], InstanceId='judge-1', Attributes={'AWS_INSTANCE_IPV4': '10.0.0.1'})
    j.call('servicediscovery', 'GetInstancesHealthStatus', ServiceId=svc['Id'])
    j.call('servicediscovery', 'UpdateInstanceCustomHealthStatus', ServiceId=svc['Id'], InstanceId='judge-1', Status='UNHEALTHY')
    j.call('servicediscovery', 'TagResource', ResourceARN=svc['Arn'], Tags=[{'Key': 'team', 'Value': 'judges'}])
    j.call('servicediscovery', 'UntagResource', ResourceARN=svc['Arn'], TagKeys=['team'])
    op = j.call('servicediscovery', 'DeregisterInstance', ServiceId=svc['Id'], InstanceId='judge-1')
    # Cloud Map removes the instance when the operation succeeds, not when the call returns: follow it first.
    for _ in range(10):
        if j.call('servicediscovery', 'GetOperation', OperationId=op['OperationId'])['Operation']['Status'] in ('SUCCESS', 'FAIL'):
            break
    j.call('servicediscovery', 'DeleteService', Id=svc['Id'])
    for ns_id in created:
        j.call('servicediscovery', 'DeleteNamespace', Id=ns_id)
    j.forbidden('servicediscovery', 'GetService', 'InvalidInput', 'Id missing')
    j.forbidden('servicediscovery', 'ListServices', 'InvalidInput', 'MaxResults 101 over the max 100', MaxResults=101)
    j.forbidden('servicediscovery', 'ListNamespaces', 'InvalidInput', 'filter Name not in the enum', Filters=[{'Name': 'BOGUS', 'Values': ['x']}])
    j.forbidden('servicediscovery', 'ListInstances', 'InvalidInput', 'MaxResults 101 over the max 100', ServiceId=services[0]['Id'], MaxResults=101)
    j.forbidden('servicediscovery', 'ListServices', 'InvalidInput', 'filter Condition not in the enum', Filters=[{'Name': 'NAMESPACE_ID', 'Values': [namespaces[0]['Id']], 'Condition': 'BOGUS'}])
    j.forbidden('servicediscovery', 'UpdateService', 'InvalidInput', 'TTL -1 under the min 0', Id=services[0]['Id'], Service={'DnsConfig': {'DnsRecords': [{'Type': 'A', 'TTL': -1}]}})
    j.forbidden('servicediscovery', 'DeregisterInstance', 'InvalidInput', 'InstanceId missing', ServiceId=services[0]['Id'])
    j.forbidden('servicediscovery', 'GetOperation', 'InvalidInput', 'OperationId missing')
    j.forbidden('servicediscovery', 'GetService', 'ServiceNotFound', 'unknown service', Id='srv-0000000000000000')
    j.forbidden('servicediscovery', 'GetOperation', 'OperationNotFound', 'unknown operation', OperationId='0000000000000000000000000000000000000000-00000000')
    j.forbidden('servicediscovery', 'DeregisterInstance', 'InstanceNotFound', 'unknown instance', ServiceId=services[0]['Id'], InstanceId='no-such-instance')


def sqs(j):
    dlq = j.call('sqs', 'CreateQueue', QueueName='judge-dlq')['QueueUrl']
    dlq_arn = j.call('sqs', 'GetQueueAttributes', QueueUrl=dlq, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
    url = j.call('sqs', 'CreateQueue', QueueName='judge-q', tags={'judge': 'yes'},
                 Attributes={'RedrivePolicy': json.dumps({'deadLetterTargetArn': dlq_arn, 'maxReceiveCount': '3'})})['QueueUrl']
    j.call('sqs', 'GetQueueUrl', QueueName='judge-q')
    j.call('sqs', 'GetQueueAttributes', QueueUrl=url, AttributeNames=['All'])
    j.call('sqs', 'SetQueueAttributes', QueueUrl=url, Attributes={'VisibilityTimeout': '45'})
    same_items(j, 'sqs:ListQueues', j.paginate('sqs', 'ListQueues', page_size=1), j.paginate('sqs', 'ListQueues', page_size=1000))
    j.paginate('sqs', 'ListDeadLetterSourceQueues', page_size=1, QueueUrl=dlq)
    j.call('sqs', 'TagQueue', QueueUrl=url, Tags={'team': 'judges'})
    j.call('sqs', 'UntagQueue', QueueUrl=url, TagKeys=['team'])
    j.call('sqs', 'ListQueueTags', QueueUrl=url)
    j.call('sqs', 'SendMessage', QueueUrl=url, MessageBody='one', MessageAttributes={'k': {'DataType': 'String', 'StringValue': 'v'}})
    j.call('sqs', 'SendMessageBatch', QueueUrl=url, Entries=[{'Id': 'a', 'MessageBody': 'two'}, {'Id': 'b', 'MessageBody': 'three'}])
    got = j.call('sqs', 'ReceiveMessage', QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=['All'],
                 MessageSystemAttributeNames=['All'], WaitTimeSeconds=0)['Messages']
    j.call('sqs', 'ChangeMessageVisibility', QueueUrl=url, ReceiptHandle=got[0]['ReceiptHandle'], VisibilityTimeout=0)
    j.call('sqs', 'ChangeMessageVisibilityBatch', QueueUrl=url, Entries=[{'Id': 'x', 'ReceiptHandle': got[1]['ReceiptHandle'], 'VisibilityTimeout': 5}])
    j.call('sqs', 'DeleteMessage', QueueUrl=url, ReceiptHandle=got[0]['ReceiptHandle'])
    j.call('sqs', 'DeleteMessageBatch', QueueUrl=url, Entries=[{'Id': 'y', 'ReceiptHandle': got[1]['ReceiptHandle']}, {'Id': 'z', 'ReceiptHandle': 'bogus'}])
    j.call('sqs', 'PurgeQueue', QueueUrl=url)
    j.forbidden('sqs', 'ReceiveMessage', 'MissingParameter', 'QueueUrl missing')
    j.forbidden('sqs', 'ReceiveMessage', 'InvalidParameterValue', 'MaxNumberOfMessages 11 over the max 10', QueueUrl=url, MaxNumberOfMessages=11)
    j.forbidden('sqs', 'GetQueueAttributes', 'InvalidAttributeName', 'attribute name not in the enum', QueueUrl=url, AttributeNames=['Bogus'])
    j.forbidden('sqs', 'SendMessage', 'InvalidParameterValue', 'DelaySeconds 901 over the max 900', QueueUrl=url, MessageBody='x', DelaySeconds=901)
    j.forbidden('sqs', 'DeleteMessageBatch', 'TooManyEntriesInBatchRequest', '11 entries over the max 10', QueueUrl=url, Entries=[{'Id': f'e{i}', 'ReceiptHandle': 'h'} for i in range(11)])
    j.forbidden('sqs', 'SendMessageBatch', 'EmptyBatchRequest', 'no entries', QueueUrl=url, Entries=[])
    j.forbidden('sqs', 'GetQueueUrl', 'QueueDoesNotExist', 'unknown queue', QueueName='no-such-queue')
    j.call('sqs', 'DeleteQueue', QueueUrl=url)
    j.call('sqs', 'DeleteQueue', QueueUrl=dlq)


def eventbridge(j, queue_arn):
    pattern = json.dumps({'source': ['aws.ecs'], 'detail-type': ['ECS Task State Change']})
    j.call('events', 'PutRule', Name='judge-rule', EventPattern=pattern, Description='judge', Tags=[{'Key': 'judge', 'Value': 'yes'}])
    j.call('events', 'DescribeRule', Name='judge-rule')
    same_items(j, 'events:ListRules', j.paginate('events', 'ListRules', page_size=1), j.paginate('events', 'ListRules'))
    j.call('events', 'DisableRule', Name='judge-rule')
    j.call('events', 'EnableRule', Name='judge-rule')
    j.call('events', 'PutTargets', Rule='judge-rule', Targets=[{'Id': 'q', 'Arn': queue_arn}])
    j.paginate('events', 'ListTargetsByRule', page_size=1, Rule='judge-rule')
    j.paginate('events', 'ListRuleNamesByTarget', page_size=1, TargetArn=queue_arn)
    j.call('events', 'DescribeEventBus')
    j.call('events', 'CreateEventBus', Name='judge-bus')
    j.call('events', 'PutEvents', Entries=[{'Source': 'judge', 'DetailType': 'Judge', 'Detail': '{}', 'EventBusName': 'judge-bus'}])
    j.call('events', 'ListEventBuses', Limit=1)
    j.call('events', 'DescribeEventBus', Name='judge-bus')
    j.call('events', 'DeleteEventBus', Name='judge-bus')
    j.forbidden('events', 'CreateEventBus', 'ResourceAlreadyExistsException', 'the default bus exists', Name='default')
    j.call('events', 'PutEvents', Entries=[{'Source': 'judge', 'DetailType': 'Judge', 'Detail': '{}'}, {'Source': 'judge'}])
    j.call('events', 'TestEventPattern', EventPattern=pattern, Event=json.dumps({
        'id': '1', 'account': '123456789012', 'source': 'aws.ecs', 'time': '2024-01-01T00:00:00Z', 'region': 'us-east-1',
        'resources': [], 'detail-type': 'ECS Task State Change', 'detail': {}}))
    j.call('events', 'RemoveTargets', Rule='judge-rule', Ids=['q'])
    j.call('events', 'DeleteRule', Name='judge-rule')
    j.forbidden('events', 'PutRule', 'ValidationException', 'Name missing', EventPattern=pattern)
    j.forbidden('events', 'ListRules', 'ValidationException', 'Limit 101 over the max 100', Limit=101)
    j.forbidden('events', 'PutRule', 'ValidationException', 'State not in the enum', Name='judge-bad', EventPattern=pattern, State='BOGUS')
    j.forbidden('events', 'PutTargets', 'ValidationException', 'Rule missing', Targets=[{'Id': 'q', 'Arn': queue_arn}])
    j.forbidden('events', 'PutRule', 'ValidationException', 'Name of 65 characters over the max 64', Name='r' * 65, EventPattern=pattern)
    j.forbidden('events', 'DescribeRule', 'ResourceNotFoundException', 'unknown rule', Name='no-such-rule')


def autoscaling(j):
    targets = j.paginate('application-autoscaling', 'DescribeScalableTargets', page_size=50, ServiceNamespace='ecs')
    if len(targets) <= 50:
        same_items(j, 'application-autoscaling:DescribeScalableTargets', j.paginate('application-autoscaling', 'DescribeScalableTargets', page_size=2, ServiceNamespace='ecs'), targets)
    resource = 'service/judge-scratch/judge-web'
    j.call('application-autoscaling', 'RegisterScalableTarget', ServiceNamespace='ecs', ResourceId=resource,
           ScalableDimension='ecs:service:DesiredCount', MinCapacity=1, MaxCapacity=4)
    j.call('application-autoscaling', 'DescribeScalableTargets', ServiceNamespace='ecs', ResourceIds=[resource])
    j.call('application-autoscaling', 'DeregisterScalableTarget', ServiceNamespace='ecs', ResourceId=resource, ScalableDimension='ecs:service:DesiredCount')
    j.forbidden('application-autoscaling', 'DescribeScalableTargets', 'ValidationException', 'ServiceNamespace missing')
    j.forbidden('application-autoscaling', 'DescribeScalableTargets', 'ValidationException', 'MaxResults 51 over the max 50', ServiceNamespace='ecs', MaxResults=51)
    j.forbidden('application-autoscaling', 'DescribeScalableTargets', 'ValidationException', 'ServiceNamespace not in the enum', ServiceNamespace='bogus')
    j.forbidden('application-autoscaling', 'DeregisterScalableTarget', 'ObjectNotFoundException', 'unknown target', ServiceNamespace='ecs',
                ResourceId='service/judge-scratch/nope', ScalableDimension='ecs:service:DesiredCount')
    j.forbidden('application-autoscaling', 'RegisterScalableTarget', 'ValidationException', 'ScalableDimension not in the enum', ServiceNamespace='ecs',
                ResourceId='service/judge-scratch/judge-web', ScalableDimension='ecs:service:Bogus', MinCapacity=1, MaxCapacity=2)


def main():
    endpoint, region = sys.argv[1], sys.argv[2]
    j = Judge(endpoint, region)
    ecs(j)
    cloud_map(j)
    autoscaling(j)
    ecs_cleanup(j)
    queue = j.call('sqs', 'CreateQueue', QueueName='judge-events')['QueueUrl']
    eventbridge(j, j.call('sqs', 'GetQueueAttributes', QueueUrl=queue, AttributeNames=['QueueArn'])['Attributes']['QueueArn'])
    sqs(j)
    json.dump({'calls': j.calls, 'violations': j.violations, 'errors': j.errors}, sys.stdout, indent=1)


if __name__ == '__main__':
    main()
