"""Screening at scale: 1,000,000 identities in the registry, one applicant at a time and a 10,000-row CSV,
through Steward's own service path, beside a brute-force fuzzy scan of every name measured in the same run.

The registry is generated from the name pools of `benchmarks/screening_eval.py` (eleven scripts, the spellings
people use), stored as Steward stores it: sealed PersonName and Identity rows (the registry's data key) and
MatchKey rows (`people.stored_keys`: `matching.index_keys` as blind indexes), written with COPY by worker
processes. Most people have a record that counts (screening looks only at those), the rest none.

Each phase runs in its own child process against the benchmark's database (`python -m benchmarks.screening
fill|product|brute WORK`), so each one's peak memory is its own and Django is never configured in the
`make bench` process. The children leave their figures in WORK/screening-*.json.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import PYTHON, ROOT, bench_env, heading, percentile, row

IDENTITIES = int(os.environ.get("BENCH_SCREENING_IDENTITIES", "1000000"))  # emails and accounts together
SEED = 7
WORKERS = max(1, min(4, os.cpu_count() or 1))
CHUNK = 10_000  # people a loading worker makes and writes with one COPY per table
COUNTING = 0.9  # the share of people with a record that counts
SINGLE_TRUE, SINGLE_STRANGERS = 200, 100
CSV_ROWS, CSV_TRUE = 10_000, 100
TARGET_P99_MS, TARGET_CSV_SECONDS = 10.0, 30.0


# --- The synthetic registry (deterministic: every child makes the same one) --------------------


@dataclass(frozen=True)
class Made:
    """One generated person: names (the name first, an alias after), accounts as stored, whether a record counts."""

    id: int
    names: tuple[str, ...]
    accounts: tuple[tuple[str, str], ...]  # (system, handle): "email" first
    counting: bool
    native: Any  # a screening_eval.Person when the name is one the evaluation's variants apply to, else None


def people_count(identities: int = IDENTITIES) -> int:
    return max(1, round(identities / 2.5))  # an email and one or two accounts each: 2.5 identities on average


def make_person(pid: int, seed: int = SEED, suffix: str = "") -> Made:
    """Person ``pid`` of the registry (``suffix`` makes other people's addresses for applicants)."""
    from benchmarks import screening_eval as ev
    from steward.registry.matching import Identifier, Subject

    rng = random.Random(seed * 1_000_003 + pid)
    scripts = list(ev.POOLS)
    script = scripts[pid % len(scripts)]
    pool = ev.POOLS[script]
    g, f = rng.randrange(len(pool["given"])), rng.randrange(len(pool["family"]))
    (gw, gl), (fw, fl) = pool["given"][g], pool["family"][f]
    latin = (rng.choice(gl), rng.choice(fl))
    shape = rng.random()
    native = None
    if shape < 0.6:  # a name as the evaluation writes it: in its script or (half the time) a Latin spelling
        written = ev._full(script, gw, fw) if script == "latin" or rng.random() < 0.5 else f"{latin[0]} {latin[1]}"
    elif shape < 0.75 and script not in ev.FAMILY_FIRST:  # with a second given name of the same pool
        (mw, ml) = pool["given"][rng.randrange(len(pool["given"]))]
        written = (f"{gw} {mw} {fw}" if script == "latin" or rng.random() < 0.5
                   else f"{latin[0]} {rng.choice(ml)} {latin[1]}")
    else:  # a given name from one pool, a family name from another, in Latin letters
        other = ev.POOLS[rng.choice(scripts)]
        written = f"{latin[0]} {rng.choice(rng.choice(other['family'])[1])}"
    names = (written,)
    if written != f"{latin[0]} {latin[1]}" and script != "latin" and rng.random() < 0.15:
        names += (f"{latin[0]} {latin[1]}",)  # the registry knows the Latin spelling too
    local = ev._email_local(rng, *latin)
    email = f"{local}{suffix}{pid}@{rng.choice(ev.PROVIDERS)}"
    handles = {system: f"{ev._handle(rng, *latin)}{suffix}{pid}" for system in rng.sample(ev.SYSTEMS, rng.randint(1, 2))}
    accounts = (("email", email), *((s, f"@{h}:matrix.org" if s == "matrix" else h) for s, h in handles.items()))
    if shape < 0.6:
        native = ev.Person(pid, script, g, f, Subject(names, tuple(Identifier(s, h) for s, h in accounts)), latin, email,
                           handles)
    return Made(pid, names, accounts, rng.random() < COUNTING, native)


def registry(count: int) -> Iterator[Made]:
    for pid in range(1, count + 1):
        yield make_person(pid)


def _true_applicants(count: int, people: int, seed: int) -> list[tuple[str, Any, int | None]]:
    """Registry people (with a record that counts) written otherwise: the evaluation's kinds of variant."""
    from benchmarks import screening_eval as ev
    from steward.registry.matching import Subject

    rng = random.Random(seed)
    found: list[tuple[str, Any, int | None]] = []
    while len(found) < count:
        made = make_person(rng.randint(1, people))
        if made.native is None or not made.counting:
            continue
        applicant = ev._variant(rng, made.native, rng.choice(ev.VARIANT_KINDS))
        if applicant is None:
            continue
        subject = applicant.subject
        if not subject.names:  # an email or an account alone: a screener gives a name with it
            subject = Subject((" ".join(made.native.latin),), subject.identifiers)
        found.append((applicant.kind, subject, made.id))
    return found


def _strangers(count: int, people: int, seed: int) -> list[tuple[str, Any, int | None]]:
    """Other people, named as the registry's people are, with addresses and accounts of their own."""
    from steward.registry.matching import Identifier, Subject

    found: list[tuple[str, Any, int | None]] = []
    for index in range(count):
        made = make_person(people + 1 + index, seed=seed, suffix="x")
        found.append(("stranger", Subject(made.names[:1], tuple(Identifier(s, h) for s, h in made.accounts)), None))
    return found


def single_applicants(people: int) -> list[tuple[str, Any, int | None]]:
    return _true_applicants(SINGLE_TRUE, people, 101) + _strangers(SINGLE_STRANGERS, people, 102)


def csv_applicants(people: int) -> list[tuple[str, Any, int | None]]:
    mixed = _true_applicants(CSV_TRUE, people, 201) + _strangers(CSV_ROWS - CSV_TRUE, people, 202)
    random.Random(203).shuffle(mixed)
    return mixed


def _as_form(subject: Any) -> dict[str, Any]:
    """An applicant as a screener gives one: a name, emails, accounts."""
    return {"name": subject.names[0] if subject.names else "",
            "emails": [i.value for i in subject.identifiers if i.system == "email"],
            "accounts": [(i.system, i.value) for i in subject.identifiers if i.system != "email"]}


def _csv(applicants: list[tuple[str, Any, int | None]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "emails", "accounts", "country"])
    for _kind, subject, _person in applicants:
        form = _as_form(subject)
        writer.writerow([form["name"] or "-", ";".join(form["emails"]),
                         ";".join(f"{s}:{h}" for s, h in form["accounts"]), ""])
    return out.getvalue().encode()


def peak_rss_mib() -> float:
    """The process's peak resident memory (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Child: fill ---------------------------------------------------------------------------------

_TABLES = ("registry_person", "registry_matchkey", "registry_personname", "registry_identity", "registry_violationrecord")


def _copy_rows(cursor: Any, model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)


_NAME_KEYS: dict[tuple[str, ...], set[str]] = {}


def _fill_chunk(bounds: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """People ``start``..``end`` (inclusive start, exclusive end), written with COPY; returns rows per table."""
    import datetime
    import uuid

    from django.db import connection
    from django.utils import timezone

    from steward.core import crypto
    from steward.core.models import DataKey
    from steward.registry import matching, people
    from steward.registry.models import Identity, MatchKey, Person, PersonName, ViolationRecord

    start, end, key_id = bounds
    key = DataKey.objects.get(pk=key_id)
    now = timezone.now()
    starts_on = datetime.date(2025, 1, 1)
    person_rows, name_rows, identity_rows, key_rows, record_rows = [], [], [], [], []
    name_field, handle_field = PersonName.name.field, Identity.handle.field
    for pid in range(start, end):
        made = make_person(pid)
        for position, name in enumerate(made.names):
            row_uuid = uuid.uuid4()
            name_rows.append((pid, "name" if position == 0 else "alias", row_uuid,
                              crypto.seal(key, name, field=name_field, row=row_uuid), key_id, now))
        identifiers = []
        for system, handle in made.accounts:
            handle = people.normalise_handle(system, handle)
            row_uuid = uuid.uuid4()
            identity_rows.append((pid, system, row_uuid, crypto.seal(key, handle, field=handle_field, row=row_uuid),
                                  people.handle_index(system, handle), key_id, now))
            identifiers.append(matching.Identifier(system, handle))
        # index_keys of a person is the union of their names' keys and their identifiers' keys: names repeat
        # across people, so their keys are made once a worker
        name_keys = _NAME_KEYS.get(made.names)
        if name_keys is None:
            name_keys = _NAME_KEYS[made.names] = people.stored_keys(matching.Subject(names=made.names))
        stored = name_keys | people.stored_keys(matching.Subject(identifiers=tuple(identifiers)))
        key_rows.extend((pid, index, made.counting) for index in sorted(stored))
        subject = matching.Subject(names=made.names, identifiers=tuple(identifiers))
        person_rows.append((pid, now, now, people._sealed_subject(key, pid, subject), key_id))
        if made.counting:
            record_rows.append((pid, "imported", "", "", "", "none", starts_on, True, now))
    with connection.cursor() as cursor, cursor.connection.cursor() as raw:
        raw.execute("SET session_replication_role = replica")  # the rows are consistent: no per-row FK checks
        _copy_rows(raw, Person, ["id", "created_at", "indexed_at", "subject_sealed", "subject_key_id"], person_rows)
        _copy_rows(raw, PersonName, ["person_id", "kind", "row_uuid", "name_sealed", "data_key_id", "created_at"],
                   name_rows)
        _copy_rows(raw, Identity, ["person_id", "system", "row_uuid", "handle_sealed", "handle_index", "data_key_id",
                                   "created_at"], identity_rows)
        _copy_rows(raw, MatchKey, ["person_id", "key", "counts"], key_rows)
        _copy_rows(raw, ViolationRecord, ["person_id", "source", "reference", "level", "level_key", "ban", "starts_on",
                                          "restricted", "created_at"], record_rows)
        raw.execute("SET session_replication_role = DEFAULT")
    return len(name_rows), len(identity_rows), len(key_rows), len(record_rows)


def _worker_start() -> None:
    import django

    django.setup()


def _secondary_indexes(cursor: Any) -> list[tuple[str, str, str]]:
    """(table, what to drop, what recreates it) for every index but the primary keys of the loaded tables."""
    cursor.execute("""
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname = ANY(%s) AND c.contype = 'u'""", [list(_TABLES)])
    found = [(table, f"CONSTRAINT {name}", f"ADD CONSTRAINT {name} {definition}")
             for table, name, definition in cursor.fetchall()]
    cursor.execute("""
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN (
            SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))""", [list(_TABLES)])
    found += [(table, f"INDEX {name}", definition) for table, name, definition in cursor.fetchall()]
    return found


def fill(work: Path) -> None:
    import multiprocessing

    import django

    django.setup()
    from django.db import connection, connections

    from steward.registry.people import registry_key

    count = people_count()
    began = time.perf_counter()
    key_id = registry_key().pk
    with connection.cursor() as cursor:
        indexes = _secondary_indexes(cursor)
        for table, what, _create in indexes:  # built once at the end: far faster than row by row
            cursor.execute(f"ALTER TABLE {table} DROP {what}" if what.startswith("CONSTRAINT") else f"DROP {what}")
    connections.close_all()
    chunks = [(start, min(start + CHUNK, count + 1), key_id) for start in range(1, count + 1, CHUNK)]
    totals = [0, 0, 0, 0]
    with multiprocessing.get_context("fork").Pool(WORKERS, initializer=_worker_start) as pool:
        for done in pool.imap_unordered(_fill_chunk, chunks):
            totals = [a + b for a, b in zip(totals, done, strict=True)]
    written = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for table, what, create in indexes:
            cursor.execute(f"ALTER TABLE {table} {create}" if what.startswith("CONSTRAINT") else create)
        for table in _TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"VACUUM (ANALYZE) {table}")  # as autovacuum would: the index-only scans need it
    names, identities, keys, records = totals
    result = {"people": count, "names": names, "identities": identities, "keys": keys, "records": records,
              "rows_seconds": written, "seconds": time.perf_counter() - began, "workers": WORKERS,
              "rss_mib": peak_rss_mib()}
    (work / "screening-fill.json").write_text(json.dumps(result))


# --- Child: product ------------------------------------------------------------------------------


def _timed(fn: Any) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def product(work: Path) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from steward.core.roles import Role
    from steward.registry import screening
    from steward.registry.models import Purpose, Screening

    count = people_count()
    screener = User.objects.get_or_create(username="bench-screener", defaults={"is_staff": True})[0]  # runs again
    screener.groups.add(Group.objects.get_or_create(name=Role.SCREENER)[0])
    singles = single_applicants(count)
    applicants = [screening.check_applicant(**_as_form(subject)) for _kind, subject, _person in singles]
    for applicant in applicants[:20]:  # warm-up: readings, ICU, the connection, PostgreSQL's caches
        screening.find([applicant])
    find_ms, page_ms, referred = [], [], {"true": 0, "true_person": 0, "stranger": 0}
    for (kind, _subject, person), applicant in zip(singles, applicants, strict=True):
        found: list[Any] = []
        find_ms.append(_timed(lambda a=applicant, out=found: out.extend(screening.find([a]))))
        referred["stranger" if kind == "stranger" else "true"] += found[0].referred
        referred["true_person"] += any(pk == person for pk, _m in found[0].matches)

        def page(subject: Any = _subject) -> None:  # what the page's form does: check the applicant, screen it
            checked = screening.check_applicant(**_as_form(subject))
            screening.screen([screening.Row(1, checked)], purpose=Purpose.GRANT, channel=Screening.Channel.FORM,
                             by=screener)

        page_ms.append(_timed(page))
    data = _csv(csv_applicants(count))
    began = time.perf_counter()
    rows = screening.rows_from_csv(data)
    done = screening.screen(rows, purpose=Purpose.GRANT, channel=Screening.Channel.CSV, by=screener)
    csv_seconds = time.perf_counter() - began
    result = {"find_ms": find_ms, "page_ms": page_ms, "referred": referred, "csv_seconds": csv_seconds,
              "csv_rows": done.rows, "csv_referred": done.referred, "csv_invalid": done.invalid,
              "csv_bytes": len(data), "rss_mib": peak_rss_mib()}
    (work / "screening-product.json").write_text(json.dumps(result))


# --- Child: brute force --------------------------------------------------------------------------


def brute(work: Path) -> None:
    from rapidfuzz import fuzz, process, utils

    count = people_count()
    began = time.perf_counter()
    names = [name for made in registry(count) if made.counting for name in made.names]
    made_seconds = time.perf_counter() - began
    singles = single_applicants(count)
    queries = [subject.names[0] for _kind, subject, _person in singles if subject.names]
    process.extractOne(queries[0], names, scorer=fuzz.token_sort_ratio, processor=utils.default_process)  # warm-up
    timings = []
    for query in queries:
        began = time.perf_counter()
        process.extractOne(query, names, scorer=fuzz.token_sort_ratio, processor=utils.default_process)
        timings.append((time.perf_counter() - began) * 1000)
    result = {"names": len(names), "ms": timings, "made_seconds": made_seconds, "rss_mib": peak_rss_mib()}
    (work / "screening-brute.json").write_text(json.dumps(result))


# --- In the `make bench` process ----------------------------------------------------------------


def _child(env: dict[str, str], phase: str, work: Path) -> dict[str, Any]:
    subprocess.run([PYTHON, "-m", "benchmarks.screening", phase, str(work)], cwd=ROOT, env=env, check=True)
    loaded: dict[str, Any] = json.loads((work / f"screening-{phase}.json").read_text())
    return loaded


def _sizes(database_url: str) -> list[tuple[str, int, int]]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return [(table, *conn.execute(
            "SELECT pg_relation_size(%s::regclass), pg_indexes_size(%s::regclass)", [table, table]).fetchone())
            for table in ("registry_person", "registry_matchkey", "registry_personname", "registry_identity")]


def _mib(size: float) -> str:
    return f"{size / 1024 / 1024:,.0f} MiB"


def run(database_url: str, work: Path, kek: str) -> dict[str, float]:
    heading(f"Screening against {IDENTITIES:,} identities (PostgreSQL): one applicant, a {CSV_ROWS:,}-row CSV, "
            "beside a brute-force rapidfuzz scan of every name")
    env = bench_env(database_url, work / "screening", kek)
    filled = _child(env, "fill", work)
    row("registry", f"{filled['people']:,} people, {filled['identities']:,} identities (emails, accounts), "
                    f"{filled['names']:,} names")
    row("", f"{filled['records']:,} with a record that counts; {filled['keys']:,} MatchKey rows "
            f"({filled['keys'] / filled['people']:.1f} a person)")
    row("loading (COPY, keys and seals in worker processes)",
        f"{filled['seconds']:6.0f} s ({filled['rows_seconds']:.0f} s rows with {filled['workers']} workers, "
        f"the rest indexes and ANALYZE)")
    for table, data, indexes in _sizes(database_url):
        row(f"size of {table}", f"table {_mib(data)}, indexes {_mib(indexes)}")
    made = _child(env, "product", work)
    forced = _child(env, "brute", work)
    find_ms, page_ms, brute_ms = made["find_ms"], made["page_ms"], forced["ms"]
    p = {name: (percentile(values, 50), percentile(values, 99)) for name, values in
         (("find", find_ms), ("page", page_ms), ("brute", brute_ms))}
    n_true, n_strangers = SINGLE_TRUE, SINGLE_STRANGERS
    row("single applicants", f"{len(find_ms)}: {n_true} registry people written otherwise "
                             f"({made['referred']['true']} referred, {made['referred']['true_person']} "
                             f"with that very person among the matches), {n_strangers} others "
                             f"({made['referred']['stranger']} referred: they share names with registry people)")
    row("screening.find, p50 / p99", f"{p['find'][0]:7.2f} ms / {p['find'][1]:7.2f} ms")
    row("the page's path (check_applicant + screen), p50 / p99",
        f"{p['page'][0]:7.2f} ms / {p['page'][1]:7.2f} ms   (target p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if p['page'][1] < TARGET_P99_MS else 'NOT met'})")
    row(f"brute force over {forced['names']:,} names, p50 / p99",
        f"{p['brute'][0]:7.2f} ms / {p['brute'][1]:7.2f} ms   (rapidfuzz extractOne, token_sort_ratio, one thread)")
    row("ratio product page / brute force, p50 / p99", f"{p['page'][0] / p['brute'][0]:7.3f} / "
                                                        f"{p['page'][1] / p['brute'][1]:7.3f}")
    row(f"CSV of {made['csv_rows']:,} rows ({made['csv_bytes'] / 1024:,.0f} KiB)",
        f"{made['csv_seconds']:6.1f} s, {made['csv_referred']:,} referred, {made['csv_invalid']} not screened   "
        f"(target < {TARGET_CSV_SECONDS:.0f} s: {'met' if made['csv_seconds'] < TARGET_CSV_SECONDS else 'NOT met'})")
    brute_csv = sum(brute_ms) / len(brute_ms) * CSV_ROWS / 1000
    row("brute force for as many rows (from its mean)", f"{brute_csv:6.0f} s   (ratio product / brute force "
                                                        f"{made['csv_seconds'] / brute_csv:.3f})")
    row("peak RSS: loading / product / brute force",
        f"{filled['rss_mib']:,.0f} MiB (the loader, its workers apart) / {made['rss_mib']:,.0f} MiB / "
        f"{forced['rss_mib']:,.0f} MiB")
    row("load average (the machine is shared)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return {"p99_ms": p["page"][1], "csv_seconds": made["csv_seconds"]}


if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    phases = {"fill": fill, "product": product, "brute": brute}
    phases[sys.argv[1]](Path(sys.argv[2]))
