"""The shipped interface translations are complete, safe to format and compiled.

For every language in settings.LANGUAGES except English, steward/locale/<lang>/LC_MESSAGES/
django.po is read with a small parser below (standard library only) and must have:

* no untranslated and no fuzzy entry (in STEWARD_FULL_LANGUAGES every entry; in the other
  shipped languages every reporter-facing entry, as steward.core.i18n.is_reporter_facing
  decides from the entry's source references), and every plural form filled in (as many forms as the
  catalog's Plural-Forms header declares, which must be the one Django's own catalog uses);
* the same placeholders as the English text: %(name)s and %s / %d style conversions,
  {name} fields and HTML tags, and the same leading/trailing line breaks;
* a committed django.mo that holds exactly the translated entries of the .po. The .mo is read
  entry by entry with the standard library (the format is small) and its plural rule through
  gettext.GNUTranslations. Contents are compared rather than file times, because git does not
  keep modification times.

Catching strings added to the source but not to the catalogs: the test runs Django's own
makemessages (which drives xgettext, so it needs GNU gettext: skipped without it on a developer's machine,
a failure under `make test` and on CI) on a
throw-away copy of the steward package in a temporary directory, with LOCALE_PATHS pointed
there and --keep-pot, so the working tree is never written to. Every message of the resulting
django.pot must be in each catalog and every catalog message must still be in the source.
When this fails, run bin/update-translations, translate what it lists and run it again.
"""

from __future__ import annotations

import gettext
import io
import os
import re
import shutil
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import to_locale

from steward.core.i18n import is_reporter_facing
from tests.conftest import missing

LOCALE_DIR = Path(settings.BASE_DIR) / "steward" / "locale"
LANGS = [code for code, _name in settings.LANGUAGES if code != "en"]
FULL = set(settings.STEWARD_FULL_LANGUAGES)

# ---------------------------------------------------------------------------------------------
# A minimal .po reader


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def reporter_facing(self) -> bool:
        return any(is_reporter_facing(source) for source in self.sources)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def mo_key(self) -> str:
        """How msgfmt stores the entry's original in a .mo file."""
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"

    @property
    def mo_value(self) -> str:
        value = "\0".join(self.msgstr[i] for i in sorted(self.msgstr))
        return _without_pot_date(value) if self.msgid == "" else value

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgstr or current.msgid):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#:"):
                current.sources.extend(ref.rsplit(":", 1)[0] for ref in line[2:].split())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(line=number)
            value = _unquote(text)
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot], target = value, ("msgstr", slot)
            continue
        if line.startswith('"') and line.endswith('"') and current is not None and target is not None:
            value = _unquote(line[1:-1])
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


def header_fields(header: Entry) -> dict[str, str]:
    lines = header.msgstr.get(0, "").splitlines()
    return {name.strip(): value.strip() for name, _, value in (line.partition(":") for line in lines) if value}


def _without_pot_date(header: str) -> str:
    """msgfmt leaves POT-Creation-Date out of the compiled header."""
    return "".join(line for line in header.splitlines(keepends=True) if not line.startswith("POT-Creation-Date:"))


def read_mo(path: Path) -> dict[str, str]:
    """Every original → translation pair stored in a GNU .mo file."""
    data = path.read_bytes()
    (magic,) = struct.unpack("<I", data[:4])
    order = "<" if magic == 0x950412DE else ">"
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalog = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i:originals + 8 * i + 8])
        tlen, toff = struct.unpack(order + "2I", data[translations + 8 * i:translations + 8 * i + 8])
        catalog[data[ooff:ooff + olen].decode("utf-8")] = data[toff:toff + tlen].decode("utf-8")
    if "" in catalog:
        catalog[""] = _without_pot_date(catalog[""])
    return catalog


# ---------------------------------------------------------------------------------------------
# What a translation must keep from the English text

_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_BRACE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*\}(?!\})")
_TAG = re.compile(r"<[^<>\n]+>")


def placeholders(text: str) -> Counter[str]:
    found = Counter(m for m in _PRINTF.findall(text) if m != "%%")
    found.update(_BRACE.findall(text))
    found.update(_TAG.findall(text))
    return found


def _catalog(lang: str) -> tuple[Path, list[Entry]]:
    path = LOCALE_DIR / to_locale(lang) / "LC_MESSAGES" / "django.po"
    assert path.is_file(), f"{path} is missing; run bin/update-translations"
    entries = parse_po(path)
    assert entries and entries[0].msgid == "", f"{path} has no header"
    return path, entries


