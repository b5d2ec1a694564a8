"""``nongthonso demo_users``: one demo login per role, over the Thái Nguyên demo. Idempotent.

- ``vpdp.tinh``: province office, Tỉnh Thái Nguyên (19);
- ``vpdp.daitu``: district office, Huyện Đại Từ (171);
- ``canbo.<xã>``: commune officer of the Đại Từ commune not yet recognised as NTM on 30/6/2023 that
  meets the most criteria in its 2023 self-assessment (so a recorded decision changes the summary);
- ``xem.thainguyen``: viewer of the whole province.

If the commune's 2023 dossier is locked as approved or recognised (a demo that publishes its data),
the province user reopens it, with a reason, so the commune officer can walk through the workflow.

Passwords are hashed with the first of ``PASSWORD_HASHERS`` (Argon2) and reset to the demo password
on every run, so the logins printed always work. Each demo user keeps exactly its one role.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nongthonso.accounts.models import Membership, Role
from nongthonso.accounts.services import grant, revoke, role_at
from nongthonso.audit.context import request_context
from nongthonso.core.text import fold
from nongthonso.units.models import Unit

DEMO_PASSWORD = "nongthonso-demo-2023"
AS_OF = "2023-06-30"
PROVINCE, DISTRICT, NTM_SET, YEAR = "19", "171", "xa-ntm-2021-2025", 2023


def _commune(district: Unit, as_of) -> Unit:
    from nongthonso.assessments.models import Assessment
    from nongthonso.criteria.choices import Level
    from nongthonso.recognition.services import statuses_on

    communes = list(Unit.objects.valid_on(as_of).within(district).rural_communes())
    assessed = {a.unit_id: a for a in Assessment.objects.filter(unit__in=communes, year=YEAR,
                                                               criteria_set__code=NTM_SET)}
    if not assessed:
        raise CommandError(f"Chưa có bản đánh giá năm {YEAR} nào của các xã thuộc {district}. "
                           "Chạy «nongthonso demo» trước.")
    statuses = statuses_on(communes, as_of)
    candidates = [c for c in communes if c.pk in assessed]
    not_ntm = [c for c in candidates if not statuses[c.pk].holds(Level.XA_NTM)] or candidates
    return min(not_ntm, key=lambda c: (-assessed[c.pk].criteria_met, c.code))


class Command(BaseCommand):
    help = ("Tạo (hoặc làm mới) một tài khoản minh họa cho mỗi vai trò: Văn phòng Điều phối NTM tỉnh, "
            "huyện Đại Từ, cán bộ một xã của Đại Từ, người xem; in tên đăng nhập và mật khẩu.")

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help=f"mật khẩu cho các tài khoản minh họa (mặc định {DEMO_PASSWORD})")

    def handle(self, *args, password, **options):
        import datetime as dt

        as_of = dt.date.fromisoformat(AS_OF)
        try:
            province = Unit.objects.valid_on(as_of).get(code=PROVINCE, unit_type__level__code="tinh")
            district = Unit.objects.valid_on(as_of).get(code=DISTRICT, unit_type__level__code="huyen")
        except Unit.DoesNotExist:
            raise CommandError("Chưa có dữ liệu đơn vị hành chính tỉnh Thái Nguyên. Chạy «nongthonso demo» "
                               "trước.") from None
        commune = _commune(district, as_of)
        plan = [
            ("vpdp.tinh", "Văn phòng Điều phối NTM", "tỉnh Thái Nguyên", Role.PROVINCE_OFFICE, province),
            ("vpdp.daitu", "Văn phòng Điều phối NTM", "huyện Đại Từ", Role.DISTRICT_OFFICE, district),
            ("canbo." + fold(commune.name).removeprefix("xa ").replace(" ", ""), "Cán bộ NTM",
             commune.name, Role.COMMUNE_OFFICER, commune),
            ("xem.thainguyen", "Người xem", "tỉnh Thái Nguyên", Role.VIEWER, province),
        ]
        User = get_user_model()
        rows, users = [], {}
        with transaction.atomic(), request_context(actor="nongthonso demo_users"):
            for username, first, last, role, unit in plan:
                user, created = User.objects.get_or_create(username=username)
                user.first_name, user.last_name, user.is_active = first, last, True
                user.set_password(password)
                user.save()
                for old in Membership.objects.filter(user=user).exclude(role=role, unit=unit).select_related("unit"):
                    revoke(user, old.role, old.unit)
                grant(user, role, unit, note="Tài khoản minh họa (nongthonso demo_users)")
                rows.append((username, role_at(role, unit), "tạo mới" if created else "đã có, đặt lại mật khẩu"))
                users[role] = user
            reopened = _open_for_the_walkthrough(commune, users[Role.PROVINCE_OFFICE])
        width = max(len(r[0]) for r in rows)
        self.stdout.write(f"Tài khoản minh họa (mật khẩu chung: {password}):")
        for username, role, note in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} ({note})")
        if reopened:
            self.stdout.write(f"Đã mở lại hồ sơ năm {YEAR} của {commune} để cán bộ xã thử quy trình.")


def _open_for_the_walkthrough(commune: Unit, province_user) -> bool:
    from nongthonso.assessments.models import Assessment, State
    from nongthonso.assessments.workflow import perform

    dossier = Assessment.objects.filter(unit=commune, year=YEAR, criteria_set__code=NTM_SET).first()
    if dossier is None or dossier.state not in (State.APPROVED, State.RECOGNISED):
        return False
    perform(dossier, "reopen", province_user,
            reason="Tài khoản minh họa: mở lại hồ sơ để cán bộ xã thử quy trình nhập, gửi, xác nhận, thẩm định.")
    return True
