"""Mail bodies from Jinja2 templates: ``templates/NAME.txt`` (the plain-text part, never
escaped) and ``templates/NAME.html`` (the HTML part, autoescaped). Mail is plumbing like the
store, so the services that send mail name a template and its values; nothing here knows
what an invitation is."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@dataclass(frozen=True, slots=True)
class Body:
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("tenantry.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,  # a value the template needs and was not given is a bug
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **values: Any) -> Body:
    """Both parts of the mail ``name`` with ``values``."""
    env = _environment()
    return Body(
        text=env.get_template(f"{name}.txt").render(**values),
        html=env.get_template(f"{name}.html").render(**values),
    )
