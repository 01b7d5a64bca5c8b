"""The organization page and its tabs, rendered from the same services the API uses."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tenantry.api.errors import STATUS
from tenantry.apikeys import service as apikeys
from tenantry.core import Tenantry
from tenantry.errors import DomainError, Invalid
from tenantry.invitations import listing as invitation_listing
from tenantry.invitations import service as invitations
from tenantry.members import service as members
from tenantry.members.listing import SORTS, member_page
from tenantry.members.seats import seats_used
from tenantry.orgs.service import get_org, member_count
from tenantry.web import _audit_tab as audit_tab
from tenantry.web import _webhook_tab as webhook_tab
from tenantry.web._auth import Viewer, org_access
from tenantry.web._render import htmx_error, is_htmx, redirect, render
from tenantry.web._views import OrgView

TABS = ("members", "invitations", "resources", "api-keys", "audit", "webhooks", "settings")


def org_view(t: Tenantry, viewer: Viewer, org_id: str) -> OrgView:
    ctx = org_access(t, viewer, org_id)
    with t.db.reading() as s:
        org = get_org(s, org_id)
        return OrgView(t, ctx, org.name, org.kind)


def tabs_of(view: OrgView) -> list[tuple[str, str]]:
    out = [("members", "Members")] if view.can_view else []
    if view.can_invite:
        out.append(("invitations", "Pending invitations"))
    if view.policy.resource_types:
        labels = " & ".join(f"{r.label}s" for r in view.policy.resource_types.values())
        out.append(("resources", labels))
    if view.can_keys:
        out.append(("api-keys", "API keys"))
    if view.can_audit:
        out.append(("audit", "Audit log"))
    if view.holds(view.policy.webhooks_permission):
        out.append(("webhooks", "Webhooks"))
    if view.can_settings:
        out.append(("settings", "Settings"))
    return out


def tab_url(view: OrgView, tab: str) -> str:
    base = f"/orgs/{view.ctx.org_id}"
    return base if tab == "members" else f"{base}/{tab}"


def _tab_data(request: Request, view: OrgView, tab: str) -> dict[str, Any]:
    t, org_id = view.t, view.ctx.org_id
    with t.db.reading() as s:
        if tab == "members":
            listing = member_listing(request)
            page = member_page(
                s,
                org_id,
                search=listing["q"] or None,
                sort=listing["sort"],
                descending=listing["descending"],
                cursor=listing["cursor"] or None,
                limit=MEMBERS_PER_PAGE,
            )
            rows = view.member_rows(s, views=page.items)
            seats = seat_meter(s, org_id, member_count(s, org_id))
            return {
                "rows": rows,
                "resources": view.visible_resources(s),
                "seats": seats,
                "listing": listing,
                "next_cursor": page.next_cursor,
            }
        if tab == "invitations":
            cursor = request.query_params.get("cursor") or None
            sent = invitation_listing.pending_page(
                s, org_id, cursor=cursor, limit=INVITATIONS_PER_PAGE
            )
            emails = invitation_listing.inviter_emails(s, sent.items)
            pending = [
                {
                    "inv": inv,
                    "inviter": emails.get(inv.invited_by or "", "operator"),
                    "link": (
                        invitations.link_of(inv, t.invites)
                        if inv.delivery_status == "failed"
                        else None
                    ),
                }
                for inv in sent.items
            ]
            names = {r.id: r.name for r in view.visible_resources(s)}
            seats = seat_meter(s, org_id, member_count(s, org_id))
            return {
                "pending": pending,
                "resource_names": names,
                "seats": seats,
                "next_cursor": sent.next_cursor,
                "paged": cursor is not None,
            }
        if tab == "resources":
            return {"resources": view.visible_resources(s)}
        if tab == "api-keys":
            return {"keys": apikeys.list_keys(s, org_id)}
        if tab == "settings":
            others = [m for m in members.list_members(s, org_id) if m.user_id != view.me.user_id]
            return {"org": get_org(s, org_id), "others": others}
        if tab == "audit":
            return audit_tab.tab_data(s, t.policy, org_id, request.query_params)
        if tab == "webhooks":
            return webhook_tab.tab_data(s, org_id)
    raise AssertionError(tab)


MEMBERS_PER_PAGE = 50
INVITATIONS_PER_PAGE = 50


def member_listing(request: Request) -> dict[str, Any]:
    """The members table's search, order and page, from the query string."""
    query = request.query_params
    sort = query.get("sort", "email")
    if sort not in SORTS:
        raise Invalid(f"Members sort by {', '.join(SORTS)}, not {sort!r}.")
    return {
        "q": query.get("q", "").strip()[:200],
        "sort": sort,
        "descending": query.get("dir") == "desc",
        "cursor": query.get("cursor", ""),
    }


def seat_meter(s: Session, org_id: str, members_count: int) -> dict[str, int | None]:
    """Members + pending invitations against the plan's cap (None: no cap)."""
    used = seats_used(s, org_id)
    cap = get_org(s, org_id).seat_cap
    return {"members": members_count, "pending": used - members_count, "used": used, "cap": cap}


def org_page(
    request: Request,
    view: OrgView,
    viewer: Viewer,
    tab: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    if tab not in dict(tabs_of(view)):
        return render(
            request,
            "error.html",
            403,
            viewer=viewer,
            title="Not available",
            message="You do not have access to this part of the organization.",
        )
    data = _tab_data(request, view, tab)
    return render(
        request,
        "org.html",
        status_code,
        viewer=viewer,
        view=view,
        tab=tab,
        tabs=tabs_of(view),
        tab_url=tab_url,
        **data,
        **extra,
    )


def refused(
    request: Request, view: OrgView, viewer: Viewer, tab: str, exc: DomainError, **extra: Any
) -> Response:
    """A service said no: htmx shows the message in the page's message area; a plain form
    post gets the tab again with the message on top, and the refusal's status (``extra``:
    what the page shows again, such as the form as it was typed)."""
    status = STATUS[exc.kind]
    if is_htmx(request):
        return htmx_error(request, exc.message, status)
    return org_page(request, view, viewer, tab, status, error=exc.message, **extra)


def done(view: OrgView, tab: str, notice: str) -> Response:
    return redirect(tab_url(view, tab), notice)
