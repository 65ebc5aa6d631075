"""The conversation's answers without Rasa: bot/dialogue.py on the demo catalogue and gdzwfw."""
from __future__ import annotations

import pytest

from bot import db
from bot.dialogue import Guide
from bot.importers import read_catalogue
from bot.search.tuning import Tuning
from bot.store import write_catalogue
from tests.catalogues import DEMO_CATALOGUE


@pytest.fixture(scope="module")
def demo(demo_db) -> Guide:
    return Guide(demo_db, hotline="12345")


def test_materials_are_a_complete_one_time_checklist(demo):
    turn = demo.answer("我奶奶想办老年证要带什么", "materials")
    assert turn.matter == "MZ-001" and turn.aspect == "materials" and turn.answered
    assert "一次性告知" in turn.answer.text and len(turn.answer.checklist) >= 2
    assert any("免提交" in item for item in turn.answer.checklist)


def test_follow_ups_keep_the_matter_and_switching_keeps_the_question(demo):
    first = demo.answer("老年证要什么材料", "materials")
    where = demo.answer("在哪办？", "where", first.matter)
    assert where.matter == "MZ-001" and "政务服务中心" in where.answer.text
    time = demo.answer("要多久？", "time", where.matter)
    assert time.matter == "MZ-001" and "时限" in time.answer.text
    switched = demo.answer("那残疾证呢？", time.aspect, time.matter)
    assert switched.matter.startswith("CL-") and switched.aspect == "time" and "时限" in switched.answer.text


def test_nearest_hall_for_a_named_community(demo):
    turn = demo.answer("翠苑社区能办老年证吗", "where")
    assert "离您最近的：翠苑社区服务站" in turn.answer.text


def test_close_matters_are_offered_as_buttons(demo):
    turn = demo.answer("身份证", "overview")
    assert turn.answer.kind == "choose" and turn.matter is None
    codes = [b.value for b in turn.answer.buttons if b.action == "choose_matter"]
    assert len(codes) >= 2 and all(code.startswith("GA-") for code in codes)
    chosen = demo.answer("居民身份证补领", "overview", chosen=codes[0])
    assert chosen.matter == codes[0] and chosen.answer.kind == "answer"


def test_not_in_the_catalogue_says_so_with_the_hotline(demo):
    turn = demo.answer("怎么办理离婚", "overview", current="MZ-001")
    assert turn.answer.kind == "not_found" and "12345" in turn.answer.text and not turn.answered


def test_near_matters_the_search_cannot_call_are_offered_with_the_not_found(demo):
    """A story that scores under the 'answerable' line: not found said plainly, and the near
    matters one tap away, keeping the aspect asked for that tap."""
    guide = Guide(demo.database_url, hotline="12345")
    guide.search.tuning = Tuning(answerable=0.999, suggest_from=0.0)
    turn = guide.answer("我爷爷八十多了，听说政府每个月会给点钱，这个钱怎么申请", "steps")
    assert turn.answer.kind == "not_found" and "没有找到" in turn.answer.text and "12345" in turn.answer.text
    chosen = [b.value for b in turn.answer.buttons if b.action == "choose_matter"]
    assert "MZ-002" in chosen and turn.aspect == "steps" and not turn.answered
    assert turn.answer.buttons[-1].action == "deny"


def test_no_matter_named_asks_which(demo):
    turn = demo.answer("要带什么", "materials")
    assert turn.answer.kind == "ask_matter"


def test_a_forged_button_payload_is_not_answered(demo):
    turn = demo.answer("x", "overview", chosen="NO-SUCH-CODE")
    assert turn.answer.kind == "not_found" and turn.matter is None


def test_related_matters_come_as_buttons(demo):
    turn = demo.answer("老年证办完还要办什么", "next")
    assert turn.answer.buttons and any("公交" in b.title for b in turn.answer.buttons)


@pytest.mark.parametrize(
    "text, expected",
    [("我是老年人能办什么", "老年人优待证办理"), ("街道能办哪些事", None), ("开饭店要办哪些手续", "食品经营许可")],
)
def test_what_can_i_do(demo, text, expected):
    answer = demo.what_can_i_do(text).answer
    assert answer.kind == "list" and answer.buttons
    if expected:
        assert any(expected in b.title for b in answer.buttons), [b.title for b in answer.buttons]


