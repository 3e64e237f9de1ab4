# ecs-discovery-controller on Fargate: `replicas` tasks sharing the targets through DynamoDB leases (state.tf),
# their IAM roles, the EventBridge rules feeding their SQS queue.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  cache_dir  = "/var/cache/ecs-discovery-controller"
  # --events-bus takes a name or an ARN; IAM needs the ARN.
  events_bus_arn = var.events_bus == null ? null : (startswith(var.events_bus, "arn:") ? var.events_bus : "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:event-bus/${var.events_bus}")

  controller_environment = [
    { name = "POLICIES", value = var.policies },
    { name = "QUEUE_URL", value = aws_sqs_queue.events.url },
    { name = "RESYNC", value = var.resync_schedule },
    { name = "FULL_RESYNC", value = var.full_resync },
    # With the ADOT sidecar the only scraper is in the task: listen on loopback, not on the task's ENI.
    { name = "METRICS_ADDR", value = var.enable_adot_sidecar ? "127.0.0.1:9464" : ":9464" },
    { name = "STATUS_REDACT", value = tostring(var.status_redact) },
    { name = "ALLOWED_CLUSTERS", value = join(",", var.allowed_clusters) },
    { name = "ALLOWED_NAMESPACES", value = join(",", var.allowed_namespaces) },
    { name = "ALLOWED_ACCOUNTS", value = join(",", var.allowed_accounts) },
    { name = "MIN_GRACE_PERIOD", value = var.min_grace_period },
    { name = "MAX_DELETIONS_PER_HOUR", value = var.max_deletions_per_hour == null ? "" : tostring(var.max_deletions_per_hour) },
    { name = "MIN_COOLDOWN", value = var.min_cooldown },
    { name = "MAX_CONCURRENT_REDEPLOYS", value = var.max_concurrent_redeploys == null ? "" : tostring(var.max_concurrent_redeploys) },
    { name = "MIN_DNS_TTL", value = var.min_dns_ttl },
    # The key the NeverTouchProtectedCloudMap Deny names (iam.tf): the controller protects exactly what IAM does.
    { name = "PROTECT_TAG_KEY", value = var.protect_tag_key },
    { name = "EVENTS_BUS", value = var.events_bus == null ? "" : var.events_bus },
    { name = "DRY_RUN", value = tostring(var.dry_run) },
    { name = "LOG_LEVEL", value = var.log_level },
    { name = "CACHE_DIR", value = local.cache_dir },
    { name = "AWS_REGION", value = local.region },
    { name = "STATE", value = "dynamodb://${aws_dynamodb_table.state.name}" },
    { name = "LEASE_DURATION", value = var.lease_duration },
  ]

  controller_container = {
    name                   = "controller"
    image                  = var.image
    essential              = true
    readonlyRootFilesystem = true
    user                   = "1000:1000"
    portMappings           = [{ containerPort = 9464, protocol = "tcp", name = "metrics" }]
    environment            = local.controller_environment
    secrets = var.git_credentials_secret_arn == null ? [] : [
      { name = "GIT_TOKEN", valueFrom = var.git_credentials_secret_arn },
    ]
    mountPoints = [{ sourceVolume = "cache", containerPath = local.cache_dir, readOnly = false }]
    healthCheck = {
      command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    # ECS sends SIGTERM and waits this long before SIGKILL; the controller finishes in-flight work within 25 s.
    stopTimeout = 30
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.controller.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "controller"
      }
    }
  }

  adot_container = {
    name      = "adot-collector"
    image     = var.adot_image
    essential = false
    environment = [{
      name = "AOT_CONFIG_CONTENT"
      value = yamlencode({
        extensions = { sigv4auth = { region = local.region, service = "aps" } }
        receivers = {
          prometheus = {
            config = {
              global = { scrape_interval = "30s", scrape_timeout = "10s" }
              scrape_configs = [{
                job_name       = "ecs-discovery-controller"
                static_configs = [{ targets = ["127.0.0.1:9464"] }]
              }]
            }
          }
        }
        exporters = {
          prometheusremotewrite = {
            endpoint = coalesce(var.amp_remote_write_url, "https://invalid.example/unset")
            auth     = { authenticator = "sigv4auth" }
          }
        }
        service = {
          extensions = ["sigv4auth"]
          pipelines  = { metrics = { receivers = ["prometheus"], exporters = ["prometheusremotewrite"] } }
        }
      })
    }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.controller.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "adot"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "controller" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_ecs_task_definition" "controller" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  # Task storage for the git cache; the root filesystem stays read-only.
  volume {
    name = "cache"
  }
  container_definitions = jsonencode(concat(
    [local.controller_container],
    var.enable_adot_sidecar ? [local.adot_container] : [],
  ))
  tags = var.tags
}

resource "aws_ecs_service" "controller" {
  name                   = var.name
  cluster                = var.cluster_arn
  task_definition        = aws_ecs_task_definition.controller.arn
  launch_type            = "FARGATE"
  desired_count          = var.replicas
  enable_execute_command = false
  propagate_tags         = "SERVICE"
  # Overlap is safe: a replica acts only on the targets whose DynamoDB lease it holds, and every journaled
  # write is fenced by the lease's token. New tasks start before old ones stop; a stopping task hands its
  # leases back on SIGTERM.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = var.assign_public_ip
  }
  tags = var.tags
}
