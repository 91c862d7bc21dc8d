"""The policy types lzgen knows, under their blueprint names and their Organizations API names."""

from typing import Final, Literal

PolicyType = Literal["scp", "tag", "ai_opt_out", "backup"]

POLICY_TYPES: Final[tuple[PolicyType, ...]] = ("scp", "tag", "ai_opt_out", "backup")

API_TYPE: Final[dict[PolicyType, str]] = {
    "scp": "SERVICE_CONTROL_POLICY",
    "tag": "TAG_POLICY",
    "ai_opt_out": "AISERVICES_OPT_OUT_POLICY",
    "backup": "BACKUP_POLICY",
}
