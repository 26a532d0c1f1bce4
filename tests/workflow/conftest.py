from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.factories import CitizenFactory, DepartmentFactory, PowerItemFactory, StaffFactory, UserFactory
from workflow.services.cases import Upload, case_file
from workflow.services.holidays import holidays_seed_from_package
from workflow.services.penalties import penalty_case_open

# The smallest valid files of each accepted kind (the checks read content, not names).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 32


def pdf_upload(name="材料.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name="照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@contextmanager
def behind_the_trigger():
    """What an attacker with the database's superuser does first: switch off every trigger,
    the trail's append-only one included. SQLite has none (docs/cases.md)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("RESET session_replication_role")


@pytest.fixture
def calendar_2025_2026(db):
    """The package's schedule for 2025 and 2026 in the Holiday table."""
    return holidays_seed_from_package(years=range(2025, 2027))


@pytest.fixture
def department(db):
    return DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(code="YG-ZJJ", name="阳光区住房和城乡建设局")


@pytest.fixture
def item(department):
    """A licensing item with the usual flowchart (受理 → 审查 → 决定 → 送达) and two materials."""
    item = PowerItemFactory(published=True, department=department, promised_days=10, legal_days=20)
    for position, (name, role, days) in enumerate(
        [("受理", "window_clerk", 1), ("审查", "reviewer", 5), ("决定", "approver", 2), ("送达", "window_clerk", 1)],
        start=1,
    ):
        item.steps.create(position=position, name=name, role=role, days_limit=days)
    item.materials.create(position=1, name="申请书", required=True)
    item.materials.create(position=2, name="营业执照", required=True)
    item.materials.create(position=3, name="其他证明", required=False)
    return item


@pytest.fixture
def staff(department):
    """One member of staff per role of the department, by role name."""
    roles = ["window_clerk", "reviewer", "approver", "dept_head"]
    return {role: StaffFactory(role=role, department=department, username=f"sjj-{role}") for role in roles}


@pytest.fixture
def citizen(db):
    return CitizenFactory(name="张三")


@pytest.fixture
def file_case(item, citizen):
    """File a case for ``item`` as ``citizen`` with every required material."""

    def file(**overrides):
        materials = list(item.materials.filter(required=True))
        fields = {
            "applicant": citizen,
            "item": item,
            "applicant_name": citizen.name,
            "applicant_id_number": citizen.id_number,
            "applicant_mobile": citizen.mobile,
            "uploads": [Upload(material, pdf_upload(f"{material.name}.pdf")) for material in materials],
            "client_address": "203.0.113.7",
        } | overrides
        return case_file(**fields)

    return file


# Penalty cases ------------------------------------------------------------------------------------

STANDARDS = [
    ("minor", "初次违法，违法经营时间不足一个月", 50000, 60000, "没收违法所得"),
    ("general", "违法经营时间一个月以上不足三个月", 60001, 75000, "没收违法所得"),
    ("serious", "违法经营时间三个月以上", 75001, 90000, "没收违法所得"),
    ("severe", "造成人身伤害或者社会影响恶劣", 90001, 100000, "没收违法所得；涉嫌犯罪的，移送公安机关"),
]


def penalty_item_of(department, code: str, name: str):
    """A published penalty item of ``department`` with the four-level standard above, within the
    law's range (Food Safety Law art. 122: 50,000 to 100,000 yuan where the goods are worth less
    than 10,000 yuan)."""
    item = PowerItemFactory(
        published=True,
        department=department,
        code=code,
        name=name,
        category="CF",
        legal_basis="《中华人民共和国食品安全法》第一百二十二条第一款",
        legal_days=90,
        promised_days=60,
        legal_fine_min=50000,
        legal_fine_max=100000,
    )
    for level, circumstances, low, high, other in STANDARDS:
        item.standards.create(
            level=level, circumstances=circumstances, amount_min=low, amount_max=high, other_sanctions=other
        )
    return item


@pytest.fixture
def penalty_item(department):
    return penalty_item_of(department, "CF-YG-SJJ-0001", "对未取得食品经营许可从事食品经营活动的处罚")


@pytest.fixture
def enforcers(department, other_department):
    """The people around a penalty case: its department's officer and head, and those who are not."""
    return {
        "officer": StaffFactory(role="law_enforcer", department=department, username="sjj-officer"),
        "head": StaffFactory(role="dept_head", department=department, username="sjj-head"),
        "legal": StaffFactory(role="legal_reviewer", department=department, username="sjj-legal"),
        "clerk": StaffFactory(role="window_clerk", department=department, username="sjj-clerk"),
        "other_officer": StaffFactory(role="law_enforcer", department=other_department, username="zjj-officer"),
        "inspector": UserFactory(role="inspector", username="inspector"),
    }


@pytest.fixture
def open_clue(penalty_item, enforcers):
    """Record a clue against ``penalty_item`` as the department's officer."""

    def open_(**overrides):
        fields = {
            "user": enforcers["officer"],
            "item": penalty_item,
            "party_name": "李四",
            "party_id_number": "110101199001011237",
            "party_mobile": "13912345678",
            "party_address": "阳光区幸福路 8 号",
            "clue": "群众举报：幸福路 8 号无证经营熟食。",
            "client_address": "10.20.8.15",
        } | overrides
        return penalty_case_open(**fields)

    return open_
