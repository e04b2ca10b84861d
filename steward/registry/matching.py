"""The screening matcher: is this applicant someone in the violation registry?

Pure functions, no database. Two stages, as sanctions-screening engines have them:

1. Candidates. `index_keys` gives the plaintext keys of a registry person, `query_keys` those to
   look up for an applicant. The caller stores and looks up each key as a keyed blind index
   (`core.crypto.blind_index`), so a key is a deterministic string and a person has few of them
   (about 20 on average, see ``benchmarks/screening_eval.py``). Keys are recall-oriented: an
   applicant's keys meet the keys of every registry person they might be. Kinds of key:

   ``e:<address>`` an email address after the provider's rules (`canonical_email`), as its
   confusable skeleton; a second one without the ``+tag`` where the provider is unknown.
   ``a:<system>:<handle>`` an account, normalised for its system (`normalise_account`), as its
   skeleton: a look-alike handle has the same key as the handle it imitates.
   ``n:<code>|<code>`` two tokens of a name (sorted, so the order of the name does not count),
   each as a phonetic consonant code (`_code`) of a Latin reading of the name. A name key always
   combines two tokens: people sharing only a first name or only a family name share no key.
   Typos: the registry side also stores each pair with one letter deleted from one code
   (a deletion neighbourhood, as SymSpell does), and the applicant side asks for the same, so a
   name with one edit in one token still meets its original.
   ``w:<code>|<letter>`` one token's code (each of its first two spellings' codes) and the first letter of
   another, for any typos in that other token (a typo seldom changes a name's first letter); and the same
   with one letter after the first deleted from a code of three letters or more (stored for the main
   spelling, asked for every spelling), for a typo in each of the two tokens.
   ``n1:<code>`` a name of a single token (only when the subject has no longer name).

2. Scoring. `score` compares an applicant with one candidate and explains itself: each
   `Evidence` says which identifier or name matched, how (`How`) and with what score. The best
   evidence of each kind (email, account, name) is combined as independent signals
   (1 − ∏(1 − s)); part of a name in common is shown and adds nothing. A name counts only when both
   its family and its given name agree. A token agrees when its spelling is the same after the
   usual romanisations are evened out (`_spelling`, vowels kept), or with typos. A token may take
   typos on its own by its length (`_edits_allowed`): four letters or fewer none (Li/Lin, Kim/Kin,
   Wang/Yang are other names), five to seven letters one, eight or more two. One more typo, keeping the
   token's first letter (Hansen/Jansen is another name), is judged on the whole name (`_typos_kept`):
   kept when the name has at most one typo in four letters and no token more than one in three (Wed Zhang,
   Laua Thompso, Dmkniel Walker, Okga Kouznetsv; not Xud Che). Against a name read without short vowels
   (Arabic, Hebrew), a Latin spelling's typo is one consonant more or less (Kareem Sacid) or, from four
   consonants, one otherwise, the first letter kept; three consonants one otherwise is another name
   (Yusuf/Yoshida), and two readings of scripts take no typos (nobody typed them); a consonant more or less
   is also seen on the letters as written (Peret/prts), and a word whose first letter is not read (an initial
   ʿ or א: Othman, Azoulay) is also read with a vowel for it. Two typos in a token of five to seven letters are
   kept when its first two letters are (Kapok, Danio). The other-gender endings (Yuko/Yuka) do not apply
   between a Japanese name and a spelling that is none (Yamada/Yamady). The article written
   joined to the name (Alshami) is also left out. When both names are made of the syllables of one
   romanisation (pinyin, the Revised Romanization, Hepburn; or one is read from han, hangul or kana), a
   one-letter change between two of its syllables is another name (Zhou/Zhao, Jang/Kang, Yuko/Yoko, and
   a letter more or less in one syllable: Jin/Jing), not a typo; Yuri Sokolov is no such name. A name whose
   typos are kept still reaches the review band
   (`NAME_TYPO_SCORE`). A name alone never reaches `MATCH_THRESHOLD` (`NAME_CAP`): two people may
   share a full name, so a name match goes to human review; an email, an account or a name
   backed by another identifier makes a match. Below `REVIEW_THRESHOLD` is "none".
   Speed: a name's readings are computed once (cached by the string), each pair of tokens is compared
   once per pair of names and its spellings' best similarity is cached, a pair of readings that
   cannot beat the best already found is not searched, and two names in one character script are
   compared on their readings alone (not their other cuts).

Libraries, and why:
- ICU (PyICU through ``pyicu-wheels``, which bundles ICU itself, so nothing is compiled on
  install): ICU's SpoofChecker is the reference implementation of the UTS #39 confusable
  skeleton, on the Unicode data of its ICU release, and ICU's transforms give the standard
  romanisations (BGN/PCGN for Russian and Ukrainian, UNGEGN for Greek, ISO 15919 for Devanagari,
  and the consonantal readings of Arabic and Hebrew), read also as people write them: Russian ё as
  yo (Semyonov), Hindi ś and ṣ as sh (Joshi), Hebrew ח as h or ch (Mizrachi) and an initial י as y or
  j (Josef). The pure-Python confusables packages carry
  old data (Unicode 8 for ``confusables``) or detect confusable characters without giving a
  skeleton (``confusable-homoglyphs``).
- ``pypinyin``: Mandarin readings of Chinese names (pinyin and Wade–Giles) with its phrase data.
- ``pykakasi``: Japanese readings (Hepburn) of kanji and kana names, from its own dictionary.
- ``rapidfuzz``: edit distances and Jaro–Winkler in compiled code.
- ``idna``: IDNA 2008 with UTS #46 mapping for internationalised email domains.
Korean is romanised here by the Revised Romanization's own tables (a few lines, exact), with the
usual spellings of the common family names (Kim, Lee, Park, …) beside them.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import icu
import idna
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import OSA, JaroWinkler

if TYPE_CHECKING:
    from pypinyin import Style

MATCH_THRESHOLD = 0.9
REVIEW_THRESHOLD = 0.7
# A name alone (however exact) stays in the review band: two people can share a full name.
NAME_CAP = 0.88
# A name of one token (a mononym) is weak evidence on its own.
SINGLE_TOKEN_CAP = 0.6
# Only part of a name in common (a first name, a family name): kept well below review.
PARTIAL_FACTOR = 0.35
# Per token of the shorter name that matches nothing in the other.
UNMATCHED_PENALTY = 0.25
# Per token of the longer name that matches nothing in the shorter (a middle name left out).
LONGER_UNMATCHED_PENALTY = 0.08
# A token counts as matched from this similarity up.
TOKEN_MATCH = 0.75
# The same handle on another system is a hint, not an account match.
OTHER_SYSTEM_SCORE = 0.6

ACCOUNT_SYSTEMS = ("github", "gitlab", "matrix", "discourse", "slack", "bugzilla", "other")
EMAIL = "email"


@dataclass(frozen=True)
class Identifier:
    system: str  # "email", or an account system: github, gitlab, matrix, discourse, slack, bugzilla, other
    value: str


@dataclass(frozen=True)
class Subject:
    names: tuple[str, ...] = ()  # a name and its aliases, in any script
    identifiers: tuple[Identifier, ...] = ()


class Verdict(StrEnum):
    MATCH = "match"
    REVIEW = "review"
    NONE = "none"


class How(StrEnum):
    """How a piece of evidence matched; `label` is what a reviewer reads."""

    EXACT = "exact"
    CANONICAL_EMAIL = "canonical_email"
    SUBADDRESS = "subaddress"
    LOOKALIKE = "lookalike"
    OTHER_SYSTEM = "other_system"
    DIACRITICS = "diacritics"
    SPELLING = "spelling"
    TRANSLITERATED = "transliterated"
    REORDERED = "reordered"
    FUZZY = "fuzzy"
    PARTIAL = "partial"

    @property
    def label(self) -> str | Promise:
        return _HOW_LABELS[self]


_HOW_LABELS: dict[How, str | Promise] = {
    How.EXACT: _("exact"),
    How.CANONICAL_EMAIL: _("the same mailbox under the provider's rules (letter case, dots, +tags)"),
    How.SUBADDRESS: _("the same address without its +tag (the provider's rules are unknown)"),
    How.LOOKALIKE: _("look-alike characters"),
    How.OTHER_SYSTEM: _("the same name on another system"),
    How.DIACRITICS: _("the same letters without accents"),
    How.SPELLING: _("another spelling of the same name"),
    How.TRANSLITERATED: _("transliterated from another script"),
    How.REORDERED: _("the same names in another order"),
    How.FUZZY: _("a near spelling (one or two letters differ)"),
    How.PARTIAL: _("only part of the name"),
}


@dataclass(frozen=True)
class Evidence:
    kind: str  # "email" | "account" | "name"
    how: How
    applicant: str  # the applicant's value as given
    record: str  # the registry value it matched
    score: float  # 0..1


@dataclass(frozen=True)
class Match:
    score: float
    verdict: Verdict
    evidence: tuple[Evidence, ...]


# --- ICU and the other converters, one instance per thread (ICU objects are not shared across threads)

_local = threading.local()


def _icu(name: str) -> Any:
    cache: dict[str, Any] | None = getattr(_local, "icu", None)
    if cache is None:
        cache = _local.icu = {}
    found = cache.get(name)
    if found is None:
        found = cache[name] = (icu.SpoofChecker() if name == "spoof" else icu.Transliterator.createInstance(name))
    return found


def _kakasi() -> Any:
    converter = getattr(_local, "kakasi", None)
    if converter is None:
        import pykakasi  # pykakasi and pypinyin load their dictionaries on import: only when a name needs them

        converter = _local.kakasi = pykakasi.kakasi()  # type: ignore[no-untyped-call]
    return converter


def _translit(transform: str, text: str) -> str:
    return str(_icu(transform).transliterate(text))


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """UTS #39 skeleton of a case-folded string: two strings that look alike have the same skeleton."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", str(_icu("spoof").getSkeleton(0, folded))).casefold()


