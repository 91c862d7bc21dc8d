"""One valid document per Organizations policy type, written for lzgen's tests."""

from __future__ import annotations

from typing import Any

SAMPLES: dict[str, dict[str, Any]] = {
    "scp": {"Version": "2012-10-17", "Statement": [{
        "Sid": "NoLeaving", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
        "Resource": "*"}]},
    "rcp": {"Version": "2012-10-17", "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": ["s3:*", "sqs:*"],
        "Resource": "*", "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}]},
    "tag": {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
                                    "enforced_for": {"@@assign": ["ec2:instance"]}}}},
    "backup": {"plans": {"Daily": {
        "regions": {"@@append": ["eu-west-1"]},
        "rules": {"Nightly": {"schedule_expression": {"@@assign": "cron(0 3 * * ? *)"},
                              "target_backup_vault_name": {"@@assign": "Default"},
                              "lifecycle": {"delete_after_days": {"@@assign": "35"}}}},
        "selections": {"tags": {"Tagged": {
            "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/Backup"},
            "tag_key": {"@@assign": "backup"}, "tag_value": {"@@assign": ["daily"]}}}}}}},
    "ai_opt_out": {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}},
    "chatbot": {"chatbot": {"platforms": {"slack": {"client": {"@@assign": "enabled"}}}}},
    "declarative_ec2": {"ec2_attributes": {
        "image_block_public_access": {"state": {"@@assign": "block_new_sharing"}},
        "instance_metadata_defaults": {"http_tokens": {"@@assign": "required"},
                                       "http_put_response_hop_limit": {"@@assign": "2"}}}},
    "securityhub": {"securityhub": {"enable_in_regions": {"@@assign": ["ALL_SUPPORTED"]},
                                    "disable_in_regions": {"@@assign": []}}},
    "securityhub_cspm": {"securityhub": {"enable_in_regions": {"@@assign": ["eu-west-1"]}}},
    "inspector": {"inspector": {"enablement": {"ec2_scanning": {
        "enable_in_regions": {"@@assign": ["us-east-1"]}}}}},
    "upgrade_rollout": {"upgrade_rollout": {"default": {"patch_order": {"@@assign": "last"}},
                                            "tags": {"stage": {"tag_values": {
                                                "dev": {"patch_order": {"@@assign": "first"}}}}}}},
    "bedrock": {"bedrock": {"guardrail_inference": {"us-east-1": {"main": {
        "identifier": {"@@assign": "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc:1"},
        "input_tags": {"@@assign": "honor"}}}}}},
    "s3": {"s3_attributes": {"public_access_block_configuration": {"@@assign": "all"}}},
    "network_security_director": {"network_security_director": {
        "enabled": {"@@assign": "true"}}},
    "guardduty": {"guardduty": {"enable_in_regions": {"@@assign": ["eu-west-1"]}}},
}
