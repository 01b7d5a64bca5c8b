"""How often a request may mail the address it names (a password reset, a sign-up): the
budgets, kept in the throttle store every process shares."""

from __future__ import annotations

from tenantry.throttles.errors import TooManyAttempts
from tenantry.throttles.service import Throttle, WindowStore, hit_each, longest_wait

PER_ADDRESS = 3  # reset mails to one address per hour
PER_CLIENT = 10  # reset requests from one client address per hour, over every address
SIGN_UPS_PER_ADDRESS = 10  # sign-ups naming one address per hour (each one mails it)
WINDOW_SECONDS = 3600.0


class MailedRequests:
    """Requests that send a mail to the address they name (a reset, a sign-up), counted per
    address (and per client, where a budget is given) in the store every process shares:
    nobody floods a mailbox, and known and unknown addresses count alike, so a refusal
    tells nothing either."""

    def __init__(
        self, store: WindowStore, *, name: str, what: str, per_address: int, per_client: int | None
    ) -> None:
        self.store, self.what = store, what
        self.per_address = Throttle(store, f"{name}-address", per_address, WINDOW_SECONDS)
        self.per_client = (
            Throttle(store, f"{name}-client", per_client, WINDOW_SECONDS) if per_client else None
        )

    def admit(self, address: str, client: str | None) -> None:
        """Count this request, or refuse it (429) when a budget is spent."""
        keys = [(self.per_address, address)]
        if self.per_client is not None:
            keys.append((self.per_client, client or "-"))
        wait = longest_wait(self.store, keys)
        if wait is not None:
            raise TooManyAttempts(
                f"Too many {self.what}; try again in {wait} seconds.", retry_after=wait
            )
        hit_each(self.store, keys)


def reset_requests(store: WindowStore) -> MailedRequests:
    return MailedRequests(
        store,
        name="reset",
        what="password reset requests",
        per_address=PER_ADDRESS,
        per_client=PER_CLIENT,
    )


def sign_up_requests(store: WindowStore) -> MailedRequests:
    """Per address only: a platform's sign-ups may all come through one proxy or backend."""
    return MailedRequests(
        store,
        name="signup",
        what="sign-ups with this address",
        per_address=SIGN_UPS_PER_ADDRESS,
        per_client=None,
    )
