"""Demo penalty cases for `manage.py seed_demo`: one or more in every state of ``PenaltyState``.

They are handled at 阳光区市场监督管理局 (YG-SJJ) by the demo officer (孙执法), legal reviewer
(郑法审) and head (钱局长) through the real services, so their trails and decision documents are
the ones the site makes. One decision is outside the standard's range (rule P2), one cause was
changed and one registration revoked (P1), one legal review returned to the investigation, and
two registrations are back-dated on the case row only (as the licensing demo does) so that the
90-day limit shows yellow and red (P3). Running it again does nothing once the department has any
penalty case.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from portal.models import User
from portal.validators import id_number_check_char
from powers.models import PowerItem

from .models import PenaltyCase
from .services import penalties as services

DEPARTMENT = "YG-SJJ"
UNLICENSED = "CF-YG-SJJ-0001"  # 未取得食品经营许可从事食品经营: 50,000–100,000 yuan in four levels
RECORDS = "CF-YG-SJJ-0002"  # 未按规定建立进货查验记录制度
ADDRESS = "10.20.8.15"  # the officer's intranet machine (documentation range)


def _id_number(first17: str) -> str:
    return first17 + id_number_check_char(first17)


# (party, identity card number, mobile, address, clue)
PARTIES = [
    (
        "王建国",
        _id_number("11010119780512301"),
        "13901010001",
        "阳光区幸福路 8 号",
        "群众举报：幸福路 8 号无证经营熟食。",
    ),
    (
        "刘芳",
        _id_number("11010119850923402"),
        "13901010002",
        "阳光区建设街 21 号",
        "12345 热线转办：建设街早餐店未亮证经营。",
    ),
    (
        "陈志强",
        _id_number("11010119720301503"),
        "13901010003",
        "阳光区东山镇集贸市场 3 号摊位",
        "日常巡查发现无证销售散装食品。",
    ),
    (
        "赵丽",
        _id_number("11010119900615604"),
        "13901010004",
        "阳光区学府路 66 号",
        "学校周边专项检查：小吃店无食品经营许可。",
    ),
    (
        "孙伟",
        _id_number("11010119821108705"),
        "13901010005",
        "阳光区滨河路 12 号",
        "网络订餐平台监测：店铺无许可上线经营。",
    ),
]
FACTS = (
    "经查，当事人{party}未取得食品经营许可，自2026年8月起在{address}从事餐饮服务，"
    "违法经营的食品货值金额不足一万元，违法所得{gain}元。"
)
INFORMED = "已送达行政处罚告知书，告知当事人拟作出的处罚及陈述、申辩和听证的权利。"


def seed() -> list[tuple[str, str]]:
    with translation.override(settings.LANGUAGE_CODE):
        _seed()
    return []


@transaction.atomic
def _seed() -> None:
    if PenaltyCase.objects.filter(department__code=DEPARTMENT).exists():
        return
    users = User.objects.in_bulk(["officer", "legal", "head"], field_name="username")
    items = {item.code: item for item in PowerItem.objects.published().filter(code__in=[UNLICENSED, RECORDS])}
    if len(users) != 3 or len(items) != 2:
        return  # portal.demo and powers.demo have not run
    _Script(users, items[UNLICENSED], items[RECORDS]).run()


class _Script:
    def __init__(self, users: dict[str, User], unlicensed: PowerItem, records: PowerItem):
        self.users = users
        self.officer = users["officer"]
        self.unlicensed, self.records = unlicensed, records
        self.parties = iter(PARTIES * 4)

    def clue(self) -> PenaltyCase:
        party, id_number, mobile, address, clue = next(self.parties)
        return services.penalty_case_open(
            user=self.officer,
            item=self.unlicensed,
            party_name=party,
            party_id_number=id_number,
            party_mobile=mobile,
            party_address=address,
            clue=clue,
            client_address=ADDRESS,
        )

    def step(self, service, case: PenaltyCase, by: str = "officer", **fields) -> PenaltyCase:
        return service(case=case, user=self.users[by], client_address=ADDRESS, **fields)

    def registered(self) -> PenaltyCase:
        return self.step(services.penalty_register, self.clue(), opinion="经初步核实，有违法事实，予以立案。")

    def investigating(self) -> PenaltyCase:
        return self.step(services.penalty_investigate, self.registered(), opinion="现场检查，制作询问笔录。")

    def informed(self, level: str = "general", proposed: str = "65000", justification: str = "") -> PenaltyCase:
        case = self.investigating()
        facts = FACTS.format(party=case.party_name, address=case.party_address, gain="3200")
        return self.step(
            services.penalty_inform,
            case,
            facts=facts,
            level=level,
            proposed_amount=Decimal(proposed),
            justification=justification,
            opinion=INFORMED,
        )

    def submitted(self, case: PenaltyCase) -> PenaltyCase:
        return self.step(services.penalty_submit_review, case, opinion="调查终结，拟处罚意见及证据材料提请法制审核。")

    def reviewed(self, case: PenaltyCase) -> PenaltyCase:
        opinion = "经审核，事实清楚，证据确凿，适用依据正确，程序合法，裁量适当，同意拟处罚意见。"
        return self.step(services.penalty_pass_review, self.submitted(case), by="legal", opinion=opinion)

    def decided(self, amount: str = "65000", justification: str = "", hearing: bool = False) -> PenaltyCase:
        # The decision is the fine the party was informed of and the legal review passed.
        case = self.informed(proposed=amount, justification=justification)
        if hearing:
            self.step(services.penalty_request_hearing, case, opinion="当事人申请听证，已于听证会上充分陈述申辩。")
        return self.step(
            services.penalty_decide,
            self.reviewed(case),
            by="head",
            amount=Decimal(amount),
            justification=justification,
            decision="没收违法所得和违法经营的食品，并处罚款。",
        )

    def backdate(self, case: PenaltyCase, days: int) -> None:
        """The registration ``days`` ago, on the case row only (the trail keeps the real time)."""
        registered_at = timezone.now() - timedelta(days=days)
        PenaltyCase.objects.filter(pk=case.pk).update(registered_at=registered_at, received_at=registered_at)

    def run(self) -> None:
        self.clue()
        self.step(
            services.penalty_not_register, self.clue(), reason="经核实，举报地址为已取得许可的门店，违法事实不成立。"
        )
        self.registered()
        changed = self.investigating()
        self.step(
            services.penalty_change_cause,
            changed,
            item=self.records,
            reason="经调查，当事人持有有效许可，实为未按规定建立进货查验记录。",
        )
        self.informed(level="serious", proposed="80000")
        self.step(
            services.penalty_request_hearing, self.informed(), opinion="当事人在法定期限内提出听证申请，拟组织听证。"
        )
        self.submitted(self.informed())
        self.reviewed(self.informed())
        self.step(
            services.penalty_return_review,
            self.submitted(self.informed(level="minor", proposed="50000")),
            by="legal",
            opinion="当事人违法经营时间已逾两个月，适用轻微情节不当，退回补充调查并重新裁量。",
        )
        self.decided(hearing=True)
        self.decided(amount="55000", justification="当事人主动消除违法行为危害后果，且系初次违法，依法从轻处罚。")
        self.step(services.penalty_execute, self.decided(amount="60001"), opinion="当事人已按期缴纳罚款。")
        closed = self.step(services.penalty_execute, self.decided(amount="70000"), opinion="当事人已按期缴纳罚款。")
        self.step(services.penalty_close, closed, opinion="处罚决定已执行完毕，予以结案。")
        self.step(
            services.penalty_revoke,
            self.registered(),
            by="head",
            reason="经复核，该线索已由区公安分局立案侦查，依法撤销立案并移送。",
        )
        self.backdate(self.investigating(), days=75)  # P3 yellow: past 80% of 90 days
        self.backdate(self.informed(), days=95)  # P3 red: past 90 days
