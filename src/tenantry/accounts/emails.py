"""Email addresses are identities: one documented normalisation, used everywhere.

normalize_email: Unicode NFKC, surrounding whitespace removed, the whole address lowercased,
a trailing dot on the domain removed, and an internationalised domain turned into its ASCII
(IDNA) form. Nothing else: ``+tags`` and dots in the local part name different mailboxes.
"""

from __future__ import annotations

import re
import unicodedata

from tenantry.errors import Invalid

_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidEmail(Invalid):
    code = "INVALID_EMAIL"


def normalize_email(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.count("@") != 1 or len(text) > 320:
        raise InvalidEmail(f"{raw!r} is not an email address.")
    local, domain = text.rsplit("@", 1)
    domain = domain.rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidEmail(f"{raw!r} has a domain that is not a valid host name.") from None
    labels = domain.split(".")
    if not local or not _LOCAL.match(local) or len(labels) < 2:
        raise InvalidEmail(f"{raw!r} is not an email address.")
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidEmail(f"{raw!r} has a domain that is not a valid host name.")
    return f"{local.lower()}@{domain}"
