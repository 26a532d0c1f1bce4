import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import CitizenFactory, DepartmentFactory, PowerItemFactory, StaffFactory
from workflow.services.cases import Upload, case_file
from workflow.services.holidays import holidays_seed_from_package

# The smallest valid files of each accepted kind (the checks read content, not names).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 32


def pdf_upload(name="材料.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name="照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


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
