"""Imports every table so the metadata is complete (for migrations and tests)."""

from tenantry.access_tokens import models as access_tokens_models
from tenantry.accounts import models as accounts_models
from tenantry.apikeys import models as apikeys_models
from tenantry.audit import models as audit_models
from tenantry.idempotency import models as idempotency_models
from tenantry.invitations import models as invitations_models
from tenantry.mail import models as mail_models
from tenantry.members import models as members_models
from tenantry.orgs import models as orgs_models
from tenantry.resources import models as resources_models
from tenantry.store import meta as meta_models
from tenantry.store.base import Base
from tenantry.throttles import models as throttles_models
from tenantry.webhooks import models as webhooks_models

metadata = Base.metadata

__all__ = [
    "access_tokens_models",
    "accounts_models",
    "apikeys_models",
    "audit_models",
    "idempotency_models",
    "invitations_models",
    "mail_models",
    "members_models",
    "meta_models",
    "metadata",
    "orgs_models",
    "resources_models",
    "throttles_models",
    "webhooks_models",
]
