"""Errors raised while turning a built-in name and its parameters into a policy document."""


class PolicyParamError(ValueError):
    """A built-in policy was asked for with a name or parameters it cannot accept.

    ``param`` names the offending parameter (None when the problem is the built-in name itself),
    ``hint`` tells the blueprint author what to write instead.
    """

    def __init__(self, message: str, hint: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.param = param

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
