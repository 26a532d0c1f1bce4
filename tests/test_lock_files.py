"""The lock files pin the whole dependency tree with hashes, and carry no address of this
machine's package index."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["requirements.txt", "requirements-dev.txt", "requirements-run.txt"]


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_package_has_its_hashes_and_no_index_is_named(name):
    text = (ROOT / name).read_text()
    requirements = re.split(r"\n(?=[a-z0-9])", text.split("\n\n", 1)[-1].strip())

    assert all("--hash=sha256:" in requirement for requirement in requirements if "==" in requirement)
    assert not re.search(r"--(extra-)?index-url|--find-links|file://|/opt/", text)


def test_every_top_level_pin_is_what_the_lock_holds():
    top = dict(
        re.findall(
            r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)",
            (ROOT / "requirements.in").read_text(),
            flags=re.MULTILINE,
        )
    )
    locked = _pins("requirements.txt")

    assert {name.lower(): version for name, version in top.items()} == {
        name: locked[name] for name in map(str.lower, top)
    }


def test_honcho_is_only_for_the_embedded_run():
    assert "honcho" not in _pins("requirements.txt")
    assert "honcho" in _pins("requirements-run.txt")
