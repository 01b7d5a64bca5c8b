"""Typed access to a parsed TOML table that reports the key path of anything wrong."""

from __future__ import annotations

from typing import Any, TypeVar

from tenantry.policy.errors import PolicyError

T = TypeVar("T")


class Table:
    def __init__(self, source: str, path: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise PolicyError(source, path, f"must be a table, not {type(data).__name__}")
        self.source = source
        self.path = path
        self.data: dict[str, Any] = data
        self._read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str) -> PolicyError:
        return PolicyError(self.source, self.key(name), problem)

    def _get(self, name: str, kind: type[T], default: Any, required: bool) -> Any:
        self._read.add(name)
        if name not in self.data:
            if required:
                raise self.fail(name, "is required")
            return default
        value = self.data[name]
        # bool is an int in Python; a policy that writes `rank = true` is wrong all the same
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(name, f"must be {kind.__name__}, not {type(value).__name__}")
        return value

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> Any:
        return self._get(name, str, default, required)

    def number(self, name: str, default: int | None = None, *, required: bool = False) -> Any:
        return self._get(name, int, default, required)

    def flag(self, name: str, default: bool = False) -> bool:
        value: bool = self._get(name, bool, default, False)
        return value

    def str_list(self, name: str, *, required: bool = False) -> list[str]:
        values = self._get(name, list, [], required)
        for i, item in enumerate(values):
            if not isinstance(item, str):
                raise self.fail(f"{name}[{i}]", "must be a string")
        return list(values)

    def table(self, name: str, *, required: bool = False) -> Table:
        return Table(self.source, self.key(name), self._get(name, dict, {}, required))

    def tables(self, name: str) -> dict[str, Table]:
        outer = self.table(name)
        return {k: Table(self.source, outer.key(k), v) for k, v in outer.data.items()}

    def table_list(self, name: str) -> list[Table]:
        items = self._get(name, list, [], False)
        return [Table(self.source, f"{self.key(name)}[{i}]", v) for i, v in enumerate(items)]

    def done(self) -> None:
        """Refuse keys nobody read: a typo in a policy must not silently do nothing."""
        for name in self.data:
            if name not in self._read:
                raise self.fail(name, "is not a known key here")
