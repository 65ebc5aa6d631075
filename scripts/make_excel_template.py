"""Write the Excel catalogue template and a filled example for the demo district (示范区):

    knowledge/templates/catalogue-template.xlsx   empty sheets with headers, drop-downs, 说明
    knowledge/templates/catalogue-example.xlsx    the same with invented 示范区 data

The headers come from bot.importers.excel, so the template always matches the importer. The
output is deterministic (fixed document dates and zip timestamps): re-running changes no bytes.

    .venv/bin/python scripts/make_excel_template.py
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Alignment, Font, PatternFill  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.worksheet.datavalidation import DataValidation  # noqa: E402

from bot.catalogue import HALL_LEVELS, LEVELS, MATERIAL_FORMS, MEDIA  # noqa: E402
from bot.importers.excel import INSTRUCTIONS, MATTER_TYPES, SHEETS  # noqa: E402

OUT = ROOT / "knowledge" / "templates"
FIXED_TIME = datetime(2024, 1, 1)
YES_NO = ("是", "否")
VALIDATED_ROWS = 2000  # the drop-downs cover rows 2..VALIDATED_ROWS
TEXT_COLUMNS = {"事项编码", "关联事项编码", "大厅编码", "所属街道", "咨询电话", "投诉电话", "电话"}
LIST_NOTE = "多个值用顿号（、）、逗号或分号隔开"

# (sheet, header) -> (explanation, column width)
COLUMNS: dict[tuple[str, str], tuple[str, int]] = {
    ("事项", "事项编码"): ("事项的唯一编码，保持稳定：再次导入时按编码更新事项", 14),
    ("事项", "事项名称"): ("公布的事项名称", 26),
    ("事项", "简称"): ("常用简称，可空", 12),
    ("事项", "俗称"): ("群众的口头叫法，" + LIST_NOTE, 24),
    ("事项", "实施部门"): ("实施部门全称，如 示范区民政局", 20),
    ("事项", "层级"): ("决定机关的层级：" + "、".join(LEVELS), 8),
    ("事项", "事项类型"): ("、".join(MATTER_TYPES), 14),
    ("事项", "服务对象"): ("个人、法人；" + LIST_NOTE, 12),
    ("事项", "主题"): ("主题分类，" + LIST_NOTE, 18),
    ("事项", "人生事件"): ("如 生育、上学、就业、婚姻、退休、养老、住房、开办企业；" + LIST_NOTE, 14),
    ("事项", "受理条件"): ("谁可以办、需满足什么条件（自由文字）", 40),
    ("事项", "办理流程"): ("各环节用 → 或 > 或顿号隔开，如 提交申请→受理→审核→办结", 36),
    ("事项", "法定时限"): ("如 20个工作日、5自然日、即办；只填数字按工作日计", 12),
    ("事项", "承诺时限"): ("写法同法定时限", 12),
    ("事项", "收费标准"): ("如 不收费", 14),
    ("事项", "设定依据"): ("法律法规依据", 36),
    ("事项", "办理地点"): ("线下办理地点的文字说明，可空", 28),
    ("事项", "受理大厅"): ("受理该事项的大厅编码（见“大厅”表），" + LIST_NOTE, 24),
    ("事项", "窗口"): ("窗口名称，须与大厅“窗口”列中的名称一致，如 综合受理窗口", 16),
    ("事项", "全区通办"): ("是/否：在全区任一大厅都可办理", 10),
    ("事项", "咨询电话"): ("咨询电话（按文本填写，保留区号的0）", 16),
    ("事项", "投诉电话"): ("投诉电话", 12),
    ("事项", "网办地址"): ("网上办理地址，可空", 30),
    ("事项", "跑动次数"): ("最多跑几次，整数；0 表示全程网办", 10),
    ("材料", "事项编码"): ("材料所属事项的编码，须在“事项”表中；同一事项的材料按行的顺序排列", 14),
    ("材料", "材料名称"): ("材料名称", 30),
    ("材料", "原件/复印件"): ("、".join(MATERIAL_FORMS) + "（表头写作“原件复印件”也可）", 14),
    ("材料", "份数"): ("整数，如 1", 8),
    ("材料", "载体"): ("、".join(MEDIA), 12),
    ("材料", "来源"): ("材料从哪里来，如 申请人自备、公安部门", 18),
    ("材料", "免提交"): ("是/否：“是”表示窗口通过数据共享获取，群众无需提交", 10),
    ("材料", "必需"): ("是/否：不填视为“是”", 8),
    ("材料", "备注"): ("补充说明，可空", 36),
    ("大厅", "大厅编码"): ("大厅的唯一编码，如 H-QU", 14),
    ("大厅", "大厅名称"): ("大厅名称", 26),
    ("大厅", "层级"): ("、".join(HALL_LEVELS), 8),
    ("大厅", "所属街道"): ("社区服务站所属街道便民服务中心的大厅编码；区、街道大厅留空", 14),
    ("大厅", "服务范围"): ("所服务的街道、社区，" + LIST_NOTE, 28),
    ("大厅", "地址"): ("详细地址", 36),
    ("大厅", "办公时间"): ("如 周一至周五 9:00-12:00，14:00-18:00（原样显示，不拆分）", 40),
    ("大厅", "电话"): ("大厅电话（按文本填写）", 16),
    ("大厅", "窗口"): ("窗口号和名称，多个窗口用分号隔开，如 1-8 综合受理窗口；20 出入境窗口", 44),
    ("大厅", "纬度"): ("大厅位置的纬度（WGS-84，如 22.5431），用于为群众找最近的大厅；可空，与经度同填", 14),
    ("大厅", "经度"): ("大厅位置的经度（WGS-84，如 114.0579）；可空，与纬度同填", 14),
    ("取消的证明", "证明名称"): ("已取消、群众无需再提供的证明", 30),
    ("取消的证明", "俗称"): ("群众的叫法，" + LIST_NOTE, 28),
    ("取消的证明", "替代方式"): ("取消后由什么代替，如 数据共享核验、告知承诺", 44),
    ("取消的证明", "依据"): ("取消的依据文件", 36),
    ("关联事项", "事项编码"): ("事项编码，须在“事项”表中", 14),
    ("关联事项", "关联事项编码"): ("群众通常接着要办的事项编码，须在“事项”表中", 14),
    ("关联事项", "说明"): ("给群众的提示，如 办好老年证后可申领老年人公交卡", 44),
    ("常见问题", "事项编码"): ("事项编码，须在“事项”表中", 14),
    ("常见问题", "问题"): ("群众常问的问题", 36),
    ("常见问题", "回答"): ("答复", 60),
}
DROP_DOWNS = {
    ("事项", "层级"): LEVELS,
    ("事项", "事项类型"): MATTER_TYPES,
    ("事项", "全区通办"): YES_NO,
    ("材料", "原件/复印件"): MATERIAL_FORMS,
    ("材料", "载体"): MEDIA,
    ("材料", "免提交"): YES_NO,
    ("材料", "必需"): YES_NO,
    ("大厅", "层级"): HALL_LEVELS,
}
NOTES = (
    "填写须知",
    "1. 每张表的第1行是表头，请勿修改表头文字；列的顺序可以调整，不认识的表头会导致导入失败。",
    "2. “事项”表必填，其余表可以没有或留空；空行会被跳过。",
    "3. 一个单元格填多个值时，用顿号（、）、逗号或分号隔开；办理流程还可用 → 或 > 隔开。",
    "4. 是/否、层级、事项类型、原件/复印件、载体 请从下拉列表选择。",
    "5. 导入出错时，提示会指出表名、行号和列名，改正后重新导入即可；出错时不会写入任何数据。",
    "6. 命令：python -m bot catalogue import 本文件.xlsx",
)

HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

# The example: an invented 示范区; codes start with EX- so that it does not overwrite the demo
# catalogue in knowledge/ when both are imported into one database.
EXAMPLE_INFO = {"来源": "excel-example", "目录名称": "示范区公共服务事项目录（Excel 示例）"}
EXAMPLE: dict[str, list[dict[str, object]]] = {
    "事项": [
        {
            "事项编码": "EX-MZ-001", "事项名称": "老年人优待证办理", "简称": "老年证",
            "俗称": "老人证、敬老证、老年优待证", "实施部门": "示范区民政局", "层级": "区",
            "事项类型": "公共服务", "服务对象": "个人", "主题": "养老、证件办理", "人生事件": "养老",
            "受理条件": "年满60周岁的本区户籍老年人，或持本区居住证的非本区户籍老年人。",
            "办理流程": "提交申请→窗口受理→审核→制证→领取", "法定时限": "20个工作日", "承诺时限": "5工作日",
            "收费标准": "不收费", "设定依据": "《广东省老年人权益保障条例》第三十一条",
            "办理地点": "区政务服务中心、各街道便民服务中心、社区服务站", "受理大厅": "EX-H-QU、EX-H-DH、EX-H-DH-01",
            "窗口": "综合受理窗口", "全区通办": "是", "咨询电话": "0755-26600101", "投诉电话": "12345",
            "网办地址": "https://demo.gov.cn/zwfw/EX-MZ-001", "跑动次数": 1,
        },
        {
            "事项编码": "EX-MZ-002", "事项名称": "高龄老人津贴申领", "简称": "高龄津贴",
            "俗称": "长寿金，高龄补贴，老人补贴", "实施部门": "示范区民政局", "层级": "区",
            "事项类型": "行政给付", "服务对象": "个人", "主题": "养老、社会救助", "人生事件": "养老",
            "受理条件": "年满80周岁、本区户籍的老年人。",
            "办理流程": "提交申请 > 社区初审 > 街道审核 > 区民政局审批 > 按月发放", "法定时限": 20,
            "承诺时限": "10个工作日", "收费标准": "不收费", "设定依据": "《示范区高龄老人津贴发放办法》第五条",
            "受理大厅": "EX-H-DH、EX-H-DH-01", "窗口": "社会事务窗口", "全区通办": "否",
            "咨询电话": "0755-26600102", "投诉电话": "12345",
            "网办地址": "https://demo.gov.cn/zwfw/EX-MZ-002", "跑动次数": 0,
        },
        {
            "事项编码": "EX-JT-001", "事项名称": "老年人公交优惠卡申领", "简称": "老年人公交卡",
            "俗称": "老人公交卡、敬老卡、免费乘车卡", "实施部门": "示范区交通运输局", "层级": "区",
            "事项类型": "公共服务", "服务对象": "个人", "主题": "交通出行、养老", "人生事件": "养老",
            "受理条件": "持有老年人优待证的60周岁以上老年人。",
            "办理流程": "提交申请→窗口受理→制卡→领取", "法定时限": "15个工作日", "承诺时限": "5自然日",
            "收费标准": "工本费20元（首次申领免收）", "设定依据": "《示范区老年人乘坐公共交通优惠办法》",
            "受理大厅": "EX-H-QU", "窗口": "综合受理窗口", "全区通办": "否",
            "咨询电话": "0755-26600103", "投诉电话": "12345", "跑动次数": 1,
        },
        {
            "事项编码": "EX-WJ-001", "事项名称": "生育登记", "俗称": "准生证、生育服务证、一孩登记、二孩登记",
            "实施部门": "示范区卫生健康局", "层级": "区", "事项类型": "公共服务", "服务对象": "个人",
            "主题": "生育收养", "人生事件": "生育",
            "受理条件": "夫妻双方或一方为本区户籍，或在本区居住的流动人口。",
            "办理流程": "网上申请→系统核验→登记完成", "法定时限": "即办", "承诺时限": "即办",
            "收费标准": "不收费", "设定依据": "《广东省人口与计划生育条例》第十九条",
            "受理大厅": "EX-H-QU、EX-H-DH", "窗口": "综合受理窗口", "全区通办": "是",
            "咨询电话": "0755-26600104", "投诉电话": "12345",
            "网办地址": "https://demo.gov.cn/zwfw/EX-WJ-001", "跑动次数": 0,
        },
        {
            "事项编码": "EX-RS-001", "事项名称": "失业登记", "俗称": "失业证、就业失业登记、登记失业",
            "实施部门": "示范区人力资源局", "层级": "街道", "事项类型": "公共服务", "服务对象": "个人",
            "主题": "就业创业", "人生事件": "就业",
            "受理条件": "法定劳动年龄内、有劳动能力和就业要求、处于无业状态的本区常住人员。",
            "办理流程": "提交申请；窗口核验；登记办结", "法定时限": "即办", "承诺时限": "即办",
            "收费标准": "不收费", "设定依据": "《就业服务与就业管理规定》第六十三条",
            "受理大厅": "EX-H-DH", "窗口": "社保医保窗口", "全区通办": "是",
            "咨询电话": "0755-26600105", "投诉电话": "12345",
            "网办地址": "https://demo.gov.cn/zwfw/EX-RS-001", "跑动次数": 0,
        },
        {
            "事项编码": "EX-SC-001", "事项名称": "个体工商户设立登记", "俗称": "办个体执照、个体户营业执照",
            "实施部门": "示范区市场监督管理局", "层级": "区", "事项类型": "行政许可",
            "服务对象": "个人", "主题": "市场准入", "人生事件": "开办企业",
            "受理条件": "有经营能力的公民，经营场所符合规定。",
            "办理流程": "申请、受理、审查、决定、发照", "法定时限": "15个工作日", "承诺时限": "1个工作日",
            "收费标准": "不收费", "设定依据": "《促进个体工商户发展条例》；《市场主体登记管理条例》第二十一条",
            "受理大厅": "EX-H-QU、EX-H-DH", "窗口": "市场准入窗口", "全区通办": "是",
            "咨询电话": "0755-26600106", "投诉电话": "12345",
            "网办地址": "https://demo.gov.cn/zwfw/EX-SC-001", "跑动次数": 0,
        },
    ],
    "材料": [
        {"事项编码": "EX-MZ-001", "材料名称": "居民身份证", "原件/复印件": "原件", "份数": 1, "载体": "纸质",
         "来源": "申请人自备", "免提交": "否", "必需": "是", "备注": "委托他人代办的，另需代办人身份证"},
        {"事项编码": "EX-MZ-001", "材料名称": "居民户口簿", "原件/复印件": "原件", "份数": 1, "载体": "电子",
         "来源": "公安部门", "免提交": "是", "必需": "是", "备注": "窗口通过户籍信息共享核验"},
        {"事项编码": "EX-MZ-001", "材料名称": "近期一寸免冠彩色照片", "原件/复印件": "原件", "份数": 2,
         "载体": "纸质", "来源": "申请人自备", "免提交": "否", "必需": "是"},
        {"事项编码": "EX-MZ-002", "材料名称": "居民身份证", "原件/复印件": "原件", "份数": 1, "载体": "纸质或电子",
         "来源": "申请人自备", "免提交": "否", "必需": "是"},
        {"事项编码": "EX-MZ-002", "材料名称": "本人银行账户信息", "原件/复印件": "复印件", "份数": 1,
         "载体": "纸质", "来源": "申请人自备", "免提交": "否", "必需": "是", "备注": "津贴按月发放至该账户"},
        {"事项编码": "EX-JT-001", "材料名称": "老年人优待证", "原件/复印件": "原件", "份数": 1, "载体": "纸质或电子",
         "来源": "民政部门", "免提交": "是", "必需": "是", "备注": "窗口通过电子证照核验"},
        {"事项编码": "EX-JT-001", "材料名称": "近期一寸免冠彩色照片", "原件/复印件": "原件", "份数": 1,
         "载体": "纸质", "来源": "申请人自备", "免提交": "否", "必需": "是"},
        {"事项编码": "EX-WJ-001", "材料名称": "夫妻双方居民身份证", "原件/复印件": "原件", "份数": 1,
         "载体": "电子", "来源": "公安部门", "免提交": "是", "必需": "是"},
        {"事项编码": "EX-WJ-001", "材料名称": "结婚证", "原件/复印件": "原件", "份数": 1, "载体": "电子",
         "来源": "民政部门", "免提交": "是", "必需": "否", "备注": "未婚的无需提供"},
        {"事项编码": "EX-RS-001", "材料名称": "居民身份证或社会保障卡", "原件/复印件": "原件", "份数": 1,
         "载体": "纸质或电子", "来源": "申请人自备", "免提交": "否", "必需": "是"},
        {"事项编码": "EX-SC-001", "材料名称": "个体工商户登记（备案）申请书", "原件/复印件": "原件", "份数": 1,
         "载体": "纸质或电子", "来源": "窗口领取或网上填写", "免提交": "否", "必需": "是"},
        {"事项编码": "EX-SC-001", "材料名称": "经营者居民身份证", "原件/复印件": "原件", "份数": 1,
         "载体": "纸质", "来源": "申请人自备", "免提交": "否", "必需": "是"},
        {"事项编码": "EX-SC-001", "材料名称": "经营场所使用证明", "原件/复印件": "复印件", "份数": 1,
         "载体": "纸质", "来源": "申请人自备", "免提交": "否", "必需": "是",
         "备注": "已在不动产登记系统登记的自有房屋免于提交"},
    ],
    "大厅": [
        {"大厅编码": "EX-H-QU", "大厅名称": "示范区政务服务中心", "层级": "区",
         "服务范围": "东湖街道、南山街道、西岭街道、北园街道", "地址": "示范区人民大道88号区行政服务大楼一至三楼",
         "办公时间": "周一至周五 9:00-12:00，13:30-17:30；周六 9:00-12:00", "电话": "0755-26600000",
         "窗口": "1-6 综合受理窗口；7-9 社会事务窗口；10-13 社保医保窗口；20-23 市场准入窗口"},
        {"大厅编码": "EX-H-DH", "大厅名称": "东湖街道便民服务中心", "层级": "街道",
         "服务范围": "东湖街道、湖滨社区、翠苑社区", "地址": "示范区东湖路168号东湖街道办事处一楼",
         "办公时间": "周一至周五 9:00-12:00，14:00-18:00", "电话": "0755-26611000",
         "窗口": "1-2 综合受理窗口；3-4 社会事务窗口；5-6 社保医保窗口；8 市场准入窗口", "纬度": 22.545, "经度": 114.08},
        {"大厅编码": "EX-H-DH-01", "大厅名称": "湖滨社区服务站", "层级": "社区", "所属街道": "EX-H-DH",
         "服务范围": "湖滨社区", "地址": "示范区东湖街道湖滨路23号湖滨社区党群服务中心一楼",
         "办公时间": "周一至周五 9:00-12:00，14:00-18:00；周六 9:00-12:00", "电话": "0755-26611101",
         "窗口": "1 综合受理窗口；2 社会事务窗口"},
    ],
    "取消的证明": [
        {"证明名称": "亲属关系证明", "俗称": "直系亲属关系证明、亲属证明、家庭关系证明",
         "替代方式": "通过户籍信息、婚姻登记信息和出生医学证明电子证照共享核验；无法核验的，由申请人书面承诺",
         "依据": "《示范区证明事项清理结果》第2项"},
        {"证明名称": "居住证明（社区或村居委会出具）", "俗称": "住址证明、实际居住证明、社区开的居住证明",
         "替代方式": "窗口通过居住登记、居住证信息或房屋租赁登记备案信息核验；核验不到的实行告知承诺",
         "依据": "《示范区证明事项清理结果》第3项"},
    ],
    "关联事项": [
        {"事项编码": "EX-MZ-001", "关联事项编码": "EX-JT-001", "说明": "办好老年证后可申领老年人公交优惠卡"},
        {"事项编码": "EX-MZ-001", "关联事项编码": "EX-MZ-002", "说明": "年满80周岁的，还可申领高龄老人津贴"},
    ],
    "常见问题": [
        {"事项编码": "EX-MZ-001", "问题": "外地户籍老人能办吗？", "回答": "持本区居住证的外地户籍老人可以办理。"},
        {"事项编码": "EX-MZ-001", "问题": "可以让子女代办吗？", "回答": "可以，代办人需带上本人和老人的身份证。"},
        {"事项编码": "EX-MZ-002", "问题": "津贴什么时候发？", "回答": "审批通过后次月起，每月10日前发放到本人银行账户。"},
        {"事项编码": "EX-SC-001", "问题": "个体户执照要多久能拿到？", "回答": "材料齐全的，1个工作日内办结，可选择邮寄或窗口领取。"},
    ],
}  # fmt: skip


def build(example: bool) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    info = EXAMPLE_INFO if example else {}
    _instructions_sheet(book.create_sheet(INSTRUCTIONS), info)
    for name, (headers, required) in SHEETS.items():
        sheet = book.create_sheet(name)
        _header(sheet, name, headers, required)
        for row in EXAMPLE.get(name, []) if example else []:
            sheet.append([row.get(header) for header in headers])
    book.active = 1  # open on 事项
    book.properties.creator = "daoban"
    book.properties.created = FIXED_TIME
    return book


def _header(sheet, name: str, headers: tuple[str, ...], required: tuple[str, ...]) -> None:
    sheet.append(list(headers))
    for index, header in enumerate(headers, 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = REQUIRED_FONT if header in required else HEADER_FONT
        cell.fill = HEADER_FILL
        letter = get_column_letter(index)
        explanation, width = COLUMNS[(name, header)]
        sheet.column_dimensions[letter].width = width
        if header in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        choices = DROP_DOWNS.get((name, header))
        if choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="请从下拉列表选择",
                error="可选：" + "、".join(choices),
            )
            validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def _instructions_sheet(sheet, info: dict[str, str]) -> None:
    sheet.append(["来源", info.get("来源"), "导入来源名。再次完整导入同一来源时，本文件不再列出的事项会被撤下；留空则用文件名（不含扩展名）"])
    sheet.append(["目录名称", info.get("目录名称"), "目录的名称，可空"])
    sheet.append([])
    for note in NOTES:
        sheet.append([note])
    sheet.append([])
    sheet.append(["工作表", "列名", "必填", "填写说明"])
    table_header = sheet.max_row
    for name, (headers, required) in SHEETS.items():
        for header in headers:
            sheet.append([name, header, "是" if header in required else "", COLUMNS[(name, header)][0]])
    for row in (1, 2, 4, table_header):
        for cell in sheet[row]:
            cell.font = HEADER_FONT
    for letter, width in zip("ABCD", (12, 16, 6, 80)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=table_header + 1, min_col=4, max_col=4):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def save(book: Workbook, path: Path) -> None:
    """Save with fixed dates in docProps/core.xml and fixed zip timestamps, so that the bytes
    depend only on the content (openpyxl stamps the save time otherwise)."""
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def main() -> None:
    for example, name in ((False, "catalogue-template.xlsx"), (True, "catalogue-example.xlsx")):
        path = OUT / name
        save(build(example), path)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
