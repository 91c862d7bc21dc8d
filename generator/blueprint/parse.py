"""Validate loaded data against the model and explain every problem in the user's terms."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from generator.blueprint.loader import Document, load_file
from generator.blueprint.schema import Blueprint
from generator.errors import BlueprintError
from generator.findings import Finding, KeyPath, Severity


def load_blueprint(path: FsPath) -> tuple[Blueprint, Document]:
    doc = load_file(path)
    return parse(doc), doc


def parse(doc: Document) -> Blueprint:
    if not isinstance(doc.data, dict):
        raise BlueprintError([Finding("LZ002", Severity.ERROR, "the blueprint must be a mapping",
                                      "start from blueprints/minimal.yaml", doc.locate(()))])
    try:
        return Blueprint.model_validate(doc.data)
    except ValidationError as exc:
        findings = [_explain(error, doc) for error in exc.errors()]
        raise BlueprintError(sorted(set(findings), key=Finding.sort_key)) from None


def _explain(error: ErrorDetails, doc: Document) -> Finding:
    path: KeyPath = tuple(p for p in error["loc"] if isinstance(p, str | int))
    kind = error["type"]
    dotted = ".".join(str(p) for p in path)
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(path[:-1]))
        key = str(path[-1])
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it"
        return Finding("LZ002", Severity.ERROR, f"unknown key '{key}' in {_parent(path)}", hint,
                       doc.locate(path), path)
    if kind == "missing":
        return Finding("LZ002", Severity.ERROR, f"missing required key '{path[-1]}' in "
                       f"{_parent(path)}", f"add '{path[-1]}:' here", doc.locate(path), path)
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    value = error.get("input")
    shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
    return Finding("LZ002", Severity.ERROR, f"{dotted or 'blueprint'}: {message}{shown}",
                   _hint_for(kind), doc.locate(path), path)


def _parent(path: KeyPath) -> str:
    return ".".join(str(p) for p in path[:-1]) or "the top level"


def _hint_for(kind: str) -> str:
    return {
        "string_type": "write a text value (quote it if it looks like a number)",
        "int_type": "write a whole number",
        "int_parsing": "write a whole number",
        "dict_type": "write a mapping (key: value lines)",
        "list_type": "write a list ([a, b] or '- item' lines)",
        "literal_error": "use one of the values listed",
        "enum": "use one of the values listed",
        "string_pattern_mismatch": "lowercase letters, digits and '-', starting with a letter",
    }.get(kind, "see docs/reference/blueprint.md or run 'lzgen schema'")


def _fields_at(path: KeyPath) -> set[str]:
    """The keys a model accepts at `path` (names of mappings' entries are skipped)."""
    current: Any = Blueprint
    for part in path:
        current = _step(current, part)
        if current is None:
            return set()
    model = _model_of(current)
    return set(model.model_fields) if model else set()


def _step(annotation: Any, part: str | int) -> Any:
    model = _model_of(annotation)
    if model is not None:
        field = model.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(annotation)
    if origin in (dict, list):
        return typing.get_args(annotation)[-1]
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None
