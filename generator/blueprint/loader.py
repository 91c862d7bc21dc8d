"""Read a blueprint file into plain Python data, keeping the line and column of every node.

The YAML is composed into nodes (no Python objects are constructed from tags), then walked
here with limits, so hostile input is refused before it can cost time or memory.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from generator.errors import BlueprintError, UsageError
from generator.findings import Finding, Location, Path, Severity

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_EXPANDED_NODES = 2_000_000
MAX_LINE_CHARS = 1024 * 1024
MAX_TEXT_CHARS = 65_536  # one string value: far beyond any name, ARN or description
MAX_NUMBER_CHARS = 40

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "int", "float", "bool", "null", "timestamp"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Flow brackets, skipping quoted strings and comments (for the nesting pre-check).
_FLOW_TOKEN = re.compile(r"""[\[\]{}]|"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|(?:^|(?<=\s))#[^\n]*""",
                         re.MULTILINE)


@dataclass
class Document:
    """Plain data (dicts, lists, scalars) and where each piece came from."""

    file: str
    data: Any
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    base_dir: FsPath = field(default_factory=FsPath)

    def locate(self, path: Path) -> Location:
        """The location of `path`, or of its nearest ancestor that exists in the file."""
        probe = tuple(path)
        while probe not in self.marks and probe:
            probe = probe[:-1]
        line, column = self.marks.get(probe, (1, 1))
        return Location(self.file, line, column)


def _problem(doc_file: str, line: int, column: int, message: str, hint: str) -> BlueprintError:
    finding = Finding("LZ001", Severity.ERROR, message, hint, Location(doc_file, line, column))
    return BlueprintError([finding])


def read_text(path: FsPath) -> str:
    """The file's text, refusing what cannot be a blueprint before parsing it."""
    try:
        raw = _read_bytes(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})",
                         "check the path and its permissions") from exc
    except ValueError as exc:  # a NUL character in the path
        raise UsageError(f"{path}: not a usable path ({exc})", "check the path") from exc
    if b"\x00" in raw:
        raise _problem(str(path), 1, 1, "file contains NUL bytes: it is binary, not YAML",
                       "pass the blueprint's YAML file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _problem(str(path), line, 1, f"file is not UTF-8 (byte {exc.start})",
                       "save the blueprint as UTF-8") from exc


def _read_bytes(path: FsPath) -> bytes:
    if not path.exists():
        raise UsageError(f"{path}: no such file", "check the path to the blueprint")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory, not a blueprint file", "pass a .yaml file")
    if not path.is_file():
        raise UsageError(f"{path}: is not a regular file (a device, pipe or socket?)",
                         "pass the blueprint's .yaml file")
    with path.open("rb") as stream:
        raw = stream.read(MAX_FILE_BYTES + 1)  # never more, whatever stat says
    if len(raw) > MAX_FILE_BYTES:
        size = max(path.stat().st_size, len(raw))
        raise _problem(str(path), 1, 1,
                       f"file is {size:,} bytes; blueprints are limited to {MAX_FILE_BYTES:,}",
                       "split policy documents into JSON files next to the blueprint")
    return raw


def load_file(path: FsPath) -> Document:
    return load_text(read_text(path), str(path), path.parent)


def load_text(text: str, file: str = "<blueprint>", base_dir: FsPath | None = None) -> Document:
    _check_lines_and_brackets(text, file)
    root = _compose(text, file)
    _check_expansion(root, file)
    doc = Document(file=file, data=None, base_dir=base_dir or FsPath())
    doc.data = _Walker(doc).convert(root)
    return doc


