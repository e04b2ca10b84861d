"""The starter code of conduct every installation begins with (version 1.0).

Written for Steward as a default the organisation edits to fit; English is the source
language. Its translations into every guideline language ship with it, one TOML file
per locale in starter_translations/, and are installed as complete translations of
version 1.0 while that version is still the starter text. Translations of later
versions are made in Steward itself. The categories of unacceptable behaviour are the
ones reporters choose from on the intake form.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from .models import text_hash

STARTER_CHANGELOG = "First version: the starter code of conduct, including caste as a protected characteristic."

STARTER_SECTIONS: list[tuple[str, str, str]] = [
    ("scope", "Where this applies", """\
This code of conduct applies to everyone who takes part in our community: contributors, maintainers,
staff, volunteers, speakers, sponsors and visitors, whatever their role or seniority.

It covers every space we run or that carries our name:

- code repositories, issue trackers, pull requests and code review;
- chat rooms, forums, mailing lists and video calls;
- our events, online or in person, including social activities around them;
- social media accounts that speak for the project.

It also applies to behaviour outside these spaces when that behaviour affects the safety of people
in our community, for example harassment of a contributor in private messages or at an unrelated
conference. People who hold a leadership role, or who represent us in public, are held to it with
particular care, because their words carry further."""),
    ("expected", "What we expect", """\
We want a community where people can do their best work and where newcomers feel they belong.
That takes effort from all of us. We ask everyone to:

- **Be kind and assume good faith.** Most disagreements come from different context, not bad intent.
- **Respect people's time, names, pronouns and boundaries.** If someone asks you to stop, stop.
- **Critique work, not people.** Say what could be better and why, and give credit generously.
- **Make room for others.** Notice who has not spoken yet, and write so that people reading in a
  second language or with assistive technology can follow.
- **Own your mistakes.** When you hurt someone, listen, apologise without excuses and do better.
- **Look out for each other.** If you see something that is not right, you can check in with the
  person affected, and you can tell us.

Disagreement is welcome here; contempt is not."""),
    ("unacceptable", "Unacceptable behaviour", """\
The behaviour below is not acceptable in any of our spaces, whether it happens in public or in
private, and whether it is meant as a joke or not. The list names the categories you can choose
from when you make a report. It describes common forms of harm; it is not a complete list, and
behaviour that is not named here can still break this code of conduct."""),
    ("protected", "Protected characteristics", """\
Nobody may be harassed, excluded or treated worse because of who they are. We protect everyone in
our community in particular with regard to the characteristics listed below, and we add to this
list as we learn where people are harmed. Caste is on it because discrimination by caste follows
people into online communities just as it does into workplaces, and naming it makes clear that we
will act on it."""),
    ("consequences", "Consequences", """\
When someone breaks this code of conduct, the people who handle reports decide what happens, using
a published ladder of consequences so that similar cases are treated alike. Depending on how serious
the behaviour was, whether it was repeated and the person's history, the response may be:

1. a private conversation and a request to change;
2. a formal warning, in writing;
3. a temporary removal from some or all spaces, sometimes with a course to complete before return;
4. a permanent ban from the community and its events.

Behaviour that puts someone's safety at risk can lead straight to removal, without earlier steps.
Consequences apply across all of our spaces, not only the one where the behaviour happened, and
they are taken into account when we award grants, roles and event invitations.

Anyone asked to stop unacceptable behaviour is expected to stop at once."""),
    ("reporting", "Reporting", """\
If you experience or witness something that breaks this code of conduct, please tell us. You do not
need to be sure that it counts, and you do not need proof. **If anyone is in immediate danger,
contact local emergency services first.**

You can report through our reporting form (with or without your name), by email, or in person to
event staff. The [How to Report](/how-to-report/) page explains each channel, what to include, what
happens next and how quickly we respond.

Reports are read only by the people who handle them and by those they must consult. We will listen
to what you would like to happen, and we will tell you what we decide. Retaliating against anyone
who reports, or who helps with a report, is itself a serious breach of this code of conduct."""),
    ("appeals", "Appeals", """\
