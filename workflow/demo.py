"""Demo data for `manage.py seed_demo`: the working-day calendar, and the demo citizen's cases.

The cases are those of the demo citizen 13800000001 (张三) at 阳光区市场监督管理局 (YG-SJJ), one or
more in every state of ``CaseState``. They are driven through the real services by the demo staff
(clerk, reviewer, approver, head), so their trails, notices, notifications and deadlines are the
ones the site makes. Running the seeder again does nothing once the citizen has any case.

Back-dating: a few open cases must be near or past their deadline, and the services always act
"now". Those cases are handled normally and then back-dated **on the case row only**
(``submitted_at``, ``accepted_at``, ``deadline_at``, ``step_started_at``, ``step_deadline_at``,
recomputed over the working-day calendar). Everything else keeps the real seeding time: the trail
(append-only and hash-chained, never edited), the notice of acceptance and the deadline it states,
the notifications, the attachments, the pauses, and the date in the case number.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from portal.models import User
from powers.models import Material, PowerItem

from .calendar import WorkingCalendar
from .constants import PauseKind
from .models import Case
from .services import cases as services
from .services.cases import Upload
from .services.holidays import holidays_seed_from_package

CITIZEN = "13800000001"
STAFF = ("clerk", "reviewer", "approver", "head")
LICENCE = "XK-YG-SJJ-0001"  # 食品经营许可证核发: 受理 → 审查 → 现场核查 → 决定 → 送达, 5 working days promised
IMMEDIATE = "XK-YG-SJJ-0002"  # 个体工商户设立登记: 即办件
# Where each one works from: the citizen from home, the staff on the intranet (documentation ranges).
ADDRESSES = {
    CITIZEN: "203.0.113.25",
    "clerk": "10.20.8.11",
    "reviewer": "10.20.8.12",
    "approver": "10.20.8.13",
    "head": "10.20.8.14",
}
APPLICANT_EMAIL = "zhangsan@example.com"

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

# Opinions (办理意见) that recur.
ACCEPT = "申请材料齐全，符合法定形式，予以受理。"
REVIEWED = "经书面审查，申请材料真实、完整，符合食品经营许可条件，转现场核查。"
INSPECTED = "经现场核查，经营场所布局、设备设施与申报材料一致，符合食品安全要求，拟准予许可，报请审批。"
APPROVE = "经审查和现场核查，申请人符合食品经营许可条件，同意核发食品经营许可证。"
DENIAL_REASON = (
    "经现场核查，经营场所距离公共厕所不足25米，且无有效隔离措施；经书面告知后申请人未能在约定期限内整改，"
    "不符合食品经营场所与污染源保持规定距离的要求。"
)
DENIAL_BASIS = "《中华人民共和国食品安全法》第三十三条第一款第（一）项；《中华人民共和国行政许可法》第三十八条第二款"


@dataclass(frozen=True)
class Application:
    """What the applicant writes in the form."""

    shop: str
    address: str
    description: str


def seed_calendar() -> list[tuple[str, str]]:
    """Store every year of holidays the package knows (each zone counts working days)."""
    holidays_seed_from_package()
    return []


def seed() -> list[tuple[str, str]]:
    """The calendar, then the demo cases; adds no demo login."""
    seed_calendar()
    with translation.override(settings.LANGUAGE_CODE):
        _seed_cases()
    return []


@transaction.atomic
def _seed_cases() -> None:
    citizen = User.objects.filter(username=CITIZEN).first()
    if citizen is None or Case.objects.filter(applicant=citizen).exists():
        return
    staff = User.objects.in_bulk(STAFF, field_name="username")
    items = {item.code: item for item in PowerItem.objects.published().filter(code__in=[LICENCE, IMMEDIATE])}
    if len(staff) != len(STAFF) or len(items) != 2:
        return  # portal.demo and powers.demo have not run
    _Script(citizen, staff, items[LICENCE], items[IMMEDIATE]).run()


class _Script:
    def __init__(self, citizen: User, staff: dict[str, User], licence: PowerItem, immediate: PowerItem):
        self.citizen, self.staff = citizen, staff
        self.licence, self.immediate = licence, immediate
        self.calendar = WorkingCalendar()

    # Helpers ---------------------------------------------------------------------------------

    def file(self, item: PowerItem, application: Application) -> Case:
        materials = [material for material in item.materials.all() if material.required]
        return services.case_file(
            applicant=self.citizen,
            item=item,
            applicant_name=self.citizen.name,
            applicant_id_number=self.citizen.id_number,
            applicant_mobile=self.citizen.mobile,
            applicant_email=APPLICANT_EMAIL,
            applicant_address=application.address,
            description=f"{application.shop}：{application.description}",
            uploads=[Upload(material, _material_pdf(material, application)) for material in materials],
            client_address=ADDRESSES[CITIZEN],
        )

    def act(self, username: str, service, case: Case, **fields) -> Case:
        user = self.citizen if username == CITIZEN else self.staff[username]
        return service(case=case, user=user, client_address=ADDRESSES[username], **fields)

    def to_decision(self, application: Application) -> Case:
        """Filed, accepted, reviewed and inspected: on the approver's desk (决定)."""
        case = self.file(self.licence, application)
        self.act("clerk", services.case_accept, case, opinion=ACCEPT)
        self.act("reviewer", services.case_advance, case, opinion=REVIEWED)
        self.act("reviewer", services.case_advance, case, opinion=INSPECTED)
        return case

    def backdate(self, case: Case, deadline_day: date) -> None:
        """Move the case's running clock so it falls due at the end of ``deadline_day`` (a working day).

        Only the case row changes (see the module's docstring). The acceptance is put the promised
        working days (with any extension) before, the filing the working day before that, and the
        current step as started when the steps before it would have ended.
        """
        zone = timezone.get_default_timezone()
        pauses = list(case.pauses.all())
        days = case.item.promised_days + sum(pause.days for pause in pauses if pause.kind == PauseKind.EXTENSION)
        stops = [(pause.started_at, pause.ended_at) for pause in pauses if pause.kind != PauseKind.EXTENSION]
        accepted_day = self.calendar.add_working_days(deadline_day, -days)
        accepted_at = datetime.combine(accepted_day, time(9, 40), zone)
        submitted_at = datetime.combine(self.calendar.add_working_days(accepted_day, -1), time(15, 20), zone)
        earlier = case.item.steps.filter(position__gt=1, position__lt=case.step.position)
        step_day = self.calendar.add_working_days(accepted_day, sum(step.days_limit for step in earlier))
        step_started_at = datetime.combine(step_day, time(14, 0), zone)
        Case.objects.filter(pk=case.pk).update(
            submitted_at=submitted_at,
            accepted_at=accepted_at,
            deadline_at=self.calendar.deadline(accepted_at, days, pauses=stops),
            step_started_at=step_started_at,
            step_deadline_at=self.calendar.deadline(step_started_at, case.step.days_limit),
        )

    # The cases, in the order they are filed ------------------------------------------------------

    def run(self) -> None:
        self.concluded_approved()
        self.concluded_denied()
        self.concluded_immediate()
        self.approved()
        self.denied()
        self.reviewing_overdue()
        self.reviewing_near_deadline()
        self.suspended()
        self.returned()
        self.accepted_after_supplement()
        self.supplement()
        self.submitted()
        self.not_accepted()
        self.withdrawn()

    def concluded_approved(self) -> None:
        """准予许可 and 办结, after the inspection sent the file back to the desk review once."""
        case = self.file(
            self.licence,
            Application(
                "阳光面馆", "阳光区城关街道幸福路88号", "新开办餐饮服务（小型餐馆），经营项目：热食类食品制售。"
            ),
        )
        self.act("clerk", services.case_accept, case, opinion=ACCEPT)
        self.act("reviewer", services.case_advance, case, opinion=REVIEWED)
        self.act(
            "reviewer",
            services.case_send_back,
            case,
            opinion="现场核查发现后厨布局与申报的平面图不一致，退回审查环节核对申报材料。",
        )
        self.act(
            "reviewer",
            services.case_advance,
            case,
            opinion="经与申请人核实，平面图系旧版，已由申请人签字确认现状布局；书面审查通过，转现场核查。",
        )
        self.act("reviewer", services.case_advance, case, opinion=INSPECTED)
        self.act("approver", services.case_approve, case, opinion=APPROVE)
        self.act(
            "clerk",
            services.case_conclude,
            case,
            opinion="食品经营许可证已制作完成，已通知申请人领取并送达。",
        )

    def concluded_denied(self) -> None:
        case = self.to_decision(
            Application("张记烧烤", "阳光区城关街道东关巷5号", "新开办餐饮服务（小型餐馆），经营项目：热食类食品制售。")
        )
        self.act("approver", services.case_deny, case, reason=DENIAL_REASON, legal_basis=DENIAL_BASIS)
        self.act(
            "clerk",
            services.case_conclude,
            case,
            opinion="不予许可决定书已送达申请人，并告知其依法申请行政复议或者提起行政诉讼的权利。",
        )

    def concluded_immediate(self) -> None:
        """即办件: accepted, registered and concluded on the spot by the window clerk."""
        case = self.file(
            self.immediate,
            Application(
                "张三便利店", "阳光区东山镇东山街12号", "个体工商户设立登记，经营范围：日用百货、预包装食品零售。"
            ),
        )
        self.act("clerk", services.case_accept, case, opinion="材料齐全，符合法定形式，当场受理。")
        self.act("clerk", services.case_approve, case, opinion="经形式审查，申请材料齐全、符合法定形式，予以登记。")
        self.act("clerk", services.case_conclude, case, opinion="当场办结，营业执照已当面交申请人。")

    def approved(self) -> None:
        """Decided, waiting for the window clerk to deliver (送达)."""
        case = self.to_decision(
            Application("三味茶饮", "阳光区城关街道新华路21号", "新开办饮品店，经营项目：自制饮品制售。")
        )
        self.act("approver", services.case_approve, case, opinion=APPROVE)

    def denied(self) -> None:
        case = self.to_decision(
            Application("张三熟食店", "阳光区城关街道东关巷9号", "新开办熟食店，经营项目：冷食类食品制售。")
        )
        self.act("approver", services.case_deny, case, reason=DENIAL_REASON, legal_basis=DENIAL_BASIS)

    def reviewing_overdue(self) -> None:
        """At the inspection, its deadline three working days gone."""
        case = self.file(
            self.licence,
            Application("阳光烘焙坊", "阳光区高新园区创业大道3号", "新开办糕点店，经营项目：糕点类食品制售。"),
        )
        self.act("clerk", services.case_accept, case, opinion=ACCEPT)
        self.act("reviewer", services.case_advance, case, opinion=REVIEWED)
        self.backdate(case, self.calendar.add_working_days(timezone.localdate(), -3))

    def reviewing_near_deadline(self) -> None:
        """Extended by the head once, and due at the end of today (the next working day on a day off)."""
        case = self.file(
            self.licence,
            Application("张三冷链配送", "阳光区东山镇物流园8号", "食品销售经营者，经营项目：冷藏冷冻食品销售。"),
        )
        self.act("clerk", services.case_accept, case, opinion=ACCEPT)
        self.act("reviewer", services.case_advance, case, opinion=REVIEWED)
        self.act(
            "head",
            services.case_extend,
            case,
            days=5,
            opinion="现场核查涉及冷链贮存设施温控能力，需组织专家论证，经局长批准延长办理期限5个工作日。",
        )
        self.backdate(case, self.calendar.add_working_days(timezone.localdate(), 0))

    def suspended(self) -> None:
        case = self.file(
            self.licence,
            Application(
                "东山农家菜馆", "阳光区东山镇南山村3组", "新开办餐饮服务（小型餐馆），经营项目：热食类食品制售。"
            ),
        )
        self.act("clerk", services.case_accept, case, opinion=ACCEPT)
        self.act("reviewer", services.case_advance, case, opinion=REVIEWED)
        self.act(
            "reviewer",
            services.case_suspend,
            case,
            days=10,
            opinion="经营场所使用自备井水，需委托有资质的检验机构进行生活饮用水水质检测，检测期间不计入办理期限。",
        )

    def returned(self) -> None:
        case = self.file(
            self.licence,
            Application("张三快餐", "阳光区城关街道解放路66号", "新开办快餐店，经营项目：热食类食品制售。"),
        )
        self.act("clerk", services.case_accept, case, opinion=ACCEPT)
        self.act(
            "reviewer",
            services.case_return,
            case,
            opinion="申请书中经营项目为“热食类食品制售”，但设备设施清单中没有加热烹饪设备，前后矛盾。"
            "请核实后更正申请书或者补充设备设施清单。",
        )

    def accepted_after_supplement(self) -> None:
        """一次性告知, the applicant supplies everything at once, and the clerk accepts."""
        application = Application(
            "阳光水果捞", "阳光区城关街道新华路35号", "新开办水果捞店，经营项目：生食类食品制售。"
        )
        case = self.file(self.licence, application)
        asked = self._request_supplement(case)
        self.act(
            CITIZEN,
            services.case_resubmit,
            case,
            uploads=[Upload(material, _material_pdf(material, application, "补正")) for material in asked],
            opinion="已按补正告知书一次性补交全部材料。",
        )
        self.act("clerk", services.case_accept, case, opinion="补正材料齐全，符合法定形式，予以受理。")

    def supplement(self) -> None:
        case = self.file(
            self.licence,
            Application("张三卤味", "阳光区东山镇东山街30号", "新开办熟食店，经营项目：热食类食品制售。"),
        )
        self._request_supplement(case)

    def submitted(self) -> None:
        self.file(
            self.licence,
            Application(
                "阳光咖啡", "阳光区高新园区创新路1号", "新开办咖啡馆，经营项目：自制饮品制售、糕点类食品销售。"
            ),
        )

    def not_accepted(self) -> None:
        case = self.file(
            self.licence,
            Application("张三副食店", "阳光区城关街道北门街2号", "经营项目：预包装食品销售（不含冷藏冷冻食品）。"),
        )
        self.act(
            "clerk",
            services.case_not_accept,
            case,
            reason="申请人仅销售预包装食品，依法不需要取得食品经营许可，应当向本局办理仅销售预包装食品备案。",
            legal_basis="《中华人民共和国食品安全法》第三十五条第一款；《中华人民共和国行政许可法》第三十二条第一款第（一）项",
        )

    def withdrawn(self) -> None:
        case = self.file(
            self.licence,
            Application("阳光早点铺", "阳光区城关街道南门街7号", "新开办早餐店，经营项目：热食类食品制售。"),
        )
        self._request_supplement(case)
        self.act(CITIZEN, services.case_withdraw, case, opinion="经营场所租赁合同未能续签，申请撤回。")

    def _request_supplement(self, case: Case) -> list[Material]:
        asked = list(case.item.materials.filter(position__in=[2, 4]))  # 营业执照, 规章制度
        self.act(
            "clerk",
            services.case_request_supplement,
            case,
            materials=asked,
            opinion="营业执照复印件模糊，无法辨认统一社会信用代码；食品安全管理制度缺少从业人员健康管理内容。"
            "请一次性补正上述材料。",
        )
        return asked


def _material_pdf(material: Material, application: Application, note: str = "") -> SimpleUploadedFile:
    """A one-page PDF standing for the material, with its name on it."""
    buffer = BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(material.name)
    pdf.setFont(FONT, 16)
    pdf.drawCentredString(width / 2, height - 40 * mm, material.name)
    pdf.setFont(FONT, 11)
    lines = [f"申请人：张三（{application.shop}）", f"地址：{application.address}", note and f"（{note}）"]
    for number, line in enumerate(filter(None, lines)):
        pdf.drawString(25 * mm, height - (60 + 8 * number) * mm, line)
    pdf.setFont(FONT, 9)
    pdf.drawString(25 * mm, 20 * mm, "阳光政务服务平台演示数据，非真实材料。")
    pdf.showPage()
    pdf.save()
    name = f"{material.name}.pdf"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")
