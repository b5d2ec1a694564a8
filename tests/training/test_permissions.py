"""Who may open and do what in training, page by page and endpoint by endpoint.

The roles: the training organiser (role on the province), the host of the course's sub-point (bridge-point host role
on its commune), the province office (which organises training too), the district office of the sub-point's
district, the commune officer of the sub-point's commune, the province's viewer, a commune officer of another
district (the course is not theirs: «not found»), and a visitor who is not signed in. Each cell of the matrix says
what the response must be: allowed (200 for a page, a redirect after a write), 403 (the course is visible, the role
may not do this), 404 (out of scope), or the login page. A refused write leaves every row as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from nongthonso.audit.models import AuditEntry
from nongthonso.training.models import Attendance, Connection, Material, Participant

ROLES = ("organiser", "host", "province_office", "district_office", "commune_officer", "viewer", "outsider",
         "anonymous")
SEES = frozenset({"organiser", "host", "province_office", "district_office", "commune_officer", "viewer"})
ORGANISES = frozenset({"organiser", "province_office"})
HOSTS_SUB_POINT = ORGANISES | {"host"}
EVERYONE = SEES | {"outsider"}


@dataclass(frozen=True)
class Op:
    """A page or a write: its URL (formatted with the world), who may, and what the others get when they see the
    course (403, or 404 when the object itself is out of their scope)."""

    method: str
    url: str
    allowed: frozenset[str]
    refused: int = 403
    data: tuple = ()  # form fields of a write (values formatted with the world)
    of_the_course: bool = True  # about the course (out of scope: 404), or about none (the list, a new course)


OPS = {
    "course_list": Op("get", "/tap-huan/", EVERYONE, of_the_course=False),
    "course": Op("get", "/tap-huan/{course}/", SEES),
    "course_new": Op("get", "/tap-huan/tao-moi/", ORGANISES, of_the_course=False),
    "course_edit": Op("get", "/tap-huan/{course}/sua/", ORGANISES),
    "session": Op("get", "/tap-huan/{course}/buoi/{session}/", SEES),
    "session_new": Op("get", "/tap-huan/{course}/buoi/moi/", ORGANISES),
    "session_edit": Op("get", "/tap-huan/{course}/buoi/{session}/sua/", ORGANISES),
    "lecturer_new": Op("get", "/tap-huan/{course}/giang-vien/moi/", ORGANISES),
    "material_upload": Op("get", "/tap-huan/{course}/tai-lieu/moi/", ORGANISES),
    "material": Op("get", "/tap-huan/{course}/tai-lieu/{material}/", SEES),
    "point_new": Op("get", "/tap-huan/{course}/diem-cau/moi/", ORGANISES),
    "point_edit_sub": Op("get", "/tap-huan/{course}/diem-cau/{sub}/sua/", HOSTS_SUB_POINT),
    "point_edit_main": Op("get", "/tap-huan/{course}/diem-cau/{main}/sua/", ORGANISES),
    "roll_call_sub": Op("get", "/tap-huan/{course}/diem-cau/{sub}/buoi/{session}/diem-danh/", HOSTS_SUB_POINT),
    "roll_call_main": Op("get", "/tap-huan/{course}/diem-cau/{main}/buoi/{session}/diem-danh/", ORGANISES),
    "participants": Op("get", "/tap-huan/{course}/hoc-vien/", HOSTS_SUB_POINT),
    "participant_edit": Op("get", "/tap-huan/{course}/hoc-vien/{participant}/sua/", HOSTS_SUB_POINT, refused=404),
    "export": Op("get", "/tap-huan/{course}/hoc-vien/xuat/?dinh-dang=csv", ORGANISES),
    # writes
    "register": Op("post", "/tap-huan/{course}/hoc-vien/dang-ky/", HOSTS_SUB_POINT, data=(
        ("full_name", "Lò Văn Minh"), ("position", "Trưởng xóm"), ("unit", "{commune_code}"),
        ("target_group", "{hamlet_head}"), ("bridge_point", "{sub}"))),
    "roll_call": Op("post", "/tap-huan/{course}/diem-cau/{sub}/buoi/{session}/diem-danh/", HOSTS_SUB_POINT,
                    data=(("present", "{participant}"),)),
    "connection": Op("post", "/tap-huan/{course}/diem-cau/{sub}/buoi/{session}/ket-noi/", HOSTS_SUB_POINT,
                     data=(("p{sub}-status", "connected"), ("p{sub}-note", "Ổn định"))),
    "erase": Op("post", "/tap-huan/{course}/hoc-vien/{participant}/xoa-thong-tin/", ORGANISES,
                data=(("confirm", "1"),)),
    "material_delete": Op("post", "/tap-huan/{course}/tai-lieu/{material}/xoa/", ORGANISES),
}


@pytest.fixture
def world(make_user, organiser, host, province_19, dai_tu, host_commune, assessed_communes, course, session,
          main_point, sub_point, participant, catalogue, tmp_path, settings):
    """The users of the matrix, the course with its session, points, a participant and a material."""
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    elsewhere = next(c for d in province_19.children.filter(code__in=["167", "168"]).order_by("code")
                     for c in assessed_communes(d))
    users = {
        "organiser": organiser, "host": host,
        "province_office": make_user("vp.tinh", "province_office", province_19),
        "district_office": make_user("vp.daitu", "district_office", dai_tu),
        "commune_officer": make_user("canbo.xa", "commune_officer", host_commune),
        "viewer": make_user("xem.tinh", "viewer", province_19),
        "outsider": make_user("canbo.khac", "commune_officer", elsewhere),
        "anonymous": None,
    }
    material = Material(course=course, title="Bài giảng", stored_name="bai-giang.pdf", original_name="bài giảng.pdf",
                        content_type="application/pdf", size=9, sha256="0" * 64)
    material.file.save("bai-giang.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    material.save()
    values = {"course": course.code, "session": session.pk, "main": main_point.pk, "sub": sub_point.pk,
              "participant": participant.pk, "material": material.pk, "commune_code": host_commune.code,
              "hamlet_head": catalogue.hamlet_head.pk}
    return SimpleNamespace(users=users, values=values, participant=participant)


def _request(client_for, world, op: Op, role: str, *, csrf: bool = False):
    from django.test import Client

    user = world.users[role]
    client = Client(enforce_csrf_checks=csrf) if user is None else client_for(user, csrf=csrf)
    url = op.url.format(**world.values)
    if op.method == "get":
        return client.get(url)
    data = {key.format(**world.values): value.format(**world.values) for key, value in op.data}
    return client.post(url, data)


def _state() -> tuple:
    return (Participant.objects.count(), Attendance.objects.count(), Connection.objects.count(),
            Material.objects.count(), list(Participant.objects.order_by("pk").values_list("full_name", flat=True)),
            AuditEntry.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize("operation", list(OPS))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_pages(world, client_for, operation, role):
    op = OPS[operation]
    before = _state()
    response = _request(client_for, world, op, role)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    elif role in op.allowed:
        assert response.status_code == (200 if op.method == "get" else 302), response.content.decode()[:500]
    elif role not in SEES and op.of_the_course:
        assert response.status_code == 404
    else:
        assert response.status_code == op.refused
    if op.method == "post" and role not in op.allowed:
        assert _state() == before  # a refused write changes nothing, not even the log
    if op.method == "post" and role in op.allowed:
        assert AuditEntry.objects.count() > before[-1]  # every write is audited
    if response.status_code == 403:
        text = response.content.decode()
        assert "data-refused" in text and ("ban tổ chức" in text or "chủ trì" in text)


@pytest.mark.django_db
def test_the_list_shows_each_user_the_courses_they_may_see(world, client_for):
    for role in EVERYONE:
        html = client_for(world.users[role]).get("/tap-huan/").content.decode()
        assert (f'data-course="{world.values["course"]}"' in html) == (role in SEES), role
        assert ('href="/tap-huan/tao-moi/"' in html) == (role in ORGANISES), role


@pytest.mark.django_db
def test_the_menu_shows_training_to_those_with_a_training_role(world, client_for, make_user):
    nobody = make_user("khong.vai.tro")
    for role in EVERYONE:
        html = client_for(world.users[role]).get("/tap-huan/").content.decode()
        assert 'href="/tap-huan/">Tập huấn</a>' in html, role
    assert 'href="/tap-huan/">Tập huấn</a>' not in client_for(nobody).get("/ho-so/").content.decode()


@pytest.mark.django_db
def test_a_user_named_as_host_of_a_point_hosts_it_without_a_role(world, client_for, make_user, sub_point):
    named = make_user("nguoi.chu.tri")
    sub_point.host_user = named
    sub_point.save()
    client = client_for(named)
    assert 'href="/tap-huan/">Tập huấn</a>' in client.get("/tap-huan/").content.decode()
    url = "/tap-huan/{course}/diem-cau/{sub}/buoi/{session}/diem-danh/".format(**world.values)
    assert client.get(url).status_code == 200
    assert client.get("/tap-huan/{course}/diem-cau/{main}/buoi/{session}/diem-danh/".format(
        **world.values)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("operation", [name for name, op in OPS.items() if op.method == "post"])
def test_every_write_needs_the_csrf_token(world, client_for, operation):
    op = OPS[operation]
    before = _state()
    response = _request(client_for, world, op, "organiser", csrf=True)
    assert response.status_code == 403 and _state() == before


@pytest.mark.django_db
def test_the_material_upload_checks_the_csrf_token_too(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.users["organiser"], csrf=True)
    response = client.post("/tap-huan/{course}/tai-lieu/moi/".format(**world.values),
                           {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", "application/pdf")})
    assert response.status_code == 403 and Material.objects.count() == 1


# --- the API ---------------------------------------------------------------------------------------------------------

API = {
    "list": ("GET", "/api/training/courses", EVERYONE, None),
    "course": ("GET", "/api/training/courses/{course}", SEES, None),
    "participants": ("GET", "/api/training/courses/{course}/participants", HOSTS_SUB_POINT, None),
    "register": ("POST", "/api/training/courses/{course}/participants", HOSTS_SUB_POINT,
                 {"full_name": "Lò Văn Minh", "position": "Trưởng xóm", "unit": "{commune_code}",
                  "target_group": "truong-xom", "bridge_point": "{sub}"}),
    "roll_call": ("PUT", "/api/training/courses/{course}/sessions/{session}/bridge-points/{sub}/attendance",
                  HOSTS_SUB_POINT, {"present": ["{participant}"]}),
}


def _body(template, values):
    if isinstance(template, dict):
        return {k: _body(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_body(v, values) for v in template]
    if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        value = values[template[1:-1]]
        return value if isinstance(value, int) and template != "{commune_code}" else str(value)
    return template


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(API))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_api(world, call, token_for, assert_error, endpoint, role):
    method, url, allowed, body = API[endpoint]
    user = world.users[role]
    token = token_for(user) if user is not None else None
    before = _state()
    response = call(method, url.format(**world.values), token, _body(body, world.values) if body else None)
    if role == "anonymous":
        assert_error(response, 401, "unauthenticated")
    elif role in allowed:
        assert response.status_code == 200, response.content.decode()
    elif role not in SEES:
        assert_error(response, 404, "not_found")
    else:
        assert_error(response, 403, "role")
    if method != "GET" and role not in allowed:
        assert _state() == before
