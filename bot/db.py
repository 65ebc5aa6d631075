"""Engine and sessions, created on first use (nothing heavy at import time)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot import config
from bot.models import Base

_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    url = url or config.database_url()
    engine = _engines.get(url)
    if engine is None:
        engine = _create_engine(url)
        Base.metadata.create_all(engine)
        add_missing_columns(engine)
        _engines[url] = engine
    return engine


def add_missing_columns(engine: Engine) -> None:
    """Columns added to a table since a database was made (nullable ones only, such as the
    halls' coordinates): `create_all` makes missing tables but leaves existing ones alone."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # SQLAlchemy 1.4 opens a new connection per session for an SQLite file (NullPool); the
        # action server asks several times a turn, so connections are pooled as 2.0 does.
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        pooling = {} if in_memory else {"poolclass": QueuePool}
        if not in_memory:  # a fresh clone has no var/ yet
            Path(make_url(url).database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False}, **pooling)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    session = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