If a decision was made about you and you believe it was wrong, or if you reported something and
believe the response did not address it, you can appeal. Write to us within 30 days of being told
the decision and say why you think it should change, including anything we did not know.

Someone who was not involved in the original decision reviews the appeal and replies with their
reasons. While an appeal is open, the original decision stays in force. An appeal is reviewed once;
new information that comes to light later can always be reported as a new report."""),
]

STARTER_CATEGORIES: list[tuple[str, str, str]] = [
    ("harassment", "Harassment",
     "Repeated or severe behaviour that intimidates, demeans or wears someone down, including sustained unwanted attention."),
    ("discrimination", "Discrimination",
     "Treating someone worse, excluding them, or using slurs and \"jokes\" against them because of a protected characteristic."),
    ("threats-violence", "Threats or violence",
     "Threatening, inciting or committing violence against anyone, or encouraging someone to harm themselves."),
    ("sexual-misconduct", "Sexual misconduct",
     "Unwelcome sexual attention, comments, images or physical contact, online or in person."),
    ("doxxing-privacy", "Doxxing and privacy violations",
     "Publishing, or threatening to publish, someone's private information without their consent."),
    ("personal-attacks", "Personal attacks and insults",
     "Insults, name-calling or belittling someone's worth instead of discussing their ideas or work."),
    ("trolling-disruption", "Trolling and disruption",
     "Deliberately derailing discussions, meetings or events, flooding channels or provoking people for its own sake."),
    ("unwelcome-contact", "Unwelcome contact",
     "Continuing to contact, follow or message someone after they have asked you to stop."),
    ("retaliation", "Retaliation",
     "Punishing, threatening or shutting out someone because they reported or helped with a report."),
    ("other", "Something else",
     "Behaviour that harmed someone or made our spaces unsafe that none of the categories above describes."),
]

STARTER_CHARACTERISTICS: list[str] = [
    "Age",
    "Body size",
    "Caste",
    "Disability, visible or invisible",
    "Education",
    "Ethnicity",
    "Family status and caring responsibilities",
    "Gender identity and expression",
    "Language and accent",
    "Level of experience",
    "Nationality",
    "Neurodivergence",
    "Personal appearance",
    "Pregnancy",
    "Race",
    "Religion or belief, including none",
    "Sex characteristics",
    "Sexual identity and orientation",
    "Socio-economic status",
]


# --- Shipped translations ----------------------------------------------------------------------

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "starter_translations"
# Script subtags and regions that name the written language of a shipped file.
_CHINESE = {"zh-hans": "zh-cn", "zh-sg": "zh-cn", "zh-my": "zh-cn", "zh-hant": "zh-tw", "zh-hk": "zh-tw",
            "zh-mo": "zh-tw"}


@dataclass(frozen=True)
class StarterTranslation:
    """The starter code of conduct in one language, as shipped."""

    language: str  # the file's name, e.g. "ja" or "zh-TW"
    changelog: str
    sections: dict[str, tuple[str, str]]  # kind → (title, Markdown body)
    labels: dict[str, str]  # "category:<slug>", "category:<slug>:description", "protected:<slug>" → text


def characteristic_slugs() -> list[str]:
    return [slugify(label) for label in STARTER_CHARACTERISTICS]


def _load(path: Path) -> StarterTranslation:
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    sections = {kind: (str(part["title"]).strip(), str(part["body"]).strip())
                for kind, part in data["sections"].items()}
    labels: dict[str, str] = {}
    for slug, part in data["categories"].items():
        labels[f"category:{slug}"] = str(part["label"]).strip()
        labels[f"category:{slug}:description"] = str(part["description"]).strip()
    for slug, label in data["characteristics"].items():
        labels[f"protected:{slug}"] = str(label).strip()
    return StarterTranslation(path.stem, str(data["changelog"]).strip(), sections, labels)


@cache
def shipped() -> dict[str, StarterTranslation]:
    """Every shipped translation by its file's language tag, lower-cased."""
    return {path.stem.lower(): _load(path) for path in sorted(TRANSLATIONS_DIR.glob("*.toml"))}