# --- Emails -----------------------------------------------------------------------------------
#
# Provider rules (what a provider ignores in the local part). Gmail ignores dots and +tags, and
# googlemail.com is gmail.com. Proton ignores dots, hyphens and underscores and +tags, and its
# domains are one account's names (proton.me, protonmail.com, protonmail.ch, pm.me). Apple's
# me.com and mac.com addresses are also the icloud.com address of the same account; iCloud, the
# Microsoft consumer domains (outlook, hotmail, live, msn), Fastmail and Yandex deliver +tags to
# the mailbox. Yahoo has no +tags: its disposable addresses ("base-keyword") use a base name
# chosen apart from the mailbox's name, so nothing can be stripped there. Elsewhere a +tag is
# probably a subaddress (Postfix, Google Workspace and most hosts use "+"), but not certainly:
# the address without it is a second key, matched in the review band (`How.SUBADDRESS`).


@dataclass(frozen=True)
class _Provider:
    domain: str | None = None  # the canonical domain, when several are one mailbox
    ignore: str = ""  # characters the local part ignores
    plus: bool = True  # +tags reach the mailbox


_GMAIL = _Provider(domain="gmail.com", ignore=".")
_PROTON = _Provider(domain="proton.me", ignore=".-_")
_ICLOUD = _Provider(domain="icloud.com")
_PLUS = _Provider()
_PROVIDERS: dict[str, _Provider] = {
    "gmail.com": _GMAIL, "googlemail.com": _GMAIL,
    "proton.me": _PROTON, "protonmail.com": _PROTON, "protonmail.ch": _PROTON, "pm.me": _PROTON,
    "icloud.com": _ICLOUD, "me.com": _ICLOUD, "mac.com": _ICLOUD,
    "msn.com": _PLUS, "fastmail.com": _PLUS, "fastmail.fm": _PLUS, "messagingengine.com": _PLUS,
    "yandex.ru": _PLUS, "yandex.com": _PLUS, "ya.ru": _PLUS,
    "yahoo.com": _Provider(plus=False),
}
_MICROSOFT = re.compile(r"^(outlook|hotmail|live)\.(com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$")
_YAHOO = re.compile(r"^(yahoo|ymail|rocketmail)\.")


@dataclass(frozen=True)
class EmailForm:
    folded: str  # case-folded, IDN domain in Unicode form
    canonical: str  # after the provider's rules
    base: str | None  # without a +tag the provider's rules do not cover (unknown providers)


@lru_cache(maxsize=65536)  # a few domains serve most addresses
def _domain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().rstrip(".")
    try:
        return str(idna.decode(idna.encode(text, uts46=True)))
    except (idna.IDNAError, UnicodeError):
        return text


@lru_cache(maxsize=65536)
def email_form(value: str) -> EmailForm | None:
    """The forms of an email address, or None when ``value`` is not one."""
    text = value.strip().removeprefix("mailto:").strip("<>").strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or " " in text or local.startswith("@"):
        return None
    local = unicodedata.normalize("NFKC", local).casefold()
    domain = _domain(domain)
    if not domain or "." not in domain:
        return None
    folded = f"{local}@{domain}"
    provider = _PROVIDERS.get(domain)
    if provider is None and _MICROSOFT.match(domain):
        provider = _PLUS
    if provider is None and _YAHOO.match(domain):
        provider = _Provider(plus=False)
    if provider is None:
        base_local = local.partition("+")[0]
        base = f"{base_local}@{domain}" if base_local and base_local != local else None
        return EmailForm(folded, folded, base)
    if provider.plus:
        local = local.partition("+")[0] or local
    for character in provider.ignore:
        local = local.replace(character, "")
    return EmailForm(folded, f"{local or folded.partition('@')[0]}@{provider.domain or domain}", None)


def canonical_email(value: str) -> str | None:
    form = email_form(value)
    return form.canonical if form else None


_EMAIL_SHAPE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")


def looks_like_email(value: str) -> bool:
    """Whether ``value`` is written as an email address (local@domain.tld). Syntactic only: nothing is looked up."""
    text = value.strip()
    if len(text) > 254 or not _EMAIL_SHAPE.match(text):
        return False
    local, _, domain = text.rpartition("@")
    if len(local) > 64 or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = _domain(domain).split(".")
    return len(labels) >= 2 and all(labels) and not labels[-1].isdigit()


# --- Accounts ---------------------------------------------------------------------------------

_AT_SYSTEMS = {"github", "gitlab", "discourse", "slack", "other"}


def normalise_account(system: str, value: str) -> str:
    """An account name as its system compares it: case-folded (NFKC), without the "@" a system shows.

    Matrix user IDs are ``@localpart:server``; both parts compare in lower case, and the "@" is
    added when missing. Bugzilla logins are email addresses (compared as such as well)."""
    text = unicodedata.normalize("NFKC", value.strip()).casefold()
    if system == "matrix":
        text = text if text.startswith("@") or ":" not in text else f"@{text}"
    elif system in _AT_SYSTEMS:
        text = text.removeprefix("@")
    return text


def _bare_handle(system: str, normalised: str) -> str:
    """The name part of an account, to compare across systems."""
    if system == "matrix":
        return normalised.removeprefix("@").partition(":")[0]
    return normalised


def _is_ascii(text: str) -> bool:
    return text.isascii()


# --- Names: readings ----------------------------------------------------------------------------
#
# A name is read into one or more Latin readings; a reading is a list of tokens, each with its
# spellings (the first is the one keys are made of). Particles (al, bin, van, de, …) are left out.

_LATIN_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d",
                                "þ": "th", "ı": "i", "ŋ": "ng", "ħ": "h", "ʼ": "", "'": "", "’": "", "`": ""})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_SPLIT = re.compile(r"[\s\-‐‑–—_.,/·・;:()\"“”]+")
_NOT_LETTER = re.compile(r"[^a-z]")
PARTICLES = frozenset({"al", "el", "ul", "bin", "ibn", "ben", "bint", "abu", "van", "von", "der", "den", "de", "del",
                       "della", "di", "da", "das", "dos", "do", "du", "la", "le", "ter", "ten", "zu", "y", "e", "mc"})
# "Abd al-Rahman", "Abdul Rahman", "Abdurrahman": the servant-of names are one token.
_ABD = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdu", "abdur", "abdus", "abdoul"})
_ARTICLES = frozenset({"al", "el", "ul", "ar", "as", "ad", "an", "at", "az", "ur", "us", "ud", "ut"})


@dataclass(frozen=True)
class _Token:
    forms: tuple[str, ...]  # ASCII spellings, the first the main one
    written: str  # the token as written (case-folded), to tell accents from transliteration
    codes: tuple[str, ...]  # `_code` of each form
    group: int = -1  # tokens cut from one written word (Jean-Pierre, Xiao Ming) share a group: matched together, in order
    length: int = 0  # for two words joined into one token, the shorter word's length (the typos it may take go by it)


@dataclass(frozen=True)
class _Reading:
    tokens: tuple[_Token, ...]
    script: str  # the script the name is written in ("latin", "cyrillic", "han", …)
    abjad: bool = False  # written without short vowels (Arabic, Hebrew): compared on consonants
    query_only: bool = False  # another cut of the same tokens (given name in syllables): looked up, not stored

    @functools.cached_property
    def systems(self) -> int:
        """The syllable systems every token is made of (`_syllabic`), computed once for the cached reading."""
        found = 0b111
        for token in self.tokens:
            found &= _syllabic(token.forms[0])
        return found


