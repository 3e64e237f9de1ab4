variable "name" {
  description = "Prefix of the rules and the forwarding role."
  type        = string
  default     = "ecs-discovery-controller"
}

variable "controller_account_id" {
  description = "Account the controller runs in (its default event bus receives this account's events)."
  type        = string
  validation {
    condition     = can(regex("^\\d{12}$", var.controller_account_id))
    error_message = "controller_account_id must be a 12-digit AWS account id."
  }
}

variable "controller_region" {
  description = "Region of the controller's event bus and queue."
  type        = string
}

variable "controller_task_role_arn" {
  description = "The controller's task role (its module's task_role_arn output): the only principal trusted by the role created here."
  type        = string
}

variable "create_controller_role" {
  description = "Create the role the controller assumes (once per account: set false in the module calls for further regions)."
  type        = bool
  default     = true
}

variable "controller_role_name" {
  description = "Name of the role the controller assumes here; policies name it as target.roleArn."
  type        = string
  default     = "ecs-discovery-controller"
}

variable "allowed_clusters" {
  description = "Cluster names or globs whose services the controller may redeploy in this account."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "protect_tag_key" {
  description = "The controller module's protect_tag_key: Cloud Map services tagged with it (value \"true\") are never changed through the role created here."
  type        = string
  default     = "discovery-controller/protect"
}
