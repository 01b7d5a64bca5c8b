"""The budgets for guessing an account's password, wherever it is typed (sign-in, password
change), counted in a store that every process and node shares.

A lockout must not be a weapon: were failures counted per account alone, anyone could lock
a victim out by failing five times. So the tight limit is per (account, client address),
and the per-account limit is ten times higher, a ceiling for a guesser spread over many
addresses. A client address has its own limit over every account it tries."""

from __future__ import annotations

from tenantry.throttles.errors import TooManyAttempts
from tenantry.throttles.service import Throttle, WindowStore, hit_each, longest_wait

PER_CLIENT = 5  # failures per (account, client address)
PER_ACCOUNT = 50  # failures per account, from every address together
PER_IP = 20  # failures per client address, over every account
WINDOW_SECONDS = 900.0


class PasswordGuesses:
    """Failures in the last ``window_seconds``: a guess is refused (before the password is
    even verified, so a right one too) while any of its three budgets is spent."""

    def __init__(
        self,
        store: WindowStore,
        *,
        per_client: int = PER_CLIENT,
        per_account: int = PER_ACCOUNT,
        per_ip: int = PER_IP,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        self.store = store  # the three are read together, and written together
        self.per_client = Throttle(store, "password-client", per_client, window_seconds)
        self.per_account = Throttle(store, "password-account", per_account, window_seconds)
        self.per_ip = Throttle(store, "password-ip", per_ip, window_seconds)

    def _keys(self, account: str, ip: str | None) -> tuple[tuple[Throttle, str], ...]:
        address = ip or "-"
        return (
            (self.per_client, f"{account}\n{address}"),
            (self.per_account, account),
            (self.per_ip, address),
        )

    def check(self, account: str, ip: str | None, *, refusal: str) -> None:
        """Raise TooManyAttempts (``refusal``, then the wait) while a budget is spent; the
        wait is the longest of them, since every one must have room again."""
        wait = longest_wait(self.store, self._keys(account, ip))
        if wait is not None:
            raise TooManyAttempts(f"{refusal}; try again in {wait} seconds.", retry_after=wait)

    def failed(self, account: str, ip: str | None) -> None:
        hit_each(self.store, self._keys(account, ip))

    def succeeded(self, account: str, ip: str | None) -> None:
        """The right password gives this client its budget for the account back; the
        account's ceiling and the address's own budget keep the failures of others."""
        throttle, key = self._keys(account, ip)[0]
        throttle.reset(key)
