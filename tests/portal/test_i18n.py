from pathlib import Path

import polib
import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_reviewed_chinese_translation():
    catalogue = polib.pofile(str(PO))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_source():
    """`make messages` compiles the .po; a .mo left behind would show stale Chinese."""
    source = {(entry.msgid, entry.msgstr) for entry in polib.pofile(str(PO)) if not entry.obsolete}
    compiled = {(entry.msgid, entry.msgstr) for entry in polib.mofile(str(PO.with_suffix(".mo"))) if entry.msgid}

    assert compiled == source


@pytest.mark.django_db
def test_pages_are_in_simplified_chinese_by_default(client):
    html = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "阳光政务服务平台" in html
    assert "外网受理" in html


@pytest.mark.django_db
def test_a_browser_asking_for_english_still_gets_chinese_until_the_visitor_chooses(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "English</button>" in html


@pytest.mark.django_db
def test_english_can_be_chosen_and_is_remembered(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert "Sunshine Government Service Portal" in html
    assert "阳光政务服务平台" not in html