def _ascii(token: str) -> str:
    text = unicodedata.normalize("NFKD", token.casefold().translate(_LATIN_SPECIAL))
    return _NOT_LETTER.sub("", "".join(c for c in text if not unicodedata.combining(c)))


# The phonetic consonant code: what stays the same across the usual Latin spellings of a name
# (Dmitriy/Dmitry/Dmitrii, Mohammed/Muhammad, Yusuf/Youssef, Tchaikovsky/Chaikovskiy): digraphs
# become one sound, voiced and voiceless pairs merge, doubled letters count once, vowels (and y, w
# between vowels, h after the first letter) go.
_DIGRAPHS = [("tsch", "J"), ("shch", "S"), ("sch", "S"), ("tch", "J"), ("dzh", "J"), ("tsh", "S"), ("tzh", "S"),
             ("ch", "J"), ("sh", "S"),
             ("zh", "J"), ("dj", "J"), ("kh", "K"), ("gh", "K"), ("ph", "F"), ("th", "T"), ("dh", "T"),
             ("bh", "P"), ("ck", "K"), ("qu", "K"), ("cz", "J"), ("sz", "S"), ("tz", "S"), ("ts", "S"), ("x", "KS")]
_CLASSES = str.maketrans({"b": "p", "d": "t", "g": "k", "q": "k", "v": "f", "w": "f", "z": "s"})
_VOWELS = frozenset("aeiouy")
_SOFT_C = re.compile(r"c(?=[eiy])")


@lru_cache(maxsize=262144)
def _code(form: str) -> str:
    text = re.sub(r"(.)\1+", r"\1", form)
    for digraph, sound in _DIGRAPHS:  # a digraph's sound is written in capitals: it is not read again
        text = text.replace(digraph, sound)
    # a plain c is s before e, i, y and k elsewhere
    text = _SOFT_C.sub("S", text).replace("c", "K")
    out: list[str] = []
    previous = ""
    for index, char in enumerate(text):
        # vowels go, and h after the first letter (Mohammed/Muhammad/mhmd, Cohen/khn, Sarah/Sara)
        if char in _VOWELS or (char == "h" and index) or (char == "w" and 0 < index < len(text) - 1
                                                            and text[index - 1] in _VOWELS):
            previous = ""
            continue
        mapped = char.lower().translate(_CLASSES)
        if mapped != previous:  # "dt", "gk": one sound; the same consonant on both sides of a vowel stays twice
            out.append(mapped)
        previous = mapped
    code = "".join(out)
    return code if code else re.sub(r"(.)\1+", r"\1", form)


def _token(forms: Iterable[str], written: str, group: int = -1) -> _Token | None:
    unique = tuple(dict.fromkeys(f for f in forms if f))
    if not unique:
        return None
    return _Token(unique, written, tuple(_code(f) for f in unique), group)


def _script(text: str) -> str:
    counts: dict[str, int] = {}
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = name.split(" ", 1)[0]
        if script in {"CJK", "KANGXI"}:
            script = "HAN"
        elif script in {"HIRAGANA", "KATAKANA"}:
            script = "KANA"
        elif script == "HANGUL":
            script = "HANGUL"
        counts[script] = counts.get(script, 0) + 1
    if counts.get("KANA"):
        return "kana"
    if not counts:
        return "latin"
    return max(counts, key=lambda s: counts[s]).lower()


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text) if w]


def _latin_tokens(words: list[str], groups: list[int] | None = None) -> list[_Token]:
    """Tokens of Latin words: particles dropped, servant-of names joined. ``groups``: the written word each
    word was cut from (a hyphenated name)."""
    forms = [(_ascii(w), w.casefold()) for w in words]
    group_of = {written: -1 for _form, written in forms}
    for (_form, written), group in zip(forms, groups or [], strict=False):
        group_of[written] = group
    joined: list[tuple[str, str]] = []
    index = 0
    while index < len(forms):
        form, written = forms[index]
        if form in _ABD and index + 1 < len(forms):
            parts, writtens = [form], [written]
            index += 1
            if forms[index][0] in _ARTICLES and index + 1 < len(forms):
                parts.append(forms[index][0])
                writtens.append(forms[index][1])
                index += 1
            parts.append(forms[index][0])
            writtens.append(forms[index][1])
            joined.append(("".join(parts), " ".join(writtens)))
        elif form not in PARTICLES:
            joined.append((form, written))
        index += 1
    if not joined:  # a name made only of particles ("Le", "Da") is still a name
        joined = forms
    tokens = []
    for form, written in joined:
        alternatives = [form, *_korean_spellings().get(form, ())]
        umlauts = _ascii(written.translate(_UMLAUTS))
        if umlauts != form:
            alternatives.append(umlauts)
        token = _token(alternatives, written, group_of.get(written, -1))
        if token:
            tokens.append(token)
    return tokens


def _readings_of_latin(text: str, script: str = "latin") -> list[_Reading]:
    words = _words(text)
    hyphenated = [w for w in re.split(r"[\s,]+", text) if w]
    groups: list[int] = []
    for index, chunk in enumerate(hyphenated):
        parts = _words(chunk)
        groups.extend([index if len(parts) > 1 else -1] * len(parts))
    readings = [_Reading(tuple(_latin_tokens(words, groups if len(groups) == len(words) else None)), script)]
    # "Jean-Pierre", "Xiao-Ming", "Min-su": also read as one token
    if len(hyphenated) != len(words) and any("-" in w for w in hyphenated):
        joined = [w.replace("-", "") for w in hyphenated]
        readings.append(_Reading(tuple(_latin_tokens(joined)), script))
    return readings


def _with_alternatives(words: list[str], alternatives: dict[str, list[str]] | None = None) -> list[_Token]:
    tokens = []
    for word in words:
        forms = [_ascii(word)] + [_ascii(a) for a in (alternatives or {}).get(word, [])]
        token = _token(forms, word)
        if token:
            tokens.append(token)
    return tokens


def _drop_particles(tokens: list[_Token]) -> list[_Token]:
    kept = [t for t in tokens if t.forms[0] not in PARTICLES]
    return kept or tokens


def _readings_of_cyrillic(text: str) -> list[_Reading]:
    ukrainian = bool(set(text.casefold()) & set("іїєґ"))
    transform = "Ukrainian-Latin/BGN; Latin-ASCII" if ukrainian else "Russian-Latin/BGN; Latin-ASCII"
    words = _words(_translit(transform, text))
    # ё is written e by BGN and passports, and yo by most (Semyonov, Fyodorov, Solovyov)
    yo = _words(_translit(transform, text.replace("ё", "йо").replace("Ё", "Йо")))
    # BGN writes й as y and ий as iy; passports (ICAO) write i and ii: "Yuriy", "Iurii", "Yuri".
    alternatives = {w: [re.sub(r"(?<=[aeiou])y$", "i", re.sub(r"iy$", "i", w)), re.sub(r"iy$", "y", w),
                        *([o] if o != w else [])] for w, o in zip(words, yo if len(yo) == len(words) else words,
                                                                  strict=True)}
    # an initial Е is ye for BGN and e for passports (Yelena, Elena; Yevgeniy, Evgeny)
    for w, forms in alternatives.items():
        forms += [f[1:] for f in (w, *forms) if f[:2].casefold() == "ye"]
    tokens = _with_alternatives(words, alternatives)
    return [_Reading(tuple(_drop_particles(tokens)), "cyrillic")]


def _readings_of_greek(text: str) -> list[_Reading]:
    words = _words(_translit("Greek-Latin/UNGEGN; Latin-ASCII", text))
    # an initial χ is ch for UNGEGN and often h as written (Hristos, Haralampos)
    tokens = _with_alternatives(words, {w: ["h" + w[2:]] for w in words if w[:2].casefold() == "ch"})
    return [_Reading(tuple(tokens), "greek")]


def _abjad_words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.replace("ʿ", "").replace("ʾ", "").replace("'", "")) if w]


def _readings_of_arabic(text: str) -> list[_Reading]:
    # ta marbuta is an -a (or -ah) at the end of a name; the article al- is a separate particle.
    text = text.replace("ة", "ه").replace("ـ", "")
    words: list[str] = []
    # an ع that begins a word is not read; Latin spellings write a vowel for it (Othman, Umar): marked
    latin = re.sub(r"(?:(?<=\s)|^)[ʿʾ]", "\x03", _translit("Arabic-Latin", text))
    for word in _abjad_words(_translit("Latin-ASCII", latin)):
        if word.startswith("al") and len(word) > 4 and not (words and words[-1] in _ABD):
            words.extend(["al", word[2:]])
        else:
            words.append(word)
    silent = {w[1:] for w in words if w.startswith("\x03")}
    words = [w.removeprefix("\x03") for w in words]
    # و and ي are consonants (w, y) or long vowels (u, i); read both ways
    alternatives = {w: [w[:1] + w[1:].replace("w", "u").replace("y", "i"), w[:1] + w[1:].replace("w", "v")] for w in words}
    for w in silent:  # and with the vowel written for the unread letter, for a typo's first letter
        alternatives[w] += ["a" + w, "a" + alternatives[w][0]]
    tokens = _latin_tokens_from(words, alternatives)
    return [_Reading(tuple(tokens), "arabic", abjad=True)]


