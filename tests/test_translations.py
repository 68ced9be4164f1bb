"""The French catalog is complete and compiled.

- Every string the code marks (``{% translate %}``, ``{% blocktranslate %}``,
  ``gettext`` and friends in accounts/, config/ and roadmaps/) has a French
  translation: ``scripts/translations --extract`` runs makemessages in a scratch
  copy of the code and the catalog it leaves has no empty and no fuzzy entry.
  A template that gains a string fails here until its French is written.
- The committed ``django.mo`` is the compiled ``django.po``: the same entries,
  read back with Python's own gettext. A .po edited without running
  ``scripts/translations`` fails here.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "fr" / "LC_MESSAGES"
SOURCES = ("accounts", "config", "roadmaps", "locale", "scripts", "manage.py")


@dataclass
class Entry:
    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return self.msgid if self.context is None else f"{self.context}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ``#~`` ones left out), the header included."""
    entries: list[Entry] = []
    entry, target = Entry(), None

    def finish():
        nonlocal entry, target
        if entry.msgstr:
            entries.append(entry)
        entry, target = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            text = ast.literal_eval(rest)
            if keyword == "msgctxt":
                target = "context"
            elif keyword == "msgid":
                target = "msgid"
            elif keyword == "msgid_plural":
                target = "msgid_plural"
            elif keyword == "msgstr":
                target = 0
            elif keyword.startswith("msgstr["):
                target = int(keyword[7:-1])
            else:
                raise AssertionError(f"unexpected line in {path}: {line}")
            if isinstance(target, int):
                entry.msgstr[target] = ""
            else:
                setattr(entry, target, "")
        if isinstance(target, int):
            entry.msgstr[target] += text
        else:
            setattr(entry, target, getattr(entry, target) + text)
    finish()
    return entries


def problems(entries: list[Entry]) -> list[str]:
    found = []
    for entry in entries:
        if entry.msgid == "":
            continue  # the header
        label = entry.msgid if entry.context is None else f"{entry.msgid} (context {entry.context})"
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {label}")
        elif any(not text for text in entry.msgstr.values()) or (entry.msgid_plural and len(entry.msgstr) < 2):
            found.append(f"no French: {label}")
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list[Entry]:
    """makemessages over a scratch copy of the code, merged into the committed catalog."""
    scratch = tmp_path_factory.mktemp("translations")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, scratch / name)
    environment = {**os.environ, "PYTHON": sys.executable, "DATA_DIR": str(scratch / "var")}
    result = subprocess.run(
        ["sh", "scripts/translations", "--extract"],
        cwd=scratch,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    # A machine without GNU gettext fails here, saying so: .ci/system-deps installs it.
    assert result.returncode == 0, result.stdout + result.stderr
    return read_po(scratch / "locale" / "fr" / "LC_MESSAGES" / "django.po")


def test_every_marked_string_of_the_code_has_a_french_translation(extracted):
    assert len(extracted) > 300  # the extraction found the templates and the Python files
    assert problems(extracted) == [], "run scripts/translations and write the French in locale/fr"


def test_the_committed_catalog_is_the_extracted_one(extracted):
    committed = {entry.key for entry in read_po(CATALOG / "django.po")}

    assert {entry.key for entry in extracted} == committed, "run scripts/translations and commit locale/"


def test_the_committed_catalog_has_french_for_every_entry():
    entries = read_po(CATALOG / "django.po")

    assert problems(entries) == []
    header = next(entry for entry in entries if entry.msgid == "").msgstr[0]
    assert "Language: fr\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header


def test_the_compiled_catalog_is_the_po_file():
    entries = [entry for entry in read_po(CATALOG / "django.po") if entry.msgid]
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog

    expected = {}
    for entry in entries:
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, index): text for index, text in entry.msgstr.items()})
    compiled_entries = {key: text for key, text in catalog.items() if key != ""}
    assert compiled_entries == expected, "django.mo is stale: run scripts/translations and commit it"


def test_the_reader_sees_plural_forms_contexts_and_continued_lines(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#, python-format\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s jour"\nmsgstr[1] ""\n\n'
        'msgctxt "task status"\nmsgid "Done"\nmsgstr "Termin"\n"ée"\n\n'
        '#, fuzzy\nmsgid "Old"\nmsgstr "Vieux"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Parti"\n',
        encoding="utf-8",
    )

    entries = read_po(po)

    assert [entry.key for entry in entries] == ["", "%(n)s day", "task status\x04Done", "Old"]
    assert entries[2].msgstr == {0: "Terminée"}
    assert problems(entries) == ["no French: %(n)s day", "fuzzy: Old"]
