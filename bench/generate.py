"""Synthetic catalogues of any size, for the benchmarks: 60 departments, realistic Chinese names.

python bench/generate.py 10000 --export var/bench/catalogue-10000.xlsx
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import django_setup  # noqa: E402

SUBJECTS = [
    "食品经营",
    "药品零售",
    "建设工程规划",
    "道路运输",
    "排污",
    "医疗机构执业",
    "民办学校办学",
    "烟草专卖零售",
    "出版物零售",
    "特种设备使用",
    "危险化学品经营",
    "网络文化经营",
    "娱乐场所经营",
    "林木采伐",
    "取水",
    "渔业捕捞",
]
ACTIONS = {
    "XK": "许可证核发",
    "CF": "违法行为的处罚",
    "QZ": "查封扣押",
    "ZS": "费征收",
    "JF": "补助金给付",
    "JC": "监督检查",
    "QR": "资格确认",
    "JL": "先进单位奖励",
    "CJ": "权属争议裁决",
    "QT": "备案",
    "GG": "咨询服务",
}
STEPS = [
    ("受理", "window_clerk"),
    ("审查", "reviewer"),
    ("现场核查", "reviewer"),
    ("审批", "approver"),
    ("决定", "dept_head"),
    ("制证", "window_clerk"),
    ("送达", "window_clerk"),
]
LEVELS = [
    ("minor", "轻微", 0, 1000),
    ("general", "一般", 1000, 5000),
    ("serious", "较重", 5000, 20000),
    ("severe", "严重", 20000, 50000),
]
MATERIALS = [
    "申请书",
    "营业执照复印件",
    "法定代表人身份证明",
    "场所使用证明",
    "设备设施清单",
    "管理制度文本",
    "专业技术人员资格证明",
    "平面布局图",
    "授权委托书",
    "承诺书",
]


def generate(count: int, *, steps: int = 5, materials: int = 5, seed: int = 1) -> None:
    """Replaces the catalogue with ``count`` published items, each with its steps and materials."""
    from django.db import transaction
    from django.utils import timezone

    from portal.models import Department
    from powers.models import DiscretionStandard, Material, PowerItem, Step

    rng = random.Random(seed)
    with transaction.atomic():
        PowerItem.objects.all().delete()
        departments = [
            Department.objects.update_or_create(code=f"BENCH-{n:02d}", defaults={"name": f"基准测试第{n}局"})[0]
            for n in range(1, 61)
        ]
        now = timezone.now()
        items = []
        for n in range(count):
            category = rng.choice(list(ACTIONS))
            legal = rng.choice([5, 10, 15, 20, 30, 60])
            items.append(
                PowerItem(
                    code=f"{category}-BENCH-{n:06d}",
                    name=f"{rng.choice(SUBJECTS)}{ACTIONS[category]}（{n}）",
                    category=category,
                    department=rng.choice(departments),
                    legal_days=legal,
                    promised_days=legal // 2,
                    extension_days=10,
                    status="published",
                    published_at=now,
                    legal_basis=f"《中华人民共和国行政许可法》第{rng.randint(1, 80)}条",
                    conditions="申请人应当具备法定条件。",
                    rights="陈述、申辩、行政复议、行政诉讼",
                )
            )
        PowerItem.objects.bulk_create(items, batch_size=2000)
        Step.objects.bulk_create(
            [
                Step(item=item, position=p, name=STEPS[p - 1][0], role=STEPS[p - 1][1], days_limit=1)
                for item in items
                for p in range(1, steps + 1)
            ],
            batch_size=5000,
        )
        Material.objects.bulk_create(
            [
                Material(item=item, position=p, name=MATERIALS[p - 1], required=p <= 3)
                for item in items
                for p in range(1, materials + 1)
            ],
            batch_size=5000,
        )
        DiscretionStandard.objects.bulk_create(
            [
                DiscretionStandard(
                    item=item, level=level, circumstances=f"{label}情节", amount_min=low, amount_max=high
                )
                for item in items
                if item.category == "CF"
                for level, label, low, high in LEVELS
            ],
            batch_size=5000,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--export", help="then export the catalogue to this .xlsx or .csv file")
    args = parser.parse_args()
    django_setup()
    generate(args.count)
    if args.export:
        from django.core.management import call_command

        call_command("export_catalogue", args.export)
    print(f"generated {args.count} items")
