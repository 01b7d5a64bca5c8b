"""Timing: warm up, calibrate, then time several repeats with the collector off."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

MIN_OPS = 10


@dataclass(frozen=True, slots=True)
class Case:
    engine: str  # who is measured: "tenantry/sqlite", "casbin", ...
    label: str
    op: Callable[[Any], object]  # one operation on one argument
    args: Sequence[Any]
    setup: Callable[[], None] | None = None  # before every repeat, untimed (e.g. clear a cache)
    calibrate: bool = True  # False: exactly ``args`` per repeat (e.g. distinct cold pairs)
    db: Engine | None = None  # count the SQL statements one operation sends


@dataclass(frozen=True, slots=True)
class Result:
    engine: str
    label: str
    ops: int  # operations timed, over every repeat
    total_s: float  # time spent in them
    us_per_op: float  # median over repeats
    sql_per_op: float | None  # statements sent per operation, BEGIN not counted

    @property
    def ops_per_s(self) -> float:
        return 1e6 / self.us_per_op


def _pass(op: Callable[[Any], object], args: Sequence[Any]) -> int:
    if gc.isenabled():
        raise RuntimeError("time with the collector off")
    start = time.perf_counter_ns()
    for a in args:
        op(a)
    return time.perf_counter_ns() - start


def _count_sql(case: Case, work: list[Any]) -> float | None:
    if case.db is None:
        return None
    sample = work[:50]  # what was timed, so a warm case stays warm
    seen = 0

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        nonlocal seen
        seen += not statement.lstrip().upper().startswith("BEGIN")

    if case.setup is not None:
        case.setup()
    event.listen(case.db, "before_cursor_execute", count)
    try:
        for a in sample:
            case.op(a)
    finally:
        event.remove(case.db, "before_cursor_execute", count)
    return seen / len(sample)


def _work(case: Case, target_s: float) -> list[Any]:
    """The arguments of one repeat: ``args`` cut or cycled to last about ``target_s``."""
    if not case.calibrate:
        return list(case.args)
    probe = case.args[: min(len(case.args), 20)]
    _pass(case.op, probe)  # the first touch fills caches: time the second
    per_op_ns = max(_pass(case.op, probe) / len(probe), 1.0)
    n = max(MIN_OPS, round(target_s * 1e9 / per_op_ns))
    return [case.args[i % len(case.args)] for i in range(n)]


def measure(case: Case, repeats: int, target_s: float) -> Result:
    """Median µs per operation over ``repeats``; each repeat lasts about ``target_s``."""
    gc.collect()
    gc.disable()
    try:
        if case.setup is not None:
            case.setup()
        work = _work(case, target_s)
        if case.setup is not None:
            case.setup()
        _pass(case.op, work)  # warm-up: caches filled, code paths hot
        times = []
        for _ in range(repeats):
            if case.setup is not None:
                case.setup()
            times.append(_pass(case.op, work))
    finally:
        gc.enable()
    sql = _count_sql(case, work)  # after the timing: in the same (warm or cleared) state
    per_op = statistics.median(t / len(work) for t in times) / 1e3
    return Result(case.engine, case.label, len(work) * repeats, sum(times) / 1e9, per_op, sql)
