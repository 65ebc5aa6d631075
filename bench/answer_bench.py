"""Answer accuracy through the REST channel (not a test): both servers started as `make run`
starts them, one fresh conversation per labelled question: the tuning sets
(bench/data/answer_questions_*.yml, bench/data/citizens_*.yml) and, reported apart, the blind held-out sets
(bench/data/blind_*.yml, blind2_*.yml and blind3_*.yml, written by someone who saw neither the code nor the
other sets).

    .venv/bin/python bench/answer_bench.py [SET ...]     (needs the trained model: make train)

A question counts when the reply is about one of the expected matters and holds the fact asked
for, where the catalogue publishes it (one tap allowed on a button naming the matter: a choice, a list, or a suggestion that comes
with "not found"; the answers reached through a suggestion are counted apart); an
out-of-catalogue question when the bot says the catalogue has no such matter (or, for a message
about no government service at all, that it answers only those); a complaint when the reply
carries the handoff event."""
from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import guide  # noqa: E402
from bot.search.normalize import normalize  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402
from tests.servers import Bot  # noqa: E402
from training.split import held_out  # noqa: E402

CATALOGUES = {"demo": DEMO_CATALOGUE, "gdzwfw": GDZWFW}
SETS = {f"{prefix}_{name}": name for prefix in ("answer_questions", "citizens", "blind", "blind2", "blind3") for name in CATALOGUES}


def custom(messages: list[dict], key: str):
    payloads = [(m.get("custom") or {}).get("data") or {} for m in messages]
    return next((p[key] for p in payloads if key in p), None)


@lru_cache(maxsize=None)
def _guides(url: str) -> guide.CachedGuides:
    return guide.CachedGuides(url)


def fact_present(code: str, aspect: str, text: str, url: str) -> bool:
    """Whether the reply holds the fact asked for, read from the catalogue itself. Where the
    catalogue does not publish it (gdzwfw has no steps and no fees), the right matter is all
    a reply can get right."""
    matter = guide.get_matter(code, url)
    reply = normalize(text)
    facts = {
        "overview": [matter.name],
        "materials": [m.name for m in matter.materials[:1]],
        "where": [h.name for h in matter.halls] or [matter.location or ""],
        "steps": matter.steps[:1],
        "time": [str(matter.promised_days) if matter.promised_days else "即办"],
        "fee": [matter.fee or ""],
        "conditions": [(matter.conditions or "")[:12]],
        "online": [matter.online_url or "大厅办理"],
        "phone": [matter.consult_phone or ""],
        "legal_basis": [(matter.legal_basis or "")[:12]],
        "next": list(_guides(url).names([r.related_code for r in matter.related]).values())[:1],
    }[aspect]
    published = [fact for fact in facts if fact]
    return not published or any(normalize(fact) in reply for fact in published)


TAPPABLE = ("choose", "list", "not_found")
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
OUT_OF_SCOPE = {r["text"] for r in DOMAIN["responses"]["utter_out_of_scope"]}


def ask(bot: Bot, question: dict, url: str) -> tuple[bool, str]:
    """Whether the reply is right, and what it was (for the misses file; "suggested" when the
    right answer took a tap on a suggestion; for a matter the catalogue lacks, "guide" when a
    neighbour's guide was the answer and "choice" when a choice among neighbours was)."""
    sender = uuid.uuid4().hex
    messages = bot.say(sender, question["q"])
    expect = question["expect"]
    answer = custom(messages, "answer")
    got = _what(messages, answer)
    if expect == "none":
        out_of_scope = any(m.get("text") in OUT_OF_SCOPE for m in messages)
        plain = out_of_scope or (bool(answer) and answer["kind"] == "not_found")
        if not plain and answer and answer["kind"] in ("choose", "list"):
            got = "choice: " + got
        elif not plain and answer and answer.get("matter"):
            got = "guide: " + got
        return plain, got
    if expect == "complaint":
        return custom(messages, "handoff") is not None, got
    codes = [str(c) for c in expect]
    if answer and answer["kind"] in TAPPABLE and answer["buttons"]:  # one tap on the right button
        rendered = [b for m in messages for b in (m.get("buttons") or [])]  # with their Rasa payloads
        tap = next((b["payload"] for b in rendered if any(f'"{c}"' in b.get("payload", "") for c in codes)), None)
        if tap is None:
            return False, got + ", right matter not offered"
        got = "suggested" if answer["kind"] == "not_found" else got
        messages = bot.say(sender, tap)
        answer = custom(messages, "answer")
    if not answer or answer.get("matter") not in codes:
        return False, got + ", wrong or no matter"
    text = "\n".join(m.get("text") or "" for m in messages)
    present = fact_present(answer["matter"], question["aspect"], text, url)
    return present, got if present else got + ", fact asked missing"


def _what(messages: list[dict], answer: dict | None) -> str:
    if custom(messages, "handoff") is not None:
        return "handed off"
    if answer:
        return f"{answer['kind']} {answer.get('matter') or ''}".strip()
    return "text: " + " ".join(m.get("text") or "" for m in messages)[:40]


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="daoban-answers-"))
    print("| question set | questions | about a matter | of which through a suggestion | held-out fifth's matters "
          "| lacking: said plainly | lacking: a neighbour's guide | lacking: a choice | complaints handed off | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in sys.argv[1:] or SETS:
        catalogue = SETS[name]
        url = f"sqlite:///{workdir / f'{catalogue}.db'}"
        if not Path(workdir / f"{catalogue}.db").exists():
            import_into(url, CATALOGUES[catalogue])
        questions = yaml.safe_load((ROOT / "bench" / "data" / f"{name}.yml").read_text("utf-8"))
        # All questions come from 127.0.0.1, each in a new conversation: the per-address limit
        # (meant for one hall's kiosks) is lifted.
        bot = Bot(url, str(workdir / f"{name}-tracker.db"), env={"BOT_RATE_PER_CLIENT": "1000000/60"})
        started = time.monotonic()
        results = {group: [0, 0] for group in ("matter", "held_out", "none", "guide", "choice", "complaint")}
        suggested = 0
        misses = []
        try:
            for question in questions["questions"]:
                expect = question["expect"]
                group = expect if expect in ("none", "complaint") else "matter"
                ok, got = ask(bot, question, url)
                results[group][0] += ok
                suggested += ok and got.startswith("suggested")
                results[group][1] += 1
                if group == "matter" and catalogue == "gdzwfw" and all(held_out(str(c)) for c in expect):
                    results["held_out"][0] += ok
                    results["held_out"][1] += 1
                if group == "none":
                    for kind in ("guide", "choice"):
                        results[kind][0] += got.startswith(kind + ":")
                        results[kind][1] += 1
                if not ok:
                    misses.append({"q": question["q"], "expect": question["expect"],
                                   "aspect": question.get("aspect"), "got": got})
        finally:
            bot.stop()
        rate = {k: f"{v[0]}/{v[1]} = {v[0] / v[1]:.3f}" if v[1] else "–" for k, v in results.items()}
        print(f"| {name} | {len(questions['questions'])} | {rate['matter']} | {suggested} | {rate['held_out']} | "
              f"{rate['none']} | {rate['guide']} | {rate['choice']} | {rate['complaint']} | "
              f"{time.monotonic() - started:.0f} |")
        Path(workdir / f"{name}-misses.json").write_text(json.dumps(misses, ensure_ascii=False, indent=1), "utf-8")
    print(f"\nmisses: {workdir}/*-misses.json")


if __name__ == "__main__":
    main()
