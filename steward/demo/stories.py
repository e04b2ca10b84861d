"""The invented organisation `manage.py seed_demo` loads: its spaces, staff, reports and decisions.

Data only: each story says what the reporter wrote and how far the team got with it (its
status, handler, notes, decision); the command tells it through the services real work uses.

Every person, account and address here is made up (example.org/.net/.com). The
situations are the everyday material of code-of-conduct work, told without detail
that would harm a reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from steward.cases.models import Space
from steward.core.roles import Role

SPACES: dict[str, tuple[str, str, str]] = {
    # key: (name, kind, url)
    "core": ("example/core", Space.Kind.REPOSITORY, "https://code.example.org/example/core"),
    "web": ("example/website", Space.Kind.REPOSITORY, "https://code.example.org/example/website"),
    "bugs": ("Bug tracker", Space.Kind.OTHER, "https://bugs.example.org"),
    "forum": ("Community forum", Space.Kind.FORUM, "https://discourse.example.org"),
    "chat": ("#general (Matrix)", Space.Kind.CHAT, "https://matrix.example.org/#/room/#general:example.org"),
    "newcomers": ("#newcomers (Slack)", Space.Kind.CHAT, "https://example.slack.com/archives/newcomers"),
    "l10n": ("#l10n translators (Matrix)", Space.Kind.CHAT, "https://matrix.example.org/#/room/#l10n:example.org"),
    "summit": ("Community Summit 2025, Lisbon", Space.Kind.EVENT, "https://summit.example.org/2025"),
    "list": ("dev@lists.example.org", Space.Kind.MAILING_LIST, "https://lists.example.org/dev"),
    "social": ("@example on Mastodon", Space.Kind.SOCIAL_MEDIA, "https://social.example.org/@example"),
}

# username: (first name, last name, role). Handlers are referred to by position (0, 1) below.
STAFF: dict[str, tuple[str, str, str]] = {
    "amara": ("Amara", "Okafor", Role.TRIAGER),
    "jonas": ("Jonas", "Berg", Role.CASE_HANDLER),
    "lucia": ("Lucía", "Méndez", Role.CASE_HANDLER),
    "priya": ("Priya", "Raman", Role.DECISION_MAKER),
    "sam": ("Sam", "Whitfield", Role.ADMINISTRATOR),
    "mei": ("Mei", "Tanaka", Role.SCREENER),
    "tomas": ("Tomás", "Novák", Role.WORKING_GROUP),
    "tess": ("Tess", "Lindqvist", Role.TRAINER),
}
TRAINING_COORDINATOR = "tess"


@dataclass(frozen=True)
class DemoLearner:
    """Someone who takes the training courses. Staff learners have a staff profile (what makes them
    community-facing); contributors have no staff access and sign in by an emailed code."""

    username: str
    first: str
    last: str
    kind: str  # "staff" or "contributor"
    language: str = "en"
    job_title: str = ""
    team: str = ""
    manager: str = ""  # a STAFF or staff learner's username
    ways: tuple[str, ...] = ()  # staff: code_and_chat, events, social_media
    leadership_role: str = ""  # contributors: the leadership role they hold in their project


LEARNERS: list[DemoLearner] = [
    DemoLearner("noor", "Noor", "Haddad", "staff", job_title="Senior Community Manager", team="Community",
                manager="sam", ways=("events",)),
    DemoLearner("felix", "Felix", "Wagner", "staff", language="de", job_title="Developer Advocate", team="Developer Relations",
                manager="noor", ways=("social_media", "events")),
    DemoLearner("ravi", "Ravi", "Kumar", "staff", job_title="Software Engineer", team="Platform", manager="noor",
                ways=("code_and_chat",)),
    DemoLearner("kofi", "Kofi", "Mensah", "contributor", team="example/core", leadership_role="Release manager"),
    DemoLearner("ines", "Inés", "Navarro", "contributor", language="es", team="#l10n translators",
                leadership_role="Spanish localisation lead"),
    DemoLearner("yara", "Yara", "Saleh", "contributor", language="ar", team="example/website"),
]
TRIAGER = "amara"
HANDLERS = ("jonas", "lucia")
DECISION_MAKER = "priya"
DECISION_MAKER_NAME = "Priya"


@dataclass(frozen=True)
class Story:
    """One case: what the reporter said, and how far the team has got with it."""

    key: str
    status: str  # a cases Status value, or "merged" (closed into the case `merge_into`)
    priority: str | None  # None: not triaged yet
    age_days: float  # when the report arrived
    lang: str
    space: str
    categories: tuple[str, ...]
    narrative: str
    accounts: tuple[tuple[str, str], ...] = ()  # (system, handle) of the reported person
    role: str = "affected"
    ongoing: str = "unknown"
    danger: bool = False
    wishes: str = ""
    contact: tuple[str, str] | None = None  # (name, email): the reporter gave their name
    channel: str = "web"
    location: str = ""
    occurred: str = ""
    handler: int | None = None
    overdue: bool = False
    leader: bool = False  # staff or a community leader is involved (triage answer)
    outcome: str = ""  # a DECISIONS key: decided cases, and closed ones that were decided first
    close_reason: str = ""
    reopen_reason: str = ""
    merge_into: str = ""
    answers: dict[str, object] = field(default_factory=dict)  # triage answers that differ from the defaults
    reason: str = ""
    retriage: tuple[str, str] | None = None  # (priority, reason): escalated later
    notes: tuple[str, ...] = ()
    evidence: tuple[str, str] | None = None  # (file name, text)
    witness: tuple[str, str] | None = None  # (system, handle)
    # The decision: who takes it (a STAFF username; the decision maker unless said), and the
    # reporter's grounds when they appealed it (the appeal stays open for someone else to decide).
    decider: str = ""
    appeal: str = ""


STORIES: list[Story] = [
    # --- English ------------------------------------------------------------------------
    Story(
        "maintainer-newcomers", "investigating", "P2", 16, "en", "core", ("personal-attacks",),
        "A core maintainer keeps answering first-time contributors' pull requests with comments like "
        "'did you even read the docs?' and 'this is why we don't take drive-by patches'. Three newcomers "
        "closed their pull requests this month after his reviews. I review code too and I have seen it on "
        "at least five pull requests.",
        accounts=(("github", "kbrandt-dev"),), role="witness", ongoing="yes", leader=True, handler=0,
        wishes="I want reviews to be respectful. He doesn't need to be punished, but someone with authority should talk to him.",
        notes=("Read the last 40 reviews by this account: the tone in the report is accurate, and it is aimed at first-time "
               "contributors only.", "He is a maintainer with merge rights: the decision will need Priya."),
    ),
    Story(
        "issue-harassment", "decided", "P3", 27, "en", "core", ("harassment", "personal-attacks"),
        "After I closed a feature request as out of scope, the person who opened it created four new issues "
        "calling me incompetent and tagged me in each one. He also commented on my unrelated pull requests "
        "asking why anyone lets me merge code.",
        accounts=(("github", "tobias-rr"),), ongoing="no", handler=1, outcome="warning",
        contact=("Mei Lin", "mei.lin@example.net"), occurred="Over three days, two weeks ago",
    ),
    Story(
        "slur-chat", "investigating", "P2", 9, "en", "chat", ("discrimination",),
        "During an argument about a release name, a member of #general used a slur about gay people. When others "
        "objected he said it was 'just a joke, get over it'. He has used the same word twice since, in other threads.",
        accounts=(("matrix", "@nightowl:example.org"),), ongoing="yes", handler=1,
        evidence=("general-chat-excerpt.txt",
                  "[19:02] nightowl: call it whatever, only a [slur removed] would care\n"
                  "[19:03] rowan: that's not ok here\n[19:03] nightowl: just a joke, get over it\n"),
        witness=("matrix", "@rowan:example.org"),
    ),
    Story(
        "summit-contact", "awaiting_decision", "P2", 24, "en", "summit", ("unwelcome-contact",),
        "At the summit an attendee followed me from the evening social to my hotel lobby after I said I wanted "
        "to leave alone. The next day he sat next to me in every session and messaged me on the event app asking "
        "for my room number. I told him clearly to stop.",
        accounts=(("email", "r.kessler@example.com"),), ongoing="no", handler=1, location="Evening social and hotel lobby",
        wishes="I don't want to be at the same event as him again.",
        notes=("Spoke with the two volunteers who were at the social; both confirm he followed her out.",),
    ),
    Story(
        "doxxing-forum", "decided", "P1", 33, "en", "forum", ("doxxing-privacy", "threats-violence"),
        "Someone posted my home address and a photo of my building in a forum thread about the governance vote, "
        "with the comment 'maybe someone should pay her a visit'. The post was up for about an hour before a "
        "moderator hid it.",
        accounts=(("discourse", "truthseeker_88"),), danger=True, ongoing="no", handler=0, outcome="permanent_ban",
        notes=("Security contacted the reporter within the hour and shared local support resources.",
               "Forum admins confirm the post is deleted, not only hidden; IP matches two earlier spam accounts."),
    ),
    Story(
        "newcomer-belittle", "triaged", "P3", 2.5, "en", "newcomers", ("personal-attacks",),
        "Someone in #newcomers asked how to set up the build, and a long-time contributor answered 'if you can't "
        "figure that out you shouldn't be here'. He does this often and newcomers stop asking questions.",
        accounts=(("slack", "@grumpy-gus"),), role="witness", ongoing="unknown",
    ),
    Story(
        "mailing-list-flame", "reopened", "P3", 38, "en", "list", ("personal-attacks",),
        "A thread on dev@ about the new release process turned into personal attacks: one participant called "
        "another 'a corporate shill who should just fork off' and replied to each of her messages with sarcastic one-liners.",
        accounts=(("email", "d.marsh@example.com"),), role="witness", ongoing="no", handler=0,
        close_reason="Both participants apologised on the list; list moderators will watch the thread.",
        reopen_reason="A second report: the same participant started again in a new thread. Reopening to look at the pattern.",
    ),
    Story(
        "social-pileon", "triaged", "P2", 3, "en", "social", ("harassment", "doxxing-privacy"),
        "A contributor posted screenshots of a private discussion from our maintainers' chat on Mastodon, named me, "
        "and encouraged his followers to 'let her know what they think'. I have received dozens of hostile replies since yesterday.",
        accounts=(("other", "@lex_codes@social.example.net"),), ongoing="yes", handler=0, overdue=True,
        answers={"ongoing": False}, reason="", retriage=("P2", "The pile-on grew overnight and is still going: escalating to P2."),
    ),
    Story(
        "review-gender", "awaiting_decision", "P3", 19, "en", "core", ("discrimination",),
        "A reviewer keeps asking on my pull requests whether 'my boyfriend wrote this'. He addresses the male "
        "contributors by name and calls me 'sweetie'.",
        accounts=(("github", "m-ortega-42"),), ongoing="no", handler=0,
    ),
    Story(
        "threat-dm", "new", "P1", 0.02, "en", "chat", ("threats-violence",),
        "After I banned a spammer from the Matrix room he sent me private messages saying he knows which city I "
        "live in and that I should 'watch my back'. He has made two new accounts in the last hour.",
        accounts=(("matrix", "@x0r_v01d:example.org"), ("matrix", "@x0r_v02d:example.org")), danger=True, ongoing="yes",
    ),
    Story(
        "event-photos", "closed", "P3", 40, "en", "summit", ("doxxing-privacy",),
        "During the summit someone photographed attendees who wore 'no photos' lanyards and posted the pictures "
        "in the event's public photo album.",
        accounts=(("email", "j.varga@example.com"),), role="witness", ongoing="no", handler=1, outcome="warning",
        location="Main hall and hallway track", close_reason="Photos removed; decision carried out and confirmed by the events team.",
    ),
    Story(
        "spam-troll", "closed", "P4", 12, "en", "forum", ("trolling-disruption",),
        "Someone keeps posting links to his cryptocurrency project in every forum category.",
        accounts=(("discourse", "moon_tokens"),), role="witness", ongoing="yes",
        reason="Advertising spam, not aimed at anyone: the forum moderators handle it.",
        close_reason="Spam: handled by the forum moderators, not a code-of-conduct matter.",
    ),
    Story(
        "disagreement", "closed", "P4", 21, "en", "list", ("other",),
        "A reviewer rejected my proposal on the mailing list and said it 'would make the API worse'. I felt this "
        "was unfair and dismissive of my work.",
        accounts=(("email", "api-reviewer@example.com"),), ongoing="no",
        close_reason="Criticism of the proposal, not of the person: no violation. Explained to the reporter with the relevant guideline.",
    ),
    Story(
        "bug-tracker-insults", "investigating", "P3", 11, "en", "bugs", ("personal-attacks",),
        "A user keeps reopening a bug that was closed as WONTFIX and commenting that the triage team are 'lazy "
        "idiots who should be fired'. He has been asked twice to stop.",
        accounts=(("bugzilla", "hank.w@example.com"),), role="witness", ongoing="yes", handler=1, overdue=True,
    ),
    Story(
        "pattern-dms", "investigating", "P2", 14, "en", "newcomers", ("unwelcome-contact",),
        "A mentor in the newcomers programme messages several mentees late at night with personal compliments and "
        "asks them for private video calls. Two mentees told me they feel uncomfortable but are afraid of losing their mentorship.",
        accounts=(("slack", "@mentor-rob"),), role="witness", ongoing="yes", leader=True, handler=0, overdue=True,
        wishes="Please protect the mentees: they should not lose their place in the programme.",
        notes=("Mentorship programme lead informed (need to know only); new mentee assignments paused for this mentor.",),
    ),
    Story(
        "retaliation", "awaiting_decision", "P2", 22, "en", "core", ("retaliation",),
        "Since I reported a maintainer's behaviour last month, he has blocked my pull requests without review and "
        "removed me from the triage team without explanation.",
        accounts=(("github", "kbrandt-dev"),), ongoing="yes", leader=True, handler=1,
        contact=("Aisha Bello", "aisha.bello@example.net"),
        notes=("Same account as the newcomer-review case; looked at both together.",),
    ),
    Story(
        "conference-talk", "decided", "P3", 17, "en", "summit", ("discrimination",),
        "During a lightning talk the speaker made several jokes mocking people with accents, including imitating "
        "one. Several people in the audience walked out.",
        accounts=(("email", "p.hollis@example.com"),), role="witness", ongoing="no", handler=0, outcome="education",
        location="Lightning talks, room B", decider=TRIAGER,
        appeal="A warning is too mild: he mocked people's accents on stage in front of two hundred attendees, and "
               "he is invited to speak again next year.",
    ),
    Story(
        "off-platform", "triaged", "P3", 4, "en", "social", ("unwelcome-contact",),
        "A contributor I met through the project keeps commenting on my personal social media posts about unrelated "
        "things and tags me in posts about our arguments in the project. I have blocked him on one platform.",
        accounts=(("other", "@dev_dan@social.example.net"),), ongoing="yes", answers={"ongoing": False},
    ),
    Story(
        "maintainer-threat", "new", None, 1.3, "en", "chat", ("retaliation",),
        "In a private chat a maintainer told me that if I kept asking about my delayed grant payment he would make "
        "sure I never get commit access. I'm not sure whether this is a code-of-conduct issue, but it worried me.",
        accounts=(("matrix", "@lead-ana:example.org"),), ongoing="unknown",
    ),
    Story(
        "docs-english", "new", None, 0.13, "en", "web", ("discrimination", "personal-attacks"),
        "A comment on my documentation pull request said my English was 'embarrassing' and that non-native speakers "
        "should leave the docs to others.",
        accounts=(("github", "pedantic-pete"),), ongoing="no",
    ),
    Story(
        "nobody-asked", "new", None, 0.33, "en", "forum", ("harassment",),
        "For two weeks a user has replied to every one of my forum posts with 'nobody asked' and similar remarks. "
        "I muted him, but other people keep quoting him.",
        accounts=(("discourse", "nobody_asked"),), ongoing="yes",
    ),
    Story(
        "emailed-report", "new", None, 0.58, "en", "list", ("unwelcome-contact",),
        "Received by email and recorded by Amara: the reporter says a list participant has emailed her privately "
        "four times after she asked him to keep the discussion on the list.",
        accounts=(("email", "g.frost@example.com"),), ongoing="yes", channel="email",
    ),
    Story(
        "css-joke", "triaged", "P4", 5, "en", "web", ("other",),
        "Someone on the website repository said my CSS was 'a crime against browsers'. Probably a joke, but it felt "
        "a bit much in front of new people.",
        accounts=(("github", "css-critic"),), ongoing="no", answers={"violation": "no"},
    ),
    Story(
        "appearance-comments", "decided", "P2", 31, "en", "chat", ("sexual-misconduct", "harassment"),
        "A member keeps commenting on other members' appearance in #general, including on a photo someone shared "
        "from the summit. Two moderators have already told him to stop.",
        accounts=(("matrix", "@smoothtalk:example.org"),), role="witness", ongoing="yes", handler=1, outcome="short_ban",
    ),
    Story(
        "phone-volunteer", "investigating", "P2", 8, "en", "summit", ("discrimination",),
        "Reported by phone: an attendee says a volunteer at the registration desk made repeated remarks about her "
        "religion and her headscarf when she collected her badge, and again later in the hallway.",
        accounts=(("email", "desk-volunteer-14@example.com"),), ongoing="no", channel="phone", handler=0,
        location="Registration desk", reason="A volunteer acts for the organisation at our event: treated like staff involvement.",
    ),
    Story(
        "helpdesk-shouting", "reopened", "P3", 44, "en", "summit", ("personal-attacks",),
        "Reported in person at the summit help desk: an attendee shouted at a volunteer during a room change and "
        "called him 'useless'. He apologised afterwards.",
        accounts=(("email", "t.burke@example.com"),), role="witness", ongoing="no", channel="in_person", handler=0,
        close_reason="Apology given on the spot; volunteer satisfied. No further action.",
        reopen_reason="The meetup organisers in Porto report the same attendee shouting at their volunteers: reopening.",
    ),
    Story(
        "repeat-insults", "reopened", "P2", 36, "en", "core", ("personal-attacks",),
        "The contributor who was warned for insulting reviewers is doing it again: 'this review is garbage, like all your reviews'.",
        accounts=(("github", "tobias-rr"),), ongoing="yes", handler=1, contact=("Noor Haddad", "noor.h@example.net"),
        close_reason="He apologised and edited the comments.",
        reopen_reason="New insulting comments this week, after the apology: reopening as a repeat violation.",
    ),
    Story(
        "moderator-abuse", "awaiting_decision", "P2", 26, "en", "forum", ("retaliation", "personal-attacks"),
        "A forum moderator deletes posts that criticise the project's funding decisions and sends their authors "
        "private messages calling them 'troublemakers'. I have copies of three such messages.",
        accounts=(("discourse", "mod_karl"),), ongoing="yes", leader=True, handler=0,
        evidence=("moderator-messages.txt",
                  "1) 'Your post is gone. Troublemakers like you are why we can't have nice things.'\n"
                  "2) 'Keep it up and you'll be gone too.'\n3) 'Nobody wants your opinion on funding.'\n"),
    ),
    Story(
        "guys", "triaged", "P4", 6, "en", "chat", ("other",),
        "Someone in chat keeps addressing everyone as 'guys' even after being asked to use 'folks'. It's not "
        "malicious, but it is tiring.",
        accounts=(("matrix", "@friendly_fred:example.org"),), ongoing="yes", answers={"ongoing": False, "violation": "unclear"},
        reason="Not malicious: a friendly reminder from the room moderators is enough.",
    ),
    Story(
        "impersonation", "investigating", "P3", 7, "en", "social", ("trolling-disruption", "harassment"),
        "An account on Mastodon is impersonating our project and one of our maintainers, posting mocking "
        "'announcements' about her.",
        accounts=(("other", "@example_offical@social.example.net"),), role="witness", ongoing="yes", handler=1,
        answers={"ongoing": False},
    ),
    Story(
        "steering-committee", "awaiting_decision", "P2", 18, "en", "forum", ("harassment",),
        "A member of the steering committee wrote in a public forum thread that people who ask for a code of conduct "
        "are 'professional victims', and linked to the profile of a contributor who had just asked for one. That "
        "contributor has since received hostile private messages.",
        accounts=(("discourse", "steer_walt"),), role="witness", ongoing="no", leader=True, handler=1,
        notes=("Steering committee member: Legal to be consulted before the decision.",),
    ),
    # Later reports about the same incidents; triaged, then merged into the case above them.
    Story(
        "newcomer-pr", "merged", "P3", 6, "en", "core", ("personal-attacks",),
        "I'm a first-time contributor. A maintainer replied to my pull request 'did you even run the tests? We don't "
        "have time to babysit you.' I closed it and I don't think I'll contribute again.",
        accounts=(("github", "kbrandt-dev"),), ongoing="no", merge_into="maintainer-newcomers",
    ),
    Story(
        "slur-chat-2", "merged", "P3", 5, "en", "chat", ("discrimination",),
        "Someone in #general keeps using a homophobic slur and laughs when people call it out. Please do something.",
        accounts=(("matrix", "@nightowl:example.org"),), role="witness", ongoing="yes", answers={"ongoing": False},
        merge_into="slur-chat",
    ),
    Story(
        "pileon-witness", "merged", "P2", 2, "en", "social", ("harassment",),
        "A contributor is posting screenshots of the maintainers' private chat on Mastodon, and his followers are "
        "piling onto one of our maintainers.",
        accounts=(("other", "@lex_codes@social.example.net"),), role="witness", ongoing="yes", merge_into="social-pileon",
    ),
    Story(
        "summit-witness", "merged", "P3", 20, "en", "summit", ("unwelcome-contact",),
        "I'm reporting as a witness: at the summit social a man kept following a woman around after she clearly "
        "told him to leave her alone. Later I saw him waiting in the hotel lobby.",
        accounts=(("email", "r.kessler@example.com"),), role="witness", ongoing="no", merge_into="summit-contact",
    ),
    Story(
        "mentee", "merged", "P2", 10, "en", "newcomers", ("unwelcome-contact",),
        "My mentor in the newcomers programme keeps messaging me late at night and asking for private video calls "
        "about things that have nothing to do with the project. I don't know who else to tell.",
        accounts=(("slack", "@mentor-rob"),), ongoing="yes", leader=True, merge_into="pattern-dms",
    ),
    # --- Spanish ------------------------------------------------------------------------
    Story(
        "l10n-es", "investigating", "P2", 13, "es", "l10n", ("personal-attacks",),
        "En el canal de traducción, un coordinador corrige mis traducciones en público con comentarios como «esto lo "
        "traduce mejor Google» y «¿seguro que hablas español?». Le ha pasado lo mismo al menos a tres voluntarios "
        "nuevos este mes.",
        accounts=(("matrix", "@coord_lopez:example.org"),), ongoing="yes", leader=True, handler=1,
    ),
    Story(
        "acento", "triaged", "P3", 2, "es", "forum", ("discrimination",),
        "Un usuario del foro responde a todas mis publicaciones con burlas sobre mi acento latinoamericano y dice que "
        "«el español de verdad es el de España».",
        accounts=(("discourse", "castizo77"),), ongoing="yes", handler=1, answers={"ongoing": False},
    ),
    Story(
        "cena-cumbre", "decided", "P2", 30, "es", "summit", ("sexual-misconduct", "unwelcome-contact"),
        "En la cena de la cumbre, un asistente me tocó el hombro y la espalda varias veces aunque le pedí que parara, "
        "y después insistió en acompañarme hasta el taxi.",
        accounts=(("email", "m.gil@example.com"),), ongoing="no", handler=1, outcome="temporary_ban", leader=False,
        answers={"pattern": True}, contact=("Carmen Ruiz", "carmen.ruiz@example.net"), location="Cena de la cumbre",
    ),
    Story(
        "mensajes-diarios", "new", None, 0.2, "es", "newcomers", ("harassment", "unwelcome-contact"),
        "Alguien en #newcomers me envía mensajes privados todos los días preguntando por qué no le contesto y "
        "diciendo que soy una maleducada. Lo bloqueé y ha creado otra cuenta.",
        accounts=(("slack", "@pablo_dev"), ("slack", "@pablo_dev2")), ongoing="yes",
    ),
    Story(
        "cierre-pr", "closed", "P4", 17, "es", "core", ("other",),
        "Un revisor cerró mi pull request sin una explicación detallada; me pareció poco amable.",
        accounts=(("github", "rev-ortiz"),), ongoing="no", answers={"violation": "no"},
        close_reason="The review closed the pull request with a link to the contribution guide: no violation. Replied in Spanish.",
    ),
    Story(
        "jefe", "investigating", "P1", 4, "es", "chat", ("doxxing-privacy", "threats-violence"),
        "Un miembro del chat publicó el nombre de la empresa donde trabajo y dijo que iba a llamar a mi jefe para "
        "«contarle quién soy de verdad». Ya ha llamado una vez y dijo que me esperaría a la salida de la oficina.",
        accounts=(("matrix", "@verdad_ya:example.org"),), danger=True, ongoing="yes", handler=0,
        notes=("Security has been in touch with the reporter and agreed a safety plan.",),
    ),
    Story(
        "coordinador-2", "merged", "P3", 8, "es", "l10n", ("personal-attacks",),
        "Quiero informar sobre el coordinador del equipo de traducción al español: me dijo en privado que mis "
        "traducciones «dan vergüenza» y me quitó los permisos de revisión sin explicación.",
        accounts=(("matrix", "@coord_lopez:example.org"),), ongoing="no", merge_into="l10n-es",
    ),
    # --- German -------------------------------------------------------------------------
    Story(
        "architektur", "decided", "P3", 34, "de", "list", ("discrimination",),
        "Auf der Mailingliste hat ein Teilnehmer mehrfach geschrieben, Frauen hätten „kein Gespür für Architektur“, "
        "und meine Vorschläge als „typisch emotional“ abgetan.",
        accounts=(("email", "h.vogt@example.com"),), ongoing="no", handler=0, outcome="warning",
        contact=("Katrin Maier", "k.maier@example.net"),
    ),
    Story(
        "garderobe", "investigating", "P2", 15, "de", "summit", ("unwelcome-contact",),
        "Beim Community-Treffen in Lissabon hat mich ein Teilnehmer nach meinem Vortrag immer wieder nach meiner "
        "Handynummer gefragt und ist mir bis zur Garderobe gefolgt. Seitdem schreibt er mir über LinkedIn.",
        accounts=(("other", "linkedin.com/in/jens-k-example"),), ongoing="yes", handler=1, overdue=True,
    ),
    Story(
        "kartoffeln", "triaged", "P3", 3.5, "de", "core", ("personal-attacks",),
        "In einem Issue hat ein Nutzer meinen Fehlerbericht als „Schwachsinn“ bezeichnet und mir geraten, lieber "
        "Kartoffeln zu schälen, als zu programmieren.",
        accounts=(("github", "bitflipper-de"),), ongoing="no",
    ),
    Story(
        "chat-sprueche", "new", None, 0.08, "de", "chat", ("discrimination",),
        "Im Chat beleidigt ein Nutzer seit heute Morgen Leute, die Deutsch schreiben, mit ausländerfeindlichen "
        "Sprüchen. Die Moderatoren sind gerade nicht online.",
        accounts=(("matrix", "@patriot1848:example.org"),), role="witness", ongoing="yes",
    ),
    Story(
        "verschoben", "closed", "P4", 9, "de", "forum", ("other",),
        "Ein Moderator hat meinen Beitrag in eine andere Kategorie verschoben, ohne mich vorher zu fragen.",
        accounts=(("discourse", "mod_karl"),), ongoing="no", answers={"violation": "no"},
        close_reason="Moving a post to the right category is normal moderation: no violation. Explained in German.",
    ),
    Story(
        "deadname", "awaiting_decision", "P2", 23, "de", "core", ("discrimination", "doxxing-privacy"),
        "Ein Maintainer hat in einem öffentlichen Review meinen jetzigen Namen mit meinem früheren Namen in "
        "Verbindung gebracht, obwohl ich ihn ausdrücklich gebeten hatte, das nicht zu tun.",
        accounts=(("github", "legacy-lars"),), ongoing="no", leader=True, handler=0,
        notes=("Comment edited by the repository admins; the old name is no longer visible in the history.",),
    ),
    # --- French -------------------------------------------------------------------------
    Story(
        "contributrices", "investigating", "P2", 12, "fr", "forum", ("harassment", "discrimination"),
        "Sur le forum, un membre répond à chacun de mes messages pour dire que les contributrices « n'y comprennent "
        "rien » et invite les autres à m'ignorer. Cela dure depuis trois semaines.",
        accounts=(("discourse", "le_vrai_dev"),), ongoing="yes", handler=0,
    ),
    Story(
        "table-ronde", "decided", "P1", 37, "fr", "summit", ("threats-violence",),
        "Pendant le sommet, un participant m'a dit devant témoins qu'il savait où je logeais et qu'il « viendrait "
        "régler ça » après ma remarque pendant la table ronde. Je me suis sentie en danger et je suis rentrée plus tôt.",
        accounts=(("email", "f.morel@example.com"),), danger=True, ongoing="no", handler=1, outcome="permanent_ban",
        contact=("Camille Roux", "camille.roux@example.net"), location="Table ronde, salle principale",
    ),
    Story(
        "charabia", "triaged", "P3", 5.5, "fr", "web", ("personal-attacks",),
        "Dans une pull request sur le site web, un contributeur a écrit que ma traduction était « du charabia de "
        "stagiaire » et a remplacé tout mon travail sans discussion.",
        accounts=(("github", "jp-perfection"),), ongoing="no", overdue=True,
    ),
    Story(
        "memes", "triaged", "P4", 4.5, "fr", "chat", ("trolling-disruption",),
        "Quelqu'un poste des mèmes hors sujet dans le salon #general toute la journée. Ce n'est pas méchant, mais c'est fatigant.",
        accounts=(("matrix", "@memelord:example.org"),), role="witness", ongoing="yes",
        answers={"ongoing": False, "violation": "no"},
    ),
    Story(
        "courriels-prives", "new", None, 0.75, "fr", "list", ("unwelcome-contact",),
        "Un abonné de la liste dev@ m'envoie des courriels privés pour me reprocher mes messages publics, sur un ton "
        "de plus en plus agressif. Je lui ai demandé d'arrêter.",
        accounts=(("email", "b.leclerc@example.com"),), ongoing="yes",
    ),
    Story(
        "mentor-debutants", "closed", "P3", 42, "fr", "newcomers", ("personal-attacks",),
        "Un mentor a dit à plusieurs nouveaux venus que les questions « de débutant » n'avaient pas leur place ici, "
        "et il a supprimé leurs messages.",
        accounts=(("slack", "@mentor-gael"),), role="witness", ongoing="no", handler=0, outcome="education",
        close_reason="Course completed; mentoring rights restored as decided.",
    ),
    # --- Arabic -------------------------------------------------------------------------
    Story(
        "sukhriya", "investigating", "P2", 10, "ar", "forum", ("discrimination",),
        "يقوم أحد الأعضاء في المنتدى بالرد على كل مشاركاتي بتعليقات ساخرة عن ديني وعن لهجتي، وقد طلب منه المشرفون "
        "التوقف لكنه استمر. أشعر أنني لم أعد مرحبًا بي في المشروع.",
        accounts=(("discourse", "sarcastic_sam"),), ongoing="yes", handler=1,
    ),
    Story(
        "hijab", "awaiting_decision", "P3", 25, "ar", "summit", ("discrimination",),
        "خلال القمة، طرح أحد المتطوعين أسئلة شخصية متكررة عن حياتي العائلية وعن سبب ارتدائي الحجاب، مع أنني قلت له "
        "إنني لا أرغب في الحديث عن ذلك.",
        accounts=(("email", "k.weber@example.com"),), ongoing="no", handler=0,
    ),
    Story(
        "raqm-hatif", "new", "P1", 0.125, "ar", "chat", ("doxxing-privacy", "threats-violence"),
        "شخص في غرفة الدردشة نشر رقم هاتفي وعنوان عملي، وكتب أن على أحدهم «أن يزورني». أنا خائفة وأحتاج إلى "
        "المساعدة بسرعة.",
        accounts=(("matrix", "@shadow_hand:example.org"),), danger=True, ongoing="yes", overdue=True,
    ),
    Story(
        "ikhtibarat", "decided", "P3", 28, "ar", "core", ("discrimination",),
        "في مراجعة لطلب الدمج الخاص بي، كتب أحد المراجعين أن «المطورين العرب لا يكتبون اختبارات»، وعندما اعترضت قال "
        "إنها مجرد مزحة.",
        accounts=(("github", "quick-reviewer"),), ongoing="no", handler=1, outcome="warning",
        contact=("Yusuf Haddad", "yusuf.haddad@example.net"),
    ),
    Story(
        "munassiq", "triaged", "P3", 3, "ar", "l10n", ("personal-attacks",),
        "منسق فريق الترجمة العربية يحذف ترجماتي دون شرح، ويكتب في القناة العامة أنني «أفسد العمل».",
        accounts=(("matrix", "@ar_coord:example.org"),), ongoing="no",
    ),
]

# Messages between the case handler and the reporter, in the reporter's language.
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "no_violation": "Thank you for raising this with us. We looked at what happened and it does not break our code "
                        "of conduct as written, so we are closing the report. If anything else happens, please tell us again.",
        "ack": "Hello, I'm {name} from the community team and I'm looking after your report. Thank you for telling us. "
               "Could you tell us whether this has happened before, and whether anyone else saw it?",
        "reply_a": "Thank you for getting back to me. It has happened before, though less openly. "
                   "I'd prefer that my name is not shared with the person.",
        "reply_b": "Thanks. One other person saw it; I've asked whether they are willing to talk to you, and I'll pass "
                   "on their answer here.",
        "update": "Thank you, that helps. We are talking to the people involved and will write again when there is a "
                  "decision. You can add anything here at any time.",
        "decided": "We have reached a decision on your report. You can read the outcome on this page. "
                   "Thank you for trusting us with it.",
    },
    "es": {
        "no_violation": "Gracias por contárnoslo. Hemos revisado lo ocurrido y no incumple nuestro código de conducta, "
                        "así que cerramos el reporte. Si vuelve a pasar algo, escríbenos de nuevo.",
        "ack": "Hola, soy {name}, del equipo de comunidad, y me encargo de tu reporte. Gracias por contárnoslo. "
               "¿Podrías decirnos si esto ya había pasado antes y si alguien más lo vio?",
        "reply_a": "Gracias por responder. Ya había pasado antes, aunque de forma menos evidente. "
                   "Prefiero que no compartan mi nombre con esa persona.",
        "reply_b": "Gracias. Otra persona lo vio; le he preguntado si está dispuesta a hablar con vosotros y os "
                   "contaré aquí lo que me diga.",
        "update": "Gracias, nos ayuda mucho. Estamos hablando con las personas implicadas y te escribiremos cuando haya "
                  "una decisión. Puedes añadir información aquí en cualquier momento.",
        "decided": "Hemos tomado una decisión sobre tu reporte. Puedes leer el resultado en esta página. "
                   "Gracias por confiar en nosotros.",
    },
    "de": {
        "no_violation": "Danke, dass du uns Bescheid gegeben hast. Wir haben uns den Vorfall angesehen: Er verstößt nicht "
                        "gegen unseren Verhaltenskodex, daher schließen wir die Meldung. Wenn wieder etwas passiert, melde dich bitte.",
        "ack": "Hallo, ich bin {name} vom Community-Team und kümmere mich um deine Meldung. Danke, dass du uns davon "
               "erzählt hast. Ist so etwas schon früher passiert, und hat es noch jemand mitbekommen?",
        "reply_a": "Danke für die Rückmeldung. Es ist schon früher passiert, aber weniger offen. "
                   "Mir wäre lieb, wenn mein Name der Person gegenüber nicht genannt wird.",
        "reply_b": "Danke. Eine weitere Person hat es gesehen; ich habe sie gefragt, ob sie mit euch sprechen möchte, "
                   "und gebe ihre Antwort hier weiter.",
        "update": "Danke, das hilft uns. Wir sprechen mit den Beteiligten und melden uns, sobald es eine Entscheidung "
                  "gibt. Du kannst hier jederzeit etwas ergänzen.",
        "decided": "Wir haben über deine Meldung entschieden. Das Ergebnis steht auf dieser Seite. Danke für dein Vertrauen.",
    },
    "fr": {
        "no_violation": "Merci de nous avoir alertés. Nous avons examiné la situation : elle n'enfreint pas notre code de "
                        "conduite, nous clôturons donc le signalement. Si quelque chose se reproduit, écrivez-nous à nouveau.",
        "ack": "Bonjour, je suis {name}, de l'équipe communauté, et je m'occupe de votre signalement. Merci de nous en "
               "avoir parlé. Pouvez-vous nous dire si cela s'était déjà produit, et si quelqu'un d'autre l'a vu ?",
        "reply_a": "Merci pour votre réponse. C'était déjà arrivé, de façon moins visible. "
                   "Je préfère que mon nom ne soit pas communiqué à cette personne.",
        "reply_b": "Merci. Une autre personne l'a vu ; je lui ai demandé si elle accepterait de vous parler, et je "
                   "vous transmettrai sa réponse ici.",
        "update": "Merci, cela nous aide. Nous parlons avec les personnes concernées et vous écrirons dès qu'une "
                  "décision sera prise. Vous pouvez ajouter des informations ici à tout moment.",
        "decided": "Nous avons pris une décision concernant votre signalement. Vous pouvez en lire le résultat sur "
                   "cette page. Merci de votre confiance.",
    },
    "ar": {
        "no_violation": "شكرًا لإبلاغنا. راجعنا ما حدث ووجدنا أنه لا يخالف مدونة قواعد السلوك، لذلك سنغلق البلاغ. إذا "
                        "حدث أي شيء آخر، يرجى إخبارنا مرة أخرى.",
        "ack": "مرحبًا، أنا {name} من فريق المجتمع، وأتولى متابعة بلاغك. شكرًا لأنك أخبرتنا. هل حدث هذا من قبل، وهل "
               "رآه أحد آخر؟",
        "reply_a": "شكرًا على ردك. حدث ذلك من قبل ولكن بشكل أقل وضوحًا. أفضّل ألا يُذكر اسمي لهذا الشخص.",
        "reply_b": "شكرًا. رأى ذلك شخص آخر، وسألته إن كان مستعدًا للتحدث معكم، وسأنقل إليكم رده هنا.",
        "update": "شكرًا، هذا يساعدنا. نحن نتحدث مع الأشخاص المعنيين وسنكتب إليك عندما يُتخذ قرار. يمكنك إضافة أي "
                  "معلومات هنا في أي وقت.",
        "decided": "اتخذنا قرارًا بشأن بلاغك. يمكنك قراءة النتيجة في هذه الصفحة. شكرًا لثقتك بنا.",
    },
}

@dataclass(frozen=True)
class DecisionStory:
    """A decision recorded by the decision maker: the level of the current ladder, the reasons
    (internal, English), why it differs from Steward's recommendation if it does, and the summary
    the reporter reads, in their language."""

    level: str  # a level key of the Contributor Covenant 2.1 ladder; a ban applies to the case's (first) reported person
    rationale: str
    summary: dict[str, str]
    departure: str  # used only when the recommendation differs
    ban_days: int | None = None  # a temporary ban's length, from the day the report arrived
    ends_in_days: int | None = None  # or its end, counted from the day seed_demo runs
    # The neutral texts of the reported person's message (English, the team's working language).
    behaviour: str = ""
    impact: str = ""
    expected_change: str = ""


DECISIONS: dict[str, DecisionStory] = {
    "warning": DecisionStory(
        "warning",
        "A first violation, confirmed by the record and a witness; no "
        "earlier cases for this account. A written warning is the ladder's step.",
        summary={
            "en": "We found that the behaviour you reported broke our code of conduct. The person has received a formal "
                  "written warning; a further violation will lead to a temporary ban.",
            "de": "Wir haben festgestellt, dass das gemeldete Verhalten gegen unseren Verhaltenskodex verstößt. Die Person "
                  "hat eine förmliche schriftliche Verwarnung erhalten; ein weiterer Verstoß führt zu einem befristeten Ausschluss.",
            "ar": "وجدنا أن السلوك الذي أبلغت عنه يخالف مدونة قواعد السلوك. تلقى الشخص إنذارًا كتابيًا رسميًا، وأي مخالفة "
                  "أخرى ستؤدي إلى حظر مؤقت.",
        },
        departure="Confirmed by a witness and the chat record, and aimed at a newcomer: a private correction would not be enough.",
        behaviour="Comments in the project chat that mocked a newcomer's questions.",
        impact='The newcomer stopped asking for help and others said they felt unwelcome.',
        expected_change='Answer questions with patience, or leave them to someone else.',
    ),
    "education": DecisionStory(
        "warning",
        "Confirmed in public; the person leads others, so the warning comes with the "
        "participation course and a pause from mentoring or speaking until it is done.",
        summary={
            "en": "We found that the behaviour broke our code of conduct. The person has been warned, must complete our "
                  "community participation course, and will not speak at or mentor for our events until they have.",
            "fr": "Nous avons constaté que ce comportement enfreint notre code de conduite. La personne a reçu un "
                  "avertissement, doit suivre notre formation sur la participation communautaire et ne pourra plus encadrer "
                  "de nouveaux venus d'ici là.",
        },
        departure="Said in public by someone who leads others: a formal warning, not a private correction.",
        behaviour='Remarks during a public meeting that belittled contributors for their background.',
        impact='People present said they felt their place in the project was questioned.',
        expected_change='Keep remarks to the work, and complete the community participation course.',
    ),
    "temporary_ban": DecisionStory(
        "temporary_ban",
        "Repeated after two moderator warnings and aimed at several "
        "members: a 90-day suspension with the course before returning.",
        summary={
            "en": "We found a serious violation of our code of conduct. The person is suspended from all project spaces "
                  "for 90 days and must complete our code-of-conduct course before returning.",
            "es": "Hemos constatado una infracción grave del código de conducta. La persona queda suspendida de todos los "
                  "espacios del proyecto durante 90 días y deberá completar nuestro curso sobre el código de conducta antes de volver.",
        },
        departure="Repeated after two moderator warnings that never reached this team: treated as a serious violation.",
        ban_days=90,
        behaviour='Repeated hostile messages aimed at several members, after two moderator warnings.',
        impact='Several members withdrew from the discussions where the messages were posted.',
        expected_change='Treat every member with respect; disagree with ideas, never attack people.',
    ),
    "short_ban": DecisionStory(
        "temporary_ban",
        "Repeated comments on members' appearance after two moderator warnings: a "
        "suspension of a few weeks, with the course before returning.",
        summary={
            "en": "We found a serious violation of our code of conduct. The person is suspended from all project spaces "
                  "for a few weeks and must complete our code-of-conduct course before returning.",
        },
        departure="Repeated after two moderator warnings: a suspension, not another warning.",
        ends_in_days=6,  # the demo shows a ban that ends next week
        behaviour="Repeated comments on members' appearance, after two moderator warnings.",
        impact='Members said they avoided the spaces where the comments were made.',
        expected_change="Do not comment on anyone's appearance in project spaces.",
    ),
    "permanent_ban": DecisionStory(
        "permanent_ban",
        "A threat to someone's safety, confirmed by moderators and witnesses: "
        "the ladder's last step, in every space and at every event.",
        summary={
            "en": "We found that the person threatened your safety. They are permanently banned from all project spaces "
                  "and events, and their accounts have been removed from every system we run.",
            "fr": "Nous avons constaté que cette personne a menacé votre sécurité. Elle est exclue définitivement de tous "
                  "les espaces et événements du projet, et ses comptes ont été supprimés de tous nos systèmes.",
        },
        departure="A threat to someone's safety: the ban is permanent, not temporary.",
        behaviour="A message that threatened another member's safety.",
        impact='The member no longer felt safe taking part in the project.',
        expected_change='No contact with the member, in any space or at any event.',
    ),
}

# Internal notes (English: the team's working language) for cases without their own.
GENERIC_NOTES = (
    "Checked the registry: no earlier cases for this account.",
    "The space's moderators confirm the messages and kept copies.",
    "Wrote to the reported person for their side of events; reply expected this week.",
    "Reporter asked not to be named to the reported person: keep that in mind for any outreach.",
    f"Discussed with {DECISION_MAKER_NAME}: a decision is needed once the reported person has been heard.",
)

TRIAGE_REASONS = {
    "P1": "Possible threat to someone's safety: Security notified, P1 response.",
    "P2": "Ongoing or repeated behaviour, or someone in a leadership role: investigate this week.",
    "P3": "A violation that has stopped: handle in normal order.",
    "P4": "No violation of the code of conduct as written: reply to the reporter and close.",
}
