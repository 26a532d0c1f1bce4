"""The catalogue file (docs/catalogue-format.md): its columns, its words and how a cell holds a list.

The words a file may use (行政许可, 窗口人员, 轻微, 是 …) are part of the format, written here and
in the document, not taken from the translation catalogue: a file written today must still import
after someone rewords a label. Labels in every configured language are accepted as well.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import translation

from portal.exports import restore
from portal.roles import Role

from ..constants import Category, CleanupStatus, Level


@dataclass(frozen=True)
class Column:
    field: str  # the English name, accepted as a header too
    header: str  # the Chinese header the export writes
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("code", "事项编码", True),
    Column("name", "事项名称", True),
    Column("category", "事项类型", True, ("事项类别", "权力类型")),
    Column("department_code", "实施主体编码", True, ("部门编码",)),
    Column("department_name", "实施主体名称", False, ("实施主体", "部门名称")),
    Column("legal_basis", "设定依据", True),
    Column("conditions", "受理条件", False, ("办理条件",)),
    Column("legal_days", "法定时限（工作日）", True, ("法定办结时限",)),
    Column("promised_days", "承诺时限（工作日）", True, ("承诺办结时限",)),
    Column("extension_days", "延长时限（工作日）"),
    Column("is_immediate", "即办件"),
    Column("fee_standard", "收费标准"),
    Column("fee_basis", "收费依据"),
    Column("rights", "相对人权利", False, ("行政相对人权利",)),
    Column("complaint_channel", "投诉渠道", False, ("监督投诉渠道",)),
    Column("cleanup_status", "清理状态"),
    Column("merged_into", "合并至事项编码", False, ("合并至",)),
    Column("steps", "办理环节", False, ("办理流程",)),
    Column("materials", "申请材料"),
    Column("standards", "裁量基准", False, ("自由裁量基准",)),
    # Added after the others so that a file of the earlier format reads as before.
    Column("legal_fine_min", "法定罚款下限（元）", False, ("罚款下限",)),
    Column("legal_fine_max", "法定罚款上限（元）", False, ("罚款上限",)),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}

# PowerItem fields a file carries, beside code and department; the rest of a version is copied.
TEXT_FIELDS = ("name", "legal_basis", "conditions", "fee_standard", "fee_basis", "rights", "complaint_channel")
DAY_FIELDS = ("legal_days", "promised_days", "extension_days")
FINE_FIELDS = ("legal_fine_min", "legal_fine_max")
ITEM_FIELDS = ("name", "category", *TEXT_FIELDS[1:], *DAY_FIELDS, "is_immediate", "cleanup_status", "merged_into")


def header_key(text: str) -> str:
    """What two spellings of one header share: no spaces, no case, no unit in brackets at the end."""
    text = re.sub(r"\s+", "", str(text)).casefold()
    return re.sub(r"[（(][^（()）]*[)）]$", "", text)


HEADER_FIELDS = {
    header_key(name): column.field for column in COLUMNS for name in (column.field, column.header, *column.aliases)
}


class Vocabulary:
    """The words for one set of choices: the value itself, the format's Chinese word, any label."""

    def __init__(self, choices: type[models.TextChoices], words: dict[str, str]):
        assert set(words) == set(choices.values), f"every {choices.__name__} needs a word in the file format"
        self.choices = choices
        self.words = words

    @cached_property
    def _values(self) -> dict[str, str]:
        values = {}
        for choice in self.choices:
            names = {choice.value, self.words[choice.value]}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    names.add(str(choice.label))
            values.update({_word_key(name): choice.value for name in names})
        return values

    def parse(self, text: str) -> str | None:
        return self._values.get(_word_key(text))

    def word(self, value: str) -> str:
        return self.words[value]


def _word_key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


