"""The demo logins: printed on the console by `manage.py seed_demo` and kept, line for line
the same, in `<var>/demo-logins.txt` (mode 600), from which later starts read them back."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from steward.core.roles import Role

from .stories import STAFF

# What each demo role can open today (a path on the server).
ROLE_PAGES: dict[str, tuple[str, str]] = {
    Role.TRIAGER: ("/staff/cases/", "the whole queue"),
    Role.CASE_HANDLER: ("/staff/cases/", "cases assigned to them"),
    Role.DECISION_MAKER: ("/staff/cases/", "cases awaiting a decision: record it, or erase a case"),
    Role.ADMINISTRATOR: ("/staff/people/", "invite staff and set their roles; the code of conduct under /staff/guidelines/"),
    Role.SCREENER: ("/staff/screening/", "screen grant or event applicants: clear or referred"),
    Role.WORKING_GROUP: ("/staff/referrals/", "referred applicants with the match evidence; the registry of records"),
    Role.TRAINER: ("/staff/training/courses/", "write the training courses and their translations; the starter courses"),
}
NOT_ON_FILE = "(not-on-file)"  # a demo user whose password was lost gets a new one on the next start
_LOGIN = re.compile(r"^  (?P<username>\S+) +password (?P<password>\S+) ")
_RECEIPT = re.compile(r"^  reporter follow-up at \S+ \((?P<language>[^)]+)\): receipt code (?P<code>\S+) +\[(?P<key>[^\]]+)\]$")


@dataclass
class Logins:
    passwords: dict[str, str] = field(default_factory=dict)  # username: password
    receipts: dict[str, tuple[str, str]] = field(default_factory=dict)  # story key: (language, receipt code)


def lines(logins: Logins, base_url: str) -> list[str]:
    """The labelled lines, with links to the address the server really listens on."""
    base = base_url.rstrip("/")
    out = [f"Demo staff logins (development only), sign in at {base}/staff/login/"]
    for username, (first, last, role) in STAFF.items():
        password = logins.passwords.get(username, NOT_ON_FILE)
        path, what = ROLE_PAGES[role]
        out.append(f"  {username:<7} password {password:<18} {first} {last}, {Role(role).label}: {base}{path} ({what})")
    for key, (language, code) in logins.receipts.items():
        out.append(f"  reporter follow-up at {base}/follow-up/ ({language}): receipt code {code}  [{key}]")
    return out


def write(path: Path, logins: Logins, base_url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines(logins, base_url)) + "\n")
    path.chmod(0o600)


def read(path: Path) -> Logins:
    """What `write` kept (and the tab-separated lines earlier versions kept)."""
    logins = Logins()
    if not path.exists():
        return logins
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if parts[0] == "login" and len(parts) == 3:
            logins.passwords[parts[1]] = parts[2]
        elif parts[0] == "receipt" and len(parts) == 4:
            logins.receipts[parts[1]] = (parts[2], parts[3])
        elif (found := _LOGIN.match(line)) and found["username"] in STAFF and found["password"] != NOT_ON_FILE:
            logins.passwords[found["username"]] = found["password"]
        elif found := _RECEIPT.match(line):
            logins.receipts[found["key"]] = (found["language"], found["code"])
    return logins
