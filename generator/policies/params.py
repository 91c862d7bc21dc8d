"""Declared parameters of built-in policies, and checking the values a blueprint gives them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from generator.policies.errors import PolicyParamError

ParamKind = Literal["string", "string_list", "bool"]

_KIND_WORDING: dict[ParamKind, str] = {
    "string": "a string",
    "string_list": "a list of strings",
    "bool": "true or false",
}


@dataclass(frozen=True)
class Param:
    """One parameter of a built-in policy.

    ``item_pattern`` (a regular expression) constrains a string or every entry of a list;
    ``example`` is shown in error hints.
    """

    name: str
    kind: ParamKind
    required: bool
    default: object
    description: str
    item_pattern: str | None = None
    example: str = ""


class ResolvedParams:
    """Parameter values after checking: defaults filled in, lists de-duplicated and sorted."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)

    def strings(self, name: str) -> list[str]:
        value = self._values[name]
        assert isinstance(value, list)
        return [str(item) for item in value]

    def string(self, name: str) -> str:
        value = self._values[name]
        assert isinstance(value, str)
        return value

    def flag(self, name: str) -> bool:
        value = self._values[name]
        assert isinstance(value, bool)
        return value


def resolve(builtin: str, declared: Mapping[str, Param],
            given: Mapping[str, object]) -> ResolvedParams:
    """Check ``given`` against ``declared`` and return the values to render with."""
    _reject_unknown(builtin, declared, given)
    values: dict[str, object] = {}
    for name, param in declared.items():
        if name in given:
            values[name] = _checked_value(builtin, param, given[name])
        elif param.required:
            raise PolicyParamError(
                f"built-in {builtin!r} needs parameter {name!r}",
                f"{name}: {param.description}" + _example_suffix(param),
                name,
            )
        else:
            values[name] = _default(param)
    return ResolvedParams(values)


def _reject_unknown(builtin: str, declared: Mapping[str, Param],
                    given: Mapping[str, object]) -> None:
    for name in given:
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=3)
            known = ", ".join(sorted(declared)) or "none"
            hint = f"did you mean {' or '.join(close)}?" if close else f"parameters: {known}"
            raise PolicyParamError(f"built-in {builtin!r} has no parameter {name!r}", hint, name)


def _default(param: Param) -> object:
    if param.kind == "string_list" and isinstance(param.default, list | tuple):
        return sorted({str(item) for item in param.default})
    return param.default


def _example_suffix(param: Param) -> str:
    return f" (for example {param.example})" if param.example else ""


def _wrong_type(builtin: str, param: Param, value: object) -> PolicyParamError:
    return PolicyParamError(
        f"parameter {param.name!r} of {builtin!r} must be {_KIND_WORDING[param.kind]}, "
        f"not {type(value).__name__}",
        f"{param.name}: {param.description}" + _example_suffix(param),
        param.name,
    )


def _checked_value(builtin: str, param: Param, value: object) -> object:
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise _wrong_type(builtin, param, value)
        return value
    if param.kind == "string":
        if not isinstance(value, str):
            raise _wrong_type(builtin, param, value)
        _check_item(builtin, param, value)
        return value
    return _checked_list(builtin, param, value)


def _checked_list(builtin: str, param: Param, value: object) -> list[str]:
    # A bare string is refused rather than wrapped: it is usually a YAML indentation slip.
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise _wrong_type(builtin, param, value)
    if param.required and not value:
        raise PolicyParamError(
            f"parameter {param.name!r} of {builtin!r} must not be empty",
            f"{param.name}: {param.description}" + _example_suffix(param),
            param.name,
        )
    for item in value:
        _check_item(builtin, param, item)
    return sorted(set(value))


def _check_item(builtin: str, param: Param, item: str) -> None:
    if param.item_pattern is not None and not re.fullmatch(param.item_pattern, item):
        raise PolicyParamError(
            f"parameter {param.name!r} of {builtin!r}: {item!r} is not valid",
            f"{param.name}: {param.description}" + _example_suffix(param),
            param.name,
        )