def _nplurals(header: Entry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header_fields(header).get("Plural-Forms", ""))
    assert match, "the catalog header has no Plural-Forms"
    return int(match.group(1))


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang: str) -> None:
    path, entries = _catalog(lang)
    header, messages = entries[0], entries[1:]
    nplurals = _nplurals(header)
    problems = []
    if "fuzzy" in header.flags:
        problems.append("the header is marked fuzzy")
    if lang not in FULL:  # reporter-facing text in every language; the staff interface may fall back to English
        messages = [entry for entry in messages if entry.reporter_facing]
    for entry in messages:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry}")
        if entry.msgid_plural is None:
            if not entry.msgstr.get(0):
                problems.append(f"untranslated: {entry}")
        elif sorted(entry.msgstr) != list(range(nplurals)) or not all(entry.msgstr.values()):
            problems.append(f"needs {nplurals} plural forms: {entry}")
    assert messages, f"{path} has no messages"
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_plural_forms_match_django(lang: str) -> None:
    """Django merges its own catalogs with ours; a different plural rule would split them."""
    _path, entries = _catalog(lang)
    ours = header_fields(entries[0]).get("Plural-Forms", "")
    django_po = Path(django.__file__).parent / "conf" / "locale" / to_locale(lang) / "LC_MESSAGES" / "django.po"
    if django_po.is_file():
        theirs = header_fields(parse_po(django_po)[0]).get("Plural-Forms", "")
        assert re.sub(r"\s+", "", ours) == re.sub(r"\s+", "", theirs)


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_placeholders(lang: str) -> None:
    path, entries = _catalog(lang)
    problems = []
    for entry in entries[1:]:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        expected = [placeholders(text) for text in sources]
        for slot, text in entry.msgstr.items():
            if not text:
                continue
            if placeholders(text) not in expected:
                problems.append(f"{entry} [{slot}]: {sorted(placeholders(text).elements())} "
                                f"instead of {sorted(expected[-1].elements())}")
            if text.startswith("\n") != entry.msgid.startswith("\n") or text.endswith("\n") != entry.msgid.endswith("\n"):
                problems.append(f"{entry} [{slot}]: leading or trailing line break differs")
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches(lang: str) -> None:
    path, entries = _catalog(lang)
    mo_path = path.with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing; run bin/update-translations"
    expected = {
        entry.mo_key: entry.mo_value
        for entry in entries
        if "fuzzy" not in entry.flags and entry.msgstr and all(entry.msgstr.values())
    }
    compiled = read_mo(mo_path)
    missing = sorted(key for key in expected if key not in compiled)
    stale = sorted(key for key in compiled if key not in expected)
    different = sorted(key for key in expected if key in compiled and compiled[key] != expected[key])
    assert not (missing or stale or different), (
        f"{mo_path} is out of date with {path.name}; run bin/update-translations\n"
        f"missing: {missing[:10]}\nno longer in the .po: {stale[:10]}\ndifferent: {different[:10]}"
    )
    with mo_path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    samples = [*range(1000), *(10**k for k in range(3, 10)), *(2 * 10**k for k in range(3, 10))]
    forms = {translations.plural(n) for n in samples}  # type: ignore[attr-defined]
    nplurals = _nplurals(entries[0])
    # Every form the rule yields exists; some rules (Russian, Polish) keep a form for
    # fractions that whole numbers never reach, so not every form need appear here.
    # That the rule is Django's own is test_plural_forms_match_django's job.
    assert forms <= set(range(nplurals)) and len(forms) >= min(nplurals, 2), "the compiled plural rule does not fit the header"


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str | None, str, str | None]]:
    absent = [tool for tool in ("xgettext", "msguniq", "msgmerge") if not shutil.which(tool)]
    if absent:
        missing(f"GNU gettext ({', '.join(absent)})", "install it (apt-get install gettext; `make test` does) "
                                                        "to extract the messages from the source")
    work = tmp_path_factory.mktemp("extract")
    shutil.copytree(
        Path(settings.BASE_DIR) / "steward", work / "steward",
        ignore=shutil.ignore_patterns("locale", "__pycache__", "static"),
    )
    out = work / "out"
    (out / "xx").mkdir(parents=True)
    previous = Path.cwd()
    os.chdir(work)
    try:
        with override_settings(LOCALE_PATHS=[str(out)]):
            call_command("makemessages", locale=["xx"], keep_pot=True, no_obsolete=True,
                         verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        os.chdir(previous)
    pot = out / "django.pot"
    assert pot.is_file(), "makemessages did not produce django.pot"
    return {entry.key for entry in parse_po(pot)[1:]}


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_covers_the_source(lang: str, source_messages: set[tuple[str | None, str, str | None]]) -> None:
    path, entries = _catalog(lang)
    catalogued = {entry.key for entry in entries[1:]}
    missing = sorted(source_messages - catalogued, key=str)
    gone = sorted(catalogued - source_messages, key=str)
    assert source_messages, "no messages were extracted from the source"
    assert not missing and not gone, (
        f"{path} is not in step with the source; run bin/update-translations and translate the new entries.\n"
        f"not in the catalog: {[key[1] for key in missing]}\nno longer in the source: {[key[1] for key in gone]}"
    )
