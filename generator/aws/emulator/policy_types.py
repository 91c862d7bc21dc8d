"""Every Organizations policy type in the emulator, not only moto's five.

moto accepts AISERVICES_OPT_OUT, BACKUP (without an ARN format, so creating one fails),
RESOURCE_CONTROL, SERVICE_CONTROL and TAG policies. AWS accepts every type of the API's
PolicyType enum (https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html)
once it is enabled on the root (EnablePolicyType), with ARNs of the form
arn:aws:organizations::MANAGEMENT:policy/o-ID/<type in lower case>/p-ID
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.organizations.models import FakePolicy, FakeRoot

from generator.contract import POLICY_TYPE_API


def install() -> None:
    """Widen moto's lists of policy types and give every type an ARN. Idempotent."""
    for cls in (FakeRoot, FakePolicy):
        known = cls.SUPPORTED_POLICY_TYPES
        known.extend(t for t in sorted(POLICY_TYPE_API.values()) if t not in known)
    init = FakePolicy.__init__
    if getattr(init, "__lzgen_hooked__", False):
        return

    @functools.wraps(init)
    def patched(self: FakePolicy, organization: Any, **kwargs: Any) -> None:
        policy_type = kwargs.get("Type", "")
        if policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY",
                           "AISERVICES_OPT_OUT_POLICY"):
            init(self, organization, **kwargs)
            return
        # moto raises NotImplementedError for the types it has no ARN format for: build the
        # policy as a tag policy, then give it its own type and ARN.
        init(self, organization, **{**kwargs, "Type": "TAG_POLICY"})
        self.type = policy_type
        self._arn_format = ("arn:{0}:organizations::{1}:policy/{2}/"
                            + policy_type.lower() + "/{3}")

    patched.__lzgen_hooked__ = True  # type: ignore[attr-defined]
    FakePolicy.__init__ = patched  # type: ignore[method-assign]
