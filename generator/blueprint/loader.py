"""Read a blueprint file into plain Python data, keeping the line and column of every node.

The YAML parser's events (no nodes, no Python objects constructed from tags) are turned into
data here with limits, so hostile input is refused before it can cost time or memory. The
parser is libyaml's (ruamel.yaml.clib) when it is installed, five to ten times faster than the
pure Python one, which takes over wherever libyaml refuses the text (see `_parse`). Both give
the same events (tests/test_loader.py compares them; only an empty key written `?` inside a
flow list is placed one column apart), and nesting is limited while parsing, so neither
recurses deeply.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.main import CParser  # type: ignore[attr-defined]
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver

from generator.errors import BlueprintError, UsageError
from generator.findings import Finding, KeyPath, Location, Severity

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_EXPANDED_NODES = 2_000_000
# What aliases may add to a document, on top of what it writes out: a blueprint reuses a tag
# set or a list of regions, it does not multiply itself. Counted over the parser's events before
# anything is built (`_alias_budget_check`), so a 1 KB alias bomb costs nothing to refuse.
MIN_ALIAS_BUDGET = 100_000
ALIAS_BUDGET_PER_EVENT = 10
MAX_LINE_CHARS = 1024 * 1024
MAX_TEXT_CHARS = 65_536  # one string value: far beyond any name, ARN or description
MAX_NUMBER_CHARS = 40

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "int", "float", "bool", "null", "timestamp"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
# libyaml counts these as line breaks and ruamel's parser does not: lines would differ.
_OTHER_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Flow brackets, skipping quoted strings and comments (for the nesting pre-check).
_FLOW_TOKEN = re.compile(r"""[\[\]{}]|"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|(?:^|(?<=\s))#[^\n]*""",
                         re.MULTILINE)


@dataclass
class Document:
    """Plain data (dicts, lists, scalars) and where each piece came from."""

    file: str
    data: Any
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    base_dir: FsPath = field(default_factory=FsPath)

    def locate(self, path: KeyPath) -> Location:
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
    encoding, marked = yaml_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8" and not marked:  # NUL bytes, but not text in UTF-16 or 32
            raise _binary(path) from exc
        line = raw[: exc.start].count("\n".encode(encoding)) + 1
        raise _problem(str(path), line, 1, f"file is not {encoding.upper()} (byte "
                       f"{exc.start})", "save the blueprint as UTF-8") from exc
    if "\x00" in text:
        raise _binary(path)
    return text.removeprefix("\ufeff")


def _binary(path: FsPath) -> BlueprintError:
    return _problem(str(path), 1, 1, "file contains NUL characters: it is binary, not YAML",
                    "pass the blueprint's YAML file")

# YAML 1.2 (section 5.2, "Character Encodings") lets a stream be UTF-8, UTF-16 or UTF-32, and
# tells them apart by a byte order mark or by where the NUL bytes of the first character fall.
_ENCODINGS = ((b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe\x00\x00", "utf-32"),
              (b"\xfe\xff", "utf-16"), (b"\xff\xfe", "utf-16"))


def yaml_encoding(raw: bytes) -> tuple[str, bool]:
    """The encoding of a YAML stream as the YAML spec detects it (UTF-8 by default), and
    whether a byte order mark said so."""
    for mark, encoding in _ENCODINGS:
        if raw.startswith(mark):
            return encoding, True
    head = raw[:4]
    guessed = "utf-8"
    if len(head) == 4 and head[:3] == b"\x00\x00\x00":
        guessed = "utf-32-be"
    elif len(head) == 4 and head[1:] == b"\x00\x00\x00":
        guessed = "utf-32-le"
    elif len(head) >= 2 and head[0] == 0:
        guessed = "utf-16-be"
    elif len(head) >= 2 and head[1] == 0:
        guessed = "utf-16-le"
    return guessed, False


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
                       _oversize_hint(raw))
    return raw


