"""The README's examples work as written."""

from __future__ import annotations

import re
import runpy
import time
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_block(section: str) -> str:
    text = README.read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", body, re.S)
    assert match, f"no python example under '{section}'"
    return match.group(1)


def test_the_embedding_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(_python_block("Embedding"))
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert "['Spring sale']" in out
    assert "Admin" in out  # Olive is Admin on every checkout, by the rule


def test_the_webhook_signature_recipe_accepts_what_tenantry_signs_and_nothing_else():
    from tenantry.webhooks import signing

    namespace: dict[str, object] = {}
    exec(compile(_python_block("Webhooks"), "README.md", "exec"), namespace)
    verify = namespace["verify"]
    assert callable(verify)
    body, now = b'{"id":"evt"}', int(time.time())
    assert verify("whsec_new", signing.header(["whsec_new"], now, body), body)
    rotated = signing.header(["whsec_new", "whsec_old"], now, body)
    assert verify("whsec_old", rotated, body) and verify("whsec_new", rotated, body)
    assert not verify("whsec_other", rotated, body)
    assert not verify("whsec_new", rotated, body + b" ")
    stale = signing.header(["whsec_new"], now - 301, body)
    assert not verify("whsec_new", stale, body)
