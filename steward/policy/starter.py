"""The starter code of conduct every installation begins with (version 1.0).

Written for Steward as a default the organisation edits to fit; English is the source
language and translations are made per version in Steward itself. The categories of
unacceptable behaviour are the ones reporters choose from on the intake form.
"""

from __future__ import annotations

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
