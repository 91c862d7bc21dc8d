"""Where the two sides of a diff come from: a blueprint file, or a blueprint at a git revision.

A blueprint at a revision is rebuilt in a temporary folder from the revision's tree: its whole
folder (policy files must live in it or below), read with `git ls-tree` and `git cat-file`,
so that every file the blueprint references is read at the same revision, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from generator.errors import UsageError
from generator.findings import Finding, Location


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    revision: str | None = None

    @property
    def label(self) -> str:
        return f"{self.revision}:{self.path}" if self.revision else str(self.path)


@dataclass(frozen=True, slots=True)
class Materialised:
    """A blueprint file on disk; `prefix` is the temporary folder it was rebuilt in, if any."""

    path: Path
    prefix: str = ""
    revision: str = ""

    def relabel(self, findings: list[Finding]) -> list[Finding]:
        """Findings whose file is in the temporary folder, shown as REVISION:path instead."""
        if not self.prefix:
            return findings
        return [replace(f, location=Location(self._label(f.location.file), f.location.line,
                                             f.location.column)) for f in findings]

    def _label(self, file: str) -> str:
        if file.startswith(self.prefix):
            return f"{self.revision}:{file[len(self.prefix):].lstrip(os.sep)}"
        return file


@contextmanager
def materialised(source: Source) -> Iterator[Materialised | None]:
    """The blueprint as a file on disk; None when it does not exist at the revision."""
    if source.revision is None:
        yield Materialised(source.path)
        return
    repo, relative = _locate_in_repository(source.path)
    _require_revision(repo, source.revision)
    if not _exists_at(repo, source.revision, relative):
        yield None
        return
    folder = tempfile.mkdtemp(prefix="lzgen-diff-")
    try:
        _checkout_folder(repo, source.revision, relative.parent, Path(folder))
        yield Materialised(Path(folder) / relative, folder, source.revision)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=False)
    except FileNotFoundError as exc:
        raise UsageError("git is not installed", "install git, or pass two blueprint "
                                                 "files instead of a revision") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(message[-1] if message else f"git {args[0]} failed")
    return proc.stdout


class _GitFailed(UsageError):
    def __init__(self, message: str) -> None:
        super().__init__(f"git: {message}", "check the revision and the path")


def _locate_in_repository(path: Path) -> tuple[Path, PurePosixPath]:
    absolute = path.absolute()
    existing = absolute.parent
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    try:
        top = _git(["rev-parse", "--show-toplevel"], existing).decode().strip()
    except _GitFailed as exc:
        raise UsageError(f"{path}: not inside a git repository",
                         "--base and --head need the blueprint's git repository") from exc
    repo = Path(top).resolve()
    try:
        relative = absolute.resolve().relative_to(repo)
    except ValueError as exc:
        raise UsageError(f"{path}: outside the repository {repo}",
                         "pass a path inside the repository") from exc
    return repo, PurePosixPath(relative.as_posix())


def _require_revision(repo: Path, revision: str) -> None:
    if revision.startswith("-"):
        raise UsageError(f"'{revision}' is not a revision", "pass a branch, tag or commit")
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], repo)
    except _GitFailed as exc:
        raise UsageError(f"git revision '{revision}' is unknown in {repo}",
                         "fetch it first (in GitHub Actions: actions/checkout with "
                         "fetch-depth: 0)") from exc


def _exists_at(repo: Path, revision: str, relative: PurePosixPath) -> bool:
    try:
        _git(["cat-file", "-e", f"{revision}:{relative}"], repo)
    except _GitFailed:
        return False
    return True


def _checkout_folder(repo: Path, revision: str, folder: PurePosixPath, into: Path) -> None:
    """Write the files of `folder` (and below) at `revision` under `into`, same layout."""
    spec = [] if str(folder) == "." else ["--", f"{folder}/"]
    listing = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", revision,
                    *spec], repo)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.decode("utf-8", "surrogateescape").partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob" and mode in ("100644", "100755"):
            blobs.append((sha, name))
    if not blobs:
        return
    batch = _git(["cat-file", "--batch"], repo, "".join(f"{s}\n" for s, _ in blobs).encode())
    offset = 0
    for _sha, name in blobs:
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        content = batch[header_end + 1: header_end + 1 + size]
        offset = header_end + 1 + size + 1
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