def translation_for(locale: str) -> StarterTranslation | None:
    """The shipped translation for a configured guideline locale: the same tag, the same
    Chinese script, or the same language when either tag names no region ("es" and "es-ES")."""
    files = shipped()
    tag = locale.strip().replace("_", "-").lower()
    if tag in files:
        return files[tag]
    if tag.split("-")[0] == "zh":
        return files.get(_CHINESE.get(tag, ""))
    base = tag.split("-")[0]
    same = [name for name in files if name.split("-")[0] == base and ("-" not in name or "-" not in tag)]
    return files[same[0]] if len(same) == 1 else None


def is_unedited_starter(version: Any, sections: Any, categories: Any, characteristics: Any) -> bool:
    """Whether a version still holds exactly the starter text, categories and characteristics
    (so the shipped translations fit it). Takes querysets so migrations can pass historical models."""
    if (version.major, version.minor) != (1, 0):
        return False
    stored_sections = {(s.kind, s.title, s.body_markdown) for s in sections.filter(version=version)}
    if stored_sections != set(STARTER_SECTIONS):
        return False
    stored_categories = [(c.slug, c.label, c.description)
                         for c in categories.filter(version=version).order_by("position", "pk")]
    if stored_categories != list(STARTER_CATEGORIES):
        return False
    stored_characteristics = [(c.slug, c.label) for c in characteristics.filter(version=version).order_by("position", "pk")]
    return stored_characteristics == list(zip(characteristic_slugs(), STARTER_CHARACTERISTICS, strict=True))


def install_translations(apps: Any) -> list[str]:
    """Add the shipped translations to the starter version, marked complete, for every configured
    guideline locale that has none yet, when the current published version is the unedited
    starter. An organisation's own text and translations are never touched. Returns the locales added.

    `apps` is a migration's app registry (or django.apps.apps).
    """
    version_model = apps.get_model("policy", "GuidelineVersion")
    section_model = apps.get_model("policy", "GuidelineSection")
    translation_model = apps.get_model("policy", "GuidelineTranslation")
    section_translation_model = apps.get_model("policy", "SectionTranslation")
    today = timezone.localdate()
    published = version_model.objects.filter(status="published").order_by("-major", "-minor")
    current = published.filter(effective_date__lte=today).first() or published.first()
    if current is None or not is_unedited_starter(current, section_model.objects,
                                                  apps.get_model("policy", "BehaviourCategory").objects,
                                                  apps.get_model("policy", "ProtectedCharacteristic").objects):
        return []
    hashes = {s.kind: text_hash(s.title, s.body_markdown) for s in section_model.objects.filter(version=current)}
    taken = set(translation_model.objects.filter(version=current).values_list("locale", flat=True))
    added: list[str] = []
    for locale in settings.STEWARD_GUIDELINE_LOCALES:
        shipped_text = translation_for(locale)
        if shipped_text is None or locale in taken:
            continue
        translation = translation_model.objects.create(version=current, locale=locale, changelog=shipped_text.changelog,
                                                       labels=dict(shipped_text.labels), updated_at=timezone.now())
        section_translation_model.objects.bulk_create([
            section_translation_model(translation=translation, kind=kind, title=title, body_markdown=body,
                                      source_hash=hashes[kind])
            for kind, (title, body) in shipped_text.sections.items()])
        taken.add(locale)
        added.append(locale)
    return added


def remove_translations(apps: Any) -> None:
    """Undo install_translations: remove the starter version's translations nobody has changed."""
    translation_model = apps.get_model("policy", "GuidelineTranslation")
    for found in translation_model.objects.filter(version__major=1, version__minor=0, updated_by__isnull=True):
        shipped_text = translation_for(found.locale)
        if shipped_text is None:
            continue
        stored = {s.kind: (s.title, s.body_markdown) for s in found.sections.all()}
        if stored == shipped_text.sections and found.labels == shipped_text.labels:
            found.delete()
