from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The actions this app registers (codes read by accounts.services; never rename one).
VIEW = "view_ocop"  # read producers, products, ratings and statistics within the units in scope
MANAGE = "manage_ocop"  # register producers, products, ideas and plans of the units in scope
PRE_ASSESS = "preassess_ocop"  # the commune's pre-assessment and proposal (Decision 1489/QĐ-TTg, from 6/7/2025)
RATE = "rate_ocop"  # councils, rounds, members' scores, decisions, certificates and revocations of the units in scope

NTM_ROLES = ("province_office", "district_office", "commune_officer", "viewer")


def _load_catalogue(sender, using="default", **kwargs) -> None:
    """After ``migrate``: the groups, sub-groups and scoring sheets of ``ocop/catalogue`` loaded (unchanged rows are
    left as they are), so that every installation has them — with the demo or without."""
    from django.db import connections

    from .catalogue import load
    from .models import ScoringSheet

    if ScoringSheet._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past this app
    load(actor="nongthonso migrate")


class OcopConfig(AppConfig):
    """OCOP («Mỗi xã một sản phẩm»): producers, products, scoring sheets, the annual cycle, rating councils,
    certificates, the public catalogue and statistics."""

    name = "nongthonso.ocop"
    verbose_name = "Chương trình OCOP"

    def ready(self):
        from nongthonso.core import registry

        registry.register(
            self,
            registry.Action(VIEW, _("Xem sản phẩm OCOP và thống kê"), roles=NTM_ROLES),
            registry.Action(MANAGE, _("Quản lý chủ thể, sản phẩm OCOP"),
                            roles=("province_office", "district_office", "commune_officer")),
            registry.Action(PRE_ASSESS, _("Đánh giá sơ bộ, đề xuất sản phẩm OCOP"), roles=("commune_officer",)),
            registry.Action(RATE, _("Đánh giá, phân hạng, công nhận sản phẩm OCOP"),
                            roles=("province_office", "district_office")),
        )
        # --- producers, products, photos, the annual cycle's registrations, the products import (o-manage) ------------
        from . import imports_products

        registry.register(
            self,
            registry.Pages("ocop_manage", "nongthonso.ocop.urls", order=130),
            registry.ImportKind(
                imports_products.KIND, _("Sản phẩm OCOP và chủ thể"), imports_products.run, order=790,
                may_use=imports_products.may_import, who=_("Văn phòng Điều phối NTM, cán bộ NTM xã"),
                columns=imports_products.COLUMNS_HELP),
        )

        # --- catalogue, points engine, scoring, scores import (o-engine) ---------------------------------------------
        from . import imports_scores, scoring

        post_migrate.connect(_load_catalogue, sender=self, dispatch_uid="nongthonso.ocop.catalogue")
        registry.register(
            self,
            registry.ImportKind(
                "ocop-scores", _("Điểm chấm sản phẩm OCOP"), imports_scores.import_scores, order=800,
                may_use=imports_scores.may_import, who=_("Văn phòng Điều phối NTM tỉnh, huyện (đánh giá, phân hạng)"),
                columns=_("product_code, round (số hoặc tên đợt), member (họ tên thành viên hội đồng), criterion "
                          "(mã tiêu chí của phiếu), points; thêm được round_date (khi hai đợt cùng tên), rating (số "
                          "hồ sơ).")),
            registry.DerivedTable("ocop_evaluations", "kết quả chấm OCOP", refresh=scoring.refresh,
                                  rebuild=scoring.rebuild, check=scoring.check, counted="kết quả chấm OCOP",
                                  order=70),
        )

        # --- the public catalogue, product pages with their QR codes, open data (ocop.public, ocop.opendata) -------
        # Products, photos, certificates and producers bump the data revision the public pages are cached under
        # (a new row written outside the audited services: the demo, an import); their other writes are audited.
        from . import opendata, public
        from .models import Certificate, Producer, Product, ProductImage

        registry.register(
            self,
            registry.PublicPage("ocop_public_catalogue", "san-pham-ocop/", public.catalogue_page),
            registry.PublicPage("ocop_open_data", "san-pham-ocop/du-lieu-mo.<str:fmt>", public.open_data_view),
            registry.PublicPage("ocop_public_product", "san-pham-ocop/<str:code>/", public.product_view),
            registry.PublicPage("ocop_public_label", "san-pham-ocop/<str:code>/tem/", public.label_view),
            registry.PublicPage("ocop_public_qr", "san-pham-ocop/<str:code>/qr.<str:fmt>", public.qr_view),
            registry.PublicPage("ocop_public_photo", "san-pham-ocop/<str:code>/anh/<int:image_id>/",
                                public.photo_view),
            registry.MenuEntry("ocop_public_catalogue", _("Sản phẩm OCOP"), "ocop_public_catalogue", order=320),
            # the data set's title and description are Vietnamese data, as dataio's own open data sets'
            registry.ExportKind("ocop_products", opendata.TITLE, opendata.export, opendata.SLUG, by_year=False,
                                order=900, open_data="ocop_open_data", description=opendata.DESCRIPTION),
            registry.RevisionTable(Product),
            registry.RevisionTable(ProductImage),
            registry.RevisionTable(Certificate),
            registry.RevisionTable(Producer),
        )

        # --- the rating workflow, councils, score entry, certificates (o-workflow) ---
        from . import notices, scope  # noqa: F401  (notices: its receiver of workflow.step_taken)

        registry.register(
            self,
            registry.Pages("ocop_rating", "nongthonso.ocop.urls_rating", order=120),
            registry.MenuEntry("ocop", _("OCOP"), "ocop_home", order=660,
                               visible=lambda request: scope.may_view(request.user)),
        )

        # --- statistics, the report command, the national export, the REST API (o-stats) ---------------------------
        from . import api, exports, reports

        registry.register(
            self,
            registry.SummarySection("ocop", _("Sản phẩm OCOP"), reports.summary_section, "ocop/_summary_section.html",
                                    sentence=reports.summary_sentence, order=100),
            registry.ApiRouter("ocop", api.router, order=200),
            registry.Pages("ocop_stats", "nongthonso.ocop.urls_stats", order=200),
            registry.ReportKind(
                "ocop", _("Thống kê sản phẩm OCOP"), exports.command_report, formats=exports.COMMAND_FORMATS,
                options=(registry.ReportOption("unit", _("mã GSO của đơn vị (mặc định: tỉnh của hệ thống)")),
                         registry.ReportOption("as_of", _("ngày báo cáo YYYY-MM-DD (mặc định: hôm nay)")))),
            registry.ExportKind("ocop_national", _("Sản phẩm OCOP (theo cột của hệ thống OCOP quốc gia)"),
                                exports.national_export, exports.FILENAME, by_year=False,
                                may_use=exports.may_export, order=800),
        )

        # --- the maps (issue 15): certified products per commune as of the map's date -------------------------------
        from . import map_layers

        registry.register(
            self,
            registry.MapLayer("ocop_products", _("Sản phẩm OCOP còn hiệu lực chứng nhận"),
                              map_layers.certified_products, kind="number", public=True,
                              legend=registry.count_legend(1, 2, 4, 8, unit=_("sản phẩm")),
                              text=map_layers.products_text, order=50, rural_only=False),
        )
