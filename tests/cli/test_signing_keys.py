"""``tenantry signing-key rotate`` makes a new key that signs from then on, and ``list``
shows it beside the retired ones still verifying tokens."""

from __future__ import annotations


def test_rotate_then_list_shows_the_signing_key_and_the_retired_one(cli):
    run = cli("distribu")
    empty = run("signing-key", "list")
    assert empty.exit_code == 0 and "no signing key yet" in empty.stdout
    first = run("signing-key", "rotate")
    second = run("signing-key", "rotate")
    assert first.exit_code == second.exit_code == 0, first.output
    new = second.stdout.split()[2].rstrip(";")
    listed = run("signing-key", "list").stdout.splitlines()
    assert len(listed) == 2
    assert listed[0].startswith(new) and listed[0].endswith("signing")
    assert "retired" in listed[1]
