"""The two zones as deployed, on loopback: accept outside, process inside, reply outside.

Each zone runs as real processes (web server, Celery worker, beat) on its own PostgreSQL
database and var directory; they share nothing but the spool directory the exchange writes to.
The first test is a citizen's and a clerk's journey in Chromium; the others take processes down
and count what each side holds.
"""

import json
import uuid
from io import BytesIO

import pytest
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import unfold
from tests.workflow.conftest import PDF
from workflow.constants import CaseState, DocumentKind
from workflow.exchange.services import FIRST_RETRY

from .zones import eventually, zones_create, zones_drop

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="each zone needs a PostgreSQL database")

ITEM = "XK-YG-SJJ-0002"  # the demo's 个体工商户设立登记, an immediate item: the window clerk does it all
CITIZEN = "13800000001"
CLERK = "clerk"


@pytest.fixture(scope="module")
def zones(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        db = connection.settings_dict
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    prefix = f"{db['NAME']}_zone"
    root = tmp_path_factory.mktemp("zones")
    created = zones_create(root, server, prefix)
    for zone in created.values():
        zone.start()
    # The demo catalogue, published inside, is the external zone's public copy once it arrives.
    eventually(
        lambda: created["external"].query(
            "SELECT count(*) FROM powers_poweritem WHERE code = %s AND status = 'published'", ITEM
        ),
        message="the catalogue did not reach the external zone\n" + created["external"].logs(),
    )
    yield created
    for zone in created.values():
        zone.stop()
    zones_drop(server, prefix)


def _file_outside(external, count: int) -> list[str]:
    """``count`` applications filed by the demo citizen through the filing service, in the external zone."""
    script = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from portal.models import User
from powers.models import PowerItem
from workflow.services.cases import Upload, case_file
citizen = User.objects.get(username="{CITIZEN}")
item = PowerItem.objects.published().get(code="{ITEM}")
required = list(item.materials.filter(required=True))
for n in range({count}):
    case = case_file(
        applicant=citizen, item=item, applicant_name=citizen.name, applicant_id_number=citizen.id_number,
        applicant_mobile=citizen.mobile, description=f"第{{n}}件",
        uploads=[Upload(material, SimpleUploadedFile(f"{{material.position}}.pdf", {PDF!r})) for material in required],
    )
    print("filed", case.number)
"""
    output = external.manage("shell", "-c", script)
    return [line.split()[1] for line in output.splitlines() if line.startswith("filed ")]


def _outside_and_inside(zones, numbers: list[str]) -> tuple[int, int]:
    """(cases filed outside, the same cases inside) among ``numbers``."""
    return tuple(
        zone.query("SELECT count(*) FROM workflow_case WHERE number = ANY(%s)", numbers)
        for zone in (zones["external"], zones["internal"])
    )


# The journey ----------------------------------------------------------------------------------------


def _page(browser, zone):
    context = browser.new_context(locale="zh-CN", base_url=zone.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator('#content input[name="username"]').fill(username)
    page.locator('#content input[name="password"]').fill(DEMO_PASSWORD)
    page.locator("#content form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def _reload_until(page, selector: str, attribute: str, value: str, *, timeout: float = 60) -> None:
    """The other zone's change shows after its packet has crossed: reload until it does."""

    def shows() -> bool:
        page.reload()
        return page.locator(selector).first.get_attribute(attribute) == value

    eventually(shows, timeout=timeout, every=1, message=f"{selector} never showed {attribute}={value}")


def _fire(page, action: str, opinion: str, expect_state: str, *, check_last_material: bool = False) -> None:
    unfold(
        page,
        f'[data-testid="transition"][data-action="{action}"] > button[data-bs-toggle="collapse"]',
        f"#action-{action}",
    )
    form = page.get_by_test_id(f"transition-form-{action}")
    expect(form).to_be_visible()
    if check_last_material:
        form.locator('input[name="materials"]').last.check()
    form.locator('[name="opinion"]').fill(opinion)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", expect_state)


def test_filed_outside_concluded_inside_answered_outside(zones, browser, tmp_path):
    external, internal = zones["external"], zones["internal"]
    (tmp_path / "材料.pdf").write_bytes(PDF)

    # The citizen applies on the external zone, with every required material.
    citizen = _page(browser, external)
    _log_in(citizen, CITIZEN, f"/apply/{ITEM}/")
    form = citizen.get_by_test_id("apply-form")
    form.locator('textarea[name="description"]').fill("个体工商户设立登记，经营范围：日用百货零售。")
    files = form.locator('input[type="file"]')
    for n in range(files.count() - 1):  # the last material (授权委托书) is optional
        files.nth(n).set_input_files(tmp_path / "材料.pdf")
    citizen.get_by_test_id("submit").click()
    citizen.wait_for_url("**/apply/done/*/")
    number = citizen.get_by_test_id("case-number").inner_text()
    query_code = citizen.get_by_test_id("query-code").inner_text()

    # It appears in the internal workbench, with its materials, and the clerk asks for one more.
    clerk = _page(browser, internal)
    _log_in(clerk, CLERK, "/workbench/")
    eventually(
        lambda: internal.query("SELECT count(*) FROM workflow_case WHERE number = %s", number),
        message="the application never reached the internal zone\n" + internal.logs(),
    )
    clerk.goto(f"/workbench/cases/{number}/")
    expect(clerk.get_by_test_id("case-state")).to_have_attribute("data-state", CaseState.SUBMITTED)
    assert clerk.locator('[data-testid="attachments"] [data-testid="attachment"]').count() == 3
    assert "日用百货零售" in clerk.get_by_test_id("applicant").inner_text()
    _fire(clerk, "request_supplement", "请补充授权委托书。", CaseState.SUPPLEMENT, check_last_material=True)

    # Outside, the citizen sees what is asked for and hands it in.
    citizen.goto(f"/my/{number}/")
    _reload_until(citizen, '[data-testid="state"]', "data-state", CaseState.SUPPLEMENT)
    supplement = citizen.get_by_test_id("supplement")
    assert "请补充授权委托书" in supplement.get_by_test_id("supplement-note").inner_text()
    supplement_form = citizen.get_by_test_id("supplement-form")
    supplement_form.locator('input[type="file"]').set_input_files(tmp_path / "材料.pdf")
    citizen.get_by_test_id("supplement-submit").click()
    expect(citizen.get_by_test_id("state")).to_have_attribute("data-state", CaseState.SUBMITTED)

    # Inside, the supplement arrives; the clerk accepts, decides and concludes on the spot.
    eventually(
        lambda: (
            internal.query(
                "SELECT count(*) FROM workflow_attachment a JOIN workflow_case c ON c.id = a.case_id "
                "WHERE c.number = %s AND c.state = %s",
                number,
                CaseState.SUBMITTED,
            )
            == 4
        ),
        message="the supplement never reached the internal zone\n" + internal.logs(),
    )
    clerk.reload()
    _fire(clerk, "accept", "材料齐全，当场受理。", CaseState.ACCEPTED)
    _fire(clerk, "approve", "予以登记。", CaseState.APPROVED)
    _fire(clerk, "conclude", "当场办结。", CaseState.CONCLUDED)

    # Outside, the reply: the whole timeline, the decision and the three notices (补正, 受理, 办结).
    _reload_until(citizen, '[data-testid="state"]', "data-state", CaseState.CONCLUDED)
    events = citizen.locator('[data-testid="events"] [data-testid="event"]').evaluate_all(
        "els => els.map(e => e.dataset.action).reverse()"
    )
    assert events == ["submit", "request_supplement", "resubmit", "accept", "approve", "conclude"]
    assert "予以登记。" in citizen.get_by_test_id("decision").inner_text()
    eventually(
        lambda: citizen.reload() or citizen.locator('[data-testid="documents"] [data-testid="document"]').count() == 3,
        every=1,
        message="the notices never reached the external zone",
    )
    conclusion = external.query(
        "SELECT d.id FROM workflow_casedocument d JOIN workflow_case c ON c.id = d.case_id "
        "WHERE c.number = %s AND d.kind = %s",
        number,
        DocumentKind.CONCLUSION_NOTICE,
    )
    response = citizen.request.get(f"/my/{number}/documents/{conclusion}/")
    assert response.ok and response.body().startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.body())).pages)
    assert number in text and query_code in text

    # Counted on both sides: every packet of the case acknowledged by the side that received it,
    # each applied once, none quarantined; both zones healthy.
    for sender, receiver in ((external, internal), (internal, external)):
        sent = sender.query("SELECT count(*) FROM exchange_outboundpacket WHERE stream = %s", number)
        assert sent == receiver.query(
            "SELECT count(*) FROM exchange_inboundpacket WHERE stream = %s AND state = 'applied'", number
        )
        eventually(
            lambda sender=sender: (
                not sender.query(
                    "SELECT count(*) FROM exchange_outboundpacket WHERE stream = %s AND acked_at IS NULL", number
                )
            ),
            message=f"{sender.name} still waits for acknowledgements",
        )
    assert external.query("SELECT count(*) FROM exchange_outboundpacket WHERE stream = %s", number) == 2
    # Every transition's status, and a reply for each that issued a document (补正, 受理, 办结).
    assert internal.query("SELECT count(*) FROM exchange_outboundpacket WHERE stream = %s", number) == 8
    for zone in (external, internal):
        assert zone.health()["checks"]["exchange"]["quarantined"] == 0, zone.query(
            "SELECT string_agg(kind || ' ' || stream || ': ' || reason, '; ') FROM exchange_inboundpacket "
            "WHERE state = 'quarantined'"
        )


