variable "name" {
  description = "Name prefix for every resource this module creates."
  type        = string
  default     = "ecs-discovery-controller"
  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,39}$", var.name))
    error_message = "name must start with a letter and hold at most 40 letters, digits or hyphens."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster the controller itself runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the controller task (it needs HTTPS egress to the AWS APIs: NAT or VPC endpoints)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups for the controller task; it only needs outbound HTTPS, plus inbound 9464 from your Prometheus if it scrapes directly."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give the task a public IP (only for public subnets without NAT)."
  type        = bool
  default     = false
}

variable "image" {
  description = "Container image of the controller, e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecs-discovery-controller:0.1.0."
  type        = string
}

variable "policies" {
  description = "Where the DiscoveryPolicy files live: s3://bucket/prefix/ or git+https://host/org/repo.git?ref=main&path=policies/."
  type        = string
  validation {
    condition     = can(regex("^(s3://|git\\+https://|git\\+ssh://)", var.policies))
    error_message = "policies must be an s3:// or git+https:// / git+ssh:// URL (a local path does not exist in the task)."
  }
}

variable "policy_bucket_arn" {
  description = "ARN of the S3 bucket holding the policies (grants read access to it); null when policies come from git."
  type        = string
  default     = null
}

variable "policy_prefix" {
  description = "Key prefix of the policies in policy_bucket_arn; read access is limited to it."
  type        = string
  default     = ""
}

variable "git_credentials_secret_arn" {
  description = "Secrets Manager secret with the git token (HTTPS) handed to the task as GIT_TOKEN; null for public repositories or S3."
  type        = string
  default     = null
}

variable "allowed_clusters" {
  description = "Clusters (names or globs) any policy may reach. The controller refuses policies beyond them, and IAM limits ECS writes to them."
  type        = list(string)
}

variable "allowed_namespaces" {
  description = "Cloud Map namespaces (names or ids) any policy may reach. Required: Cloud Map writes are bounded by namespace, not by cluster, so an empty list would let a policy reach every namespace."
  type        = list(string)
  validation {
    condition     = length(var.allowed_namespaces) > 0 && alltrue([for n in var.allowed_namespaces : trimspace(n) != ""])
    error_message = "allowed_namespaces must name at least one Cloud Map namespace (no empty entries): Cloud Map deletions are bounded by it."
  }
}

variable "allowed_accounts" {
  description = "Account ids policies may target through roleArn; empty means the controller's own account only."
  type        = list(string)
  default     = []
}

variable "shared_namespace_owner_accounts" {
  description = "Accounts that share Cloud Map namespaces with this one through AWS RAM. A service created in a shared namespace has an ARN in the namespace owner's account, and Cloud Map asks for that ARN; the role may read, prune and tune such services (the controller still never removes what another account created)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for a in var.shared_namespace_owner_accounts : can(regex("^[0-9]{12}$", a))])
    error_message = "shared_namespace_owner_accounts holds 12-digit account ids."
  }
}

variable "assume_role_arns" {
  description = "Roles in other accounts the controller may assume for cross-account policies."
  type        = list(string)
  default     = []
}

variable "dry_run" {
  description = "Never write to AWS, whatever the policies say (report only)."
  type        = bool
  default     = false
}

variable "resync_schedule" {
  description = "Cron schedule of the resync that catches lost events (it re-reads what change signals say moved)."
  type        = string
  default     = "*/10 * * * *"
}

variable "full_resync" {
  description = "How often a resync reads the whole fleet instead of following change signals (also after any read error), e.g. 1h."
  type        = string
  default     = "1h"
}

variable "log_level" {
  description = "Controller log level: debug, info, warn or error."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention for the controller's logs."
  type        = number
  default     = 30
}

variable "member_account_ids" {
  description = "Accounts whose ECS and Cloud Map events the member-account module forwards to this account's default event bus (the bus policy admits them)."
  type        = list(string)
  default     = []
}

variable "replicas" {
  description = "Controller tasks. 1 is enough for most fleets (see the README's scaling section); 2 or more for availability: each target (account and region) is acted on by exactly one replica, the one holding its DynamoDB lease."
  type        = number
  default     = 1
  validation {
    condition     = var.replicas >= 1 && var.replicas <= 20 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number from 1 to 20."
  }
}

variable "lease_duration" {
  description = "How long a target lease lasts unrenewed (LEASE_DURATION); a stopped replica's targets move after one to two of these."
  type        = string
  default     = "20s"
}

variable "cpu" {
  description = "Fargate CPU units for the task."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Fargate memory (MiB) for the task."
  type        = number
  default     = 512
}

variable "event_retention_seconds" {
  description = "How long an undelivered ECS event stays in the queue; the resync covers anything lost."
  type        = number
  default     = 86400
}

variable "dead_letter_max_receives" {
  description = "Receives after which a message that keeps failing moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "status_redact" {
  description = "Keep IAM role ARNs out of the controller's /status endpoint (STATUS_REDACT)."
  type        = bool
  default     = true
}

variable "enable_adot_sidecar" {
  description = "Run an AWS Distro for OpenTelemetry collector that scrapes /metrics and remote-writes to Amazon Managed Service for Prometheus."
  type        = bool
  default     = false
}

variable "amp_workspace_arn" {
  description = "Amazon Managed Service for Prometheus workspace ARN (with enable_adot_sidecar)."
  type        = string
  default     = null
}

variable "amp_remote_write_url" {
  description = "The workspace's remote-write URL, https://aps-workspaces.REGION.amazonaws.com/workspaces/ws-.../api/v1/remote_write."
  type        = string
  default     = null
}

variable "adot_image" {
  description = "AWS Distro for OpenTelemetry collector image."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "min_grace_period" {
  description = "Smallest cloudMapOrphans.gracePeriod a policy may ask for (MIN_GRACE_PERIOD); empty for no floor."
  type        = string
  default     = "5m"
}

variable "max_deletions_per_hour" {
  description = "Cloud Map deletions per namespace in any hour, across runs and policy revisions (MAX_DELETIONS_PER_HOUR); null for no budget."
  type        = number
  default     = 20
}

variable "min_cooldown" {
  description = "Smallest serviceConnectRefresh.cooldown a policy may ask for (MIN_COOLDOWN); empty for no floor."
  type        = string
  default     = "30m"
}

variable "max_concurrent_redeploys" {
  description = "Largest serviceConnectRefresh.maxConcurrent a policy may ask for (MAX_CONCURRENT_REDEPLOYS); null for no ceiling."
  type        = number
  default     = 5
}

variable "min_dns_ttl" {
  description = "Smallest TTL a policy may have dnsTtl set (MIN_DNS_TTL); empty for no floor."
  type        = string
  default     = "5s"
}

variable "protect_tag_key" {
  description = "Cloud Map services tagged with this key are never changed: the IAM Deny names it and the controller gets it as PROTECT_TAG_KEY. Policies may add protect tags, never remove this one."
  type        = string
  default     = "discovery-controller/protect"
}

variable "events_bus" {
  description = "EventBridge bus (name or ARN) the controller publishes its own events to: drift detected and resolved, actions executed, failed or blocked (EVENTS_BUS; docs/discovery-events.schema.json). null: no events published."
  type        = string
  default     = null
}
