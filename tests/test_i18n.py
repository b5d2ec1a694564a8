"""Language: Vietnamese by default (whatever the browser asks), English on request (the switch, i.e. the cookie).

The catalogues live in src/nongthonso/locale: ``en`` translates every message, ``vi`` is empty (the source
strings are Vietnamese). The compiled ``.mo`` files are committed, so these tests read them with the standard
library and need no gettext tools; they check the ``.mo`` say exactly what the ``.po`` say.

After changing a translatable string, update the catalogues as docs/development.md says («Translations»).
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from nongthonso.assessments.models import Assessment

SRC = Path(settings.BASE_DIR)
LOCALE = SRC / "locale"
LOGIN = "/dang-nhap/"


# --- a small .po reader ---------------------------------------------------------------------------------

def read_po(path: Path) -> list[dict]:
    """The entries of a .po file (header included) as dicts: msgid, msgid_plural, msgstr / msgstr[n], flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += json.loads(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = json.loads(value)
    return entries


def messages(lang: str) -> list[dict]:
    return [e for e in read_po(LOCALE / lang / "LC_MESSAGES" / "django.po") if e["msgid"]]


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


# --- the pages ------------------------------------------------------------------------------------------

@pytest.fixture
def published(db):
    Assessment.objects.filter(year__in=(2022, 2023)).update(state="approved")


@pytest.mark.django_db
def test_vietnamese_is_the_default(client, published):
    html = client.get("/", {"as_of": "2023-06-30"}).content.decode()
    assert '<html lang="vi">' in html
    assert ">Tổng hợp</a>" in html
    assert ">Đăng nhập</a>" in html
    assert "<h1>Kết quả xây dựng nông thôn mới" in html
    assert "<span>xã đạt chuẩn NTM (85,7%)</span>" in html
    assert "Đến nay, toàn tỉnh có 108/126 xã đạt chuẩn nông thôn mới, bằng 85,7% tổng số xã" in html
    assert '<button name="language" value="en" type="submit" class="link">English</button>' in html


@pytest.mark.django_db
def test_a_browser_asking_for_english_still_gets_vietnamese(client, published):
    html = client.get("/", {"as_of": "2023-06-30"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="vi">' in html and ">Tổng hợp</a>" in html


@pytest.mark.django_db
def test_the_english_switch_shows_the_public_dashboard_in_english(client, published):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/", {"as_of": "2023-06-30"}).content.decode()
    assert '<html lang="en">' in html
    assert ">Overview</a>" in html
    assert ">Recognised communes</a>" in html
    assert ">Sign in</a>" in html
    assert "<h1>New rural development results" in html
    assert "Results by district" in html
    # numbers and dates keep the Vietnamese format in English too
    assert "<span>communes meeting the NTM standard (85,7%)</span>" in html
    assert "Figures as of 30/6/2023" in html
    assert "Tổng hợp" not in html
    # the summary paragraph too (the official outputs keep the Vietnamese one)
    assert ("To date, Tỉnh Thái Nguyên has 108/126 communes meeting the new rural standard (85,7% of all "
            "communes), 17 advanced and 4 model new rural communes, and 88 model new rural hamlets; communes meet "
            "18,2 criteria on average, and none meets fewer than 10.") in html
    assert "Đến nay, toàn tỉnh có" not in html
    assert '<button name="language" value="vi" type="submit" class="link">Tiếng Việt</button>' in html


@pytest.mark.django_db
def test_the_language_cookie_shows_the_login_page_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(LOGIN).content.decode()
    assert "<h1>Sign in</h1>" in html
    assert "Username <input" in html
    assert "Password <input" in html
    assert "Mật khẩu" not in html


@pytest.mark.django_db
def test_the_switch_changes_the_language_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302 and response["Location"] == LOGIN
    html = client.get(LOGIN).content.decode()
    assert "<h1>Sign in</h1>" in html and "Username <input" in html and "Password <input" in html

    client.post("/i18n/setlang/", {"language": "vi", "next": LOGIN})
    html = client.get(LOGIN).content.decode()
    assert "<h1>Đăng nhập</h1>" in html and "Tên đăng nhập <input" in html and "Mật khẩu <input" in html


@pytest.mark.django_db
def test_errors_follow_the_language(client, admin_client):
    wrong = {"username": "khong-co", "password": "sai-mat-khau"}
    html = client.post(LOGIN, wrong).content.decode()
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(LOGIN, wrong).content.decode()
    assert "Incorrect username or password. Check them (they are case-sensitive) and try again." in html

    query = {"min_criteria": "15", "max_criteria": "3"}
    html = admin_client.get("/xa/", query).content.decode()
    assert "Khoảng số tiêu chí không hợp lệ: «từ» (15) lớn hơn «đến» (3)." in html
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin_client.get("/xa/", query).content.decode()
    assert "Invalid criteria range: «from» (15) is greater than «to» (3)." in html
    assert '<th scope="col">Recognition level</th>' in html


# --- the catalogues -------------------------------------------------------------------------------------

def test_every_english_message_is_translated():
    entries = messages("en")
    assert len(entries) > 150
    untranslated = [e["msgid"] for e in entries
                    if not all(e.get(k) for k in ("msgstr", "msgstr[0]", "msgstr[1]") if k in e)]
    assert untranslated == [], "translate these in locale/en/LC_MESSAGES/django.po"
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == [], "fuzzy entries are not compiled"
    for e in entries:
        translated = [e[k] for k in e if k.startswith("msgstr")]
        assert all(placeholders(t) == placeholders(e["msgid"]) for t in translated), e["msgid"]


def test_the_vietnamese_catalogue_has_the_same_messages_and_no_rewording():
    en, vi = messages("en"), messages("vi")
    assert {e["msgid"] for e in vi} == {e["msgid"] for e in en}
    for e in vi:
        assert all(e[k] in ("", e["msgid"], e.get("msgid_plural")) for k in e if k.startswith("msgstr")), e["msgid"]


def _marked_strings() -> set[str]:
    """Strings marked in the code: ``{% translate "…" %}`` in templates, and ``_("…")`` / ``gettext(…)`` /
    ``gettext_lazy(…)`` with a literal argument in Python (``blocktranslate`` is left to makemessages)."""
    found = set()
    for path in SRC.glob("*/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        found |= {m[1] for m in re.findall(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""", text)}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "gettext", "gettext_lazy")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_every_marked_string_is_in_the_catalogue():
    missing = sorted(_marked_strings() - {e["msgid"] for e in messages("en")})
    assert missing == [], "run makemessages -l en -l vi in src/nongthonso and translate the new entries"


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_compiled_catalogues_match_the_po(lang):
    """The committed .mo holds exactly the translated entries of the .po (read with the standard library)."""
    folder = LOCALE / lang / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as fh:
        compiled = {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if k != ""}
    expected = {}
    for e in messages(lang):
        if "msgid_plural" in e:
            for k in e:
                if k.startswith("msgstr[") and e[k]:
                    expected[(e["msgid"], int(k[7:-1]))] = e[k]
        elif e["msgstr"]:
            expected[e["msgid"]] = e["msgstr"]
    assert compiled == expected, "run compilemessages in src/nongthonso"


def test_django_uses_the_catalogues():
    with translation.override("en"):
        assert translation.gettext("Tổng hợp") == "Overview"
        assert translation.gettext("Danh sách xã") == "Communes"
        assert translation.ngettext("%(n)s thay đổi", "%(n)s thay đổi", 3) % {"n": 3} == "3 changes"
    with translation.override("vi"):
        assert translation.gettext("Tổng hợp") == "Tổng hợp"
