from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from tests.cli._runner import assert_one_error_line


def matrix_row(output: str, label: str) -> list[str]:
    """The cells after the label on the matrix line for ``label`` (marks, then the id)."""
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in:\n{output}")


def preset_text(name: str) -> str:
    return resources.files("tenantry.policy.presets").joinpath(f"{name}.toml").read_text("utf-8")


def test_policy_show_prints_the_verkkokurssikassa_role_and_checkout_matrices(cli):
    result = cli("verkkokurssikassa")("policy", "show", "verkkokurssikassa")
    assert result.exit_code == 0, result.output
    out = result.stdout
    header = next(line for line in out.splitlines() if line.startswith("Permission"))
    assert re.split(r"\s{2,}", header) == ["Permission", "Owner", "Admin", "Member", "id"]
    assert matrix_row(out, "View and collaborate") == ["✓", "✓", "✓", "org.view"]
    assert matrix_row(out, "Manage billing") == ["✓", "—", "—", "org.billing.manage"]
    assert matrix_row(out, "Invite members") == ["✓", "✓", "—", "org.members.invite"]
    assert matrix_row(out, "Delete the organization") == ["✓", "—", "—", "org.delete"]
    assert "Checkout roles" in out
    assert "".join(matrix_row(out, "Edit checkout settings")[:4]) == "✓———"
    assert "".join(matrix_row(out, "Manage orders")[:4]) == "✓✓—✓"
    assert (
        "Members holding Owner and Admin get Admin on every Checkout, including ones created "
        "later; one member's access to one of them can still be removed by hand." in out
    )
    assert "Admin can act on (remove, change the role of) members who hold Admin and Member." in out


def test_policy_show_prints_the_distribu_seed_matrix_row_for_row(cli):
    seed = {  # Distribu "Team & roles": | Action | OWNER | ADMIN | MEMBER |
        "Sign into the dashboard": "✓✓✓",
        "View inventory, customers, orders": "✓✓✓",
        "Create / edit products": "✓✓✓",
        "Place and manage orders": "✓✓✓",
        "Invite new members": "✓✓—",
        "Remove members": "✓✓—",
        "Change a member's role": "✓——",
        "Create / revoke API keys": "✓✓—",
        "Configure webhooks": "✓✓—",
        "Manage billing & subscription": "✓——",
        "Delete the company": "✓——",
    }
    result = cli("distribu")("policy", "show", "distribu")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.startswith("Permission"))
    assert re.split(r"\s{2,}", header) == ["Permission", "OWNER", "ADMIN", "MEMBER", "id"]
    shown = {label: "".join(matrix_row(result.stdout, label)[:3]) for label in seed}
    assert shown == seed
    assert "There is exactly one OWNER per organization." in result.stdout
    assert "ADMIN can act on (remove, change the role of) members who hold MEMBER." in result.stdout


def test_policy_show_without_an_argument_shows_the_active_policy(cli):
    result = cli("verkkokurssikassa")("policy", "show")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Verkkokurssikassa (verkkokurssikassa)")


def test_policy_check_accepts_a_valid_file(cli, tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text(preset_text("verkkokurssikassa"), "utf-8")
    result = cli("verkkokurssikassa")("policy", "check", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: verkkokurssikassa — 14 permissions, 3 organization roles")
    assert "4 resource roles" in result.stdout


def test_policy_check_names_the_key_path_of_a_broken_file(cli, tmp_path: Path):
    text = preset_text("verkkokurssikassa").replace(
        'permissions = ["org.view"]', 'permissions = ["org.veiw"]'
    )
    path = tmp_path / "broken.toml"
    path.write_text(text, "utf-8")
    result = cli("verkkokurssikassa")("policy", "check", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: roles.member.permissions[0]: ")
    assert "'org.veiw' matches no organization permission" in lines[0]


def test_policy_check_refuses_a_typo_key(cli, tmp_path: Path):
    text = preset_text("verkkokurssikassa").replace("invite_expiry_days", "invite_expiry_dayz")
    path = tmp_path / "typo.toml"
    path.write_text(text, "utf-8")
    result = cli("verkkokurssikassa")("policy", "check", str(path))
    assert result.exit_code == 1
    assert "policy.invite_expiry_dayz: is not a known key here" in result.stderr


def test_an_unknown_policy_is_one_error_line(cli):
    result = cli("no-such-policy")("policy", "show")
    assert_one_error_line(result, "no-such-policy", "is neither a preset")
