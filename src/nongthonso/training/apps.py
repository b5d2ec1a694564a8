from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The roles and actions this app registers (codes stored in accounts.Membership.role: never rename one).
ORGANISER = "training_organiser"
BRIDGE_HOST = "bridge_host"
ORGANISE = "organise_training"  # plan courses, register people, record attendance, issue certificates
HOST = "host_bridge_point"  # register people and call the roll at the bridge points of the units in scope
VIEW = "view_training"  # read courses and their reports within the units in scope


def _may_see_training(request) -> bool:
    from .services import may_see_training

    return may_see_training(request.user)


class TrainingConfig(AppConfig):
    name = "nongthonso.training"
    verbose_name = "Tập huấn cán bộ"

    def ready(self):
        from nongthonso.core import registry

        from . import (
            api,
            attendance,
            certificates_views,
            checkin_views,
            evaluation_views,
            exports_reports,
            registration_views,
            reports_api,
            reports_headcounts,
        )

        registry.register(
            self,
            # the course's public pages (a phone opens them from a QR code) and the organiser's pages behind them
            registry.PublicPage("training_checkin", "diem-danh/<slug:code>/", checkin_views.checkin_page),
            registry.PublicPage("training_register", "dang-ky-tap-huan/<slug:code>/", registration_views.register_page),
            registry.PublicPage("training_evaluation", "danh-gia-khoa-tap-huan/<slug:code>/",
                                evaluation_views.identify_page),
            registry.PublicPage("training_evaluation_form", "danh-gia-khoa-tap-huan/<slug:code>/<str:token>/",
                                evaluation_views.form_page),
            registry.PublicPage("training_certificate_verify", "xac-minh-chung-nhan/<slug:code>/",
                                certificates_views.verify_page),
            registry.Pages("training_public_admin", "nongthonso.training.urls_public_admin"),
            registry.ImportKind(
                attendance.KIND, _("Điểm danh buổi học từ báo cáo họp trực tuyến"), attendance.run,
                order=700, may_use=attendance.may_import, who=_("ban tổ chức khoá tập huấn"),
                columns=_("báo cáo người tham gia của Zoom, báo cáo điểm danh của Google Meet hoặc Microsoft "
                          "Teams, tải về nguyên dạng; hoặc tệp mẫu: full_name, email, phone, bridge_point, mode, "
                          "minutes. Cần mã số buổi học. Dễ hơn: trang «Nhập điểm danh» của buổi học, nơi chọn được học "
                          "viên cho từng người không khớp."),
                options=(
                    registry.ImportOption("session", _("Mã số buổi học"), required=True, parse=attendance.session_id,
                                          help=_("Số cuối đường dẫn trang buổi học (…/buoi/12/ → 12).")),
                    registry.ImportOption("add_unmatched", _("Thêm người không khớp làm học viên mới"), flag=True,
                                          help=_("Mỗi người trong tệp không khớp học viên nào thành một học viên "
                                                 "mới.")),
                    registry.ImportOption("skip_unmatched", _("Bỏ qua người không khớp"), flag=True,
                                          help=_("Không ghi điểm danh cho những người không khớp học viên nào.")),
                )),
            registry.Pages("training_import", "nongthonso.training.urls_import", order=700),
        )
        registry.register(
            self,
            registry.Action(ORGANISE, _("Tổ chức khoá tập huấn"), roles=("province_office",)),
            registry.Action(HOST, _("Chủ trì điểm cầu tập huấn")),
            registry.Action(VIEW, _("Xem khoá tập huấn và báo cáo"),
                            roles=("province_office", "district_office", "commune_officer", "viewer")),
            registry.Role(ORGANISER, _("Ban tổ chức tập huấn"), levels=("tinh", "huyen", "xa"),
                          title="ban tổ chức tập huấn của {unit}", actions=(ORGANISE, VIEW)),
            registry.Role(BRIDGE_HOST, _("Người chủ trì điểm cầu"), levels=None,
                          title="người chủ trì điểm cầu của {unit}", actions=(HOST, VIEW)),
        )
        # the organisers' and bridge-point hosts' pages (after the reports': «tap-huan/<code>/» would take
        # «tap-huan/do-bao-phu/»), their menu entry and their REST endpoints
        registry.register(
            self,
            registry.Pages("training", "nongthonso.training.urls", order=110),
            registry.MenuEntry("training", _("Tập huấn"), "training_courses", order=700, visible=_may_see_training),
            registry.ApiRouter("training", api.router, order=100),
        )
        # the reports: a course's and the coverage (pages before the course pages: «do-bao-phu» is no course code)
        registry.register(
            self,
            registry.Pages("training_reports", "nongthonso.training.urls_reports", order=100),
            registry.ApiRouter("training_reports", reports_api.router),
            registry.ReportKind(
                "training", _("Báo cáo khoá tập huấn"), exports_reports.command_report,
                options=(registry.ReportOption("course", _("mã khoá tập huấn, ví dụ cds-ntm-thai-nguyen-2023"),
                                               required=True),),
                formats=exports_reports.COMMAND_FORMATS),
            registry.ImportKind(
                "training_headcounts", _("Số cán bộ cần tập huấn theo nhóm đối tượng"),
                reports_headcounts.import_headcounts, order=700, may_use=reports_headcounts.may_import,
                who=_("ban tổ chức tập huấn, Văn phòng Điều phối NTM"),
                columns=_("unit_code, target_group (mã hoặc tên nhóm đối tượng), year, count (số người).")),
            registry.ExportKind(
                "training_headcounts", _("Số cán bộ cần tập huấn theo nhóm đối tượng"),
                reports_headcounts.export_headcounts, "so-can-bo", order=700),
        )
