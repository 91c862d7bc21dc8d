"""Local AWS emulator harness (moto server + CloudFormation models moto lacks) for e2e tests."""

from .calls import ApiCall, CallCounter, is_mutating
from .harness import DEFAULT_REGION, MANAGEMENT_ACCOUNT_ID, Emulator

__all__ = [
    "DEFAULT_REGION",
    "MANAGEMENT_ACCOUNT_ID",
    "ApiCall",
    "CallCounter",
    "Emulator",
    "is_mutating",
]
