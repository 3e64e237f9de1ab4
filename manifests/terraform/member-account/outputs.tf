output "controller_role_arn" {
  description = "Role the controller assumes in this account: the target.roleArn of policies for it (null when not created here)."
  value       = var.create_controller_role ? aws_iam_role.controller[0].arn : null
}

output "forward_rule_arns" {
  description = "Rules forwarding this account's ECS and Cloud Map events to the controller's bus."
  value       = [for rule in aws_cloudwatch_event_rule.forward : rule.arn]
}