def _latin_tokens_from(words: list[str], alternatives: dict[str, list[str]]) -> list[_Token]:
    """Like `_latin_tokens` (particles, servant-of names) for words that are already transliterated."""
    out: list[_Token] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _ABD | {"bd", "abd"} and index + 1 < len(words):
            parts = ["abd"]
            index += 1
            if words[index] in _ARTICLES | {"l"} and index + 1 < len(words):
                parts.append("al")
                index += 1
            parts.append(words[index].removeprefix("al") if words[index].startswith("al") else words[index])
            joined = "".join(parts)
            token = _token([joined, joined.replace("abdal", "abdul")], " ".join(parts))
        elif word in PARTICLES:
            token = None
        else:
            token = _token([word, *alternatives.get(word, [])], word)
        if token:
            out.append(token)
        index += 1
    return out


def _readings_of_hebrew(text: str) -> list[_Reading]:
    # צ is ts (not a z that would make "zh" with a following ח); an א that begins a word is a vowel, so a ב
    # after it stands inside the word (Avraham); ח is marked to be read h or ch
    latin = _translit("Hebrew-Latin", text).replace("ẕ", "ts").replace("ẖ", "\x02")
    # an א or ע that begins a word is not read (Azoulay, Ashkenazi, Amit): marked, the mark kept apart
    latin = re.sub(r"(?:(?<=\s)|^)[ʼʻ]", "\x03", re.sub(r"(?:(?<=\s)|^)ʼb", "ʼ\x01", latin))
    marked = _abjad_words(_translit("Latin-ASCII", latin).replace("'", ""))
    words = [w.removeprefix("\x03") for w in marked]
    alternatives: dict[str, list[str]] = {}
    for w, mark in zip(words, marked, strict=True):
        hard = w.replace("\x01", "b")
        # ב כ פ are b k p or (soft) v kh f; ו is v or a vowel
        forms = [hard[:1] + hard[1:].replace("w", "v"),
                 w.replace("\x01", "v")[:1] + hard[1:].replace("b", "v").replace("k", "kh").replace("p", "f").replace("w", "u"),
                 vowels := hard.replace("p", "f").replace("w", "o").replace("y", "i")]
        if "\x02" in w:  # ח also written ch (Mizrachi, Rachel, Chaim), not after ts (Yitzhak)
            forms.append(re.sub("(?<!ts)\x02", "ch", hard))
        if hard.startswith("y") and vowels[1:2] in ("a", "e", "o", "u"):  # an initial י also j (Josef, Jakob)
            forms.append("j" + vowels[1:])
        if mark.startswith("\x03"):  # and with the vowel written for the unread letter
            forms += ["a" + forms[0], "a" + vowels]
        alternatives[hard.replace("\x02", "h")] = [f.replace("\x02", "h") for f in forms]
    words = [w.replace("\x01", "b").replace("\x02", "h") for w in words]
    tokens = _with_alternatives(words, alternatives)
    return [_Reading(tuple(tokens), "hebrew", abjad=True)]


def _readings_of_devanagari(text: str) -> list[_Reading]:
    # ISO 15919 ś and ṣ are "sh" in Hindi names (Joshi, Sharma, Vishnu), also written s (Srivastava)
    latin = _translit("Devanagari-Latin", text)
    plain = _words(_translit("Latin-ASCII", latin))
    words = _words(_translit("Latin-ASCII", latin.replace("ś", "sh").replace("ṣ", "sh")))
    if len(plain) != len(words):
        plain = words
    # ISO 15919 c is "ch"; Hindi drops the inherent vowel at the end of a word (rahula → Rahul)
    words = [w.replace("c", "ch") for w in words]
    plain = [w.replace("c", "ch") for w in plain]
    # and an anusvara before h is written "ng" (सिंह: sinha, Singh)
    alternatives = {w: [re.sub(r"(?<=[^aeiou])a$", "", w), re.sub(r"(?<=[^aeiou])a$", "", w.replace("nh", "ngh")),
                        *([s, re.sub(r"(?<=[^aeiou])a$", "", s)] if s != w else [])]
                    for w, s in zip(words, plain, strict=True)}
    tokens = _with_alternatives(words, alternatives)
    return [_Reading(tuple(tokens), "devanagari")]


# Chinese family names: the two-character ones, and those read otherwise than the character's
# most common reading.
_COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                                "夏侯", "轩辕", "令狐", "端木", "歐陽", "諸葛", "長孫", "軒轅", "單于", "单于", "申屠", "西门"})
_SURNAME_READINGS = {"曾": "zeng", "单": "shan", "單": "shan", "解": "xie", "区": "ou", "區": "ou", "仇": "qiu", "朴": "piao",
                     "查": "zha", "乐": "yue", "樂": "yue", "覃": "qin", "盖": "ge", "蓋": "ge", "缪": "miao", "繆": "miao",
                     "翟": "zhai", "种": "chong", "召": "shao", "长孙": "zhangsun", "尉迟": "yuchi",
                     "万俟": "moqi", "单于": "chanyu", "重": "chong", "华": "hua", "華": "hua", "燕": "yan", "葛": "ge"}


def _pinyin(text: str, style: Style) -> list[str]:
    from pypinyin import lazy_pinyin

    return [re.sub(r"[^a-z]", "", s.casefold()) for s in lazy_pinyin(text, style=style, errors="ignore")]


def _readings_of_han(text: str) -> list[_Reading]:
    from pypinyin import Style

    words = [w for w in _SPLIT.split(text) if w]
    if len(words) >= 2:
        family, given = words[0], "".join(words[1:])
    else:
        family = text[:2] if text[:2] in _COMPOUND_SURNAMES else text[:1]
        given = text[len(family):]
    readings: list[_Reading] = []
    for style in (Style.NORMAL, Style.WADEGILES):
        family_reading = _SURNAME_READINGS.get(family) if style is Style.NORMAL else None
        family_syllables = [family_reading] if family_reading else _pinyin(family, style)
        given_syllables = _pinyin(given, style)
        family_token = _token(["".join(family_syllables)], family)
        given_token = _token(["".join(given_syllables)], given)
        tokens = [t for t in (family_token, given_token) if t]
        readings.append(_Reading(tuple(tokens), "han"))
        if len(given_syllables) > 1 and family_token:  # "Xiao Ming Wang"
            split = [_token([s], s, 1) for s in given_syllables]
            readings.append(_Reading((family_token, *[t for t in split if t]), "han", query_only=True))
    readings.extend(_readings_of_japanese(text, script="han"))
    return readings


def _long_vowels(form: str) -> str:
    return form.replace("ou", "o").replace("oo", "o").replace("uu", "u").replace("aa", "a")


def _readings_of_japanese(text: str, script: str = "kana") -> list[_Reading]:
    converted = [s for s in _kakasi().convert(text) if s["orig"].strip()]
    if script == "han" and (len(converted) > 2 or any(not _ascii(s["hepburn"]) for s in converted)):
        return []  # not read as a Japanese name (a family name and a given name, every character read)
    words = [w for s in converted for w in _SPLIT.split(s["hepburn"]) if w]
    tokens = []
    for word in words:
        form = _ascii(word)
        token = _token([_long_vowels(form), form, form.replace("ou", "oh")], word)
        if token:
            tokens.append(token)
    return [_Reading(tuple(tokens), script)]


# Revised Romanization of Korean (2000): initials, vowels and finals of a syllable block.
_RR_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_RR_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
              "eu", "ui", "i"]
_RR_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng",
              "t", "t", "k", "t", "p", "t"]
