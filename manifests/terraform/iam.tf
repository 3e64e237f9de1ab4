# Least privilege: only the API actions the controller's code sends (a test in test/manifests checks this
# list against the code). Reads cover the account (orphans are judged account-wide); ECS writes are limited
# to the allowed clusters, and Cloud Map writes never reach ECS-managed or protected services.

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  count = var.git_credentials_secret_arn == null ? 0 : 1
  statement {
    sid       = "ReadGitCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.git_credentials_secret_arn]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  count  = var.git_credentials_secret_arn == null ? 0 : 1
  name   = "git-credentials"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets[0].json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = var.tags
}

locals {
  ecs_arn_prefix      = "arn:${local.partition}:ecs:${local.region}:${local.account_id}"
  cloudmap_arn_prefix = "arn:${local.partition}:servicediscovery:${local.region}:${local.account_id}"
  # Services created in a namespace another account shares (AWS RAM) carry that account's id in their ARN.
  cloudmap_service_arns = [for account in concat([local.account_id], var.shared_namespace_owner_accounts) : "arn:${local.partition}:servicediscovery:${local.region}:${account}:service/*"]
  allowed_service_arns  = [for c in var.allowed_clusters : "${local.ecs_arn_prefix}:service/${c}/*"]
}

data "aws_iam_policy_document" "task" {
  statement {
    # DescribeTaskDefinition (stopTimeouts for dnsTtl's drain bound) has no resource-level permissions.
    sid       = "ListEcs"
    actions   = ["ecs:ListClusters", "ecs:ListServices", "ecs:ListTasks", "ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }
  statement {
    # Reads span the whole account and region on purpose: a Cloud Map service is orphaned only when no ECS
    # service anywhere refers to it, and a cluster the controller may not read forbids all pruning.
    # service/* and task/* match both ARN formats (IAM's * spans slashes): service/CLUSTER/NAME and the old
    # service/NAME that services created before the account opted in to the long format keep.
    sid       = "DescribeEcsInAccount"
    actions   = ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTagsForResource"]
    resources = ["${local.ecs_arn_prefix}:cluster/*", "${local.ecs_arn_prefix}:service/*", "${local.ecs_arn_prefix}:task/*"]
  }
  statement {
    # Service Connect history: when each client alias appeared, once ECS no longer lists the deployment that
    # introduced it.
    sid       = "ReadEcsServiceHistory"
    actions   = ["ecs:ListServiceDeployments", "ecs:DescribeServiceRevisions"]
    resources = ["${local.ecs_arn_prefix}:service/*", "${local.ecs_arn_prefix}:service-revision/*/*/*"]
  }
  statement {
    sid       = "RedeployServicesInAllowedClusters"
    actions   = ["ecs:UpdateService"]
    resources = local.allowed_service_arns
  }
  statement {
    # An old-format service ARN (service/NAME) names no cluster, so the cluster is checked on the request
    # (condition key ecs:cluster, which UpdateService supports).
    sid       = "RedeployOldFormatServicesInAllowedClusters"
    actions   = ["ecs:UpdateService"]
    resources = ["${local.ecs_arn_prefix}:service/*"]
    condition {
      test     = "ArnLike"
      variable = "ecs:cluster"
      values   = [for c in var.allowed_clusters : "${local.ecs_arn_prefix}:cluster/${c}"]
    }
  }
  statement {
    # ecs:UpdateService only as a forced redeploy (the controller sends cluster, service and
    # forceNewDeployment, nothing else): never a new task definition (a stolen role could roll out any image).
    # Condition keys from the Service Authorization Reference, "Actions, resources, and condition keys for
    # Amazon Elastic Container Service" (UpdateService: ecs:task-definition, ecs:enable-execute-command):
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
    sid       = "RedeployNeverChangesTaskDefinition"
    effect    = "Deny"
    actions   = ["ecs:UpdateService"]
    resources = ["*"]
    condition {
      test     = "Null"
      variable = "ecs:task-definition"
      values   = ["false"]
    }
  }
  statement {
    # ...and never turns on ECS Exec (a shell in every task of the service).
    sid       = "RedeployNeverEnablesExecuteCommand"
    effect    = "Deny"
    actions   = ["ecs:UpdateService"]
    resources = ["*"]
    condition {
      test     = "StringEqualsIgnoreCase"
      variable = "ecs:enable-execute-command"
      values   = ["true"]
    }
  }
  statement {
    # Cloud Map list and tag reads have no resource-level permissions.
    sid       = "ListCloudMap"
    actions   = ["servicediscovery:ListNamespaces", "servicediscovery:ListServices", "servicediscovery:ListTagsForResource"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadCloudMap"
    actions   = ["servicediscovery:GetNamespace", "servicediscovery:GetService", "servicediscovery:ListInstances", "servicediscovery:GetOperation"]
    resources = concat(["${local.cloudmap_arn_prefix}:namespace/*"], local.cloudmap_service_arns)
  }
  statement {
    # Proof of ownership: CloudTrail's 90-day event history shows which Cloud Map services ECS registered
    # instances into. LookupEvents has no resource-level permissions.
    sid       = "LookupEcsRegistrations"
    actions   = ["cloudtrail:LookupEvents"]
    resources = ["*"]
  }
  statement {
    # taskLimit reads each service's maximum task count; DescribeScalableTargets has no resource-level permissions.
    sid       = "ReadEcsScalingLimits"
    actions   = ["application-autoscaling:DescribeScalableTargets"]
    resources = ["*"]
  }
  statement {
    # namespaceSoa: the SOA TTL of this account's DNS namespaces (another account's shared namespace is never changed).
    sid       = "TuneNamespaceSoa"
    actions   = ["servicediscovery:UpdatePrivateDnsNamespace", "servicediscovery:UpdatePublicDnsNamespace"]
    resources = ["${local.cloudmap_arn_prefix}:namespace/*"]
  }
  statement {
    sid       = "PruneAndTuneCloudMap"
    actions   = ["servicediscovery:DeregisterInstance", "servicediscovery:DeleteService", "servicediscovery:UpdateService"]
    resources = local.cloudmap_service_arns
  }
  statement {
    # Cloud Map changes Route 53 with the caller's permissions behind DeregisterInstance and UpdateService
    # (Cloud Map guide, identity-based policies; the API permissions reference listed ChangeResourceRecordSets for
    # both until 2023: README, "The Route 53 side"); without them the call succeeds and its operation FAILs later
    # (ACCESS_DENIED). The hosted zones are the namespaces' and their ids are not known here, so the
    # record changes are limited to hosted zones and to the record types Cloud Map manages.
    sid       = "Route53RecordsBehindCloudMapWrites"
    actions   = ["route53:ChangeResourceRecordSets"]
    resources = ["arn:${local.partition}:route53:::hostedzone/*"]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "route53:ChangeResourceRecordSetsRecordTypes"
      values   = ["A", "AAAA", "CNAME", "SRV"]
    }
  }
  statement {
    # namespaceSoa: behind UpdatePrivateDnsNamespace and UpdatePublicDnsNamespace Cloud Map rewrites the SOA record
    # of the namespace's hosted zone with the caller's permissions. The Cloud Map API permissions reference names
    # route53:ChangeResourceRecordSets as the one action each needs besides its own
    # (https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html); the record is the SOA
    # (API reference, SOAChange: "the Start of Authority (SOA) record for the hosted zone"), so only SOA changes.
    sid       = "Route53SoaBehindNamespaceUpdates"
    actions   = ["route53:ChangeResourceRecordSets"]
    resources = ["arn:${local.partition}:route53:::hostedzone/*"]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "route53:ChangeResourceRecordSetsRecordTypes"
      values   = ["SOA"]
    }
  }
  statement {
    # Route 53 health checks of Cloud Map instances and services: deregistering deletes them, UpdateService
    # updates them (same reference).
    sid       = "Route53HealthChecksBehindCloudMapWrites"
    actions   = ["route53:GetHealthCheck", "route53:UpdateHealthCheck", "route53:DeleteHealthCheck"]
    resources = ["arn:${local.partition}:route53:::healthcheck/*"]
  }
  statement {
    # UpdateService may (re)create the service's health check; CreateHealthCheck has no resource-level permissions.
    sid       = "Route53CreateHealthCheckForUpdateService"
    actions   = ["route53:CreateHealthCheck"]
    resources = ["*"]
  }
  statement {
    # A hard guardrail under the controller's own checks: Service Connect's Cloud Map services and protected
    # ones are never changed, whatever a policy or a bug says.
    sid       = "NeverTouchEcsManagedCloudMap"
    effect    = "Deny"
    actions   = ["servicediscovery:DeregisterInstance", "servicediscovery:DeleteService", "servicediscovery:UpdateService"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/AmazonECSManaged"
      values   = ["true"]
    }
  }
  statement {
    sid       = "NeverTouchProtectedCloudMap"
    effect    = "Deny"
    actions   = ["servicediscovery:DeregisterInstance", "servicediscovery:DeleteService", "servicediscovery:UpdateService"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${var.protect_tag_key}"
      values   = ["true"]
    }
  }
  statement {
    # The state table: exactly the calls controller/state/dynamodb*.ts sends, on that table only.
    sid       = "StateTable"
    actions   = ["dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.state.arn]
  }
  statement {
    sid       = "ConsumeEvents"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }
  dynamic "statement" {
    for_each = var.policy_bucket_arn == null ? [] : [1]
    content {
      sid       = "ListPolicyPrefix"
      actions   = ["s3:ListBucket"]
      resources = [var.policy_bucket_arn]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.policy_prefix}*"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.policy_bucket_arn == null ? [] : [1]
    content {
      sid       = "ReadPolicyObjects"
      actions   = ["s3:GetObject"]
      resources = ["${var.policy_bucket_arn}/${var.policy_prefix}*"]
    }
  }
  dynamic "statement" {
    # The controller's own events (--events-bus): PutEvents on that bus only, and only with its own source.
    for_each = var.events_bus == null ? [] : [1]
    content {
      sid       = "PublishControllerEvents"
      actions   = ["events:PutEvents"]
      resources = [local.events_bus_arn]
      condition {
        test     = "StringEquals"
        variable = "events:source"
        values   = ["ecs-discovery-controller"]
      }
    }
  }
  dynamic "statement" {
    for_each = length(var.assume_role_arns) == 0 ? [] : [1]
    content {
      sid       = "AssumeCrossAccountRoles"
      actions   = ["sts:AssumeRole"]
      resources = var.assume_role_arns
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "controller"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

data "aws_iam_policy_document" "remote_write" {
  count = var.enable_adot_sidecar ? 1 : 0
  statement {
    sid       = "RemoteWriteMetrics"
    actions   = ["aps:RemoteWrite"]
    resources = [var.amp_workspace_arn]
  }
}

resource "aws_iam_role_policy" "remote_write" {
  count  = var.enable_adot_sidecar ? 1 : 0
  name   = "amp-remote-write"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.remote_write[0].json
}