# Faults, counted on both sides ------------------------------------------------------------------------


def _spooled(zones, direction: str) -> int:
    return len(list((zones["external"].var.parent / "spool" / direction).glob("*.packet")))


def test_a_zone_down_for_a_while_is_caught_up_when_it_returns(zones):
    external, internal = zones["external"], zones["internal"]
    internal.stop("worker", "beat")
    numbers = _file_outside(external, 5)

    # Shipped into the ferry, waiting there: the external zone's /healthz counts them unacknowledged.
    eventually(lambda: _spooled(zones, "to-internal") == 5, message="the external zone did not ship")
    assert _outside_and_inside(zones, numbers) == (5, 0)
    backlog = external.health()["checks"]["exchange"]
    assert backlog["unacknowledged"] == 5 and backlog["oldest_unacknowledged_seconds"] >= 0

    internal.start("worker", "beat")
    eventually(lambda: _outside_and_inside(zones, numbers) == (5, 5), message=internal.logs())
    eventually(lambda: external.health()["checks"]["exchange"]["unacknowledged"] == 0, message=external.logs())
    assert _spooled(zones, "to-internal") == 0


def test_a_worker_killed_while_applying_loses_nothing_and_doubles_nothing(zones):
    external, internal = zones["external"], zones["internal"]
    total = 200
    internal.stop("worker", "beat")
    numbers = _file_outside(external, total)
    eventually(lambda: _spooled(zones, "to-internal") == total, message="the external zone did not ship")

    internal.start("worker", "beat")
    inside = eventually(lambda: _outside_and_inside(zones, numbers)[1], every=0.02, message=internal.logs())
    internal.stop("worker", kill=True)
    assert inside < total, "the internal zone applied everything before the kill: file more"

    internal.start("worker")
    eventually(lambda: _outside_and_inside(zones, numbers) == (total, total), message=internal.logs())
    # Once each: one case, one first trail entry, its three materials and one applied packet per filing.
    assert (
        internal.query(
            "SELECT count(*) FROM workflow_trailentry t JOIN workflow_case c ON c.id = t.case_id "
            "WHERE c.number = ANY(%s) AND t.action = 'submit'",
            numbers,
        )
        == total
    )
    assert (
        internal.query(
            "SELECT count(*) FROM workflow_attachment a JOIN workflow_case c ON c.id = a.case_id "
            "WHERE c.number = ANY(%s)",
            numbers,
        )
        == 3 * total
    )
    assert (
        internal.query(
            "SELECT count(*) FROM exchange_inboundpacket WHERE stream = ANY(%s) AND state = 'applied'", numbers
        )
        == total
    )
    # Acknowledgements the killed worker had not written yet come when the external zone ships
    # those packets again, after its first retry time, and they are recognised as recorded.
    eventually(
        lambda: external.health()["checks"]["exchange"]["unacknowledged"] == 0,
        timeout=FIRST_RETRY.total_seconds() + 60,
        every=1,
        message=external.logs(),
    )


