"""The guards on the servers, piece by piece: the Rasa server's arguments, socket.io sessions,
and the tracker store that masks the status lookup's numbers."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.rasa_server import server_arguments
from connectors.socketio import SENDER_PREFIX, Sessions, session_id_for
from connectors.tracker_store import MaskingSQLTrackerStore
from tests.catalogues import ROOT


def test_the_api_is_off_by_default_and_the_server_on_loopback():
    argv = server_arguments(["run", "--port", "5005"], {})
    assert "--enable-api" not in argv and argv[argv.index("--interface") + 1] == "127.0.0.1"
    origins = argv[argv.index("--cors") + 1: argv.index("--interface")]
    assert origins == ["http://localhost:5005", "http://127.0.0.1:5005"]


@pytest.mark.parametrize("environ", [{"RASA_ENABLE_API": "1"}, {"RASA_ENABLE_API": "1", "RASA_AUTH_TOKEN": "short"}])
def test_the_api_without_a_token_refuses_to_start(environ):
    with pytest.raises(SystemExit, match="RASA_AUTH_TOKEN"):
        server_arguments(["run"], environ)
    with pytest.raises(SystemExit):
        server_arguments(["run", "--enable-api"], {})


def test_the_api_with_a_token(monkeypatch):
    monkeypatch.setenv("BOT_ALLOWED_ORIGINS", "https://www.example.gov.cn, https://m.example.gov.cn/")
    argv = server_arguments(["run"], {"RASA_ENABLE_API": "1", "RASA_AUTH_TOKEN": "x" * 32, "RASA_HOST": "0.0.0.0"})
    assert argv[argv.index("--auth-token") + 1] == "x" * 32 and "--enable-api" in argv
    assert "https://m.example.gov.cn" in argv and argv[argv.index("--interface") + 1] == "0.0.0.0"


def test_sessions_are_issued_signed_and_held_by_one_socket():
    sessions = Sessions()
    issued, sender = sessions.claim("sid-1", None)
    assert sender.startswith(SENDER_PREFIX) and issued == session_id_for(sender)
    # another socket presenting it while sid-1 holds it gets a session of its own
    _, other = sessions.claim("sid-2", issued)
    assert other != sender
    # forged, altered or made-up ids are never accepted
    for forged in ("victim", sender, issued[:-1] + ("0" if issued[-1] != "0" else "1"), "a.b", {"x": 1}, "." * 5):
        assert sessions.claim("sid-3", forged)[1] not in (sender, "web:victim")
    # once sid-1 is gone, its owner may resume it (a reload)
    sessions.release("sid-1")
    assert sessions.claim("sid-4", issued)[1] == sender


def test_the_tracker_store_masks_the_lookup_once_done(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = MaskingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker("citizen", domain.slots)
    events = [
        UserUttered("查一下办件进度", {"name": "check_status"}),
        SlotSet("requested_slot", "receipt_number"),
        UserUttered("SL2026 1103 00027", {"name": "inform_receipt"}),
        SlotSet("receipt_number", "SL2026110300027"),
        SlotSet("requested_slot", "phone_last4"),
        UserUttered("5678", {"name": "inform_receipt"}),
        SlotSet("phone_last4", "5678"),
        SlotSet("requested_slot", None),
    ]
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert "SL2026110300027" in _stored(tmp_path)  # still needed: the lookup has not run
    for event in (ActionExecuted("action_check_status"), BotUttered("受理编号 SL2026110300027 当前状态：待补正"),
                  SlotSet("receipt_number", None), SlotSet("phone_last4", None)):  # fmt: skip
        tracker.update(event)
    asyncio.run(store.save(tracker))
    stored = _stored(tmp_path)
    assert "SL2026110300027" not in stored and "5678" not in stored and "SL2026 1103" not in stored
    assert "SL*********0027" in stored and "待补正" in stored and "查一下办件进度" in stored
    retrieved = asyncio.run(store.retrieve("citizen"))
    assert retrieved.get_slot("receipt_number") is None and len(retrieved.events) == len(tracker.events)


def test_the_tracker_store_masks_a_receipt_once_the_form_is_left(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = MaskingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker("citizen", domain.slots)
    for event in (UserUttered("查一下办件进度", {"name": "check_status"}), ActiveLoop("status_form"),
                  SlotSet("requested_slot", "receipt_number"), UserUttered("SL2026110300027", {"name": "inform_receipt"}),
                  SlotSet("receipt_number", "SL2026110300027"), SlotSet("requested_slot", "phone_last4")):  # fmt: skip
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert "SL2026110300027" in _stored(tmp_path)  # still needed: the form asks for the digits
    for event in (UserUttered("我要投诉", {"name": "complain"}), SlotSet("receipt_number", None),
                  ActionExecuted("action_deactivate_loop"), ActiveLoop(None), SlotSet("requested_slot", None),
                  ActionExecuted("action_handoff"), BotUttered("您的投诉或建议可以拨打12345政务服务便民热线")):  # fmt: skip
        tracker.update(event)
    asyncio.run(store.save(tracker))
    stored = _stored(tmp_path)
    assert "SL2026110300027" not in stored and "SL*********0027" in stored and "拨打12345" in stored


def test_the_tracker_store_fails_one_request_not_the_server(tmp_path):
    from connectors.tracker_store import TrackerStoreError

    store = MaskingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    with pytest.raises(TrackerStoreError):  # Rasa's own store exits the process here
        asyncio.run(store.retrieve("\ud800x"))


def _stored(folder) -> str:
    with sqlite3.connect(folder / "tracker.db") as connection:
        return "\n".join(json.loads(row[0]).__repr__() for row in connection.execute("select data from events"))
