"""``nongthonso demo_users``: demo logins for the roles of the two-tier province, over the Thái Nguyên demo.
Idempotent.

- ``vpdp.tinh``: province office of the province in force today (the new Thái Nguyên, 19; through lineage it also
  reaches the old provinces' dossiers);
- ``canbo.vanphu``, ``canbo.lamvy``: commune officers of two merged communes (Xã Vạn Phú, Xã Lam Vỹ), whose 2026
  dossiers the demo opened with values carried from 2025, awaiting confirmation;
- ``kiemnhiem.vanphu``: a user holding two roles — Vạn Phú's officer and a province office member — to show
  separation of duties: what they submit, they may not approve or record the decision of;
- ``xem.thainguyen``: viewer of the whole province;
- ``taphuan.tinh``: the province's training organiser (``training_organiser``): the courses, their participants,
  attendance and reports — the October 2023 course among them (organised by the old province, reached through
  lineage), and the coverage of the officials to train;
- ``diemcau.lamvy``: the bridge-point host (``bridge_host``) of Xã Lam Vỹ, whose predecessor of the same name hosted
  a sub-point of the October 2023 course: registers people at it and calls its roll.
- ``chuthe.tancuong``: an OCOP producer's account (no role: a member of the demo's «Hợp tác xã Chè Tân Hương» of Tân
  Cương, ``Producer.members``): sees and edits its own producer's products, registers ideas and plans, submits its
  dossiers. Not in ``USERNAMES`` (the accounts of roles, which the account pages list): ``PRODUCER_ACCOUNTS``.
- ``htx.tancuong``: a co-operative manager's account (no role: a manager of the demo's co-operative «Hợp tác xã Chè
  Tân Hương», ``Cooperative.managers``): sees and keeps that co-operative's records only. Not in ``USERNAMES``
  either: ``COOPERATIVE_ACCOUNTS``.

Passwords are hashed with the first of ``PASSWORD_HASHERS`` (Argon2) and reset to the demo password on every run,
so the logins printed always work. Each demo user keeps exactly the roles listed.

The demo password is published, so the command refuses to run in production (``DJANGO_DEBUG=0``) or on a database
that holds any account it did not create, unless given ``--i-know-this-resets-passwords``; even then it never
touches an account it did not create (a real account that happens to bear a demo user name is left alone, and said
so). A demo account bears a demo user name, is not staff, and has roles that all carry the demo note
(``DEMO_NOTE``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from nongthonso.accounts.models import Membership, Role
from nongthonso.accounts.services import grant, revoke, role_at
from nongthonso.audit.context import request_context
from nongthonso.coops.models import Cooperative
from nongthonso.demo.coops_demo import DEMO_COOPERATIVE
from nongthonso.demo.ocop_demo import DEMO_PRODUCER
from nongthonso.ocop.models import Producer
from nongthonso.training.apps import BRIDGE_HOST, ORGANISER
from nongthonso.units.models import Unit

DEMO_PASSWORD = "nongthonso-demo-2023"
PROVINCE = "19"
COMMUNES = {"vanphu": "05845", "lamvy": "05542"}  # Xã Vạn Phú, Xã Lam Vỹ (the demo's walk-through communes)
USERNAMES = ("vpdp.tinh", "canbo.vanphu", "canbo.lamvy", "kiemnhiem.vanphu", "xem.thainguyen", "taphuan.tinh",
             "diemcau.lamvy")
# the OCOP producers' accounts: user name → the demo producer (synthetic) it belongs to
PRODUCER_ACCOUNTS = {"chuthe.tancuong": DEMO_PRODUCER}
# the co-operative managers' accounts: user name → the demo co-operative (synthetic) it manages
COOPERATIVE_ACCOUNTS = {"htx.tancuong": DEMO_COOPERATIVE}
DEMO_NOTE = "Tài khoản minh họa (nongthonso demo_users)"
FORCE = "--i-know-this-resets-passwords"


def demo_accounts() -> dict[str, object]:
    """The accounts this command created, by user name: a demo user name, not staff, with roles that all carry the
    demo note (an account with no role, or a role granted otherwise, is somebody's real account)."""
    users = get_user_model().objects.filter(username__in=USERNAMES, is_staff=False, is_superuser=False,
                                            memberships__note=DEMO_NOTE).distinct()
    foreign = Membership.objects.exclude(note=DEMO_NOTE).values("user_id")
    return {u.username: u for u in users.exclude(pk__in=foreign)}


def _owner_accounts(names: dict[str, str], model, field: str) -> dict[str, object]:
    """The accounts this command created for demo owners (``model``'s ``field``: producers' members, co-operatives'
    managers), by user name: one of ``names``, not staff, no role at all, on no real (non-synthetic) row's ``field``."""
    users = get_user_model().objects.filter(username__in=names, is_staff=False, is_superuser=False,
                                            memberships__isnull=True)
    real = model.objects.filter(synthetic=False, **{f"{field}__isnull": False}).values(field)
    return {u.username: u for u in users.exclude(pk__in=real)}


def producer_accounts() -> dict[str, object]:
    """The OCOP producer accounts this command created (members of demo producers only)."""
    return _owner_accounts(PRODUCER_ACCOUNTS, Producer, "members")


def cooperative_accounts() -> dict[str, object]:
    """The co-operative manager accounts this command created (managers of demo co-operatives only)."""
    return _owner_accounts(COOPERATIVE_ACCOUNTS, Cooperative, "managers")


def other_accounts(demo: dict[str, object]) -> list[str]:
    """User names of the accounts that are not demo accounts (real users, administrators)."""
    mine = [u.pk for u in demo.values()] + [u.pk for u in producer_accounts().values()] + [
        u.pk for u in cooperative_accounts().values()]
    return list(get_user_model().objects.exclude(pk__in=mine).order_by("username").values_list("username", flat=True))


@dataclass(frozen=True)
class _Owned:
    """Demo accounts without a role that belong to a demo row: user name → row name (``names``), the row's model and
    many-to-many field of users, the accounts' title, what the row is (``kind``), how the printed list says what
    they are (``label``) and the messages name them (``account``), the accounts already made (``ours``)."""

    names: dict[str, str]
    model: type
    field: str
    title: str
    kind: str
    label: str
    account: str
    ours: Callable[[], dict]


OWNED = (
    _Owned(PRODUCER_ACCOUNTS, Producer, "members", "Chủ thể OCOP", "chủ thể OCOP",
           "tài khoản của chủ thể OCOP «{}»", "của chủ thể", producer_accounts),
    _Owned(COOPERATIVE_ACCOUNTS, Cooperative, "managers", "Quản lý hợp tác xã", "hợp tác xã",
           "tài khoản quản lý của «{}»", "quản lý hợp tác xã", cooperative_accounts),
)


class Command(BaseCommand):
    help = ("Tạo (hoặc làm mới) các tài khoản minh họa cho tỉnh hai cấp: Văn phòng Điều phối NTM tỉnh, cán bộ NTM "
            "của hai xã hình thành sau sắp xếp, một người kiêm nhiệm hai vai trò, người xem, ban tổ chức tập huấn "
            "của tỉnh, người chủ trì điểm cầu của một xã, tài khoản của một chủ thể OCOP và của người quản lý một "
            "hợp tác xã; in tên đăng nhập và mật khẩu.")

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help=f"mật khẩu cho các tài khoản minh họa (mặc định {DEMO_PASSWORD})")
        parser.add_argument(FORCE, dest="force", action="store_true",
                            help="chạy cả khi DJANGO_DEBUG=0 hoặc cơ sở dữ liệu có tài khoản thật (các tài khoản thật "
                                 "vẫn không bị đụng tới)")

    def _refuse_unless_forced(self, force: bool, demo: dict) -> None:
        if force:
            return
        if not settings.DEBUG:
            raise CommandError(f"Không tạo tài khoản minh họa khi DJANGO_DEBUG=0 (máy thật): mật khẩu minh họa được "
                               f"công bố, ai cũng đăng nhập được. Chỉ dùng trên cơ sở dữ liệu minh họa; nếu chắc chắn, "
                               f"chạy lại với {FORCE}.")
        others = other_accounts(demo)
        if others:
            shown = ", ".join(others[:5]) + (f" và {len(others) - 5} tài khoản khác" if len(others) > 5 else "")
            raise CommandError(f"Cơ sở dữ liệu có tài khoản không phải minh họa ({shown}): không tạo tài khoản với "
                               f"mật khẩu minh họa được công bố ở đây. Nếu đây là cơ sở dữ liệu thử nghiệm và bạn chắc "
                               f"chắn, chạy lại với {FORCE} (các tài khoản đó vẫn giữ nguyên).")

    def _owned_accounts(self, password: str, rows: list, skipped: list, owned: _Owned) -> list[str]:
        """Each account of ``owned.names``, on its demo row's ``owned.field`` only (a producer's members, a
        co-operative's managers); the names of the demo rows missing (that part of the demo not built)."""
        User = get_user_model()
        owners = {o.name: o for o in owned.model.objects.filter(synthetic=True, name__in=owned.names.values())}
        taken = set(User.objects.filter(username__in=owned.names).values_list("username", flat=True))
        taken -= set(owned.ours())
        missing = []
        for username, owner_name in owned.names.items():
            owner = owners.get(owner_name)
            if username in taken:  # a real account bears this name: never reset it
                skipped.append(username)
                continue
            if owner is None:
                missing.append(owner_name)
                continue
            user, created = User.objects.get_or_create(username=username)
            user.first_name, user.last_name, user.is_active = owned.title, owner_name, True
            user.set_password(password)
            user.save()
            for other in owned.model.objects.filter(**{owned.field: user}).exclude(pk=owner.pk):
                getattr(other, owned.field).remove(user)
            getattr(owner, owned.field).add(user)
            rows.append((username, owned.label.format(owner_name), "tạo mới" if created else "đã có, đặt lại mật khẩu"))
        return missing

    def handle(self, *args, password, force, **options):
        today = timezone.localdate()
        in_force = Unit.objects.valid_on(today)
        try:
            province = in_force.get(code=PROVINCE, unit_type__level__code="tinh")
            communes = {key: in_force.get(code=code, unit_type__level__code="xa") for key, code in COMMUNES.items()}
        except Unit.DoesNotExist:
            raise CommandError("Chưa có dữ liệu đơn vị hành chính tỉnh Thái Nguyên hiện hành. Chạy «nongthonso demo» "
                               "trước.") from None
        plan = [
            ("vpdp.tinh", "Văn phòng Điều phối NTM", "tỉnh Thái Nguyên", [(Role.PROVINCE_OFFICE, province)]),
            ("canbo.vanphu", "Cán bộ NTM", communes["vanphu"].name, [(Role.COMMUNE_OFFICER, communes["vanphu"])]),
            ("canbo.lamvy", "Cán bộ NTM", communes["lamvy"].name, [(Role.COMMUNE_OFFICER, communes["lamvy"])]),
            ("kiemnhiem.vanphu", "Cán bộ kiêm nhiệm", f"{communes['vanphu'].name} và tỉnh",
             [(Role.COMMUNE_OFFICER, communes["vanphu"]), (Role.PROVINCE_OFFICE, province)]),
            ("xem.thainguyen", "Người xem", "tỉnh Thái Nguyên", [(Role.VIEWER, province)]),
            ("taphuan.tinh", "Ban tổ chức tập huấn", "tỉnh Thái Nguyên", [(ORGANISER, province)]),
            ("diemcau.lamvy", "Người chủ trì điểm cầu", communes["lamvy"].name, [(BRIDGE_HOST, communes["lamvy"])]),
        ]
        User = get_user_model()
        rows, skipped = [], []
        with transaction.atomic(), request_context(actor="nongthonso demo_users"):
            demo = demo_accounts()
            self._refuse_unless_forced(force, demo)
            taken = set(User.objects.filter(username__in=USERNAMES).values_list("username", flat=True)) - set(demo)
            for username, first, last, roles in plan:
                if username in taken:  # a real account bears this name: never reset it
                    skipped.append(username)
                    continue
                user, created = User.objects.get_or_create(username=username)
                user.first_name, user.last_name, user.is_active = first, last, True
                user.set_password(password)
                user.save()
                wanted = {(role, unit.pk) for role, unit in roles}
                for old in Membership.objects.filter(user=user).select_related("unit"):
                    if (old.role, old.unit_id) not in wanted:
                        revoke(user, old.role, old.unit)
                for role, unit in roles:
                    grant(user, role, unit, note=DEMO_NOTE)
                rows.append((username, "; ".join(role_at(role, unit) for role, unit in roles),
                             "tạo mới" if created else "đã có, đặt lại mật khẩu"))
            missing = [(owned, name) for owned in OWNED for name in self._owned_accounts(password, rows, skipped,
                                                                                        owned)]
        for owned, name in missing:
            self.stderr.write(f"Chưa có {owned.kind} minh họa «{name}»: chạy «nongthonso demo» trước để tạo tài khoản "
                              f"{owned.account}.")
        for username in skipped:
            self.stderr.write(f"Bỏ qua «{username}»: đây là tài khoản thật (không do lệnh này tạo), không đặt lại mật "
                              "khẩu và vai trò.")
        if not rows:
            return
        width = max(len(r[0]) for r in rows)
        self.stdout.write(f"Tài khoản minh họa (mật khẩu chung: {password}):")
        for username, role, note in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} ({note})")
