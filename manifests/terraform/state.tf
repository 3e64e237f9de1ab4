# The controller's state table (--state dynamodb://TABLE): target leases with fencing tokens, grace clocks,
# ownership evidence, the action journal. On-demand (a few reads and writes per target and lease round),
# point-in-time recovery, and a TTL on "ttl" so finished journal entries and old counters expire.

resource "aws_dynamodb_table" "state" {
  name         = "${var.name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}
