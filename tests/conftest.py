"""Shared fixtures: a real SQLite database per test, the demo catalogue and the real gdzwfw export."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot import db
from bot.search import MatterSearch
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into

QUESTIONS = Path(__file__).parent / "data"


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    """An empty SQLite database file, also set as BOT_DATABASE_URL for code that reads it."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    yield url
    db.dispose_all()


@pytest.fixture
def demo_url(database_url) -> str:
    import_into(database_url, DEMO_CATALOGUE)
    return database_url


@pytest.fixture(scope="session")
def gdzwfw_path() -> Path:
    if not GDZWFW.exists():
        pytest.skip(f"the real gdzwfw catalogue is not beside the clone ({GDZWFW}); CI has it in ../shared")
    return GDZWFW


@pytest.fixture(scope="session")
def gdzwfw_url(gdzwfw_path, tmp_path_factory) -> str:
    """The 2,262-matter catalogue imported once for the session; tests must not change it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('gdzwfw') / 'gdzwfw.db'}"
    import_into(url, gdzwfw_path)
    return url


@pytest.fixture(scope="session")
def gdzwfw_search(gdzwfw_url) -> MatterSearch:
    return MatterSearch(gdzwfw_url)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """The demo catalogue imported once for the session; tests must not change it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    import_into(url, DEMO_CATALOGUE)
    return url


@pytest.fixture(scope="session")
def demo_search(demo_db) -> MatterSearch:
    return MatterSearch(demo_db)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each test's outcome on its item (`rep_call`), so that fixtures can keep artefacts of failures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
