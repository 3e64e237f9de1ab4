# ECS events reach the controller through EventBridge rules whose target is an SQS queue.

resource "aws_sqs_queue" "events_dlq" {
  name                      = "${var.name}-events-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "events" {
  name                       = "${var.name}-events"
  message_retention_seconds  = var.event_retention_seconds
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.events_dlq.arn
    maxReceiveCount     = var.dead_letter_max_receives
  })
  tags = var.tags
}

locals {
  # The same two rules as `ecs-discovery-controller install-events` (controller/install/event-rules.ts; a test
  # compares them).
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
  event_rule_arns = [for rule in aws_cloudwatch_event_rule.events : rule.arn]
}

resource "aws_cloudwatch_event_rule" "events" {
  for_each      = local.event_rules
  name          = "${var.name}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "events" {
  for_each  = local.event_rules
  rule      = aws_cloudwatch_event_rule.events[each.key].name
  target_id = "controller-queue"
  arn       = aws_sqs_queue.events.arn
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 20
  }
  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

locals {
  # Both queues admit EventBridge, and only from the two rules: events go to the first, undeliverable ones to the second.
  event_queues = {
    events       = { arn = aws_sqs_queue.events.arn, url = aws_sqs_queue.events.id, sid = "EventBridgeSendsEcsEvents" }
    dead-letters = { arn = aws_sqs_queue.events_dlq.arn, url = aws_sqs_queue.events_dlq.id, sid = "EventBridgeDeadLetters" }
  }
}

data "aws_iam_policy_document" "event_queue" {
  for_each = local.event_queues
  statement {
    sid       = each.value.sid
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.event_rule_arns
    }
  }
  statement {
    # Without this, any principal of the account whose IAM policy allows sqs:SendMessage could forge ECS events
    # (a fake "task stopped", a huge task version). A missing aws:SourceArn (every caller but a service) makes
    # ArnNotEquals true, so only EventBridge delivering for the controller's own rules gets through. Receive and
    # delete (the controller's task role) are not affected; SQS's own redrive to the dead-letter queue is not a
    # SendMessage call. A manual StartMessageMoveTask back into the queue needs this statement lifted first.
    sid       = "OnlyTheControllerRulesSend"
    effect    = "Deny"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnNotEquals"
      variable = "aws:SourceArn"
      values   = local.event_rule_arns
    }
  }
}

resource "aws_sqs_queue_policy" "event_queue" {
  for_each  = local.event_queues
  queue_url = each.value.url
  policy    = data.aws_iam_policy_document.event_queue[each.key].json
}

# Member accounts (manifests/terraform/member-account) forward their ECS and Cloud Map events to this
# account's default bus, where the rules above route them to the queue like the controller's own: the bus
# must accept PutEvents from them.
data "aws_iam_policy_document" "member_events" {
  count = length(var.member_account_ids) == 0 ? 0 : 1
  statement {
    sid       = "MemberAccountsForwardEcsEvents"
    actions   = ["events:PutEvents"]
    resources = ["arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/default"]
    principals {
      type        = "AWS"
      identifiers = var.member_account_ids
    }
  }
}

resource "aws_cloudwatch_event_bus_policy" "member_events" {
  count          = length(var.member_account_ids) == 0 ? 0 : 1
  event_bus_name = "default"
  policy         = data.aws_iam_policy_document.member_events[0].json
}