CATEGORIES = Vocabulary(
    Category,
    {
        "XK": "行政许可",
        "CF": "行政处罚",
        "QZ": "行政强制",
        "ZS": "行政征收",
        "JF": "行政给付",
        "JC": "行政检查",
        "QR": "行政确认",
        "JL": "行政奖励",
        "CJ": "行政裁决",
        "QT": "其他行政权力",
        "GG": "公共服务",
    },
)
ROLES = Vocabulary(
    Role,
    {
        "citizen": "群众",
        "window_clerk": "窗口人员",
        "reviewer": "审查人员",
        "approver": "审批人员",
        "dept_head": "部门负责人",
        "inspector": "纪检监察人员",
        "catalogue_admin": "事项目录管理员",
        "law_enforcer": "执法人员",
        "legal_reviewer": "法制审核人员",
    },
)
LEVELS = Vocabulary(Level, {"minor": "轻微", "general": "一般", "serious": "较重", "severe": "严重"})
LEVEL_ORDER = {value: index for index, value in enumerate(Level.values)}
CLEANUP_STATUSES = Vocabulary(
    CleanupStatus, {"retained": "保留", "cancelled": "取消", "merged": "合并", "added": "新增"}
)

YES, NO = "是", "否"
_BOOLEANS = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False}
_BOOLEANS |= {"true": True, "false": False, "1": True, "0": False, "√": True, "×": False}


def parse_bool(text: str, default: bool) -> bool | None:
    """是/否 (or yes/no, true/false, 1/0); an empty cell is the default; None when unreadable."""
    if not text:
        return default
    return _BOOLEANS.get(_word_key(text))


def parse_int(text: str, default: int | None = None) -> int | None:
    """A whole number of days or copies ("20", "20.0", "２０"); None when unreadable or negative."""
    if not text:
        return default
    try:
        number = Decimal(text.replace(",", ""))
    except ArithmeticError:
        return None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        return None
    return int(number)


def parse_amount(text: str) -> Decimal | None:
    try:
        amount = Decimal(text.replace(",", "").replace("，", ""))
    except ArithmeticError:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def format_amount(amount: Decimal) -> str:
    text = f"{amount.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class NumberText(str):
    """The text of a cell a spreadsheet stored as a number: right for days and copies, wrong for a
    code, whose leading zeros (000524018000) and digits past the fifteenth Excel has lost."""


CODE_FIELDS = ("code", "department_code", "merged_into")


def cell_text(value) -> str:
    """A cell as text: numbers without a needless ".0", text without the quote the export puts in
    front of a formula character (``portal.exports.restore``), then as ``normal_text``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float):
        return NumberText(normal_text(str(value)))
    if isinstance(value, str):
        value = restore(value)
    return normal_text(str(value))


def normal_text(text: str) -> str:
    """Text as a file holds it: line breaks as \\n (a browser's textarea sends \\r\\n), no outer spaces.

    The import stores text so, the export writes it so and the comparison with the catalogue sees
    it so: a line-break style is not a change of content.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def normal(value):
    return normal_text(value) if isinstance(value, str) else value


# A list in a cell: one entry a line, fields separated by "|" (or the full-width "｜" a Chinese
# keyboard types). A backslash escapes a separator, a backslash, or writes a line break as \n.
SEPARATORS = "|｜"


def split_entry(line: str) -> list[str]:
    parts, current, chars = [], [], iter(line)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following == "n":
                current.append("\n")
            elif following in SEPARATORS + "\\" and following:
                current.append(following)
            else:
                current.append(char + following)
        elif char in SEPARATORS:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def join_entry(parts: list[str]) -> str:
    parts = [normal_text(part) for part in parts]
    while parts and parts[-1] == "":
        parts.pop()
    return "|".join(_escape(part) for part in parts)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for separator in SEPARATORS:
        text = text.replace(separator, "\\" + separator)
    return text.replace("\n", "\\n")


def cell_entries(text: str) -> list[tuple[int, list[str]]]:
    """The entries of a list cell with their line numbers, blank lines left out."""
    return [(number, split_entry(line)) for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
