"""GET .../lookup/resources: the resources on which a user holds a permission, in the
engine's order (name, then id), with their rows read together: the statements a warm lookup
makes do not grow with the number of resources it returns."""

from __future__ import annotations

from sqlalchemy import event

from tenantry.client import calls


def _statements(database, send):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        answer = send()
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return answer, [q for q in seen if "FROM resources" in q]


def test_a_lookup_reads_its_resources_together_however_many_it_returns(api_for, database):
    api = api_for("verkkokurssikassa")
    owner = api.sign_up()
    org = owner.org_id
    lookup = calls.lookup_resources(org, owner.id, "checkout.view")
    for name in ("B", "A"):
        owner.client.send(calls.create_resource(org, "checkout", name))
    owner.client.send(lookup)  # warm
    few, few_reads = _statements(database, lambda: owner.client.send(lookup))
    for i in range(30):
        owner.client.send(calls.create_resource(org, "checkout", f"C{i:02}"))
    owner.client.send(lookup)
    many, many_reads = _statements(database, lambda: owner.client.send(lookup))
    assert [r.name for r in few] == ["A", "B"]
    assert [r.name for r in many] == ["A", "B", *[f"C{i:02}" for i in range(30)]]
    assert len(few_reads) == len(many_reads) == 1
