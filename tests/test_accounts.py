"""User names and argon2 passwords (nutgraf.accounts)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

from nutgraf import accounts
from nutgraf.accounts import (
    MAX_CONCURRENT_HASHES,
    check_password,
    hash_password,
    is_valid_name,
    needs_rehash,
    user_name,
    verify_password,
    verify_unknown,
)
from nutgraf.errors import InputError


@pytest.mark.parametrize(
    ("raw", "name"), [("Ann", "ann"), (" bob.smith ", "bob.smith"), ("x_1-2", "x_1-2")]
)
def test_names_are_folded_and_trimmed(raw: str, name: str) -> None:
    assert user_name(raw) == name
    assert is_valid_name(name)


@pytest.mark.parametrize("raw", ["", "-ann", ".ann", "an n", "ann!", "änn", "a" * 33, "ADMIN"])
def test_bad_names_are_refused(raw: str) -> None:
    with pytest.raises(InputError):
        user_name(raw)


def test_passwords_are_bounded_before_any_hashing() -> None:
    with pytest.raises(InputError, match="at least 8"):
        check_password("1234567")
    assert check_password("12345678") == "12345678"
    assert check_password("é" * 512) == "é" * 512  # 1,024 bytes
    with pytest.raises(InputError, match="at most 1024 bytes"):
        hash_password("é" * 513)
    stored = hash_password("a good password")
    started = time.perf_counter()
    assert not verify_password(stored, "x" * 10_000_000)
    assert time.perf_counter() - started < 0.05  # refused without hashing ten megabytes


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("a good password")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a good password")
    assert not verify_password(stored, "a good password ")
    assert not verify_password("not a hash", "a good password")
    assert not verify_unknown("a good password")
    assert not needs_rehash(stored)
    weaker = PasswordHasher(time_cost=1, memory_cost=8192).hash("a good password")
    assert verify_password(weaker, "a good password") and needs_rehash(weaker)


def test_at_most_a_few_hashes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = PasswordHasher(time_cost=1, memory_cost=8192)
    stored = real.hash("a good password")
    running, most, lock = 0, 0, threading.Lock()

    class Counting:
        def verify(self, password_hash: str, password: str) -> bool:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.02)
            try:
                return real.verify(password_hash, password)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(accounts, "_HASHER", Counting())
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: verify_password(stored, "a good password"), range(32)))
    assert all(results)
    assert 1 < most <= MAX_CONCURRENT_HASHES
