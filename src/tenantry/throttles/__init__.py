"""Throttles shared by every process and node: sliding windows of hits per key, kept in the
database (the default) or in Redis (``TENANTRY_REDIS_URL``)."""