_TOP_LEVEL_KEY = re.compile(rb"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)
_SHRINK = {
    "policies": "move policy documents into JSON files next to the blueprint (file: ...)",
    "accounts": "write each account on one line ({email: ..., ou: ...}), leave out values "
                "that repeat the defaults, and drop comments",
}


def _oversize_hint(raw: bytes) -> str:
    """Name the top-level section that makes a file too big, and how to shrink it."""
    starts = [(m.start(), m.group(1).decode("ascii")) for m in _TOP_LEVEL_KEY.finditer(raw)]
    sizes: dict[str, int] = {}
    ends = [start for start, _ in starts[1:]] + [len(raw)]
    for (start, name), end in zip(starts, ends[:len(starts)], strict=True):
        sizes[name] = sizes.get(name, 0) + end - start
    if not sizes:
        return "shrink the file: drop comments and write values in flow style"
    biggest = max(sizes, key=lambda name: sizes[name])
    how = _SHRINK.get(biggest, "shrink it: drop comments and write values in flow style")
    return f"'{biggest}:' takes {sizes[biggest]:,} bytes of it; {how}"


def load_file(path: FsPath) -> Document:
    return load_text(read_text(path), str(path), path.parent)


def load_text(text: str, file: str = "<blueprint>", base_dir: FsPath | None = None) -> Document:
    _check_lines_and_brackets(text, file)
    doc = Document(file=file, data=None, base_dir=base_dir or FsPath())
    events, stood_in = _parse(text, file)
    _alias_budget_check(events, file)
    doc.data = _Builder(doc, events, stood_in).document()
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


# libyaml's parser (from ruamel.yaml.clib) when installed; tests turn it off to check both.
USE_C_PARSER = CParser is not None


def _parse(text: str, file: str) -> tuple[list[Event], bool]:
    """Every event of the stream, and whether colons were stood in for (`_stand_in_colons`);
    syntax errors and deep nesting are refused as they come.

    libyaml follows YAML 1.1 in a few places where ruamel's parser follows 1.2, so whatever it
    refuses is parsed again by the pure Python parser, which has the last word and the clearer
    messages. Text with Unicode line breaks goes to the pure parser directly.
    """
    if USE_C_PARSER and not _OTHER_LINE_BREAKS.search(text):
        fast_text = _stand_in_colons(text)
        try:
            return _events(fast_text, file, pure=False), fast_text is not text
        except YAMLError:
            pass
    try:
        return _events(text, file, pure=True), False
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = (exc.problem or exc.context or "invalid YAML").strip()
        raise _problem(file, line, col, f"YAML syntax: {message}", "fix the YAML syntax at "
                       "this place (tabs are not allowed for indentation)") from exc
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


# libyaml refuses a colon inside a plain scalar of a flow list (YAML 1.1), which blueprints
# write all the time: `attach: [ou:Security, ou:Workloads/Prod]`. On such one-line lists of
# plain scalars, each inner colon is swapped for a private-use character before libyaml
# parses (one character for one, so every line and column stays), and swapped back in every
# value. Anything less plain (quotes, nested brackets, tags, anchors) is left as it is.
COLON_STAND_IN = "\ue000"
_ONE_LINE_LIST = re.compile(
    r"^([ \t]*(?:- )?[A-Za-z0-9_./-]+:[ \t]+\[)([^\n\[\]{}'\"!&*#%|>@`\ue000]*)"
    r"(\][ \t]*(?:#[^\n]*)?)$", re.MULTILINE)
_INNER_COLON = re.compile(r"(?<=[^\s,]):(?=[^\s,])")


def _stand_in_colons(text: str) -> str:
    if ":" not in text or COLON_STAND_IN in text:
        return text
    swapped = _ONE_LINE_LIST.sub(
        lambda m: m[1] + _INNER_COLON.sub(COLON_STAND_IN, m[2]) + m[3], text)
    return text if swapped == text else swapped


def _events(text: str, file: str, pure: bool) -> list[Event]:
    """Nesting is counted while parsing, so a hostile file is refused after a few dozen events,
    before the parser can spend time (or stack) on the rest of it."""
    events: list[Event] = []
    open_collections = 0
    for event in YAML(typ="safe", pure=pure).parse(io.StringIO(text)):
        if isinstance(event, NodeEvent):
            if open_collections > MAX_DEPTH:
                raise _too_deep(file, event.start_mark)
            if isinstance(event, CollectionStartEvent):
                open_collections += 1
        elif isinstance(event, CollectionEndEvent):
            open_collections -= 1
        events.append(event)
    return events


def _alias_budget_check(events: list[Event], file: str) -> None:
    """Refuse, before building anything, a document whose aliases would expand to more nodes
    than it writes out many times over. Each anchor's size (its nodes, with the aliases inside
    it expanded) is known at its end event; an alias adds that size."""
    budget = min(MAX_EXPANDED_NODES, max(MIN_ALIAS_BUDGET, ALIAS_BUDGET_PER_EVENT * len(events)))
    sizes: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []
    total = added = 0
    for event in events:
        if isinstance(event, AliasEvent):
            size = sizes.get(str(event.anchor), 0)  # unknown or recursive: the builder says so
            total, added = total + size, added + size
            if added > budget:
                raise _problem(file, event.start_mark.line + 1, event.start_mark.column + 1,
                               f"aliases expand to more than {budget:,} nodes beyond what the "
                               "file writes out (an alias bomb?)",
                               "write the values out instead of nesting aliases")
        elif isinstance(event, NodeEvent):
            total += 1
            anchor = getattr(event, "anchor", None)
            if isinstance(event, CollectionStartEvent):
                open_anchors.append((None if anchor is None else str(anchor), total - 1))
            elif anchor is not None:
                sizes[str(anchor)] = 1
        elif isinstance(event, CollectionEndEvent):
            name, start = open_anchors.pop()
            if name is not None:
                sizes[name] = total - start


def _too_deep(file: str, mark: Any) -> BlueprintError:
    return _problem(file, mark.line + 1, mark.column + 1,
                    f"the document is nested more than {MAX_DEPTH} levels deep",
                    "flatten the structure")


@dataclass
class _Anchor:
    """An anchored value, with what an alias to it costs and brings along."""

    mark: Any
    data: Any = None
    size: int = 0  # nodes, counting the expansion of nested aliases
    height: int = 0  # levels below the anchored node
    marks: list[tuple[KeyPath, tuple[int, int]]] = field(default_factory=list)
    complete: bool = False
    text: str | None = None  # a scalar's text as written, for its use as a mapping key
    tag: str = ""


class _Builder:
    """Turns parser events into plain data and marks, checking tags, keys, depth and aliases.

    A mapping key is marked where the key is written; a sequence item where the item starts.
    """

    def __init__(self, doc: Document, events: list[Event], stood_in: bool) -> None:
        self.doc = doc
        self.events = events
        self.stood_in = stood_in
        self.position = 0
        self.expanded = 0
        self.anchors: dict[str, _Anchor] = {}
        self.resolvers = _implicit_resolvers((1, 2))
        self.marked: list[tuple[KeyPath, tuple[int, int]]] = []

    def next(self) -> Event:
        event = self.events[self.position]
        self.position += 1
        return event

    def fail(self, mark: Any, message: str, hint: str) -> BlueprintError:
        return _problem(self.doc.file, mark.line + 1, mark.column + 1, message, hint)

    def mark(self, path: KeyPath, mark: Any) -> None:
        place = (mark.line + 1, mark.column + 1)
        self.doc.marks.setdefault(path, place)
        self.marked.append((path, place))

    def document(self) -> Any:
        self.next()  # stream start
        if isinstance(self.events[self.position], StreamEndEvent):
            raise _problem(self.doc.file, 1, 1, "the blueprint is empty",
                           "start from blueprints/minimal.yaml")
        start = self.next()
        assert isinstance(start, DocumentStartEvent)
        if start.version:
            major, minor = start.version
            self.resolvers = _implicit_resolvers((int(major), int(minor)))
        root = self.events[self.position]
        self.mark((), root.start_mark)
        data = self.node((), 0)
        self.next()  # document end
        if not isinstance(self.events[self.position], StreamEndEvent):
            extra = self.events[self.position]
            raise self.fail(extra.start_mark, "YAML syntax: the file holds several YAML "
                            "documents; a blueprint is one document",
                            "remove the extra '---' separators")
        return data

    def node(self, path: KeyPath, depth: int) -> Any:
        event = self.next()
        if isinstance(event, AliasEvent):
            return self.alias(event, path, depth)
        self.count(event)
        if depth > MAX_DEPTH:
            raise _too_deep(self.doc.file, event.start_mark)
        anchor = self.begin_anchor(event)
        first_mark = len(self.marked)
        before = self.expanded
        if isinstance(event, MappingStartEvent):
            self.check_tag(event, "map")
            data: Any = self.mapping(path, depth)
        elif isinstance(event, SequenceStartEvent):
            self.check_tag(event, "seq")
            data = self.sequence(path, depth)
        else:
            assert isinstance(event, ScalarEvent)
            data = self.scalar(event)
            if anchor is not None:
                anchor.text, anchor.tag = self.text(event), self.tag_of(event)
        if anchor is not None:
            self.end_anchor(anchor, data, path, first_mark, self.expanded - before + 1)
        return data

    def count(self, event: Event) -> None:
        self.expanded += 1
        if self.expanded > MAX_EXPANDED_NODES:
            raise self.bomb(event)

    def bomb(self, event: Event) -> BlueprintError:
        return self.fail(event.start_mark, "aliases expand to more than "
                         f"{MAX_EXPANDED_NODES:,} nodes (an alias bomb?)",
                         "write the values out instead of nesting aliases")

    def begin_anchor(self, event: Event) -> _Anchor | None:
        name = getattr(event, "anchor", None)
        if name is None:
            return None
        anchor = _Anchor(event.start_mark)
        self.anchors[str(name)] = anchor
        return anchor

    def end_anchor(self, anchor: _Anchor, data: Any, path: KeyPath, first_mark: int,
                   size: int) -> None:
        anchor.data, anchor.size, anchor.complete = data, size, True
        cut = len(path)
        anchor.marks = [(p[cut:], place) for p, place in self.marked[first_mark:]
                        if len(p) > cut]
        anchor.height = max((len(p) for p, _ in anchor.marks), default=0)

    def alias(self, event: AliasEvent, path: KeyPath, depth: int) -> Any:
        anchor = self.anchors.get(str(event.anchor))
        if anchor is None:
            raise self.fail(event.start_mark, f"YAML syntax: found undefined alias "
                            f"{event.anchor!r}", "define the anchor (&name) before using it")
        if not anchor.complete:
            raise self.fail(event.start_mark, f"alias *{event.anchor} refers to a value that "
                            "contains it (a recursive structure)", "write the values out")
        if self.expanded + anchor.size > MAX_EXPANDED_NODES:
            raise self.bomb(event)
        if depth + anchor.height > MAX_DEPTH:
            raise _too_deep(self.doc.file, event.start_mark)
        self.expanded += anchor.size
        for relative, place in anchor.marks:
            self.doc.marks.setdefault((*path, *relative), place)
            self.marked.append(((*path, *relative), place))
        return _copy(anchor.data)

    def check_tag(self, event: Any, expected: str) -> None:
        tag = event.ctag
        if tag is not None and str(tag) not in ("!", _YAML_TAG + expected):
            raise self.fail(event.start_mark, f"YAML tag '{_as_written(str(tag))}' is not "
                            "allowed in a blueprint",
                            "remove the tag; blueprints use plain YAML values only")

    def sequence(self, path: KeyPath, depth: int) -> list[Any]:
        result: list[Any] = []
        while not isinstance(self.events[self.position], SequenceEndEvent):
            item = (*path, len(result))
            self.mark(item, self.start_of(self.events[self.position]))
            result.append(self.node(item, depth + 1))
        self.next()
        return result

    def start_of(self, event: Event) -> Any:
        """Where a node starts; for an alias, where its anchored value starts."""
        if isinstance(event, AliasEvent) and str(event.anchor) in self.anchors:
            return self.anchors[str(event.anchor)].mark
        return event.start_mark

    def mapping(self, path: KeyPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, int] = {}
        while not isinstance(self.events[self.position], MappingEndEvent):
            key_event = self.events[self.position]
            key, key_mark = self.key(key_event)
            if key in seen:
                raise self.fail(key_mark, f"duplicate key '{key}' (first defined on line "
                                f"{seen[key]})", "remove or rename one of the two")
            seen[key] = key_mark.line + 1
            self.mark((*path, key), key_mark)
            self.position += 1
            result[key] = self.node((*path, key), depth + 1)
        self.next()
        return result

    def key(self, event: Event) -> tuple[str, Any]:
        """A mapping key's text and place: a scalar, or an alias to one, and not a merge."""
        text, tag, mark = None, "", self.start_of(event)
        if isinstance(event, ScalarEvent):
            text, tag = self.text(event), self.tag_of(event)
        elif isinstance(event, AliasEvent):
            anchor = self.anchors.get(str(event.anchor))
            if anchor is None:
                raise self.fail(event.start_mark, f"YAML syntax: found undefined alias "
                                f"{event.anchor!r}", "define the anchor (&name) before using it")
            text, tag = anchor.text, anchor.tag
        if text is None:
            raise self.fail(mark, "a mapping key must be a plain string",
                            "use a plain word as the key")
        if tag == _YAML_TAG + "merge":
            raise self.fail(mark, "YAML merge keys ('<<') are not supported",
                            "write the keys out, or reference a whole value with an alias")
        return text, mark

    def text(self, event: ScalarEvent) -> str:
        """The scalar's text, with JSON-style surrogate pair escapes joined into characters."""
        value = str(event.value)
        value = value.replace(COLON_STAND_IN, ":") if self.stood_in else value
        if len(value) > MAX_TEXT_CHARS:
            raise self.fail(event.start_mark, f"a value of {len(value):,} characters; values "
                            f"are limited to {MAX_TEXT_CHARS:,}", "shorten it; no name, ARN or "
                            "description needs that much")
        if not _SURROGATE.search(value):
            return value
        try:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise self.fail(event.start_mark, "the text holds an unpaired surrogate escape "
                            "(\\ud800 to \\udfff), which is not a character",
                            "write the character itself, or both halves of its pair") from None

    def tag_of(self, event: ScalarEvent) -> str:
        tag = event.ctag
        if tag is not None and str(tag) != "!":
            return str(tag)
        value = self.text(event)
        if event.implicit[0]:
            for resolved, regexp in (*self.resolvers.get(value[:1], ()),
                                     *self.resolvers.get(None, ())):
                if regexp.match(value):
                    return str(resolved)
        return _YAML_TAG + "str"

    def scalar(self, event: ScalarEvent) -> Any:
        tag = self.tag_of(event)
        kind = tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else ""
        if kind not in _SCALAR_TAGS:
            raise self.fail(event.start_mark, f"YAML tag '{_as_written(str(tag))}' is not "
                            "allowed in a blueprint",
                            "remove the tag; blueprints use plain YAML values only")
        value = self.text(event)
        if kind == "null":
            return None
        if kind == "bool":  # 'yes' and 'on' are booleans only under a '%YAML 1.1' directive
            return value.lower() in ("true", "yes", "on")
        if kind in ("int", "float") and len(value) > MAX_NUMBER_CHARS:
            raise self.fail(event.start_mark, f"a number written with {len(value):,} "
                            "characters", "write a number of ordinary size (quote it if it is "
                            "text)")
        if kind == "int":
            return _to_int(value)
        if kind == "float":
            number = _to_float(value)
            if isinstance(number, float) and not math.isfinite(number):
                raise self.fail(event.start_mark, f"'{value}' is not a finite number",
                                "write an ordinary number (quote it if it is text)")
            return number
        return value


@lru_cache(maxsize=4)
def _implicit_resolvers(version: tuple[int, int]) -> dict[str | None, list[tuple[str, Any]]]:
    """First character -> (tag, pattern) pairs of ruamel's resolver for a YAML version."""
    table = VersionedResolver(version=version).versioned_resolver
    return {first: [(str(tag), regexp) for tag, regexp in pairs]
            for first, pairs in table.items()}


def _copy(value: Any) -> Any:
    """A fresh copy of plain data, so that each use of an alias is its own value."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
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
