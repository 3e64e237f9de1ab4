# The controller's own events (docs/discovery-events.schema.json) on a bus of their own, routed by two rules:
# actions it executed or that failed go to an SNS topic (subscribe email, or AWS Chatbot for Slack), and all
# drift, detected and resolved, goes to a CloudWatch Logs group for Logs Insights queries.
provider "aws" {
  region = "eu-west-1"
}

resource "aws_cloudwatch_event_bus" "discovery" {
  name = "ecs-discovery-controller"
}

module "ecs_discovery_controller" {
  source = "../.."

  cluster_arn        = "arn:aws:ecs:eu-west-1:111122223333:cluster/platform"
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
  image              = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecs-discovery-controller:0.1.0"
  policies           = "s3://platform-policies/discovery/"
  policy_bucket_arn  = "arn:aws:s3:::platform-policies"
  policy_prefix      = "discovery/"
  allowed_clusters   = ["prod-*"]
  allowed_namespaces = ["internal.example.com"]

  events_bus = aws_cloudwatch_event_bus.discovery.name
}

# Actions: executed and failed writes, not the blocked ones (those are in the drift log and on /status).
resource "aws_sns_topic" "discovery_actions" {
  name = "ecs-discovery-controller-actions"
}

resource "aws_cloudwatch_event_rule" "actions" {
  name           = "discovery-actions"
  event_bus_name = aws_cloudwatch_event_bus.discovery.name
  event_pattern = jsonencode({
    source        = ["ecs-discovery-controller"]
    "detail-type" = ["Discovery Action"]
    detail        = { outcome = ["executed", "failed"] }
  })
}

resource "aws_cloudwatch_event_target" "actions_to_sns" {
  rule           = aws_cloudwatch_event_rule.actions.name
  event_bus_name = aws_cloudwatch_event_bus.discovery.name
  arn            = aws_sns_topic.discovery_actions.arn
}

data "aws_iam_policy_document" "events_publish_to_topic" {
  statement {
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.discovery_actions.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.actions.arn]
    }
  }
}

resource "aws_sns_topic_policy" "discovery_actions" {
  arn    = aws_sns_topic.discovery_actions.arn
  policy = data.aws_iam_policy_document.events_publish_to_topic.json
}

# Drift: every detected and resolved event, kept 30 days.
resource "aws_cloudwatch_log_group" "discovery_drift" {
  # EventBridge writes only to log groups named /aws/events/...
  name              = "/aws/events/ecs-discovery-controller/drift"
  retention_in_days = 30
}

resource "aws_cloudwatch_event_rule" "drift" {
  name           = "discovery-drift"
  event_bus_name = aws_cloudwatch_event_bus.discovery.name
  event_pattern = jsonencode({
    source        = ["ecs-discovery-controller"]
    "detail-type" = ["Discovery Drift"]
  })
}

resource "aws_cloudwatch_event_target" "drift_to_logs" {
  rule           = aws_cloudwatch_event_rule.drift.name
  event_bus_name = aws_cloudwatch_event_bus.discovery.name
  arn            = aws_cloudwatch_log_group.discovery_drift.arn
}

data "aws_iam_policy_document" "events_write_to_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.discovery_drift.arn}:*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.drift.arn]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "events_to_drift_log" {
  policy_name     = "ecs-discovery-controller-drift"
  policy_document = data.aws_iam_policy_document.events_write_to_logs.json
}

output "actions_topic_arn" {
  value = aws_sns_topic.discovery_actions.arn
}
