"""The record of what deploy applied outside CloudFormation: API steps (contacts, alternate
contacts, delegated administrators, ...) and StackSet parameter overrides.

Without it, every deploy would check each of them with a read, one account at a time (4,000
reads for the contacts of 1,000 accounts). With it, a deploy reads the record and checks and
applies only what the record lacks; `lzgen deploy --refresh` checks everything again (and
repairs what was changed by hand) and rewrites the record.

Where: SSM Parameter Store in the management account, home region, under
`/lzgen/ORG/applied/`, standard-tier String parameters (free; a value holds up to 4 KB and a
region up to 10,000 of them:
https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
One GetParametersByPath page returns 10 of them.

What: a 16-hex-digit digest of each item as the manifest states it, tokens unresolved (an
account name means the same account for the account's life: lzgen retains accounts). The
digests are spread over `shards` parameters by value, at most `PER_SHARD` a shard; the number
of shards, a power of two, doubles when a shard would overflow. Adding one account changes a
few shards only.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from generator.aws.gateway import Gateway
from generator.errors import AwsError
from generator.jsonio import compact_json

DIGEST = 16  # hex digits: 64 bits, no collision to fear among some 10^5 items
VALUE_LIMIT = 4096  # characters of a standard-tier parameter value
PER_SHARD = VALUE_LIMIT // DIGEST
FILL = PER_SHARD * 3 // 4  # a new layout leaves room to grow
PAGE = 10  # GetParametersByPath's largest page


def digest(kind: str, item: Any) -> str:
    text = compact_json([kind, item])
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST]


def record_path(organization: str) -> str:
    return f"/lzgen/{organization}/applied"


class AppliedRecord:
    """The set of digests, read once, written back shard by shard."""

    def __init__(self, gateway: Gateway, organization: str, region: str, *,
                 writable: bool = True) -> None:
        self.gateway, self.region, self.writable = gateway, region, writable
        self.path = record_path(organization)
        self._items: set[str] = set()
        self._stored: dict[str, str] = {}  # parameter name -> value as read or written
        self._lock = threading.Lock()
        self._dirty = False

    def load(self) -> None:
        """Read every shard; an organization deployed before the record existed has none."""
        try:
            found = self.gateway.pages("ssm", "GetParametersByPath", "Parameters",
                                       region=self.region, Path=self.path, Recursive=False,
                                       MaxResults=PAGE)
        except AwsError as error:
            if error.code in ("ParameterNotFound", "AccessDeniedException"):
                return  # checked one by one instead: slower, still right
            raise
        for parameter in found:
            value = str(parameter.get("Value", ""))
            self._stored[str(parameter["Name"])] = value
            self._items.update(value[i:i + DIGEST] for i in range(0, len(value), DIGEST))

    def __contains__(self, item: str) -> bool:
        return item in self._items

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: str) -> None:
        with self._lock:
            if item not in self._items:
                self._items.add(item)
                self._dirty = True

    def save(self) -> int:
        """Write the shards that changed (and delete those of an older layout); the number of
        parameters written."""
        with self._lock:
            if not self._dirty or not self.writable:
                return 0
            wanted = self._layout()
            written = 0
            for name, value in sorted(wanted.items()):
                if self._stored.get(name) == value:
                    continue
                self.gateway.call("ssm", "PutParameter", region=self.region, Name=name,
                                  Value=value, Type="String", Tier="Standard", Overwrite=True,
                                  Description="lzgen: digests of what deploy applied")
                self._stored[name] = value
                written += 1
            stale = sorted(set(self._stored) - set(wanted))
            for start in range(0, len(stale), 10):  # DeleteParameters takes 10 names
                self.gateway.call("ssm", "DeleteParameters", region=self.region,
                                  Names=stale[start:start + 10])
            for name in stale:
                del self._stored[name]
            self._dirty = False
            return written

    def _layout(self) -> dict[str, str]:
        shards = self._shards()
        buckets: dict[int, list[str]] = {}
        for item in self._items:
            buckets.setdefault(int(item, 16) % shards, []).append(item)
        return {f"{self.path}/s{shards:04d}-{index:04d}": "".join(sorted(items))
                for index, items in buckets.items()}

    def _shards(self) -> int:
        """The current number of shards while every shard fits; doubled until they do."""
        current = [int(name.rsplit("/", 1)[1][1:5]) for name in self._stored
                   if name.rsplit("/", 1)[1].startswith("s")]
        shards = max(current, default=0) or self._fresh()
        while self._fullest(shards) > PER_SHARD:
            shards *= 2
        return shards

    def _fresh(self) -> int:
        shards = 1
        while len(self._items) > shards * FILL:
            shards *= 2
        return shards

    def _fullest(self, shards: int) -> int:
        counts: dict[int, int] = {}
        for item in self._items:
            key = int(item, 16) % shards
            counts[key] = counts.get(key, 0) + 1
        return max(counts.values(), default=0)
