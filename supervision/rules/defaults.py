"""The monitoring rules of DESIGN.md §5, as first installed.

They are ensured after every migrate (like the roles), so a database flushed in tests or a new
deployment always has them; administrators change thresholds in the admin, and an edited rule is
never overwritten: only missing rules are added.
"""

from django.db import transaction

# code, name, applies to, evaluator, yellow, red, enabled, what the thresholds mean
RULES = [
    (
        "T1",
        "办件超期",
        "case",
        "case_deadline",
        "0.20",
        "0",
        True,
        "黄牌：剩余时限不超过承诺时限的该比例（至少 1 个工作日）；红牌：超过办结期限。",
    ),
    (
        "T2",
        "环节超时",
        "case",
        "step_deadline",
        "1",
        "2",
        True,
        "黄牌：在当前环节停留超过环节时限的该倍数；红牌：超过该倍数（工作日）。",
    ),
    (
        "S1",
        "受理超时",
        "case",
        "intake_response",
        "1",
        "5",
        True,
        "待受理超过该工作日数未处理：黄牌 1 日，红牌 5 日（依法视为受理）。",
    ),
    ("R1", "退件回退", "case", "returns", "1", "2", True, "在办件被退件或回退的次数：黄牌达到 1 次，红牌达到 2 次。"),
    (
        "J1",
        "不予受理、不予许可",
        "case",
        "refusals",
        "1",
        "1",
        True,
        "每次不予受理或不予许可为黄牌；没有法律依据的为红牌。",
    ),
    ("G1", "一次性告知", "case", "supplements", None, "2", True, "同一办件第二次要求补正即为红牌（应一次性告知）。"),
    ("H1", "挂起", "case", "suspensions", "1", "1", True, "每次挂起为黄牌；挂起超过预计工作日数的该倍数为红牌。"),
    ("F1", "收费", "case", "fees", None, "1", True, "目录未规定收费的事项收取了费用：红牌。"),
    (
        "P1",
        "处罚立案",
        "penalty_case",
        "penalty_filing",
        "1",
        "1",
        True,
        "不予立案、变更案由为黄牌；撤销立案为红牌。",
    ),
    (
        "P2",
        "处罚金额",
        "penalty_case",
        "penalty_amount",
        None,
        "1",
        True,
        "决定金额超出自由裁量基准范围：红牌。",
    ),
    (
        "P3",
        "处罚期限",
        "penalty_case",
        "penalty_deadline",
        "0.80",
        "1",
        True,
        "自立案起 90 日的该比例：黄牌 80%，红牌超过 90 日。",
    ),
    ("C1", "投诉", "complaint", "complaints", "1", "0", True, "每件未答复的投诉为黄牌；超过答复期限仍未答复为红牌。"),
    (
        "E1",
        "差评",
        "rating",
        "ratings",
        "1",
        "1",
        True,
        "不满意、非常不满意为黄牌；该工作日数内未回访或 15 日内未整改为红牌。",
    ),
    (
        "V1",
        "摄像头离线",
        "camera",
        "reported",
        "0",
        "30",
        True,
        "办公时间内离线为黄牌；离线超过该分钟数为红牌。由视频模块报告。",
    ),
    (
        "V2",
        "窗口无人",
        "camera",
        "reported",
        "10",
        "30",
        True,
        "办公时间内应有人值守的窗口无人超过该分钟数：黄牌 10 分钟，红牌 30 分钟。由视频模块报告。",
    ),
    (
        "X1",
        "交换积压",
        "exchange",
        "reported",
        "5",
        "30",
        True,
        "报文未确认超过该分钟数：黄牌 5 分钟，红牌 30 分钟；有报文被隔离即为红牌。",
    ),
    (
        "K1",
        "节假日安排",
        "calendar",
        "holiday_calendar",
        "30",
        None,
        True,
        "黄牌：在办件的期限落在节假日安排尚未完整录入的年份，或距下一年不足该天数而下一年尚未完整录入；"
        "管理员标记该年已完整录入后自动关闭。",
    ),
]


@transaction.atomic
def rules_ensure(using: str = "default") -> int:
    """Add the rules that are missing; returns how many were added."""
    from ..models import Rule

    existing = set(Rule.objects.using(using).values_list("code", flat=True))
    missing = [
        Rule(
            code=code,
            name=name,
            applies_to=applies_to,
            evaluator=evaluator,
            yellow_threshold=yellow,
            red_threshold=red,
            enabled=enabled,
            description=description,
        )
        for code, name, applies_to, evaluator, yellow, red, enabled, description in RULES
        if code not in existing
    ]
    Rule.objects.using(using).bulk_create(missing)
    return len(missing)


def rules_ensure_on_migrate(sender, using="default", **kwargs) -> None:
    rules_ensure(using)
