"""The README's examples work as written."""

from __future__ import annotations

import re
import runpy
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
