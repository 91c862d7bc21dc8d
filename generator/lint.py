"""cfn-lint as a library: a reused Runner per region set, a process pool for many templates,
and a cache of results by content hash.

Linting is by far the slowest stage (about 9 ms per resource), and a change to a blueprint
usually changes one or two templates, so results are cached by the template's content hash
(see `LintCache`). The templates that are not in the cache are linted in a pool of worker
processes when there are enough of them to pay for the workers' start; each worker builds its
cfn-lint Runner once and reuses it. Results come back in the jobs' order, whatever order the
workers finish in.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path
from typing import Any

from generator.contract import POLICY_TYPE_API
from generator.findings import Finding, Location, Severity

_LEVELS = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}

# Bump when the cached data changes shape. (A change to this module changes every key anyway.)
CACHE_FORMAT = 1
# Below this much template text, starting workers costs more than it saves, and the templates
# are linted in this process: each worker spends 2-3 s loading cfn-lint and its schemas, and
# cfn-lint reads 60-130 KB of template a second (measured with bench/lint_alone.py).
PARALLEL_MIN_BYTES = 512 * 1024
MAX_WORKERS = 8


@dataclass(frozen=True)
class LintJob:
    """One template to lint: its file name in output/, its text and the regions it runs in."""

    file: str
    text: str
    regions: tuple[str, ...]


# What cfn-lint found, without the file name: (rule id, message, line, column, source URL).
RawMatch = tuple[str, str, int, int, str]


@lru_cache(maxsize=8)
def _runner(regions: tuple[str, ...]) -> Any:
    from cfnlint.api import ConfigMixIn, Runner

    return Runner(ConfigMixIn(regions=list(regions)))


def lint_text(text: str, regions: tuple[str, ...]) -> list[RawMatch]:
    """cfn-lint's findings for one template, sorted and without duplicates."""
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(text)
    matches = list(errors or [])
    if template is not None and not errors:
        matches = [m for m in _runner(regions).validate_template(template)
                   if not _false_duplicate(template, m) and not _lagging_policy_type(template, m)]
    return sorted({_raw(m) for m in matches})


def _false_duplicate(template: Any, match: Any) -> bool:
    """True for a uniqueness error on an array whose items differ as JSON.

    cfn-lint compares any string with 'true' or 'false' as a boolean, so tags with keys
    'False' and '0' count as duplicates there; AWS compares the strings.
    """
    if "not unique" not in str(match.message):
        return False
    node = template
    for step in getattr(match, "path", None) or []:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(node, list):
        return False
    keyed = "for keys ['Key']" in str(match.message)
    items = [json.dumps(item.get("Key") if keyed and isinstance(item, dict) else item,
                        sort_keys=True) for item in node]
    return len(set(items)) == len(items)


def _lagging_policy_type(template: Any, match: Any) -> bool:
    """True for an enum error on an AWS::Organizations::Policy's Type that names a type of
    the Organizations API: cfn-lint's resource schema lags the API (cfn-lint 1.58 lacks
    SECURITYHUB_CSPM_POLICY, which botocore's PolicyType enum has; generator/contract.py)."""
    if str(match.rule.id) != "E3030":
        return False
    path = list(getattr(match, "path", None) or [])
    if len(path) != 4 or path[0] != "Resources" or path[2:] != ["Properties", "Type"]:
        return False
    resource = template.get("Resources", {}).get(path[1], {})
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::Organizations::Policy":
        return False
    return resource.get("Properties", {}).get("Type") in POLICY_TYPE_API.values()


def _raw(match: Any) -> RawMatch:
    return (str(match.rule.id), str(match.message), int(match.linenumber or 0),
            int(match.columnnumber or 0), str(getattr(match.rule, "source_url", "") or ""))


def _lint_job(job: LintJob) -> list[RawMatch]:
    return lint_text(job.text, job.regions)


def lint_all(jobs: Sequence[LintJob], cache: LintCache | None = None,
             pool: LintPool | None = None) -> list[Finding]:
    """The findings of every job, in the jobs' order: cached results are reused, the rest are
    linted (in parallel when that pays) and stored in the cache."""
    keys = [cache.key(job) for job in jobs] if cache else []
    results: list[list[RawMatch] | None] = [cache.get(k) for k in keys] if cache else \
        [None] * len(jobs)
    todo = [i for i, found in enumerate(results) if found is None]
    if pool is None:
        with LintPool() as fresh:
            linted = fresh.lint([jobs[i] for i in todo])
    else:
        linted = pool.lint([jobs[i] for i in todo])
    for index, found in zip(todo, linted, strict=True):
        results[index] = found
        if cache:
            cache.put(keys[index], found)
    return [f for job, found in zip(jobs, results, strict=True)
            for f in _findings(job.file, found or [])]