def _check_lines_and_brackets(text: str, file: str) -> None:
    """Refuse, before parsing, what would make the pure-Python YAML scanner slow: very long
    lines (it scans character by character) and deeply nested [ and { (it rechecks every
    open level for each token). Brackets inside quotes and comments do not count."""
    lines = text.split("\n")
    longest = max(lines, key=len)
    if len(longest) > MAX_LINE_CHARS:
        number = lines.index(longest) + 1
        raise _problem(file, number, 1, f"line {number} is {len(longest):,} characters long; "
                       f"lines are limited to {MAX_LINE_CHARS:,}",
                       "write the blueprint over several lines (block YAML, or JSON with "
                       "indentation)")
    depth = 0
    for token in _FLOW_TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                column = token.start() - text.rfind("\n", 0, token.start())
                raise _problem(file, line, column, f"the document is nested more than "
                               f"{MAX_DEPTH} levels deep", "flatten the structure")
        elif char in "]}":
            depth = max(depth - 1, 0)


def _compose(text: str, file: str) -> Node:
    yaml = YAML(typ="safe", pure=True)
    yaml.max_depth = MAX_DEPTH + 1  # ruamel counts the root as 1
    try:
        node: Node | None = yaml.compose(io.StringIO(text))
    except MaxDepthExceededError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _problem(file, line, col, f"the document is nested more than {MAX_DEPTH} levels "
                       "deep", "flatten the structure") from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = (exc.problem or exc.context or "invalid YAML").strip()
        if "expected a single document" in str(exc):
            message = "the file holds several YAML documents; a blueprint is one document"
            return_hint = "remove the extra '---' separators"
        else:
            return_hint = "fix the YAML syntax at this place (tabs are not allowed for indentation)"
        raise _problem(file, line, col, f"YAML syntax: {message}", return_hint) from exc
    except RecursionError as exc:
        raise _problem(file, 1, 1, f"the document is nested more than {MAX_DEPTH} levels deep",
                       "flatten the structure") from exc
    except ReaderError as exc:
        position = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, position) + 1
        column = position - text.rfind("\n", 0, position)
        code = exc.character if isinstance(exc.character, int) else 0
        raise _problem(file, line, column, f"the file holds the control character U+{code:04X},"
                       " which YAML does not allow", "remove it, or write it as an escape "
                       "inside double quotes") from exc
    except YAMLError as exc:
        raise _problem(file, 1, 1, f"YAML error: {exc}", "fix the YAML syntax") from exc
    if node is None:
        raise _problem(file, 1, 1, "the blueprint is empty", "start from blueprints/minimal.yaml")
    return node


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Node, file: str) -> None:
    """Refuse alias bombs and recursive aliases before expanding anything.

    Aliases make the composed document a graph that shares nodes; its size once expanded is
    counted here once per distinct node, so the check costs as much as the file, not as much
    as the expansion.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def fail(node: Node, message: str, hint: str) -> BlueprintError:
        return _problem(file, node.start_mark.line + 1, node.start_mark.column + 1, message,
                        hint)

    def size(node: Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise fail(node, "an alias refers to a node that contains it (a recursive "
                       "structure)", "blueprints are trees; write the values out")
        if depth > MAX_DEPTH:  # the walker reports it, with its place
            return 1
        open_nodes.add(key)
        total = 1 + sum(size(child, depth + 1) for child in _children(node))
        open_nodes.discard(key)
        sizes[key] = total
        return total

    if size(root, 0) <= MAX_EXPANDED_NODES:
        return
    node = root
    while True:  # down to the smallest node that is still too big: where the bomb is
        bigger = [c for c in _children(node) if sizes.get(id(c), 0) > MAX_EXPANDED_NODES]
        if not bigger:
            break
        node = bigger[0]
    raise fail(node, f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias "
               "bomb?)", "write the values out instead of nesting aliases")


class _Walker:
    """Turns composed nodes into plain data, checking tags, keys, depth and alias expansion."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.expanded = 0

    def fail(self, node: Node, message: str, hint: str) -> BlueprintError:
        return _problem(self.doc.file, node.start_mark.line + 1, node.start_mark.column + 1,
                        message, hint)

    def mark(self, path: Path, node: Node) -> None:
        self.doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))

    def convert(self, root: Node) -> Any:
        self.mark((), root)
        return self.node(root, (), 0)

    def node(self, node: Node, path: Path, depth: int) -> Any:
        self.expanded += 1
        if self.expanded > MAX_EXPANDED_NODES:
            raise self.fail(node, "aliases expand to more than "
                            f"{MAX_EXPANDED_NODES:,} nodes (an alias bomb?)",
                            "write the values out instead of nesting aliases")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"the document is nested more than {MAX_DEPTH} levels deep",
                            "flatten the structure")
        if isinstance(node, MappingNode):
            self.check_tag(node, "map")
            return self.mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            self.check_tag(node, "seq")
            result = []
            for index, item in enumerate(node.value):
                self.mark((*path, index), item)
                result.append(self.node(item, (*path, index), depth + 1))
            return result
        assert isinstance(node, ScalarNode)
        return self.scalar(node)

    def check_tag(self, node: Node, expected: str) -> None:
        tag = str(node.tag)
        if tag != _YAML_TAG + expected:
            raise self.fail(node, f"YAML tag '{_as_written(tag)}' is not allowed in a blueprint",
                            "remove the tag; blueprints use plain YAML values only")

    def mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, "a mapping key must be a plain string",
                                "use a plain word as the key")
            if str(key_node.tag) == _YAML_TAG + "merge":
                raise self.fail(key_node, "YAML merge keys ('<<') are not supported",
                                "write the keys out, or reference a whole value with an alias")
            key = self.text(key_node)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise self.fail(key_node, f"duplicate key '{key}' (first defined on line {first})",
                                "remove or rename one of the two")
            seen[key] = key_node
            self.mark((*path, key), key_node)
            result[key] = self.node(value_node, (*path, key), depth + 1)
        return result

    def text(self, node: ScalarNode) -> str:
        """The scalar's text, with JSON-style surrogate pair escapes joined into characters."""
        value = str(node.value)
        if len(value) > MAX_TEXT_CHARS:
            raise self.fail(node, f"a value of {len(value):,} characters; values are limited "
                            f"to {MAX_TEXT_CHARS:,}", "shorten it; no name, ARN or description "
                            "needs that much")
        if not _SURROGATE.search(value):
            return value
        try:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise self.fail(node, "the text holds an unpaired surrogate escape (\\ud800 to "
                            "\\udfff), which is not a character",
                            "write the character itself, or both halves of its pair") from None

    def scalar(self, node: ScalarNode) -> Any:
        tag = str(node.tag)
        kind = tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else ""
        if kind not in _SCALAR_TAGS:
            raise self.fail(node, f"YAML tag '{_as_written(tag)}' is not allowed in a blueprint",
                            "remove the tag; blueprints use plain YAML values only")
        value = self.text(node)
        if kind == "null":
            return None
        if kind == "bool":
            return value.lower() == "true"
        if kind in ("int", "float") and len(value) > MAX_NUMBER_CHARS:
            raise self.fail(node, f"a number written with {len(value):,} characters",
                            "write a number of ordinary size (quote it if it is text)")
        if kind == "int":
            return _to_int(value)
        if kind == "float":
            number = _to_float(value)
            if isinstance(number, float) and not math.isfinite(number):
                raise self.fail(node, f"'{value}' is not a finite number",
                                "write an ordinary number (quote it if it is text)")
            return number
        return value


def _as_written(tag: str) -> str:
    """A tag as the file spells it: '!!python/...' rather than 'tag:yaml.org,2002:python/...'."""
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


def _to_int(text: str) -> int | str:
    cleaned = text.replace("_", "")
    if _INT_RE.match(cleaned):
        return int(cleaned)
    try:
        return int(cleaned, 0)
    except ValueError:
        return text


def _to_float(text: str) -> float | str:
    cleaned = text.replace("_", "").lower()
    if cleaned.endswith((".inf", ".nan")):  # YAML's spellings of infinity and not-a-number
        return float(cleaned.replace(".", ""))
    try:
        return float(cleaned)
    except ValueError:
        return text