# The usual spellings of the common family names, beside their Revised Romanization.
_KOREAN_SURNAMES = {
    "김": ["kim"], "이": ["lee", "yi", "rhee", "ri"], "리": ["lee", "ri"], "박": ["park", "pak"], "최": ["choi", "chey"],
    "정": ["jung", "chung", "cheong"], "강": ["kang"], "조": ["cho", "jo"], "윤": ["yoon", "yun"], "장": ["jang", "chang"],
    "임": ["lim", "im", "rim"], "한": ["han"], "오": ["oh"], "서": ["seo", "suh"], "신": ["shin", "sin"], "권": ["kwon"],
    "황": ["hwang"], "안": ["ahn", "an"], "송": ["song"], "류": ["ryu", "yoo", "yu"], "유": ["yoo", "yu"],
    "전": ["jeon", "jun", "chun"], "홍": ["hong"], "고": ["ko", "koh"], "문": ["moon", "mun"], "양": ["yang"],
    "손": ["son", "sohn"], "배": ["bae"], "백": ["baek", "paik", "paek"], "허": ["heo", "hur", "huh"], "노": ["noh", "roh"],
    "남": ["nam"], "심": ["shim", "sim"], "하": ["ha"], "곽": ["kwak"], "성": ["sung", "seong"], "차": ["cha"],
    "주": ["joo", "ju", "chu"], "우": ["woo"], "구": ["koo", "ku"], "민": ["min"], "나": ["na", "ra"], "진": ["jin", "chin"],
    "지": ["ji", "chi"], "엄": ["eom", "um"], "채": ["chae"], "원": ["won"], "천": ["cheon", "chun"], "방": ["bang"],
    "공": ["kong"], "현": ["hyun"], "변": ["byun", "byeon"], "염": ["yeom", "yum"], "여": ["yeo"], "추": ["choo", "chu"],
    "도": ["do", "doh"], "석": ["seok", "suk"], "선": ["sun", "seon"], "설": ["seol", "sul"], "길": ["gil", "kil"],
    "표": ["pyo"], "명": ["myung", "myeong"], "기": ["ki", "gi"], "반": ["ban"], "왕": ["wang"], "금": ["keum", "geum"],
    "육": ["yuk", "yook"], "인": ["in"], "제": ["je", "jae"], "탁": ["tak"], "국": ["kook", "guk"],
}
@lru_cache(maxsize=1)
def _korean_spellings() -> dict[str, tuple[str, ...]]:
    """A Latin spelling of a Korean family name, and the other spellings of that name (Yi: Lee, Rhee, I, …)."""
    found: dict[str, set[str]] = {}
    for hangul, usual in _KOREAN_SURNAMES.items():
        spellings = {_rr(hangul), *usual}
        for spelling in spellings:
            found.setdefault(spelling, set()).update(spellings - {spelling})
    return {spelling: tuple(sorted(others)) for spelling, others in found.items()}


_KOREAN_COMPOUND_SURNAMES = frozenset({"남궁", "황보", "제갈", "사공", "선우", "서문", "독고", "동방"})


def _rr_syllable(char: str) -> str:
    index = ord(char) - 0xAC00
    if not 0 <= index < 11172:
        return _ascii(char)
    initial, rest = divmod(index, 588)
    vowel, final = divmod(rest, 28)
    return _RR_INITIALS[initial] + _RR_VOWELS[vowel] + _RR_FINALS[final]


def _rr(text: str) -> str:
    """Revised Romanization of a word, syllable by syllable (names are romanised without sound changes)."""
    out = ""
    for char in text:
        syllable = _rr_syllable(char)
        # ㄹ is r before a vowel, l at a syllable's end (and ll when doubled)
        if syllable.startswith("r") and out.endswith("l"):
            syllable = "l" + syllable[1:]
        out += syllable
    return out


def _readings_of_hangul(text: str) -> list[_Reading]:
    words = [w for w in _SPLIT.split(text) if w]
    if len(words) >= 2:
        family, given = words[0], "".join(words[1:])
    else:
        family = text[:2] if text[:2] in _KOREAN_COMPOUND_SURNAMES else text[:1]
        given = text[len(family):]
    family_rr = _rr(family)
    usual = _KOREAN_SURNAMES.get(family, [])
    given_rr = _rr(given)
    given_token = _token([given_rr], given)
    family_token = _token([family_rr, *usual], family)
    return [_Reading(tuple(t for t in (family_token, given_token) if t), "hangul")]


def _readings_of_other(text: str, script: str) -> list[_Reading]:
    return _readings_of_latin(_translit("Any-Latin; Latin-ASCII", text), script)


@lru_cache(maxsize=65536)
def readings(name: str) -> tuple[_Reading, ...]:
    text = unicodedata.normalize("NFKC", name).strip()
    if not text:
        return ()
    script = _script(text)
    found: list[_Reading]
    if script == "latin":
        found = _readings_of_latin(text)
    elif script == "cyrillic":
        found = _readings_of_cyrillic(text)
    elif script == "greek":
        found = _readings_of_greek(text)
    elif script == "arabic":
        found = _readings_of_arabic(text)
    elif script == "hebrew":
        found = _readings_of_hebrew(text)
    elif script == "devanagari":
        found = _readings_of_devanagari(text)
    elif script == "han":
        found = _readings_of_han(text)
    elif script == "kana":
        found = _readings_of_japanese(text)
    elif script == "hangul":
        found = _readings_of_hangul(text)
    else:
        found = _readings_of_other(text, script)
    return tuple(r for r in dict.fromkeys(found) if r.tokens)


# --- Keys -------------------------------------------------------------------------------------

def _deletions(code: str) -> set[str]:
    """The code and the codes one letter shorter (for codes of two letters or more)."""
    if len(code) < 2:
        return {code}
    return {code} | {code[:i] + code[i + 1:] for i in range(len(code))}


def _later_deletions(code: str) -> set[str]:
    """The code and the codes with one letter after the first deleted (a typo seldom changes the first)."""
    return {code} | {code[:i] + code[i + 1:] for i in range(1, len(code))}


def _pair(a: str, b: str) -> str:
    return "n:" + "|".join(sorted((a, b)))


def _identifier_keys(identifier: Identifier) -> set[str]:
    keys: set[str] = set()
    system = identifier.system.strip().casefold()
    form = email_form(identifier.value) if system != "matrix" else None
    if form is not None:
        keys.add("e:" + skeleton(form.canonical))
        if form.base:
            keys.add("e:" + skeleton(form.base))
    if system != EMAIL:
        handle = normalise_account(system, identifier.value)
        if handle:
            keys.add(f"a:{system}:{skeleton(handle)}")
    return keys


def _name_codes(reading: _Reading, *, query: bool) -> list[list[str]]:
    """Per token, the codes of its spellings (the main spelling's first; at most four stored)."""
    return [list(dict.fromkeys(t.codes))[:None if query else 4] for t in reading.tokens[:6]]


def _joined_variants(reading: _Reading) -> Iterator[_Reading]:
    """The reading, and (for three tokens or more) the readings with two neighbouring tokens joined."""
    yield reading
    tokens = reading.tokens
    if len(tokens) >= 3:
        for i in range(len(tokens) - 1):
            a, b = tokens[i], tokens[i + 1]
            joined = _token([a.forms[0] + b.forms[0]], f"{a.written} {b.written}")
            if joined:
                joined = dataclasses.replace(joined, length=min(len(a.forms[0]), len(b.forms[0])))
                yield _Reading((*tokens[:i], joined, *tokens[i + 2:]), reading.script, reading.abjad)


def _name_keys(names: Iterable[str], *, query: bool) -> set[str]:
    keys: set[str] = set()
    single: set[str] = set()
    longest = 0
    for name in names:
        for base in readings(name):
            if base.query_only and not query:
                continue
            for reading in (_joined_variants(base) if query else [base]):
                codes = _name_codes(reading, query=query)
                longest = max(longest, len(codes))
                if len(codes) == 1:
                    single.update(codes[0])
                initials = [list(dict.fromkeys(f[0] for f in t.forms))[:None if query else 1] for t in reading.tokens[:6]]
                for i, j in itertools.permutations(range(len(codes)), 2):
                    # any typos in one token: the other token's code with the first letter of this one
                    keys.update(f"w:{a}|{initial}" for a in codes[i][:None if query else 2] for initial in initials[j])
                    # and typos in both tokens: a code of three letters or more with one letter after its first
                    # deleted (SymSpell's deletion neighbourhood; stored for the main spelling), as above
                    keys.update(f"w:{d}|{initial}" for a in codes[i][:None if query else 1] if len(a) >= 3
                                for d in _later_deletions(a) for initial in initials[j])
                for i, j in itertools.combinations(range(len(codes)), 2):
                    for a, b in itertools.product(codes[i], codes[j]):
                        keys.add(_pair(a, b))
                    # one edit in one token: stored for the main spellings, asked for every spelling
                    for a, b in itertools.product(codes[i], codes[j]) if query else [(codes[i][0], codes[j][0])]:
                        keys.update(_pair(variant, b) for variant in _deletions(a))
                        keys.update(_pair(a, variant) for variant in _deletions(b))
                        if query:  # and a deleted letter on both sides meets a substitution
                            keys.update(_pair(x, y) for x, y in itertools.product(_deletions(a), _deletions(b)))
    if query or longest < 2:
        keys.update("n1:" + code for code in single)
    return keys


