from django.apps import AppConfig

TRAINER = "course_trainer"
RECORD_COURSE = "record_course"


def is_trainer(user) -> bool:
    from nongthonso.accounts.services import memberships

    return any(m.role == TRAINER for m in memberships(user))


def _trainer_request(request) -> bool:
    return is_trainer(request.user)


class RegistryAppConfig(AppConfig):
    name = "tests.registry_app"
    label = "registry_app"
    verbose_name = "Tập huấn (ứng dụng thử của registry)"

    def ready(self):
        from nongthonso.core import registry

        from . import api, courses
        from .models import Course

        registry.register(
            self,
            registry.Action(RECORD_COURSE, "Ghi khoá tập huấn", roles=("province_office",)),
            registry.Role(TRAINER, "Giảng viên tập huấn", levels=("huyen",), title="giảng viên tập huấn của {unit}",
                          actions=(RECORD_COURSE,)),
            registry.ImportKind("courses", "Khoá tập huấn", courses.import_courses, may_use=is_trainer,
                                columns="unit_code, title, held_on.", who="giảng viên tập huấn", formats=("csv",),
                                order=900, options=(registry.ImportOption(
                                    "held_on", "Ngày tổ chức", help="Cho các dòng để trống cột held_on.",
                                    parse=courses.held_on_option),)),
            registry.ExportKind("courses", "Khoá tập huấn", courses.courses_export, "khoa-tap-huan",
                                may_use=is_trainer, formats=("csv",), order=900),
            registry.DerivedTable("course_tallies", "số khoá tập huấn theo đơn vị", refresh=courses.refresh,
                                  rebuild=courses.rebuild, check=courses.check, order=900),
            registry.RevisionTable(Course),
            registry.MenuEntry("courses", "Tập huấn", "public_courses", order=950, visible=_trainer_request),
            registry.PublicPage("public_courses", "cong-khai/tap-huan/", courses.public_courses),
            registry.Pages("registry_app", "tests.registry_app.urls", order=900),
            registry.ApiRouter("registry_app", api.router, order=900),
            registry.ReportKind("courses", "Khoá tập huấn", courses.courses_report, order=900,
                                options=(registry.ReportOption("unit", "mã GSO của đơn vị"),)),
        )
