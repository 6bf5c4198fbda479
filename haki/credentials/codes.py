"""Short codes that read aloud without confusion: Crockford's base 32 (no I, L, O or
U; a misheard O is read as 0, I and L as 1), eight characters in two groups of four,
40 random bits. With checks rate-limited per number and per address, guessing one is
hopeless."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8  # 8 × 5 = 40 bits
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def new_code() -> str:
    """A fresh code in its stored form: eight characters, no separator."""
    return encode(secrets.randbits(LENGTH * 5))


def encode(number: int) -> str:
    chars = []
    for _ in range(LENGTH):
        chars.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def decode(code: str) -> int:
    number = 0
    for char in code:
        number = (number << 5) | ALPHABET.index(char)
    return number


def parse(text: str) -> str | None:
    """The stored form of a code as someone typed or read it ("k7q2 8xm4", "K7Q2-8XM4",
    "K7O2-8XM4"), or None when it cannot be a code."""
    cleaned = "".join(text.upper().replace("-", " ").split())
    cleaned = "".join(_READ_AS.get(char, char) for char in cleaned)
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return None
    return cleaned


def find_in(words: str) -> str | None:
    """The code at the start of a text's remaining words, however it was grouped:
    "K7Q2 8XM4 please", "K7Q28XM4", "k7q2-8xm4 thanks"."""
    tokens = words.split()
    for count in (2, 1, len(tokens)):
        code = parse("".join(tokens[:count]))
        if code:
            return code
    return None


def display(code: str) -> str:
    """The printed form: two groups of four, "K7Q2-8XM4"."""
    return f"{code[:4]}-{code[4:]}"