def test_what_can_i_do_with_a_matter_named_is_about_that_matter(demo):
    turn = demo.what_can_i_do("残疾人证换领包括哪些内容")
    assert turn.answer.kind == "answer" and turn.matter == "CL-002"
    # a group named first is still a list, even where a matter's name holds it
    assert demo.what_can_i_do("残疾人能办哪些事").answer.kind == "list"


def test_a_hall_level_is_a_word_of_its_own(demo):
    assert demo.what_can_i_do("村里能办哪些事").answer.text.startswith("社区一级")
    assert not demo.what_can_i_do("农村的老人能办什么").answer.text.startswith("社区一级")


def test_cancelled_certificate(demo):
    assert "不用再开" in demo.certificate("还要开无犯罪记录证明吗").answer.text
    unknown = demo.certificate("要开火星居住证明吗", current="MZ-001", aspect="where")
    assert "不在已公布的取消证明清单" in unknown.answer.text
    assert (unknown.matter, unknown.aspect) == ("MZ-001", "where")  # the conversation goes on


def test_a_certificate_a_matter_issues_is_answered_as_that_matter(demo):
    turn = demo.certificate("出生医学证明怎么开")
    assert turn.answer.kind == "answer" and turn.matter == "WJ-002"


def test_a_certificate_for_a_named_matter_gets_its_materials(demo):
    turn = demo.certificate("老年人优待证办理要开证明吗")
    assert turn.matter == "MZ-001" and turn.aspect == "materials" and "一次性告知" in turn.answer.text


@pytest.mark.parametrize(
    "text", ["", "   ", "😀🙏", "老年证" * 2000, "<script>alert(1)</script>", "'; DROP TABLE matters; --", "hello 老年证 please"]
)
def test_bad_input_gets_a_sensible_answer(demo, text):
    turn = demo.answer(text, "materials", current="MZ-001")
    assert turn.answer.text and turn.answer.kind in ("answer", "not_found", "ask_matter", "choose")


def test_gdzwfw_matter_answers_from_its_free_text_location(gdzwfw_url):
    guide = Guide(gdzwfw_url)
    turn = guide.answer("残疾证丢了怎么补办", "where")
    assert "挂失补办】办理地点：" in turn.answer.text  # the export's free-text 办理地点
    materials = guide.answer("残疾证丢了要带什么", "materials")
    assert materials.answer.kind == "answer" and materials.matter == turn.matter
    # gdzwfw publishes no procedure: "how" is answered with what it takes, and where.
    steps = guide.answer("残疾证丢了怎么补办", "steps")
    assert steps.matter == turn.matter and "未列出这项业务的办理流程" in steps.answer.text
    assert "办理地点：" in steps.answer.text and "咨询电话：" in steps.answer.text


def test_a_new_import_changes_the_answers_without_a_restart(database_url):
    data = read_catalogue(DEMO_CATALOGUE)
    with db.session_scope(database_url) as session:
        write_catalogue(session, data)
    guide = Guide(database_url, refresh_seconds=0)  # look at the revision every time
    assert guide.guides.matter("MZ-001") is guide.guides.matter("MZ-001")  # kept in memory

    renamed = next(m for m in data.matters if m.code == "MZ-001")
    renamed.name = "老年人优待证申领（新版）"
    with db.session_scope(database_url) as session:
        write_catalogue(session, data)
    assert "新版" in guide.answer("老年证要什么材料", "materials").answer.text


def test_a_shared_location_gets_the_nearest_hall_that_accepts_the_matter(demo):
    near_huibin = (22.5521, 114.0879)  # beside 湖滨社区服务站
    elderly = demo.nearest_hall(*near_huibin, current="MZ-001")
    assert elderly.answer.kind == "nearest_hall" and "湖滨社区服务站" in elderly.answer.text
    assert elderly.matter == "MZ-001" and elderly.aspect == "where"
    anywhere = demo.nearest_hall(*near_huibin)
    assert "离您最近的政务服务大厅" in anywhere.answer.text and "湖滨社区服务站" in anywhere.answer.text
    only_district = demo.nearest_hall(*near_huibin, current="GA-010")  # 机动车注册登记: the district centre only
    assert "示范区政务服务中心" in only_district.answer.text and "湖滨" not in only_district.answer.text


def test_without_hall_coordinates_the_nearest_hall_is_asked_by_street(gdzwfw_url):
    turn = Guide(gdzwfw_url).nearest_hall(23.13, 113.26)
    assert "街道或社区" in turn.answer.text and turn.answer.kind == "nearest_hall"
