"""The repository's documents are all in the repository: the README links the guides and
the API reference, and no link in any document leads outside the repository or to a
file that is not there (a fresh clone has nothing beside itself)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    path
    for pattern in ("*.md", "docs/**/*.md", "fixtures/**/*.md", "bench/**/*.md")
    for path in ROOT.glob(pattern)
    if ".venv" not in path.parts
)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def local_links(document: Path) -> list[str]:
    return [target for target in LINK.findall(document.read_text()) if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_link_of_a_document_leads_to_a_file_in_the_repository(document):
    broken = []
    for target in local_links(document):
        path = target.split("#", 1)[0]
        if not path:
            continue
        resolved = (document.parent / path).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)

    assert broken == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_document_points_at_a_folder_outside_the_repository(document):
    text = document.read_text()

    assert not re.search(r"(\.\./shared|/work/|shared/seeds)", text)


def test_the_readme_links_the_guides_and_the_api_reference():
    links = set(local_links(ROOT / "README.md"))

    assert {"docs/learner-guide.md", "docs/operator-guide.md", "docs/api/README.md"} <= links
    for area in ("accounts", "catalog", "plans", "calendar"):
        assert f"docs/api/{area}.md" in links