def test_a_packet_delivered_twice_is_applied_once_and_a_tampered_one_is_quarantined(zones):
    external, internal = zones["external"], zones["internal"]
    (number,) = _file_outside(external, 1)
    eventually(lambda: _outside_and_inside(zones, [number]) == (1, 1), message=internal.logs())
    eventually(lambda: external.health()["checks"]["exchange"]["unacknowledged"] == 0)

    # Delivered again (as if the acknowledgement had been lost on the way back): applied once.
    assert (
        external.execute(
            "UPDATE exchange_outboundpacket SET acked_at = NULL, next_attempt_at = now() WHERE stream = %s", number
        )
        == 1
    )
    eventually(lambda: external.health()["checks"]["exchange"]["unacknowledged"] == 0, message=external.logs())
    assert internal.query("SELECT count(*) FROM exchange_inboundpacket WHERE stream = %s", number) == 1
    assert (
        internal.query(
            "SELECT count(*) FROM workflow_trailentry t JOIN workflow_case c ON c.id = t.case_id WHERE c.number = %s",
            number,
        )
        == 1
    )

    # A copy altered on the way: kept aside with its reason, the case untouched; its genuine copy is
    # applied already, so it needs nobody. A forged packet that no genuine copy backs needs a person:
    # /healthz fails until an administrator dismisses it, saying why.
    wire = external.manage(
        "shell",
        "-c",
        "from workflow.exchange.models import OutboundPacket; from workflow.exchange.services import _wire; "
        f"print(_wire(OutboundPacket.objects.get(stream='{number}')).decode())",
    ).splitlines()[-1]  # after what the shell says of itself
    tampered = wire.replace("第0件", "第9件")
    forged = json.loads(tampered)
    forged["packet"]["id"] = str(uuid.uuid4())
    assert tampered != wire
    spool = external.var.parent / "spool" / "to-internal"
    for name, data in (("tampered", tampered), ("forged", json.dumps(forged))):
        (spool / f".{name}.packet.tmp").write_text(data)
        (spool / f".{name}.packet.tmp").rename(spool / f"{name}.packet")
    eventually(
        lambda: internal.query("SELECT count(*) FROM exchange_inboundpacket WHERE raw_sha256 > ''") == 2,
        message=internal.logs(),
    )
    assert (
        internal.query("SELECT state FROM exchange_inboundpacket WHERE packet_id::text = %s", forged["packet"]["id"])
        == "quarantined"
    )
    eventually(lambda: internal.health()["checks"]["exchange"]["quarantined"] == 1, message=internal.logs())
    assert internal.health()["status"] == "fail"
    assert internal.query("SELECT description FROM workflow_case WHERE number = %s", number) == "第0件"
    reason = internal.query("SELECT reason FROM exchange_inboundpacket WHERE state = 'quarantined'")
    with translation.override("zh-hans"):
        assert reason == _("Bad signature: the packet was altered or signed with another key.")
    assert internal.query("SELECT count(*) FROM exchange_inboundpacket WHERE state = 'superseded'") == 1

    stuck = internal.query("SELECT id FROM exchange_inboundpacket WHERE state = 'quarantined'")
    internal.manage(
        "exchange", "--quarantine", "dismiss", str(stuck), "--reason", "伪造的数据包，已报告", "--by", "admin"
    )
    assert internal.health()["checks"]["exchange"]["quarantined"] == 0
    assert (
        internal.query("SELECT reason FROM exchange_quarantinedecision WHERE action = 'dismiss'")
        == "伪造的数据包，已报告"
    )
