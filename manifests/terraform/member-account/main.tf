# One member account (and region) of an organisation the controller serves from its own account:
# - forwards this account's ECS and Cloud Map events to the controller account's event bus (the same two
#   patterns as the controller's own rules), so its targets get events instead of only the periodic resync;
# - creates the role the controller assumes here (a policy's target.roleArn), with the controller's ECS,
#   Cloud Map and Application Auto Scaling permissions and nothing else.
# Apply it once per member account and region (e.g. with a provider per account); the controller account lists
# these accounts in its module's member_account_ids so its bus accepts their events.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # The same patterns as manifests/terraform/events.tf (a test compares them with install-events).
  event_rules = {
    "ecs-state" = {
      description = "ECS task, service and deployment state changes for ecs-discovery-controller."
      pattern = {
        source      = ["aws.ecs"]
        detail-type = ["ECS Task State Change", "ECS Service Action", "ECS Deployment State Change"]
      }
    }
    "api-calls" = {
      description = "ECS and Cloud Map API calls (CloudTrail) that change service discovery, for ecs-discovery-controller."
      pattern = {
        source      = ["aws.ecs", "aws.servicediscovery"]
        detail-type = ["AWS API Call via CloudTrail"]
        detail = {
          eventSource = ["ecs.amazonaws.com", "servicediscovery.amazonaws.com"]
          eventName   = ["CreateService", "DeleteService", "UpdateService", "RegisterInstance", "DeregisterInstance"]
        }
      }
    }
  }
  controller_bus_arn = "arn:${local.partition}:events:${var.controller_region}:${var.controller_account_id}:event-bus/default"
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each      = local.event_rules
  name          = "${var.name}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

# Cross-account delivery: EventBridge sends to another account's bus with a role allowed to PutEvents there.
data "aws_iam_policy_document" "assume_events" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "forward" {
  name               = "${var.name}-forward-events-${local.region}"
  assume_role_policy = data.aws_iam_policy_document.assume_events.json
  tags               = var.tags
}

data "aws_iam_policy_document" "forward" {
  statement {
    sid       = "PutEventsOnControllerBus"
    actions   = ["events:PutEvents"]
    resources = [local.controller_bus_arn]
  }
}

resource "aws_iam_role_policy" "forward" {
  name   = "forward-events"
  role   = aws_iam_role.forward.id
  policy = data.aws_iam_policy_document.forward.json
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each  = local.event_rules
  rule      = aws_cloudwatch_event_rule.forward[each.key].name
  target_id = "controller-bus"
  arn       = local.controller_bus_arn
  role_arn  = aws_iam_role.forward.arn
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 20
  }
}
