# A controller for the prod-* clusters, policies from a git repository, metrics to Amazon Managed Prometheus.
provider "aws" {
  region = "eu-west-1"
}

resource "aws_secretsmanager_secret" "git_token" {
  name = "ecs-discovery-controller/git-token"
}

module "ecs_discovery_controller" {
  source = "../.."

  cluster_arn        = "arn:aws:ecs:eu-west-1:111122223333:cluster/platform"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  security_group_ids = ["sg-0123456789abcdef0"]
  image              = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecs-discovery-controller:0.1.0"

  policies                   = "git+https://github.com/example/platform-policies.git?ref=main&path=discovery/"
  git_credentials_secret_arn = aws_secretsmanager_secret.git_token.arn
  allowed_clusters           = ["prod-*"]
  allowed_namespaces         = ["internal.example.com"]

  enable_adot_sidecar  = true
  amp_workspace_arn    = "arn:aws:aps:eu-west-1:111122223333:workspace/ws-0123abcd-0123-4567-89ab-0123456789ab"
  amp_remote_write_url = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-0123-4567-89ab-0123456789ab/api/v1/remote_write"

  tags = { team = "platform" }
}

output "queue_url" {
  value = module.ecs_discovery_controller.queue_url
}
