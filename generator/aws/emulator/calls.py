"""API operations as the emulator's request gate and the tests' call counter see them."""

from __future__ import annotations

from dataclasses import dataclass

READ_ONLY_PREFIXES: tuple[str, ...] = ("Describe", "List", "Get", "Validate")


# Changes nothing in AWS either: taking a role's temporary credentials (deploy does it to look
# at a delegated administrator's account).
READ_ONLY_OPERATIONS: frozenset[str] = frozenset({"AssumeRole"})


def is_mutating(operation_name: str) -> bool:
    """True unless the operation name starts with Describe/List/Get/Validate (or is one of
    READ_ONLY_OPERATIONS)."""
    return (not operation_name.startswith(READ_ONLY_PREFIXES)
            and operation_name not in READ_ONLY_OPERATIONS)


@dataclass(frozen=True)
class ApiCall:
    service: str
    operation: str

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}"
