"""Users' names and passwords: what a name may be, and argon2 hashes of passwords.

A name is 1 to 32 characters: lower-case ASCII letters, digits, ``.``, ``_`` and ``-``,
starting with a letter or a digit. Names are case-insensitive: ``Alice`` is folded to
``alice`` wherever a name is given (the command line, the sign-in form, the admin forms), so
two users never differ by case alone. ``admin`` is taken: the sessions the admin token opens
read under that name.

A password is 8 characters or more and at most 1,024 bytes (UTF-8): argon2 over a 10 MB
password is a denial of service, so a longer one is refused before hashing. Hashes are
argon2id with argon2-cffi's parameters; ``needs_rehash`` tells when they changed since a hash
was made, so a sign-in can store a fresh one.

Each hash or verification takes argon2's 64 MiB for tens of milliseconds. At most
``MAX_CONCURRENT_HASHES`` run at once in a process, whatever number of sign-ins arrive
together (the rate limit counts a failure only once it is known), so a burst of guesses
waits its turn instead of taking gigabytes.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from nutgraf.errors import InputError
from nutgraf.store.records import User

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_PASSWORD_BYTES",
    "MIN_PASSWORD_CHARS",
    "RESERVED_NAMES",
    "check_password",
    "hash_password",
    "is_valid_name",
    "needs_rehash",
    "user_name",
    "verify_password",
    "verify_unknown",
]

MAX_NAME_CHARS = 32
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 1024
RESERVED_NAMES = frozenset({"admin"})  # nutgraf.web.identity.ADMIN_USER: the token's sessions
_NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_NAME_CHARS - 1}}}")
MAX_CONCURRENT_HASHES = 4
_HASHER = PasswordHasher()
_TURNS = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def is_valid_name(name: str) -> bool:
    """Whether ``name`` (already folded to lower case) is a name a user may have."""
    return _NAME.fullmatch(name) is not None and name not in RESERVED_NAMES


def user_name(raw: str) -> str:
    """``raw`` as a user's name: trimmed and lower-cased; InputError when it cannot be one."""
    name = raw.strip().lower()
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"a user name is at most {MAX_NAME_CHARS} characters")
    if name in RESERVED_NAMES:
        raise InputError(f"{name!r} is taken by the admin token's sessions; choose another name")
    if not is_valid_name(name):
        raise InputError(
            "a user name is letters a-z, digits, '.', '_' and '-', starting with a letter "
            f"or digit: {raw[:MAX_NAME_CHARS]!r} is not one"
        )
    return name


def check_password(password: str) -> str:
    """``password`` when it may be one; InputError saying why not otherwise."""
    if len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES:
        raise InputError(f"a password is at most {MAX_PASSWORD_BYTES} bytes")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"a password is at least {MIN_PASSWORD_CHARS} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a password that ``check_password`` accepts (it is checked)."""
    password = check_password(password)
    with _TURNS:
        return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from. A password too long
    to be anyone's is refused without hashing it."""
    if len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES:
        return False
    try:
        with _TURNS:
            return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def fever_key(name: str, password: str) -> str:
    """The Fever API's key for a user's API password: md5("name:password") in hex, as that
    protocol defines it (apps send it; it is only as strong as md5 of the password)."""
    return hashlib.md5(f"{name}:{password}".encode(), usedforsecurity=False).hexdigest()


def verify_app_password(user: User, password: str) -> bool:
    """Whether an app (Google Reader API) may sign in as ``user`` with ``password``: their API
    password when they set one, else their account password."""
    return verify_password(user.api_password_hash or user.password_hash, password)


def app_credential_hash(user: User) -> str:
    """The hash an app's session stands on: a new API password (or account password, when
    there is none) ends the sessions made with the old one."""
    return user.api_password_hash or user.password_hash


def verify_unknown(password: str) -> bool:
    """Spend the time a verification takes, for a user who does not exist: an unknown name
    then answers as slowly as a wrong password does. Always False."""
    verify_password(_dummy_hash(), password)
    return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    with _TURNS:
        return _HASHER.hash("no user has this password: it only costs the time of one")
