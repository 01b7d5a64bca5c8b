"""schemathesis hooks for scripts/fuzz_api.py: the fuzzer acts as a client that follows the
API's documented contract where the schema cannot say it.

An Idempotency-Key names one request: the same key with another body is a 422 by design
(IDEMPOTENCY_KEY_REUSED). The fuzzer draws keys from a small space ("0", "00"...) and would
reuse them across unrelated requests, so every valid key it generates is made unique here;
malformed keys (too long, not printable ASCII) are sent as generated, to check they are
refused.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

HEADER = "Idempotency-Key"
VALID = re.compile(r"[ -~]{1,255}")


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == HEADER.lower() and VALID.fullmatch(str(headers[name])):
            headers[name] = str(uuid.uuid4())