class LintPool:
    """Worker processes for cfn-lint, each building its Runner once; used as a context manager.

    `warm` starts one worker early, so that it loads cfn-lint while this process is still
    building the templates; `lint` then adds workers (up to `workers`) as the jobs need.
    Without a warm worker, a few small templates are linted in this process instead.
    """

    def __init__(self, workers: int | None = None,
                 parallel_min_bytes: int = PARALLEL_MIN_BYTES) -> None:
        self.workers = max(1, min(workers or available_cores(), MAX_WORKERS))
        self.parallel_min_bytes = parallel_min_bytes
        self._executor: Any = None
        self._children_before: set[int] = set()

    def __enter__(self) -> LintPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def workers_started(self) -> bool:
        return self._executor is not None

    def warm(self, regions: tuple[str, ...]) -> None:
        if self.workers >= 2:
            with contextlib.suppress(OSError, RuntimeError):
                self._start().submit(_runner_ready, regions)

    def lint(self, jobs: list[LintJob]) -> list[list[RawMatch]]:
        worth_workers = len(jobs) >= 2 and \
            sum(len(j.text) for j in jobs) >= self.parallel_min_bytes
        if not jobs or (self._executor is None and not (worth_workers and self.workers >= 2)):
            return [_lint_job(job) for job in jobs]
        try:
            return self._in_workers(jobs)
        except (OSError, RuntimeError):  # no processes here (a sandbox), or a worker died
            return [_lint_job(job) for job in jobs]

    def _start(self) -> Any:
        if self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._children_before = {c.pid or 0 for c in multiprocessing.active_children()}
            # spawn, not fork: a forked child of a process with threads can hang on a lock.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_leave_interrupts_to_the_parent)
        return self._executor

    def _in_workers(self, jobs: list[LintJob]) -> list[list[RawMatch]]:
        """Largest templates first, so that no worker is left with a big one at the end."""
        from concurrent.futures import FIRST_EXCEPTION, wait

        executor = self._start()
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].text))
        futures = {index: executor.submit(_lint_job, jobs[index]) for index in order}
        pending = set(futures.values())
        while pending:  # short waits: a wait without a timeout would not notice Ctrl-C
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            if any(f.exception() for f in done):
                break
        return [futures[index].result() for index in range(len(jobs))]

    def close(self) -> None:
        """Stop the workers at once: one still loading cfn-lint for nothing is not waited for."""
        if self._executor is None:
            return
        import multiprocessing

        for child in multiprocessing.active_children():
            if (child.pid or 0) not in self._children_before:
                child.terminate()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._executor = None


def _leave_interrupts_to_the_parent() -> None:
    """On Ctrl-C the lzgen process stops its workers; they print no traceback of their own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _runner_ready(regions: tuple[str, ...]) -> None:
    _runner(regions)


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _findings(file: str, matches: Iterable[RawMatch]) -> list[Finding]:
    return sorted({_finding(file, m) for m in matches}, key=Finding.sort_key)


def _finding(file: str, match: RawMatch) -> Finding:
    rule_id, message, line, column, source = match
    severity = _LEVELS.get(rule_id[:1], Severity.WARNING)
    return Finding(f"cfn-lint {rule_id}", severity, message, "", Location(file, line, column),
                   (), source)


def default_cache_dir() -> Path:
    """$LZGEN_CACHE_DIR, else $XDG_CACHE_HOME/lzgen, else ~/.cache/lzgen."""
    if os.environ.get("LZGEN_CACHE_DIR"):
        return Path(os.environ["LZGEN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lzgen"


class LintCache:
    """cfn-lint's results by a hash of everything they depend on, one small file per template.

    The key covers the template's exact text, the regions it is linted for, and what else
    changes cfn-lint's results: its version, the date of the resource schemas it reads (its
    bundled ones and those `cfn-lint --update-specs` downloads), any .cfnlintrc it picks up
    from the home or current folder, and this module's own source (how lzgen calls cfn-lint
    and filters its matches). A changed template therefore always misses. Deleting the
    folder at any time is safe; an unreadable or damaged entry is linted again; entries are
    written atomically, so parallel runs can share the folder.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self._environment: str | None = None  # read once per cache, that is once per run

    def key(self, job: LintJob) -> str:
        if self._environment is None:
            self._environment = environment_fingerprint()
        digest = hashlib.sha256(self._environment.encode())
        digest.update(b"\0" + ",".join(job.regions).encode() + b"\0")
        digest.update(job.text.encode("utf-8"))
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / "lint" / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[RawMatch] | None:
        try:
            data = json.loads(self.path(key).read_text(encoding="utf-8"))
            found = [_raw_from_json(item) for item in data["matches"]]
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, key: str, matches: list[RawMatch]) -> None:
        """Store an entry; a cache that cannot be written (read-only, full) is not an error."""
        target = self.path(key)
        text = json.dumps({"format": CACHE_FORMAT, "matches": matches})
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(text)
                Path(temporary).replace(target)
            except OSError:
                Path(temporary).unlink(missing_ok=True)
                raise


def _raw_from_json(item: Any) -> RawMatch:
    rule_id, message, line, column, source = item
    return (str(rule_id), str(message), int(line), int(column), str(source))


def environment_fingerprint() -> str:
    """What, besides the template and regions, decides cfn-lint's results (found without
    importing cfn-lint, which takes a second)."""
    parts = [f"lzgen-lint-cache {CACHE_FORMAT}", f"cfn-lint {metadata.version('cfn-lint')}",
             # this module decides how cfn-lint is called and its matches filtered
             f"lint.py {_digest_or_missing(Path(__file__))}"]
    spec = util.find_spec("cfnlint")
    packages = list(spec.submodule_search_locations or []) if spec else []
    schema_versions = [Path(p) / "data" / "schemas" / "version.json" for p in packages]
    schema_versions.append(_cfnlint_cache() / "version.json")
    configs = [folder / name for folder in (Path.home(), Path.cwd())
               for name in (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")]
    parts += [f"{path}: {_digest_or_missing(path)}" for path in schema_versions + configs]
    return "\n".join(parts)


def _cfnlint_cache() -> Path:
    """Where `cfn-lint --update-specs` keeps the schemas it downloads (cfnlint.helpers)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", str(Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return Path(base) / "aws" / "cfn-lint" / "schemas"


def _digest_or_missing(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"