def index_keys(subject: Subject) -> set[str]:
    """Plaintext candidate keys of a registry person (to store as blind indexes)."""
    keys: set[str] = set()
    for identifier in subject.identifiers:
        keys |= _identifier_keys(identifier)
    return keys | _name_keys(subject.names, query=False)


def query_keys(subject: Subject) -> set[str]:
    """Plaintext keys to look up for an applicant: a superset of the keys their registry record would have."""
    keys: set[str] = set()
    for identifier in subject.identifiers:
        keys |= _identifier_keys(identifier)
    return keys | _name_keys(subject.names, query=True)


# --- Scoring: identifiers -----------------------------------------------------------------------

_HOW_RANK = {How.FUZZY: 6, How.TRANSLITERATED: 5, How.SPELLING: 4, How.LOOKALIKE: 4, How.DIACRITICS: 3,
             How.REORDERED: 2, How.EXACT: 1, How.PARTIAL: 7}


def _email_evidence(a: Identifier, b: Identifier) -> Evidence | None:
    fa, fb = email_form(a.value), email_form(b.value)
    if fa is None or fb is None:
        return None
    if fa.folded == fb.folded:
        return Evidence("email", How.EXACT, a.value, b.value, 1.0)
    if fa.canonical == fb.canonical:
        return Evidence("email", How.CANONICAL_EMAIL, a.value, b.value, 1.0)
    if skeleton(fa.canonical) == skeleton(fb.canonical):
        look = 0.95 if not (_is_ascii(fa.canonical) and _is_ascii(fb.canonical)) else 0.8
        return Evidence("email", How.LOOKALIKE, a.value, b.value, look)
    bases_a = {fa.canonical, fa.base} - {None}
    bases_b = {fb.canonical, fb.base} - {None}
    if bases_a & bases_b:
        return Evidence("email", How.SUBADDRESS, a.value, b.value, 0.85)
    return None


def _account_evidence(a: Identifier, b: Identifier) -> Evidence | None:
    sa, sb = a.system.strip().casefold(), b.system.strip().casefold()
    if sa == EMAIL or sb == EMAIL:
        return None
    na, nb = normalise_account(sa, a.value), normalise_account(sb, b.value)
    if not na or not nb:
        return None
    if sa == sb:
        if na == nb:
            return Evidence("account", How.EXACT, a.value, b.value, 1.0)
        if skeleton(na) == skeleton(nb):
            # a look-alike letter from another script is a disguise; ASCII look-alikes (l/1, rn/m) may be chance
            look = 0.95 if not (_is_ascii(na) and _is_ascii(nb)) else 0.8
            return Evidence("account", How.LOOKALIKE, a.value, b.value, look)
        return None
    ba, bb = _bare_handle(sa, na), _bare_handle(sb, nb)
    if len(ba) >= 3 and skeleton(ba) == skeleton(bb) and not (email_form(a.value) or email_form(b.value)):
        return Evidence("account", How.OTHER_SYSTEM, f"{sa}: {a.value}", f"{sb}: {b.value}", OTHER_SYSTEM_SCORE)
    return None


# --- Scoring: names -----------------------------------------------------------------------------

def _gendered(x: str, y: str) -> bool:
    """Masculine and feminine forms of one name: Ivanov/Ivanova, Mario/Maria, Daniel/Daniela, Kowalski/Kowalska."""
    if len(x) > len(y):
        x, y = y, x
    if y in (x + "a", x + "ova", x + "aya") or (x.endswith("sky") and y == x[:-1] + "aya"):
        return True
    if len(x) == len(y) >= 4 and x[:-1] == y[:-1] and {x[-1], y[-1]} in ({"a", "o"}, {"a", "e"}, {"a", "y"}):
        return (_syllables(x, _HEPBURN) > 0) == (_syllables(y, _HEPBURN) > 0)
    return len(x) >= 4 and len(y) == len(x) + 2 and y.startswith(x[:-1]) and x.endswith("y") and y.endswith("aya")


# The spelling of a token with what varies between the usual romanisations of one sound evened out, the
# vowels kept (a short token is compared on this alone): "oo" is u (Yoon/Yun, Pooja/Puja), "ou" a long o
# (Tarou/Taro) or u (Mansour/Mansur), y inside a word i (Sergey/Sergei, Natalya/Natalia), h after a vowel
# at the end goes (Sarah, Satoh), doubled letters count once, "ph" is f, "kh" h (Mikhail/Mihail), Wade-Giles "hs" x (Hsu/Xu), a hard c k
# (Cohen/Kohen), "x" ks (Alexei/Aleksey), voiced and voiceless pairs one letter (Kim/Gim, Ding/Ting).
_SPELLING_RULES = [(re.compile(pattern), replacement) for pattern, replacement in [
    (r"^hs", "x"), (r"x", "ks"), (r"ph", "f"), (r"kh", "h"), (r"tch|tsch|sch", "sh"), (r"shch", "sh"), (r"ck", "k"),
    (r"c(?=[eiy])", "s"), (r"c(?!h)", "k"), (r"q", "k"), (r"^gi(?=[aeou])", "y"), (r"^i(?=[aeou])", "y"),
    (r"(?<=.)y", "i"), (r"([aeiou])h$", r"\1"), (r"ch|zh|j|dj|dzh", "j"), (r"ts|tz|dz", "z"),
    (r"oo", "u"), (r"ee", "i"), (r"eo", "u")]]
_VOICING = str.maketrans({"b": "p", "d": "t", "g": "k", "v": "f", "z": "s", "w": "f"})


@lru_cache(maxsize=262144)
def _spelling(form: str) -> tuple[str, ...]:
    """The spelling evened out; "ou" read both as a long o (Tarou, Youko) and as u (Youssef, Mansour)."""
    text = form
    for pattern, replacement in _SPELLING_RULES:
        text = pattern.sub(replacement, text)
    text = text.translate(_VOICING)
    return tuple(dict.fromkeys(re.sub(r"(.)\1+", r"\1", text.replace("ou", vowel)) for vowel in ("o", "u")))


def _edits_allowed(shortest: int) -> int:
    """Typos a token may take on its own, by its length: a short token none (Li/Lin, Kim/Kin, Wang/Yang are
    other names), one from five letters, two from eight. The name as a whole may allow more (`_typos_kept`)."""
    return 0 if shortest <= 4 else 1 if shortest <= 7 else 2


def _edits_tried(shortest: int) -> int:
    """Typos looked for in a token of three letters or more: one more than it may take on its own (kept only
    when the name as a whole allows them, `_typos_kept`)."""
    return _edits_allowed(shortest) + 1 if shortest >= 3 else 0


# A typo beyond a token's own allowance scores below a spelling (an exact reading is preferred to it), and a
# name whose typos are kept still reaches the review band (NAME_CAP * NAME_TYPO_SCORE >= REVIEW_THRESHOLD).
NAME_TYPO_SCORE = 0.81


def _consonants(form: str) -> str:
    """The letters of a spelling without its vowels, doubled letters once (no sounds merged)."""
    return re.sub(r"(.)\1+", r"\1", form[:1] + re.sub(r"[aeiou]", "", form[1:]))


def _abjad_code(form: str) -> str:
    """The consonant code, an initial y counted (a consonant in Arabic and Hebrew: Yusuf, not Yamamoto/mhmd)."""
    return "y" + _code(form[1:]) if form.startswith("y") and len(form) > 1 else _code(form)


# Syllables of the romanisations of character scripts: pinyin and Wade-Giles, the Revised Romanization (with
# the usual spellings of family names) and Hepburn. A short token that is one letter from another short token
# and both are syllables of one system are two names (Zhou/Zhao, Jang/Kang, Yuko/Yoko), not a typo.
_HEPBURN = frozenset({*"aiueo", "n", *(c + v for c in "kgzdnhbpmr" for v in "aiueo"), "sa", "su", "se", "so", "shi",
                      "ta", "te", "to", "chi", "tsu", "fu", "ji", "ya", "yu", "yo", "wa", "wo",
                      *(c + v for c in ("ky", "gy", "sh", "ch", "j", "ny", "hy", "by", "py", "my", "ry") for v in "auo")})


@lru_cache(maxsize=1)
def _syllable_systems() -> tuple[frozenset[str], ...]:
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict

    first: dict[str, str] = {}
    for codepoint, readings_of_character in pinyin_dict.items():
        for reading in readings_of_character.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFKD", reading) if not unicodedata.combining(c))
            first.setdefault(plain.replace("ü", "v"), chr(codepoint))
    pinyin = frozenset(first) - {"m", "n", "ng", "hm", "hng", "ê"}  # interjections, not syllables of names
    wade_giles = frozenset(_pinyin("".join(first.values()), Style.WADEGILES))
    korean = frozenset({_rr_syllable(chr(0xAC00 + i)) for i in range(11172)} | set(_korean_spellings()))
    return pinyin | wade_giles, korean, _HEPBURN


