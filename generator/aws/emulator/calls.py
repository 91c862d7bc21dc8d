"""API operations as the emulator's request gate and the tests' call counter see them."""

from __future__ import annotations

from dataclasses import dataclass

READ_ONLY_PREFIXES: tuple[str, ...] = ("Describe", "List", "Get", "Validate")


def is_mutating(operation_name: str) -> bool:
    """True unless the operation name starts with Describe/List/Get/Validate."""
    return not operation_name.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class ApiCall:
    service: str
    operation: str

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}"
