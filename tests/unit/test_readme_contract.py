"""README's contract block is the text generated from loaders/contract.yml, and the check notices drift."""

from pathlib import Path

from loaders.contract import load_contract
from tools.contract_docs import README_PATH, main, render_markdown, render_readme


def test_committed_readme_block_equals_generated_markdown():
    text = README_PATH.read_text(encoding="utf-8")
    block = text.split("<!-- contract:start -->\n", 1)[1].split("<!-- contract:end -->", 1)[0]
    assert block == render_markdown(load_contract())
    # every feed of the contract is named in README
    for table in load_contract().tables:
        assert f"#### `{table.fqn}`" in block


def test_readme_check_fails_on_a_stale_block_and_rewrite_fixes_it(tmp_path: Path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- contract:start -->\n| old | table |\n<!-- contract:end -->\nrest\n", encoding="utf-8"
    )
    assert main(["readme", "--check", "--path", str(readme)]) == 1
    assert "stale" in capsys.readouterr().out
    assert main(["readme", "--path", str(readme)]) == 0
    fresh = readme.read_text(encoding="utf-8")
    assert fresh.startswith("intro\n<!-- contract:start -->\n| Feed | Files |")
    assert fresh.endswith("<!-- contract:end -->\nrest\n")
    assert main(["readme", "--check", "--path", str(readme)]) == 0


def test_render_readme_without_markers_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="contract:start"):
        render_readme("no markers here\n", load_contract())
