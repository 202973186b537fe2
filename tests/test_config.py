"""``load_settings``: defaults, then the file, then the environment; bad values in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nutgraf.config import Settings, load_settings
from nutgraf.errors import NutgrafError
from nutgraf.stories.archive import story_options
from nutgraf.stories.cluster import StoryOptions


def settings(tmp_path: Path, toml: str | None = None, **environ: str) -> Settings:
    path = tmp_path / "nutgraf.toml"
    if toml is not None:
        path.write_text(toml, encoding="utf-8")
    return load_settings({"NUTGRAF_CONFIG": str(path), **environ})


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert settings(tmp_path) == Settings()
    assert story_options(Settings()) == StoryOptions()


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    toml = "poll_interval = 600\nstory_day_penalty = 0.05\nfetch_pages = false\n"
    from_file = settings(tmp_path, toml)
    assert (from_file.poll_interval, from_file.story_day_penalty) == (600, 0.05)
    assert not from_file.fetch_pages
    both = settings(tmp_path, toml, NUTGRAF_STORY_DAY_PENALTY="0", NUTGRAF_POLL_INTERVAL="900")
    assert (both.poll_interval, both.story_day_penalty) == (900, 0.0)
    assert story_options(both) == StoryOptions(day_penalty=0.0)


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        ("story_day_penalty = 2\n", {}, "'story_day_penalty' has value 2.0. Use 0 to 1."),
        ("", {"NUTGRAF_STORY_DAY_PENALTY": "a lot"}, "'a lot'. Not a number."),
        ("", {"NUTGRAF_STORY_DAY_PENALTY": "nan"}, "has value nan. Use 0 to 1."),
        ("poll_interval = 5\n", {}, "Use 60 or more."),
        ("page_cache_seconds = -1\n", {}, "'page_cache_seconds' has value -1.0. Use 0 to 86400."),
        ("", {"NUTGRAF_PAGE_CACHE_SECONDS": "soon"}, "has value 'soon'. Not a number."),
        ("story_penalty = 0\n", {}, "unknown setting(s) story_penalty"),
        ("story_day_penalty = \n", {}, "is not valid TOML"),
        ("retention_days = 0\n", {}, "'retention_days' has value 0. Use 1 to 36500."),
        ("retention_days = 1.5\n", {}, "has value 1.5. Not a whole number of days."),
        ("", {"NUTGRAF_RETENTION_DAYS": "a month"}, "'a month'. Not a whole number of days."),
        ("", {"NUTGRAF_RETENTION_DAYS": "99999999"}, "Use 1 to 36500."),
    ],
)
def test_a_bad_value_is_one_clear_line(
    tmp_path: Path, toml: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(NutgrafError) as raised:
        settings(tmp_path, toml, **environ)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("CHANGE-ME-TO-A-LONG-RANDOM-STRING", "is the example's placeholder"),
        ("correct horse battery", "at least 24 characters"),
        ("ab" * 20, "repeats too few characters"),
    ],
)
def test_a_guessable_admin_token_is_refused(tmp_path: Path, token: str, message: str) -> None:
    with pytest.raises(NutgrafError) as raised:
        settings(tmp_path, NUTGRAF_ADMIN_TOKEN=token)
    assert message in str(raised.value)
    assert "secrets.token_urlsafe" in str(raised.value)  # and says how to make a good one
    assert "\n" not in str(raised.value)
    with pytest.raises(NutgrafError):
        settings(tmp_path, f'admin_token = "{token}"\n')


def test_the_shipped_example_token_is_refused(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "deploy" / "nutgraf.env"
    (line,) = [x for x in example.read_text().splitlines() if x.startswith("NUTGRAF_ADMIN_TOKEN=")]
    with pytest.raises(NutgrafError):
        settings(tmp_path, NUTGRAF_ADMIN_TOKEN=line.split("=", 1)[1])
    assert settings(tmp_path, NUTGRAF_ADMIN_TOKEN="Zq3-vK9_pL2xWm8RtY4nB7cE").admin_token


def test_retention_days_is_off_unless_set(tmp_path: Path) -> None:
    assert settings(tmp_path).retention_days is None
    assert settings(tmp_path, "retention_days = 90\n").retention_days == 90
    assert (
        settings(tmp_path, "retention_days = 90\n", NUTGRAF_RETENTION_DAYS="7").retention_days == 7
    )


def test_remote_images_are_on_unless_turned_off(tmp_path: Path) -> None:
    assert settings(tmp_path).remote_images
    assert not settings(tmp_path, "remote_images = false\n").remote_images
    assert settings(tmp_path, "remote_images = false\n", NUTGRAF_REMOTE_IMAGES="on").remote_images
    assert not settings(tmp_path, NUTGRAF_REMOTE_IMAGES="0").remote_images
    with pytest.raises(NutgrafError, match=r"^Config 'NUTGRAF_REMOTE_IMAGES' has value 'nah'"):
        settings(tmp_path, NUTGRAF_REMOTE_IMAGES="nah")
    with pytest.raises(NutgrafError, match=r"^Config 'remote_images' has value '3'"):
        settings(tmp_path, "remote_images = 3\n")


def test_the_site_is_public_unless_turned_off(tmp_path: Path) -> None:
    assert settings(tmp_path).public
    assert not settings(tmp_path, "public = false\n").public
    assert not settings(tmp_path, NUTGRAF_PUBLIC="false").public
    assert settings(tmp_path, "public = false\n", NUTGRAF_PUBLIC="true").public
    with pytest.raises(NutgrafError, match=r"^Config 'NUTGRAF_PUBLIC' has value 'maybe'"):
        settings(tmp_path, NUTGRAF_PUBLIC="maybe")
    with pytest.raises(NutgrafError, match=r"^Config 'public' has value 'no thanks'"):
        settings(tmp_path, 'public = "no thanks"\n')
