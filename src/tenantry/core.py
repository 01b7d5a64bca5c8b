"""The embeddable entry point: a database, a policy, an authorizer and mail, wired together."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from tenantry.accounts.budgets import reset_requests, sign_up_requests
from tenantry.accounts.guessing import PasswordGuesses
from tenantry.accounts.links import LinkGuessing
from tenantry.accounts.mail import AccountMail
from tenantry.accounts.reset import request_reset
from tenantry.accounts.sessions import SignIn
from tenantry.accounts.two_factor import CodeGuesses
from tenantry.authz.service import Authorizer
from tenantry.deployment import bind_policy
from tenantry.invitations.links import LinkGuard
from tenantry.invitations.service import InviteSettings, delivery_result
from tenantry.mail import outbox
from tenantry.mail.transports import MailboxTransport, SmtpTransport, Transport
from tenantry.policy import Policy, load_policy
from tenantry.sealing import Sealer
from tenantry.settings import Settings
from tenantry.store.db import Database
from tenantry.store.migrate import upgrade
from tenantry.throttles.service import shared_store
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.delivery import Deliveries

log = logging.getLogger("tenantry")


class Tenantry:
    """``Tenantry(url, policy)`` gives ``db.transaction()`` for the services and ``authz`` for
    checks. ``validate_cache=False`` suits a single process that makes every write itself;
    ``coherence`` names how the cache follows other processes' writes (authz.coherence)."""

    def __init__(
        self,
        database: Database | str,
        policy: Policy | str,
        *,
        validate_cache: bool = True,
        coherence: str = "auto",
        secret_key: str | None = None,
        base_url: str = "http://127.0.0.1:8000",
        invite_expiry: timedelta | None = None,
        mail: Transport | None = None,
        mail_from: str = outbox.SENDER,
        redis_url: str | None = None,
        webhooks: WebhookConfig | None = None,
    ) -> None:
        self.db = Database(database) if isinstance(database, str) else database
        self.policy = load_policy(policy) if isinstance(policy, str) else policy
        self.authz = Authorizer(self.db, self.policy, validate=validate_cache, coherence=coherence)
        self.sealer = Sealer(secret_key or secrets.token_urlsafe(32))
        self.invites = InviteSettings(base_url=base_url, expiry=invite_expiry, sealer=self.sealer)
        self.mail: Transport = mail or MailboxTransport(Path("./var/mailbox"))
        self.mail_from = mail_from
        # one budget per account and per client for the API, the dashboard and every process
        self.throttles = shared_store(self.db, redis_url)
        # password guesses, at sign-in and at a password change alike
        self.guesses = PasswordGuesses(self.throttles)
        self.sign_in = SignIn(self.guesses)
        self.link_guard = LinkGuard(self.throttles)
        self.webhooks = webhooks or WebhookConfig()
        self.deliveries = Deliveries(self.db, self.authz, self.sealer, self.webhooks)
        # accounts: the mail with their links, and the budgets for asking and guessing
        self.account_mail = AccountMail(base_url, self.sealer)
        self.account_links = LinkGuessing(self.throttles)
        self.resets = reset_requests(self.throttles)
        self.sign_ups = sign_up_requests(self.throttles)
        self.code_guesses = CodeGuesses(self.throttles)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, migrate: bool = True) -> Tenantry:
        settings = settings or Settings.load()
        if migrate:
            upgrade(settings.database_url)
        database = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
        policy = load_policy(settings.policy)
        try:  # a database set up for another policy is refused before anything starts
            bind_policy(database, policy, setting=settings.policy)
        except BaseException:
            database.dispose()
            raise
        mail: Transport
        if settings.smtp_host:
            mail = SmtpTransport(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_username,
                settings.smtp_password,
                settings.smtp_starttls,
            )
        else:
            mail = MailboxTransport(Path(settings.mailbox_dir))
        return cls(
            database,
            policy,
            secret_key=settings.secret_key or _key_beside_database(settings.database_url),
            base_url=settings.base_url,
            invite_expiry=timedelta(days=settings.invite_expiry_days)
            if settings.invite_expiry_days
            else None,
            mail=mail,
            mail_from=settings.mail_from,
            redis_url=settings.redis_url,
            webhooks=WebhookConfig(
                allow_private=settings.webhook_allow_private,
                retry_base_seconds=settings.webhook_retry_base_seconds,
                max_attempts=settings.webhook_max_attempts,
                disable_after=settings.webhook_disable_after,
                poll_seconds=settings.webhook_poll_seconds,
                timeout_seconds=settings.webhook_timeout_seconds,
            ),
        )

    def deliver_mail(self, only: list[str] | None = None) -> int:
        """Send queued mail that is due (or exactly ``only``); returns how many were sent."""
        with self.db.transaction() as s:
            claimed = outbox.claim_due(s, self.sealer, sender=self.mail_from, only=only)
        sent = 0
        for message in claimed:
            error = outbox.send(self.mail, message)
            sent += error is None
            with self.db.transaction() as s:
                outbox.record_result(s, message.id, error, on_result=delivery_result)
        return sent

    def mail_reset_link(self, email: str) -> None:
        """Issue a reset link to the address's account and mail it; nothing when it has
        none. The routes run this after their answer, for every address alike, so the
        answer's time tells nobody whether the address has an account."""
        with self.db.transaction() as s:
            message_id = request_reset(s, self.account_mail, email=email)
        if message_id is not None:
            self.deliver_mail([message_id])

    def close(self) -> None:
        self.authz.close()
        self.throttles.close()
        self.db.dispose()


def _key_beside_database(url: str) -> str | None:
    """For the embedded SQLite default, keep a generated key in a file next to the database,
    readable by its owner only. Elsewhere TENANTRY_SECRET_KEY must be set, or links shown
    again after a restart cannot be read (mail already queued is given up)."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        log.warning("TENANTRY_SECRET_KEY is not set: using a key that lasts this process only")
        return None
    path = Path(parsed.database).resolve().parent / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
