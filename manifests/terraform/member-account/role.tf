# The role the controller assumes in this account (target.roleArn). Trusts only the controller's task role.
# The actions are the controller's ECS, Cloud Map and Application Auto Scaling calls (a test holds them to
# the code, as for the controller's own task role), with the same guardrails.

locals {
  ecs_arn_prefix      = "arn:${local.partition}:ecs:*:${local.account_id}"
  cloudmap_arn_prefix = "arn:${local.partition}:servicediscovery:*:${local.account_id}"
}

data "aws_iam_policy_document" "assume_controller" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.controller_task_role_arn]
    }
  }
}

resource "aws_iam_role" "controller" {
  count              = var.create_controller_role ? 1 : 0
  name               = var.controller_role_name
  assume_role_policy = data.aws_iam_policy_document.assume_controller.json
  tags               = var.tags
}

data "aws_iam_policy_document" "controller" {
  statement {
    # DescribeTaskDefinition (stopTimeouts for dnsTtl's drain bound) has no resource-level permissions.
    sid       = "ListEcs"
    actions   = ["ecs:ListClusters", "ecs:ListServices", "ecs:ListTasks", "ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }
  statement {
    sid       = "DescribeEcsInAccount"
    actions   = ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTagsForResource"]
    resources = ["${local.ecs_arn_prefix}:cluster/*", "${local.ecs_arn_prefix}:service/*/*", "${local.ecs_arn_prefix}:task/*/*"]
  }
  statement {
    sid       = "ReadEcsServiceHistory"
    actions   = ["ecs:ListServiceDeployments", "ecs:DescribeServiceRevisions"]
    resources = ["${local.ecs_arn_prefix}:service/*/*", "${local.ecs_arn_prefix}:service-revision/*/*/*"]
  }
  statement {
    sid       = "RedeployServicesInAllowedClusters"
    actions   = ["ecs:UpdateService"]
    resources = [for c in var.allowed_clusters : "${local.ecs_arn_prefix}:service/${c}/*"]
  }
  statement {
    # An old-format service ARN (service/NAME) names no cluster: the request's cluster is checked.
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
    sid       = "ListCloudMap"
    actions   = ["servicediscovery:ListNamespaces", "servicediscovery:ListServices", "servicediscovery:ListTagsForResource"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadCloudMap"
    actions   = ["servicediscovery:GetNamespace", "servicediscovery:GetService", "servicediscovery:ListInstances", "servicediscovery:GetOperation"]
    resources = ["${local.cloudmap_arn_prefix}:namespace/*", "${local.cloudmap_arn_prefix}:service/*"]
  }
  statement {
    sid       = "ReadEcsScalingLimits"
    actions   = ["application-autoscaling:DescribeScalableTargets"]
    resources = ["*"]
  }
  statement {
    sid       = "TuneNamespaceSoa"
    actions   = ["servicediscovery:UpdatePrivateDnsNamespace", "servicediscovery:UpdatePublicDnsNamespace"]
    resources = ["${local.cloudmap_arn_prefix}:namespace/*"]
  }
  statement {
    sid       = "PruneAndTuneCloudMap"
    actions   = ["servicediscovery:DeregisterInstance", "servicediscovery:DeleteService", "servicediscovery:UpdateService"]
    resources = ["${local.cloudmap_arn_prefix}:service/*"]
  }
  statement {
    # Proof of ownership reads this account's CloudTrail history; LookupEvents has no resource-level permissions.
    sid       = "LookupEcsRegistrations"
    actions   = ["cloudtrail:LookupEvents"]
    resources = ["*"]
  }
  statement {
    # Cloud Map changes Route 53 with the caller's permissions behind DeregisterInstance and UpdateService;
    # without them the operation FAILs (ACCESS_DENIED). Same statements as the controller's task role.
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
    # The SOA record behind UpdatePrivateDnsNamespace/UpdatePublicDnsNamespace (Cloud Map API permissions
    # reference); only SOA changes. Same statement as the controller's task role (see ../iam.tf).
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
}

resource "aws_iam_role_policy" "controller" {
  count  = var.create_controller_role ? 1 : 0
  name   = "ecs-discovery-controller"
  role   = aws_iam_role.controller[0].id
  policy = data.aws_iam_policy_document.controller.json
}
