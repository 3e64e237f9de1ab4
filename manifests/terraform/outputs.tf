output "service_arn" {
  description = "ARN of the controller's ECS service."
  value       = aws_ecs_service.controller.id
}

output "task_role_arn" {
  description = "ARN of the task role; cross-account target roles must trust it."
  value       = aws_iam_role.task.arn
}

output "queue_url" {
  description = "URL of the SQS queue EventBridge feeds (the controller's QUEUE_URL)."
  value       = aws_sqs_queue.events.url
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue for events the controller could not take."
  value       = aws_sqs_queue.events_dlq.url
}

output "event_rule_arns" {
  description = "ARNs of the EventBridge rules that feed the queue."
  value       = local.event_rule_arns
}

output "log_group_name" {
  description = "CloudWatch Logs group of the controller."
  value       = aws_cloudwatch_log_group.controller.name
}

output "state_table_name" {
  description = "DynamoDB table of the controller's leases, grace clocks, ownership evidence and action journal."
  value       = aws_dynamodb_table.state.name
}
