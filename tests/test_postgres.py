"""The same catalogue and search on PostgreSQL, through BOT_DATABASE_URL's sibling setting
BOT_TEST_POSTGRES_URL (.ci/run starts a server when it can)."""
from __future__ import annotations

import os

import pytest
from bot import db
from bot.models import Base
from bot.search import MatterSearch
from bot.store import catalogue_stats
from tests.catalogues import DEMO_CATALOGUE, import_into

POSTGRES_URL = os.environ.get("BOT_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL: set BOT_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url():
    """A test database of its own: the tables are made anew for each test."""
    engine = db.get_engine(POSTGRES_URL)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield POSTGRES_URL
    db.dispose_all()


def test_both_catalogues_on_postgres(postgres_url, gdzwfw_path):
    import_into(postgres_url, DEMO_CATALOGUE)
    import_into(postgres_url, gdzwfw_path)
    again = import_into(postgres_url, DEMO_CATALOGUE)
    assert again.created == 0 and again.withdrawn == 0
    with db.session_scope(postgres_url) as session:
        stats = catalogue_stats(session)
    assert stats.by_source["gdzwfw"] == 2262 and stats.by_source["demo"] >= 60
    search = MatterSearch(postgres_url)
    assert search.search("無線電頻率使用許可新申請").best.name == "无线电频率使用许可（新申请）"
    assert search.search("我奶奶想办老年证").best.code == "MZ-001"