def _syllables(form: str, system: frozenset[str]) -> int:
    """The fewest syllables of the system ``form`` is made of, 0 when it is not made of them."""
    fewest = {0: 0}
    for end in range(1, len(form) + 1):
        counts = [fewest[start] + 1 for start in range(max(0, end - 6), end)
                  if start in fewest and form[start:end] in system]
        if counts:
            fewest[end] = min(counts)
    return fewest.get(len(form), 0)


@lru_cache(maxsize=65536)
def _syllabic(form: str) -> int:
    """The syllable systems (a bit each: Chinese, Korean, Japanese) ``form`` is made of."""
    return sum(1 << k for k, system in enumerate(_syllable_systems()) if _syllables(form, system))


def _other_syllables(x: str, y: str, systems: int = 0b111) -> bool:
    """Both the same number of syllables of one of ``systems`` (a bit each, `_syllabic`): two names of that
    system. Korean syllables end in consonants, so almost any word cuts into them: there, only a token of one
    syllable counts."""
    chinese, korean, japanese = _syllable_systems()
    if len(x) != len(y):  # a letter more or less: another name only for a syllable (Jin/Jing), else a typo (Naomi/Nomi)
        return (systems & 2 != 0 and x in korean and y in korean) or any(
            systems & bit != 0 and _syllables(x, system) == _syllables(y, system) == 1
            for bit, system in ((1, chinese), (4, japanese)))
    return (systems & 2 != 0 and x in korean and y in korean) or any(
        systems & bit != 0 and 0 < _syllables(x, system) == _syllables(y, system)
        for bit, system in ((1, chinese), (4, japanese)))


def _typo_score(distance: int, allowed: int) -> float:
    if distance > allowed:
        return NAME_TYPO_SCORE
    return 0.85 if distance == 1 else 0.8


@lru_cache(maxsize=262144)
def _form_similarity(x: str, y: str, abjad: bool | None, spellings: bool, allowed: int, tried: int,
                     syllabic: int, typed: bool) -> tuple[float, How, int, bool]:
    """How alike two spellings of a name token are, and the typos that takes. ``spellings``: other spellings
    of one sound count (not between two readings made by the same transliteration, which spells a name one
    way). ``abjad`` None: two readings of a character script (a different character is a different name).
    ``allowed``: the typos the token may take on its own (`_edits_allowed`); ``tried``: those looked for; a typo
    beyond ``allowed`` keeps the first letter (a typo seldom changes it: Hansen/Jansen, Karim/Maryam are other
    names). ``syllabic``: the syllable systems both names are made of (`_syllabic_names`), where a short
    token one letter from another of as many syllables is another name (Yuko/Yoko), not a typo. ``typed``: one
    of the two is written in Latin letters (typos are made there, not between two readings of scripts)."""
    if x == y:
        return 1.0, How.EXACT, 0, True
    if _gendered(x, y):
        return 0.5, How.PARTIAL, 0, False
    low = 0.6 * JaroWinkler.similarity(x, y), How.PARTIAL, 0, False
    if abjad is None:
        return low
    if not spellings:  # two readings by one transliteration: no other spellings, typos by length
        distance = OSA.distance(x, y, score_cutoff=tried)
        if distance > allowed and (x[0] != y[0] or _other_syllables(x, y, syllabic)):
            return low
        return (_typo_score(distance, allowed), How.FUZZY, distance, x[:2] == y[:2]) if distance <= tried else low
    sx, sy = _spelling(x), _spelling(y)
    if set(sx) & set(sy):
        return 0.95, How.SPELLING, 0, True
    if abjad:  # written without short vowels: compared on consonants
        cx, cy = _abjad_code(x), _abjad_code(y)
        if cx == cy and len(cx) >= 2:
            return 0.92, How.SPELLING, 0, True
        if cx == cy and max(len(x), len(y)) >= 3:  # one consonant in common (Ali, Noa; not a syllable, "li"): weaker
            return 0.8, How.SPELLING, 0, True
        # a typo in a Latin spelling: one consonant more or less (Sacid/syd), or from four consonants one
        # otherwise; the first letter kept (or a vowel for a vowel: Ibrahim/ʾbrahym). Three consonants one
        # otherwise, or another first letter, is another name (Yusuf/Yoshida ysf/yst, Karim/Maryam, Kohen/Sahin)
        if typed and (x[0] == y[0] or {x[0], y[0]} <= _VOWELS) and OSA.distance(cx, cy, score_cutoff=1) <= 1 and (
                min(len(cx), len(cy)) >= 4 or (len(cx) != len(cy) and max(len(cx), len(cy)) >= 3)):
            return _typo_score(1, allowed), How.FUZZY, 1, False
        if typed and x[0] == y[0]:
            rx, ry = _consonants(x), _consonants(y)
            if len(rx) != len(ry) and max(len(rx), len(ry)) >= 3 and OSA.distance(rx, ry, score_cutoff=1) <= 1:
                return _typo_score(1, allowed), How.FUZZY, 1, False
    # beyond the token's own allowance, a typo keeps the first letter: the fewest typos, and those keeping it
    distance = kept = lead = OSA.distance(x, y, score_cutoff=tried + 1)
    if x[0] != y[0]:
        kept = tried + 1
    if x[:2] != y[:2]:
        lead = tried + 1
    for u in sx:
        for v in sy:
            found = OSA.distance(u, v, score_cutoff=tried + 1)
            distance = min(distance, found)
            if u[0] == v[0]:
                kept = min(kept, found)
    if distance > allowed:
        distance = kept
    # the same consonants, the vowels written otherwise (Mohammed/Muhammad, Yusuf/Youssef)
    if allowed and _code(x) == _code(y) and (distance <= allowed or (distance == allowed + 1 and len(_code(x)) >= 3)):
        return 0.9, How.SPELLING, 0, True
    if distance <= allowed or (distance <= tried and not abjad and not _other_syllables(x, y, syllabic)):
        return _typo_score(distance, allowed), How.FUZZY, distance, lead <= distance
    return low


# A token pair: similarity, how, typos, the shorter and the longer token's length, and whether its typos
# keep the first two letters (then two typos are allowed against the longer token's length).
_Pair = tuple[float, How, int, int, int, bool]


def _token_similarity(a: _Token, b: _Token, abjad: bool | None, spellings: bool, syllabic: int,
                      typed: bool) -> _Pair:
    # the typos allowed go by the length of the shorter token as written (or as read from its script)
    return _forms_similarity(a.forms, a.length or len(a.forms[0]), b.forms, b.length or len(b.forms[0]), abjad,
                             spellings, syllabic, typed)


def _without_article(forms: tuple[str, ...]) -> tuple[str, ...]:
    return (*forms, *(f[2:] for f in forms if f[:2] in ("al", "el") and len(f) >= 6 and f[2] not in _VOWELS))


@lru_cache(maxsize=262144)
def _forms_similarity(xs: tuple[str, ...], la: int, ys: tuple[str, ...], lb: int, abjad: bool | None,
                      spellings: bool, syllabic: int, typed: bool) -> _Pair:
    """The best `_form_similarity` between the spellings of two tokens of ``la`` and ``lb`` letters."""
    shortest, longest = (la, lb) if la <= lb else (lb, la)
    allowed, tried = _edits_allowed(shortest), _edits_tried(shortest)
    best: _Pair = (0.0, How.PARTIAL, 0, shortest, longest, False)
    if abjad:  # an Arabic or Hebrew name: the article written joined to it (Alshami, Elkhatib) also left out
        xs, ys = _without_article(xs), _without_article(ys)
    for x in xs:
        for y in ys:
            found = _form_similarity(x, y, abjad, spellings, allowed, tried, syllabic, typed)
            if found[0] > best[0]:
                best = (found[0], found[1], found[2], shortest, longest, found[3])
                if found[0] >= 1.0:
                    return best
    return best


# Token pairs already compared while two names are compared (their readings share most tokens), by the
# tokens' identities: the readings are cached (`_compared`), so the tokens live as long as the comparison.
_Memo = dict[tuple[int, int, bool | None, bool, int, bool], _Pair]


