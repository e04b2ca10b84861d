"""Screening quality: recall and precision of `steward.registry.matching` on a generated, labelled set.

The set is made here, seeded and deterministic (nothing is downloaded): registry people with names
in eleven scripts (Latin with diacritics, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Chinese,
Japanese, Korean), emails and account handles; applicants that are the same people written
otherwise (transliterated both ways, typos, swapped order, accents dropped, look-alike handles,
email aliases) and applicants that are other people with similar names (the same first name, the
same family name, a real name one letter away, the other gender's form of the name, the same
handle on another system). The names are real names with the spellings people use for them
(Dmitry/Dmitriy/Dmitrii, Mohammed/Muhammad/Mohamed, Kim/Gim, Taro/Tarou, Hsiao-ming/Xiaoming).

The pipeline is Steward's: `index_keys` of every registry person into a dict standing in for the
blind index, `query_keys` of each applicant looked up in it, `score` against each candidate.
"Referred" is MATCH or REVIEW. Printed: recall of true matches (target >= 0.98) overall and per kind,
the rate at which other people are wrongly referred per kind, and precision two ways: (a) among all
referred (MATCH + REVIEW; the target >= 0.9 applies to it) and (b) among MATCH only; keys per person; candidates per applicant; the cost of
scoring one candidate, against one HMAC-SHA256 (what turning one key into a blind index costs)
measured in the same run.

    .venv/bin/python benchmarks/screening_eval.py [--people 800] [--seed 11]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from steward.registry.matching import Identifier, Subject, Verdict, index_keys, query_keys, score

Names = list[tuple[str, list[str]]]  # (as written in the script, [the Latin spellings people use])

POOLS: dict[str, dict[str, Names]] = {
    "latin": {
        "given": [("José", ["Jose"]), ("María", ["Maria"]), ("François", ["Francois"]), ("Jürgen", ["Juergen", "Jurgen"]),
                  ("Łukasz", ["Lukasz"]), ("Søren", ["Soren", "Soeren"]), ("Çağlar", ["Caglar"]), ("Renée", ["Renee"]),
                  ("André", ["Andre"]), ("Björn", ["Bjorn", "Bjoern"]), ("Małgorzata", ["Malgorzata"]),
                  ("Hélène", ["Helene"]), ("Tomáš", ["Tomas"]), ("Daniel", ["Daniel"]), ("Laura", ["Laura"]),
                  ("Karin", ["Karin"]), ("Julia", ["Julia"]), ("Michael", ["Michael"]), ("Sarah", ["Sarah"]),
                  ("Emily", ["Emily"]), ("Robert", ["Robert"]), ("Jessica", ["Jessica"])],
        "family": [("García", ["Garcia"]), ("Müller", ["Mueller", "Muller"]), ("Nowak", ["Nowak"]), ("Dvořák", ["Dvorak"]),
                   ("Şahin", ["Sahin"]), ("Jørgensen", ["Jorgensen", "Joergensen"]), ("Pérez", ["Perez"]),
                   ("Schröder", ["Schroeder", "Schroder"]), ("Lefèvre", ["Lefevre"]), ("Gonçalves", ["Goncalves"]),
                   ("Nguyễn", ["Nguyen"]), ("Fernández", ["Fernandez"]), ("Öztürk", ["Ozturk"]), ("Núñez", ["Nunez"]),
                   ("Walker", ["Walker"]), ("Parker", ["Parker"]), ("Hansen", ["Hansen"]), ("Thompson", ["Thompson"]),
                   ("Robinson", ["Robinson"]), ("Anderson", ["Anderson"])],
    },
    "cyrillic": {
        "given": [("Дмитрий", ["Dmitry", "Dmitriy", "Dmitrii", "Dimitri"]), ("Сергей", ["Sergei", "Sergey"]),
                  ("Алексей", ["Alexei", "Aleksey", "Alexey"]), ("Юрий", ["Yuri", "Yury", "Iurii", "Yuriy"]),
                  ("Евгений", ["Evgeny", "Yevgeny", "Evgenii", "Yevgeniy"]), ("Михаил", ["Mikhail", "Mihail"]),
                  ("Андрей", ["Andrei", "Andrey"]), ("Николай", ["Nikolai", "Nikolay"]), ("Владимир", ["Vladimir"]),
                  ("Наталья", ["Natalia", "Natalya"]), ("Ольга", ["Olga"]), ("Татьяна", ["Tatiana", "Tatyana"]),
                  ("Елена", ["Elena", "Yelena"]), ("Ирина", ["Irina"]), ("Анастасия", ["Anastasia", "Anastasiya"]),
                  ("Ксения", ["Ksenia", "Kseniya", "Xenia"])],
        "family": [("Иванов", ["Ivanov"]), ("Смирнов", ["Smirnov"]), ("Кузнецов", ["Kuznetsov", "Kouznetsov"]),
                   ("Попов", ["Popov"]), ("Соколов", ["Sokolov"]), ("Лебедев", ["Lebedev"]), ("Козлов", ["Kozlov"]),
                   ("Новиков", ["Novikov"]), ("Морозов", ["Morozov"]), ("Волков", ["Volkov"]),
                   ("Соловьёв", ["Solovyov", "Soloviev", "Solovyev"]), ("Васильев", ["Vasiliev", "Vasilyev"]),
                   ("Зайцев", ["Zaitsev", "Zaytsev"]), ("Павлов", ["Pavlov"]), ("Семёнов", ["Semenov", "Semyonov"]),
                   ("Щербаков", ["Shcherbakov", "Scherbakov"]), ("Жуков", ["Zhukov"]), ("Фёдоров", ["Fedorov", "Fyodorov"])],
    },
    "greek": {
        "given": [("Γιώργος", ["Giorgos", "Yorgos", "Georgios"]), ("Δημήτρης", ["Dimitris", "Dimitrios"]), ("Νίκος", ["Nikos"]),
                  ("Κώστας", ["Kostas", "Costas"]), ("Ελένη", ["Eleni"]), ("Μαρία", ["Maria"]), ("Κατερίνα", ["Katerina"]),
                  ("Χρήστος", ["Christos", "Hristos"]), ("Γιάννης", ["Giannis", "Yannis"]), ("Σοφία", ["Sofia", "Sophia"]),
                  ("Παναγιώτης", ["Panagiotis", "Panayiotis"]), ("Βασίλης", ["Vasilis", "Vassilis"])],
        "family": [("Παπαδόπουλος", ["Papadopoulos"]), ("Οικονόμου", ["Oikonomou", "Ikonomou"]), ("Γεωργίου", ["Georgiou"]),
                   ("Βασιλείου", ["Vasileiou", "Vassiliou"]), ("Νικολάου", ["Nikolaou"]),
                   ("Κωνσταντίνου", ["Konstantinou", "Constantinou"]), ("Παπαγεωργίου", ["Papageorgiou"]),
                   ("Αντωνίου", ["Antoniou"]), ("Ιωάννου", ["Ioannou"]), ("Δημητρίου", ["Dimitriou"]),
                   ("Καραγιάννης", ["Karagiannis", "Karayannis"]), ("Αλεξίου", ["Alexiou"])],
    },
    "arabic": {
        "given": [("محمد", ["Mohammed", "Muhammad", "Mohamed", "Mohammad"]), ("أحمد", ["Ahmed", "Ahmad"]), ("علي", ["Ali"]),
                  ("عمر", ["Omar", "Umar"]), ("خالد", ["Khaled", "Khalid"]), ("يوسف", ["Youssef", "Yusuf", "Yousef"]),
                  ("حسن", ["Hassan", "Hasan"]), ("إبراهيم", ["Ibrahim"]), ("فاطمة", ["Fatima", "Fatimah"]),
                  ("مريم", ["Maryam", "Mariam"]), ("ليلى", ["Layla", "Leila", "Laila"]), ("كريم", ["Karim", "Kareem"]),
                  ("طارق", ["Tariq", "Tarek"]), ("سارة", ["Sara", "Sarah"])],
        "family": [("حداد", ["Haddad"]), ("منصور", ["Mansour", "Mansur"]), ("الخطيب", ["Al-Khatib", "Alkhatib", "El-Khatib"]),
                   ("سعيد", ["Saeed", "Said"]), ("عثمان", ["Othman", "Uthman"]), ("حسين", ["Hussein", "Hussain", "Husain"]),
                   ("عبد الله", ["Abdullah", "Abdallah", "Abd Allah"]), ("قاسم", ["Qasim", "Kassem", "Kasim"]),
                   ("ناصر", ["Nasser", "Nasir"]), ("صالح", ["Saleh", "Salih"]), ("الشامي", ["Al-Shami", "Alshami"]),
                   ("عبد الرحمن", ["Abdulrahman", "Abdul Rahman", "Abdel Rahman"])],
    },
    "hebrew": {
        "given": [("משה", ["Moshe"]), ("דוד", ["David"]), ("יוסף", ["Yosef", "Josef"]), ("אברהם", ["Avraham", "Abraham"]),
                  ("יעקב", ["Yaakov", "Yakov"]), ("שרה", ["Sarah", "Sara"]), ("רחל", ["Rachel", "Rahel"]), ("מרים", ["Miriam"]),
                  ("נועה", ["Noa"]), ("יצחק", ["Yitzhak", "Itzhak"]), ("דניאל", ["Daniel"]), ("תמר", ["Tamar"])],
        "family": [("כהן", ["Cohen", "Kohen"]), ("לוי", ["Levi", "Levy"]), ("מזרחי", ["Mizrahi", "Mizrachi"]),
                   ("פרידמן", ["Friedman", "Fridman"]), ("שפירא", ["Shapira"]), ("ביטון", ["Biton"]), ("פרץ", ["Peretz"]),
                   ("גולדברג", ["Goldberg"]), ("קליין", ["Klein"]), ("רוזנברג", ["Rosenberg"]), ("אזולאי", ["Azoulay", "Azulay"]),
                   ("אשכנזי", ["Ashkenazi"])],
    },
    "devanagari": {
        "given": [("राहुल", ["Rahul"]), ("प्रिया", ["Priya"]), ("अमित", ["Amit"]), ("सुनील", ["Sunil"]), ("अनिल", ["Anil"]),
                  ("पूजा", ["Pooja", "Puja"]), ("अंजलि", ["Anjali"]), ("विकास", ["Vikas"]), ("संजय", ["Sanjay"]),
                  ("दीपक", ["Deepak", "Dipak"]), ("नेहा", ["Neha"]), ("राजेश", ["Rajesh"])],
        "family": [("शर्मा", ["Sharma"]), ("पटेल", ["Patel"]), ("कुमार", ["Kumar"]), ("सिंह", ["Singh"]), ("गुप्ता", ["Gupta"]),
                   ("वर्मा", ["Verma"]), ("जोशी", ["Joshi"]), ("मिश्रा", ["Mishra"]), ("अग्रवाल", ["Agarwal", "Aggarwal"]),
                   ("कपूर", ["Kapoor", "Kapur"]), ("यादव", ["Yadav"]), ("श्रीवास्तव", ["Srivastava", "Shrivastava"])],
    },
    "chinese": {
        "given": [("小明", ["Xiaoming", "Hsiao-ming"]), ("伟", ["Wei"]), ("静", ["Jing", "Ching"]), ("丽娜", ["Lina", "Li-na"]),
                  ("建国", ["Jianguo", "Chien-kuo"]), ("海燕", ["Haiyan"]), ("志强", ["Zhiqiang", "Chih-chiang"]),
                  ("秀英", ["Xiuying", "Hsiu-ying"]), ("晓东", ["Xiaodong", "Hsiao-tung"]), ("婷", ["Ting"]),
                  ("俊杰", ["Junjie", "Chun-chieh"]), ("雪", ["Xue", "Hsueh"])],
        "family": [("王", ["Wang"]), ("李", ["Li"]), ("张", ["Zhang", "Chang"]), ("刘", ["Liu"]), ("陈", ["Chen"]), ("杨", ["Yang"]),
                   ("黄", ["Huang"]), ("赵", ["Zhao", "Chao"]), ("周", ["Zhou", "Chou"]), ("吴", ["Wu"]), ("徐", ["Xu", "Hsu"]),
                   ("孙", ["Sun"]), ("欧阳", ["Ouyang"]), ("曾", ["Zeng", "Tseng"])],
    },
    "japanese": {
        "given": [("太郎", ["Taro", "Tarou", "Taroh"]), ("花子", ["Hanako"]), ("一郎", ["Ichiro", "Ichirou"]), ("健太", ["Kenta"]),
                  ("直美", ["Naomi"]), ("裕子", ["Yuko", "Yuuko"]), ("翔太", ["Shota", "Shouta"]), ("美咲", ["Misaki"]),
                  ("大輔", ["Daisuke"]), ("陽子", ["Yoko", "Youko"]), ("拓也", ["Takuya"]), ("浩", ["Hiroshi"])],
        "family": [("山田", ["Yamada"]), ("鈴木", ["Suzuki"]), ("佐藤", ["Sato", "Satou", "Satoh"]), ("田中", ["Tanaka"]),
                   ("高橋", ["Takahashi"]), ("渡辺", ["Watanabe"]), ("伊藤", ["Ito", "Itou", "Itoh"]), ("中村", ["Nakamura"]),
                   ("小林", ["Kobayashi"]), ("加藤", ["Kato", "Katou"]), ("吉田", ["Yoshida"]), ("山本", ["Yamamoto"])],
    },
    "korean": {
        "given": [("민수", ["Minsu", "Min-su", "Min-soo", "Minsoo"]), ("서연", ["Seoyeon", "Seo-yeon"]),
                  ("지훈", ["Jihun", "Ji-hoon", "Jihoon"]), ("영희", ["Younghee", "Young-hee", "Yeonghui"]),
                  ("철수", ["Cheolsu", "Chul-soo", "Chulsoo"]), ("수진", ["Sujin", "Su-jin", "Soojin"]),
                  ("현우", ["Hyunwoo", "Hyun-woo", "Hyeonu"]), ("지은", ["Jieun", "Ji-eun"]),
                  ("동현", ["Donghyun", "Dong-hyun", "Donghyeon"]), ("은지", ["Eunji", "Eun-ji"]),
                  ("준호", ["Junho", "Joon-ho", "Joonho"]), ("하은", ["Haeun", "Ha-eun"])],
        "family": [("김", ["Kim"]), ("이", ["Lee", "Yi", "Rhee"]), ("박", ["Park", "Pak"]), ("최", ["Choi", "Choe"]),
                   ("정", ["Jung", "Jeong", "Chung"]), ("강", ["Kang"]), ("조", ["Cho", "Jo"]), ("윤", ["Yoon", "Yun"]),
                   ("장", ["Jang", "Chang"]), ("임", ["Lim", "Im"]), ("한", ["Han"]), ("오", ["Oh"]), ("신", ["Shin"]),
                   ("권", ["Kwon"]), ("황", ["Hwang"]), ("안", ["Ahn"]), ("송", ["Song"])],
    },
}
# Written family first, without a space, in their own script.
FAMILY_FIRST = {"chinese", "japanese", "korean"}
# Other real names one letter away: a different person, not a typo.
NEIGHBOURS = {"Karin": "Karen", "Laura": "Lara", "Emily": "Emile", "Walker": "Walter", "Parker": "Barker",
              "Hansen": "Jansen", "Robinson": "Robison", "Rahul": "Rahil", "Amit": "Amin", "Anil": "Akil", "Omar": "Amar",
              "Karim": "Karin", "Tamar": "Tamir", "David": "Davis", "Sunil": "Sumil", "Nikos": "Nikas", "Irina": "Arina",
              "Elena": "Alena", "Kenta": "Kanta", "Misaki": "Masaki", "Moshe": "Mose", "Vikas": "Vikram", "Neha": "Nisha"}
# The other gender's form of a name.
GENDERED = {"Daniel": "Daniela", "Maria": "Mario", "María": "Mario", "Julia": "Julio", "Robert": "Roberta",
            "Michael": "Michaela", "Ali": "Alia", "Ivanov": "Ivanova", "Popov": "Popova", "Sokolov": "Sokolova",
            "Zhukov": "Zhukova", "Smirnov": "Smirnova", "Volkov": "Volkova", "Pavlov": "Pavlova", "Eleni": "Elenos",
            "Kostas": "Kosta", "Sofia": "Sofio", "Tomáš": "Tomasa", "André": "Andrea", "Renée": "René"}

VARIANT_KINDS = ("to-latin", "to-script", "other-spelling", "diacritics", "swapped", "typo", "typo2", "email-alias",
                 "email-only", "lookalike-handle", "handle-case")
OTHER_KINDS = ("same-first-name", "same-family-name", "neighbour-name", "other-gender", "same-handle-other-system",
               "similar-email", "unrelated")

PROVIDERS = ("gmail.com", "outlook.com", "proton.me", "yahoo.com", "fastmail.com", "icloud.com", "example.org", "uni-heidelberg.de")
SYSTEMS = ("github", "gitlab", "matrix", "discourse", "slack")
# Latin letters and the letters of other scripts that look like them (UTS #39 confusables)
LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "j": "ј", "s": "ѕ",
              "h": "һ", "n": "ո", "v": "ν", "l": "ⅼ", "d": "ԁ", "g": "ɡ", "q": "ԛ", "w": "ԝ", "u": "ս", "m": "ｍ"}


@dataclass
class Person:
    id: int
    script: str
    given: int
    family: int
    subject: Subject
    latin: tuple[str, str]  # a Latin spelling of the given and the family name
    email: str
    handles: dict[str, str] = field(default_factory=dict)


@dataclass
class Applicant:
    kind: str
    subject: Subject
    person: int | None  # the registry person it is, or None


def _entry(script: str, part: str, index: int) -> tuple[str, list[str]]:
    return POOLS[script][part][index]


def _full(script: str, given: str, family: str) -> str:
    if script in FAMILY_FIRST:
        return f"{family}{given}" if script != "japanese" or len(family) > 1 else f"{family} {given}"
    return f"{given} {family}"


def _email_local(rng: random.Random, given: str, family: str) -> str:
    g, f = _plain(given), _plain(family)
    return rng.choice([f"{g}.{f}", f"{g}{f}", f"{g[0]}{f}", f"{f}.{g}", f"{g}_{f}{rng.randint(1, 99)}"])


def _plain(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalpha())


def _handle(rng: random.Random, given: str, family: str) -> str:
    g, f = _plain(given), _plain(family)
    return rng.choice([f"{g[0]}{f}", f"{g}{f}", f"{g}-{f}", f"{f}{g[:2]}", f"{g}{rng.randint(10, 999)}"])


def _typo(rng: random.Random, word: str) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(1, len(word)) if len(word) > 1 else 0
    op = rng.choice(["sub", "del", "ins", "swap"])
    if op == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "del" and len(word) > 3:
        return word[:i] + word[i + 1:]
    if op == "ins":
        return word[:i] + rng.choice(letters) + word[i:]
    other = rng.choice([c for c in letters if c != word[i].lower()])
    return word[:i] + other + word[i + 1:]


@functools.cache
def _real_names() -> frozenset[str]:
    """Every name of the pools, their Latin spellings and the neighbours and other-gender forms, case-folded."""
    names = {n for pool in POOLS.values() for part in pool.values() for written, latin in part for n in (written, *latin)}
    return frozenset(n.casefold() for n in names | set(NEIGHBOURS.values()) | set(GENDERED.values()))


def _name_typo(rng: random.Random, word: str, own: set[str]) -> str:
    """A typo that is not another real name (Karin to Karen is another person, not a typo of Karin)."""
    typo = _typo(rng, word)
    for _attempt in range(20):
        if typo.casefold() not in _real_names() or typo.casefold() in own:
            break
        typo = _typo(rng, word)
    return typo


def generate(people: int = 800, seed: int = 11) -> tuple[list[Person], list[Applicant]]:
    """The registry and the applicants (deterministic for a seed)."""
    rng = random.Random(seed)
    scripts = list(POOLS)
    used: set[tuple[str, int, int]] = set()
    registry: list[Person] = []
    emails: set[str] = set()
    room = {script: len(POOLS[script]["given"]) * len(POOLS[script]["family"]) for script in scripts}
    while len(registry) < people:
        # the scripts in turn, passing over those whose every name is taken (else a full pool draws forever)
        open_scripts = [script for script in scripts if room[script]]
        if not open_scripts:
            break
        script = open_scripts[len(registry) % len(open_scripts)]
        pool = POOLS[script]
        g, f = rng.randrange(len(pool["given"])), rng.randrange(len(pool["family"]))
        if (script, g, f) in used:
            continue
        used.add((script, g, f))
        room[script] -= 1
        (gw, gl), (fw, fl) = pool["given"][g], pool["family"][f]
        latin = (rng.choice(gl), rng.choice(fl))
        # the registry holds the name as written in its script, or (half the time) a Latin spelling of it
        written = _full(script, gw, fw) if script == "latin" or rng.random() < 0.5 else f"{latin[0]} {latin[1]}"
        local = _email_local(rng, *latin)
        email = f"{local}@{rng.choice(PROVIDERS)}"
        while email in emails:
            email = f"{local}{rng.randint(1, 999)}@{email.partition('@')[2]}"
        emails.add(email)
        handles = {system: _handle(rng, *latin) for system in rng.sample(SYSTEMS, rng.randint(1, 2))}
        identifiers = [Identifier("email", email)] + [
            Identifier(s, f"@{h}:matrix.org" if s == "matrix" else h) for s, h in handles.items()]
        registry.append(Person(len(registry), script, g, f, Subject((written,), tuple(identifiers)), latin, email, handles))
    applicants: list[Applicant] = []
    for person in registry:
        for kind in rng.sample(VARIANT_KINDS, 3):
            applicant = _variant(rng, person, kind)
            if applicant:
                applicants.append(applicant)
        for kind in rng.sample(OTHER_KINDS, 3):
            applicant = _other(rng, person, kind, used)
            if applicant:
                applicants.append(applicant)
    return registry, applicants


def _fresh_email(rng: random.Random, given: str, family: str) -> Identifier:
    return Identifier("email", f"{_email_local(rng, given, family)}{rng.randint(1000, 9999)}@{rng.choice(PROVIDERS)}")


def _variant(rng: random.Random, person: Person, kind: str) -> Applicant | None:
    script = person.script
    (gw, gl), (fw, fl) = _entry(script, "given", person.given), _entry(script, "family", person.family)
    written = person.subject.names[0]
    in_script = script != "latin" and written == _full(script, gw, fw)
    given, family = rng.choice(gl), rng.choice(fl)
    name: str | None = None
    if kind == "to-latin":  # the registry has the script, the applicant a Latin spelling
        if not in_script:
            return None
        name = f"{given} {family}" if rng.random() < 0.5 else f"{family} {given}"
        if script == "chinese" and rng.random() < 0.3:  # "Xiao Ming Wang"
            name = f"{given.replace('-', ' ').title()} {family}"
    elif kind == "to-script":  # the registry has a Latin spelling, the applicant the script
        if script == "latin" or in_script:
            return None
        name = _full(script, gw, fw)
    elif kind == "other-spelling":  # another Latin spelling than the registry's
        spellings = [(g, f) for g in gl for f in fl if (g, f) != person.latin]
        if in_script or script == "latin" or not spellings:
            return None
        g2, f2 = rng.choice(spellings)
        name = f"{g2} {f2}"
    elif kind == "diacritics":
        if script != "latin" or (gl[0] == gw and fl[0] == fw):
            return None
        name = f"{given} {family}"
    elif kind == "swapped":
        name = f"{family} {given}" if not in_script or script not in FAMILY_FIRST else f"{given} {family}"
        if script == "latin":
            name = f"{fw} {gw}"
    elif kind in ("typo", "typo2"):
        # a typo in a word of two or three letters (Kim, Ali, Xue, Liu) makes another short name no one could
        # tell from it (Kem, Als, Xeu, Lix), so words of four letters or more take typos; two in one word from six
        words = (written if script == "latin" or not in_script else f"{given} {family}").split()
        typable = [i for i, w in enumerate(words) if len(w.replace("-", "")) >= 4]
        if not typable:
            return None
        own = {n.casefold() for n in (gw, fw, *gl, *fl)}
        i = rng.choice(typable)
        length = len(words[i])
        words[i] = _name_typo(rng, words[i], own)
        if kind == "typo2":  # (a word's length before its first typo)
            long_ = [j for j in typable if (length if j == i else len(words[j])) >= 6]
            others = [j for j in typable if j != i]
            j = i if long_ and i in long_ and (not others or rng.random() < 0.5) else rng.choice(others or typable)
            if j == i and length < 6:
                return None
            words[j] = _name_typo(rng, words[j], own)
        name = " ".join(words)
    if name is not None:
        return Applicant(kind, Subject((name,), (_fresh_email(rng, given, family),)), person.id)
    if kind in ("email-alias", "email-only"):
        local, _, domain = person.email.partition("@")
        if kind == "email-only":
            return Applicant(kind, Subject((), (Identifier("email", person.email.upper() if rng.random() < 0.3 else person.email),)),
                             person.id)
        if domain == "gmail.com":
            alias = f"{local.replace('.', '').title()}+grants@{rng.choice(['gmail.com', 'googlemail.com'])}"
        elif domain in ("outlook.com", "fastmail.com", "icloud.com"):
            alias = f"{local}+fellowship@{domain}"
        elif domain == "proton.me":
            alias = f"{local.replace('.', '_')}@{rng.choice(['protonmail.com', 'pm.me'])}"
        else:
            alias = f"{local.upper()}@{domain.upper()}"
        return Applicant(kind, Subject((), (Identifier("email", alias),)), person.id)
    system, handle = rng.choice(sorted(person.handles.items()))
    if kind == "lookalike-handle":
        spots = [i for i, c in enumerate(handle) if c in LOOKALIKES]
        if not spots:
            return None
        i = rng.choice(spots)
        handle = handle[:i] + LOOKALIKES[handle[i]] + handle[i + 1:]
    else:  # handle-case
        handle = "@" + handle.upper() if system != "matrix" else handle.upper()
    value = f"@{handle}:matrix.org" if system == "matrix" and kind == "lookalike-handle" else handle
    if system == "matrix" and kind == "handle-case":
        value = f"@{handle}:Matrix.org"
    return Applicant(kind, Subject((), (Identifier(system, value),)), person.id)


def _other(rng: random.Random, person: Person, kind: str, used: set[tuple[str, int, int]]) -> Applicant | None:
    script, pool = person.script, POOLS[person.script]
    (gw, _gl), (fw, _fl) = _entry(script, "given", person.given), _entry(script, "family", person.family)
    in_script = script != "latin" and person.subject.names[0] == _full(script, gw, fw)

    def write(g: int, f: int) -> str:
        (gw2, gl2), (fw2, fl2) = pool["given"][g], pool["family"][f]
        return _full(script, gw2, fw2) if rng.random() < 0.5 else f"{rng.choice(gl2)} {rng.choice(fl2)}"

    name: str | None = None
    if kind == "same-first-name":
        others = [f for f in range(len(pool["family"])) if (script, person.given, f) not in used]
        name = write(person.given, rng.choice(others)) if others else None
    elif kind == "same-family-name":
        others = [g for g in range(len(pool["given"])) if (script, g, person.family) not in used]
        name = write(rng.choice(others), person.family) if others else None
    elif kind in ("neighbour-name", "other-gender"):
        words = [gw, fw] if script == "latin" or in_script else list(person.latin)
        table = GENDERED if kind == "other-gender" else NEIGHBOURS
        spots = [i for i, w in enumerate(words) if w in table]
        if not spots:
            return None
        i = rng.choice(spots)
        words[i] = table[words[i]]
        name = " ".join(words) if script not in FAMILY_FIRST or not in_script else _full(script, words[0], words[1])
    elif kind == "unrelated":
        free = [(g, f) for g in range(len(pool["given"])) for f in range(len(pool["family"]))
                if (script, g, f) not in used and g != person.given and f != person.family]
        name = write(*rng.choice(free)) if free else None
    if name is not None:
        return Applicant(kind, Subject((name,), (_fresh_email(rng, *person.latin),)), None)
    if kind == "same-handle-other-system":
        _system, handle = sorted(person.handles.items())[0]
        other = rng.choice([s for s in SYSTEMS if s not in person.handles and s != "matrix"])
        free = [(g, f) for g in range(len(pool["given"])) for f in range(len(pool["family"]))
                if (script, g, f) not in used and g != person.given and f != person.family]
        names = (write(*rng.choice(free)),) if free else ()
        return Applicant(kind, Subject(names, (Identifier(other, handle),)), None)
    if kind == "similar-email":
        local, _, domain = person.email.partition("@")
        return Applicant(kind, Subject((), (Identifier("email", f"{_typo(rng, local)}x@{domain}"),)), None)
    return None


@dataclass
class Tally:
    total: int = 0
    candidates: int = 0  # the true person was among the candidates
    referred: int = 0  # positives: the true person referred; others: anyone referred
    matched: int = 0  # the same, with the verdict MATCH only


def evaluate(registry: list[Person], applicants: list[Applicant]) -> dict[str, object]:
    index: dict[str, set[int]] = defaultdict(set)
    started = time.perf_counter()
    key_counts = []
    for person in registry:
        keys = index_keys(person.subject)
        key_counts.append(len(keys))
        for key in keys:
            index[key].add(person.id)
    index_seconds = time.perf_counter() - started
    tallies: dict[str, Tally] = defaultdict(Tally)
    candidate_counts: list[int] = []
    query_key_counts: list[int] = []
    scored = 0
    score_seconds = 0.0
    misses: list[tuple[str, str, str]] = []
    false_referrals: list[tuple[str, str, str]] = []
    for applicant in applicants:
        keys = query_keys(applicant.subject)
        query_key_counts.append(len(keys))
        candidates: set[int] = set()
        for key in keys:
            candidates |= index.get(key, set())
        candidate_counts.append(len(candidates))
        referred = set()
        matched = set()
        t0 = time.perf_counter()
        for candidate in candidates:
            verdict = score(applicant.subject, registry[candidate].subject).verdict
            if verdict is not Verdict.NONE:
                referred.add(candidate)
            if verdict is Verdict.MATCH:
                matched.add(candidate)
        score_seconds += time.perf_counter() - t0
        scored += len(candidates)
        tally = tallies[applicant.kind]
        tally.total += 1
        if applicant.person is not None:
            tally.candidates += applicant.person in candidates
            tally.referred += applicant.person in referred
            tally.matched += applicant.person in matched
            if applicant.person not in referred:
                misses.append((applicant.kind, _show(applicant.subject), _show(registry[applicant.person].subject)))
        else:
            tally.referred += bool(referred)
            tally.matched += bool(matched)
            if referred:
                false_referrals.append((applicant.kind, _show(applicant.subject), _show(registry[min(referred)].subject)))
    positives = [t for k, t in tallies.items() if k in VARIANT_KINDS]
    negatives = [t for k, t in tallies.items() if k in OTHER_KINDS]
    tp = sum(t.referred for t in positives)
    fp = sum(t.referred for t in negatives)
    tp_match = sum(t.matched for t in positives)
    fp_match = sum(t.matched for t in negatives)
    # "neighbour-name" (Walker/Walter) cannot be told from a typo without knowing which spellings are real names
    fp_not_neighbour = sum(t.referred for k, t in tallies.items() if k in OTHER_KINDS and k != "neighbour-name")
    return {
        "tallies": dict(tallies), "recall": tp / max(1, sum(t.total for t in positives)), "precision": tp / max(1, tp + fp),
        "precision_match": tp_match / max(1, tp_match + fp_match),
        "recall_match": tp_match / max(1, sum(t.total for t in positives)),
        "precision_without_neighbours": tp / max(1, tp + fp_not_neighbour),
        "candidate_recall": sum(t.candidates for t in positives) / max(1, sum(t.total for t in positives)),
        "keys_mean": sum(key_counts) / len(key_counts), "keys_max": max(key_counts),
        "query_keys_mean": sum(query_key_counts) / len(query_key_counts),
        "candidates_mean": sum(candidate_counts) / len(candidate_counts), "candidates_max": max(candidate_counts),
        "score_us": score_seconds / max(1, scored) * 1e6, "scored": scored, "index_seconds": index_seconds,
        "misses": misses, "false_referrals": false_referrals, "people": len(registry), "applicants": len(applicants),
    }


def _show(subject: Subject) -> str:
    return " / ".join([*subject.names, *(f"{i.system}:{i.value}" for i in subject.identifiers)])


def _hmac_us(rounds: int = 20000) -> float:
    key = b"k" * 32
    started = time.perf_counter()
    for i in range(rounds):
        hmac.new(key, f"n:ifnf|tmtr{i}".encode(), hashlib.sha256).hexdigest()
    return (time.perf_counter() - started) / rounds * 1e6


def run(people: int = 800, seed: int = 11, show: int = 0) -> dict[str, object]:
    """The `screening-quality` benchmark: generate, evaluate, print."""
    started = time.perf_counter()
    registry, applicants = generate(people, seed)
    result = evaluate(registry, applicants)
    hmac_us = _hmac_us()
    print(f"\n== screening-quality: {result['people']} registry people, {result['applicants']} applicants (seed {seed})")
    print(f"keys per person: mean {result['keys_mean']:.1f}, max {result['keys_max']}; keys per applicant: mean "
          f"{result['query_keys_mean']:.0f}; candidates per applicant: mean {result['candidates_mean']:.1f}, max "
          f"{result['candidates_max']}")
    print(f"scoring one candidate: {result['score_us']:.0f} µs over {result['scored']} candidates = "
          f"{result['score_us'] / hmac_us:.0f} x one HMAC-SHA256 ({hmac_us:.2f} µs) in the same run")
    print(f"recall of true matches (referred = MATCH or REVIEW) {result['recall']:.3f} (target >= 0.98); "
          f"candidate-stage recall {result['candidate_recall']:.3f}")
    print(f"precision (a) among all referred (MATCH + REVIEW) {result['precision']:.3f} (target >= 0.9); "
          f"without neighbour-name {result['precision_without_neighbours']:.3f}")
    print(f"precision (b) among MATCH only {result['precision_match']:.3f} (recall with MATCH only "
          f"{result['recall_match']:.3f}: a name alone is never a MATCH)")
    tallies: dict[str, Tally] = result["tallies"]  # type: ignore[assignment]
    print(f"{'same person, written otherwise':32} {'n':>5} {'candidate':>10} {'recall':>8} {'as MATCH':>9}")
    for kind in VARIANT_KINDS:
        t = tallies.get(kind, Tally())
        flag = "" if not t.total or t.referred / t.total >= 0.98 else "  below target"
        print(f"{kind:32} {t.total:5} {t.candidates / max(1, t.total):10.3f} {t.referred / max(1, t.total):8.3f} "
              f"{t.matched / max(1, t.total):9.3f}{flag}")
    print(f"{'another person':32} {'n':>5} {'referred (wrongly)':>19} {'as MATCH':>9}")
    for kind in OTHER_KINDS:
        t = tallies.get(kind, Tally())
        note = "  (a real name one letter away: kept as REVIEW)" if kind == "neighbour-name" else ""
        print(f"{kind:32} {t.total:5} {t.referred / max(1, t.total):19.3f} {t.matched / max(1, t.total):9.3f}{note}")
    for title, rows in (("missed", result["misses"]), ("wrongly referred", result["false_referrals"])):
        for row in rows[:show]:  # type: ignore[index]
            print(f"  {title}: {row[0]}: {row[1]}  ->  {row[2]}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=800)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show", type=int, default=0, help="print this many misses and wrong referrals")
    args = parser.parse_args()
    run(args.people, args.seed, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
