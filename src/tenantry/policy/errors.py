from __future__ import annotations


class PolicyError(Exception):
    """A policy file that cannot be used, with the file, the key path and what is wrong."""

    code = "POLICY_INVALID"

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")
