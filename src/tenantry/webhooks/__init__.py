"""Organization-owned webhooks: endpoints, a transactional outbox of deliveries, signed
requests sent by a worker with retries, and the address checks that refuse internal hosts."""