def _typos_kept(strong: list[_Pair], abjad: bool) -> list[_Pair]:
    """The matched tokens whose typos the name as a whole allows. A token within its own allowance is kept.
    Beyond it, the typos are judged on the whole name: one typo in a token of three or four letters when the
    other tokens agree without typos and are four letters or more together (Wed Zhang, Sarh Öztürk); two typos
    in a name of ten letters or more when no token changes more than one letter in four (Okga Kouznetsv); for a
    name read without short vowels, one consonant otherwise beside a token that agrees (Kareem Sacid)."""
    beyond = [p for p in strong if p[2] > _edits_allowed(p[3])]
    if not beyond:
        return strong
    others = [p for p in strong if p not in beyond]
    kept = len(strong) >= 2 and 4 * sum(p[2] for p in strong) <= sum(p[4] for p in strong) and all(
        3 * p[2] <= (p[4] if p[5] else p[3]) for p in strong)
    return strong if kept else others


@dataclass(frozen=True)
class _NameResult:
    score: float
    how: How


_CHARACTER_SCRIPTS = frozenset({"han", "kana", "hangul"})


_SCRIPT_SYSTEMS = {"han": 0b101, "kana": 0b100, "hangul": 0b010}  # han is also read as Japanese


def _syllabic_names(a: _Reading, b: _Reading) -> int:
    """The syllable systems both names are of (a bit each, `_syllabic`): those of a name read from han, kana or
    hangul, else those every token of both is made of (Yuko Sato, Eunji Kang; none for Yuri Sokolov)."""
    scripted = _SCRIPT_SYSTEMS.get(a.script, 0) | _SCRIPT_SYSTEMS.get(b.script, 0)
    return scripted or a.systems & b.systems


def _compare_readings(a: _Reading, b: _Reading, memo: _Memo, floor: float = 0.0) -> _NameResult:
    """How alike two readings are. ``floor``: the score already found for other readings of the two names; a
    pair of readings that cannot score above it is not searched (its result would not be kept)."""
    ta, tb = a.tokens[:6], b.tokens[:6]
    if not ta or not tb:
        return _NameResult(0.0, How.PARTIAL)
    abjad = a.abjad or b.abjad
    crossed = a.script != b.script or a.script != "latin"
    spellings = a.script == "latin" or a.script != b.script
    # Han, kana and hangul compared with themselves: a different character is a different name
    kind: bool | None = None if not spellings and a.script in _CHARACTER_SCRIPTS else abjad
    syllabic = _syllabic_names(a, b)
    typed = "latin" in (a.script, b.script)
    sims: list[list[_Pair]] = []
    row_top: list[float] = []
    column_top = [0.0] * len(tb)
    get = memo.get
    for x in ta:
        row = []
        high = 0.0
        for k, y in enumerate(tb):
            key = (id(x), id(y), kind, spellings, syllabic, typed)
            pair = get(key)
            if pair is None:
                pair = memo[key] = _token_similarity(x, y, kind, spellings, syllabic, typed)
            row.append(pair)
            value = pair[0]
            if value > high:
                high = value
            if value > column_top[k]:
                column_top[k] = value
        sims.append(row)
        row_top.append(high)
    swap = len(ta) > len(tb)
    short, long_ = (len(tb), len(ta)) if swap else (len(ta), len(tb))
    top = max(row_top)
    bound = SINGLE_TOKEN_CAP * top if short == 1 else max(NAME_CAP * top - LONGER_UNMATCHED_PENALTY * (long_ - short),
                                                           PARTIAL_FACTOR * top)
    if bound <= floor:
        return _NameResult(0.0, How.PARTIAL)
    if short >= 2:
        rows = sum(1 for value in row_top if value >= TOKEN_MATCH)
        columns = sum(1 for value in column_top if value >= TOKEN_MATCH)
        if min(rows, columns) < 2:  # at most one token in common: no need to try every pairing
            return _NameResult(PARTIAL_FACTOR * top, How.PARTIAL)
    best = _NameResult(0.0, How.PARTIAL)
    for chosen in itertools.permutations(range(long_), short):
        pairs = [sims[chosen[k]][k] if swap else sims[k][chosen[k]] for k in range(short)]
        strong = _typos_kept([p for p in pairs if p[0] >= TOKEN_MATCH], abjad)
        if short >= 2 and not _groups_kept(ta, tb, [(chosen[k], k) if swap else (k, chosen[k])
                                                     for k in range(short) if pairs[k] in strong]):
            continue
        if short == 1:
            value = SINGLE_TOKEN_CAP * (strong[0][0] if strong else 0.0)
            how = strong[0][1] if strong else How.PARTIAL
        elif len(strong) >= 2:
            # a token of the shorter name left unmatched (another middle name, another syllable) counts against,
            # and less so one of the longer name (a middle name one of the two leaves out)
            value = (NAME_CAP * sum(p[0] for p in strong) / len(strong) - UNMATCHED_PENALTY * (short - len(strong))
                     - LONGER_UNMATCHED_PENALTY * (long_ - len(strong)))
            how = max((p[1] for p in strong), key=lambda h: _HOW_RANK[h]) if len(strong) == short else How.PARTIAL
        else:
            value = PARTIAL_FACTOR * max((p[0] for p in pairs), default=0.0)
            how = How.PARTIAL
        if how is not How.PARTIAL and crossed and how in {How.EXACT, How.SPELLING, How.REORDERED, How.DIACRITICS}:
            how = How.TRANSLITERATED
        if how is How.EXACT and any(ta[k if not swap else chosen[k]].written != tb[chosen[k] if not swap else k].written
                                    for k in range(short)):
            how = How.DIACRITICS
        if how is How.EXACT and list(chosen) != sorted(chosen):
            how = How.REORDERED
        if value > best.score:
            best = _NameResult(value, how)
    return best


def _groups_kept(ta: tuple[_Token, ...], tb: tuple[_Token, ...], matched: list[tuple[int, int]]) -> bool:
    """Tokens cut from one word (Ji-eun, Xiao Ming) are matched all or none, and in their order."""
    for tokens, side in ((ta, 0), (tb, 1)):
        groups = {t.group for t in tokens if t.group >= 0}
        for group in groups:
            members = [i for i, t in enumerate(tokens) if t.group == group]
            partners = [pair[1 - side] for pair in sorted(matched, key=lambda p: p[side]) if pair[side] in members]
            if partners and (len(partners) != len(members) or partners != sorted(partners)):
                return False
    return True


@lru_cache(maxsize=65536)
def _compared(name: str) -> tuple[tuple[_Reading, bool], ...]:
    """The readings of a name and their other cuts (neighbouring tokens joined, a given name in syllables), as
    scoring compares them; each with whether it is another cut."""
    found: dict[_Reading, bool] = {}
    for base in readings(name):
        # a given name in syllables (Xiao Ming) is not joined again: its joins are the reading it was cut from
        for variant in [base] if base.query_only else _joined_variants(base):
            found.setdefault(variant, base.query_only or variant is not base)
    return tuple(found.items())


@lru_cache(maxsize=65536)  # common names meet many people of the same name: each pair is compared once
def _name_evidence(applicant: str, record: str) -> Evidence | None:
    best = _NameResult(0.0, How.PARTIAL)
    memo: _Memo = {}
    compared = _compared(record)
    for va, cut_a in _compared(applicant):
        for vb, cut_b in compared:
            # two names in one character script are read by one transliteration, token by token: another cut
            # of either adds nothing (the cuts are for a Latin name written in other words, Xiao Ming Wang)
            if (cut_a or cut_b) and va.script == vb.script and va.script in _CHARACTER_SCRIPTS:
                continue
            found = _compare_readings(va, vb, memo, best.score)
            if found.score > best.score:
                best = found
                if found.score >= NAME_CAP:  # no reading scores more
                    break
        if best.score >= NAME_CAP:
            break
    if best.score <= 0.0:
        return None
    return Evidence("name", best.how, applicant, record, round(best.score, 4))


def score(applicant: Subject, candidate: Subject, *, match_threshold: float = MATCH_THRESHOLD,
          review_threshold: float = REVIEW_THRESHOLD) -> Match:
    """How strongly ``applicant`` is the registry person ``candidate``, with the evidence."""
    best: dict[str, Evidence] = {}
    for a in applicant.identifiers:
        for b in candidate.identifiers:
            for found in (_email_evidence(a, b), _account_evidence(a, b)):
                if found is not None and (found.kind not in best or found.score > best[found.kind].score):
                    best[found.kind] = found
    for name_a in applicant.names:
        for name_b in candidate.names:
            found = _name_evidence(name_a, name_b)
            if found is not None and ("name" not in best or found.score > best["name"].score):
                best["name"] = found
    remaining = 1.0
    for found in best.values():
        if found.how is not How.PARTIAL:  # part of a name in common is shown, and adds nothing
            remaining *= 1.0 - found.score
    total = round(1.0 - remaining, 4)
    verdict = Verdict.MATCH if total >= match_threshold else Verdict.REVIEW if total >= review_threshold else Verdict.NONE
    return Match(total, verdict, tuple(sorted(best.values(), key=lambda e: -e.score)))
