"""Names people type (users, organizations, resources, API keys): one rule for all of them."""

from __future__ import annotations

import re
import unicodedata

from tenantry.errors import Invalid

MAX_NAME = 200
# control characters (CR, LF, ESC for ANSI sequences...) would forge lines in logs, CSV
# exports and terminals; a name never needs them
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def display_name(value: str, what: str) -> str:
    """``value`` trimmed and NFC-normalised, or Invalid naming ``what`` and the rule."""
    name = unicodedata.normalize("NFC", value).strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"{what} needs a name (at most {MAX_NAME} characters).")
    if _CONTROL.search(name):
        raise Invalid(f"{what}'s name cannot contain control characters (line breaks, escapes).")
    return name
