"""Receipt codes: 125 random bits in Crockford base32, read aloud in five groups of five.

Only a keyed hash is stored, so a look-up is one indexed query and a database dump
cannot be turned back into codes.
"""

from __future__ import annotations

import base64
import secrets

from steward.core import crypto

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
GROUPS, GROUP_SIZE = 5, 5  # 25 symbols x 5 bits = 125 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
# RFC 4648 base32 spells each 5 random bits with one of its 32 symbols: spelled again in Crockford's.
_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


def new_code() -> str:
    # 16 random bytes are 128 bits, 26 base32 symbols: the first 25 are 125 uniformly random bits.
    symbols = base64.b32encode(secrets.token_bytes(16)).translate(_FROM_BASE32).decode()[:GROUPS * GROUP_SIZE]
    return "-".join(symbols[i:i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def issue() -> tuple[str, str]:
    """A new code and the keyed hash to store in its place."""
    code = new_code()
    return code, crypto.keyed_hash(normalise(code) or "", purpose="receipt")


def normalise(code: str) -> str | None:
    """Accept what people type: any case, spaces or dashes, O for 0, I or L for 1."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(cleaned) != GROUPS * GROUP_SIZE or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str | None:
    normalised = normalise(code)
    return crypto.keyed_hash(normalised, purpose="receipt") if normalised else None
