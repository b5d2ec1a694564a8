"""Extension points: the shared lists that apps join from ``AppConfig.ready()``.

A new app (training, OCOP, co-operatives, maps …) plugs in by registering entries in its own ``ready()``; no other
app's files change. Each entry is a frozen dataclass with a stable ``code``::

    from django.apps import AppConfig
    from django.utils.translation import gettext_lazy as _

    from nongthonso.core import registry

    class TrainingConfig(AppConfig):
        name = "nongthonso_training"

        def ready(self):
            from . import imports, views

            registry.register(
                self,
                registry.Action("record_course", _("Ghi khoá tập huấn"), roles=("district_office",)),
                registry.ImportKind("courses", _("Khoá tập huấn"), imports.import_courses, order=600),
                registry.MenuEntry("courses", _("Tập huấn"), "courses", order=650, visible=registry.signed_in),
                registry.PublicPage("public_courses", "cong-khai/tap-huan/", views.public_courses),
            )

The kinds of entries, and who reads them:

- :class:`Action`, :class:`Role`: what a role may do, on which unit levels it may be granted
  (``accounts.services``: scopes and refusals; ``accounts.Membership.role``'s choices; the workflow files' check);
- :class:`ImportKind`, :class:`ExportKind`: ``nongthonso import|export``, the pages /nhap-du-lieu/ and
  /xuat-du-lieu/, ``/api/imports/{kind}`` and ``/api/exports/{kind}`` (``dataio``); an export kind that is also
  open data (``open_data``: its public download) is listed on /du-lieu-mo/; an import kind's
  :class:`ImportOption` s (what the file alone does not say: the session an attendance report is for) are passed
  through by all three;
- :class:`DerivedTable`: ``nongthonso rebuild_derived [--check]``;
- :class:`RevisionTable`: the tables whose change bumps the dashboards' cache (``reports.selectors.data_revision``);
- :class:`MenuEntry`: the menu of every page (``core.context_processors.menu``, ``base.html``);
- :class:`PublicPage`: the pages reachable without logging in (``nongthonso.urls``);
- :class:`Pages`: an app's URL module of signed-in pages (``nongthonso.urls``);
- :class:`ApiRouter`: an app's REST endpoints, added to the one API (``api.main``);
- :class:`ReportKind`: a report of ``nongthonso report <code>`` beside the summary (``reports``' ``report`` command);
- :class:`SummarySection`: a section of the provincial summary — a key of its JSON, a card on the dashboards, a
  sentence of the two-tier paragraph (``reports.services``, ``reports.views``);
- :class:`MapLayer`: a choropleth of the maps, values per unit as of a date (``maps``);
- :class:`DashboardPanel`: a panel the dashboards include (``reports.views``): the map.

Rules. A code is registered once per kind: registering it again (by the same or another app) raises
:class:`DuplicateEntry` while the apps load, so the site does not start. The entries are read once every app is ready
(reading earlier raises ``AppRegistryNotReady``), in a deterministic order: the entries with an ``order`` by it, the
rest — and ties — in registration order (``INSTALLED_APPS``, then the order of the calls). The references between
entries (a role's actions, an action's roles, a menu entry's URL) are checked by the system check ``check_entries``.

An entry belongs to the app that registered it: when the installed apps change (``override_settings`` in a test),
only the entries of the apps installed now are read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from django.apps import AppConfig, apps
from django.core import checks
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.urls import NoReverseMatch, URLPattern, include, path, reverse
from django.utils.text import format_lazy

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest, HttpResponseBase

    from nongthonso.core.imports import ImportResult


# --- who: predicates entries use ------------------------------------------------------------------------------

def always(request: HttpRequest) -> bool:
    """A menu entry everyone sees, signed in or not."""
    return True


def signed_in(request: HttpRequest) -> bool:
    """A menu entry for signed-in users."""
    return bool(request.user.is_authenticated)


def active_user(user) -> bool:
    """Any signed-in, active user (who may use an import or export kind unless it says otherwise)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


# --- the entries --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """Something a role may be allowed to do within its units (``accounts.services.can``, ``restrict``)."""

    code: str
    label: str  # Vietnamese, as a capitalised phrase: «Thẩm định, phê duyệt hồ sơ»
    roles: tuple[str, ...] = ()  # roles that carry it, besides those whose entry lists it (another app's roles)


@dataclass(frozen=True)
class Role:
    """A role a user is granted over a unit (``accounts.Membership``)."""

    code: str  # stored in Membership.role: never rename one
    label: str  # «Văn phòng Điều phối NTM tỉnh»
    levels: tuple[str, ...] | None  # the UnitLevel codes of the units it may be granted on; None: any level
    title: str  # the holder inside a sentence, with the unit: «Văn phòng Điều phối NTM {unit}»
    actions: tuple[str, ...] = ()  # the actions it carries (an Action may add itself to a role too: Action.roles)


class Table(Protocol):
    """What an export produces (``dataio.exports.Table``): a sheet title, a header and the rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


RUN_ARGUMENTS = frozenset({"path", "dry_run", "user", "name", "progress"})  # what every ImportKind.run takes


@dataclass(frozen=True)
class ImportOption:
    """A value an import kind needs besides the file — the training session an attendance report is for — or a
    switch. ``nongthonso import`` takes it as ``--<name>`` (underscores as dashes), the import page as a field
    ``option-<name>``, ``POST /api/imports/{kind}`` as the query parameter ``<name>``; each passes it to the kind's
    ``run`` as the keyword argument ``<name>``, parsed, and only when given (``run`` has the default)."""

    name: str  # a Python identifier: the keyword argument of run()
    label: str  # the field's label on the import page, Vietnamese: «Mã số buổi học»
    help: str = ""  # one sentence, Vietnamese, for the command line's --help and the page
    required: bool = False
    # text → value; raises ValueError whose message (Vietnamese) says what is expected. Not used for a flag.
    parse: Callable[[str], Any] = str
    flag: bool = False  # a switch: present (True) or not; --<name> on the command line, a checkbox on the page

    @property
    def argument(self) -> str:
        """How the command line spells it: ``--add-unmatched``."""
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class ImportKind:
    """A kind of CSV/XLSX file ``nongthonso import``, /nhap-du-lieu/ and ``POST /api/imports/{code}`` take."""

    code: str
    label: str  # «Giá trị chỉ tiêu»
    # run(path, *, dry_run, user=None, name=None, progress=None, **options) -> ImportResult, all or nothing: raises
    # core.imports.ImportFailed with every error. Decides row by row what ``user`` may import (None: the command
    # line, which may import everything). ``options``: the values of ``options`` given (parsed).
    run: Callable[..., ImportResult]
    columns: str = ""  # the file's columns, in words, for the import page
    who: str = ""  # who may import it, when not every user («chỉ quản trị hệ thống»), for the import page
    may_use: Callable[[Any], bool] = active_user  # whether ``user`` may send files of this kind at all
    formats: tuple[str, ...] = ("csv", "xlsx")
    order: int = 1000
    options: tuple[ImportOption, ...] = ()  # what the file alone does not say (see ImportOption)


@dataclass(frozen=True)
class ExportRequest:
    """What an export is asked for. ``user`` None: the command line, which sees everything."""

    unit: str | None = None  # a GSO code: the unit and everything below it
    year: int | None = None
    as_of: dt.date | None = None
    user: Any = None


@dataclass(frozen=True)
class ExportKind:
    """A kind of file ``nongthonso export``, /xuat-du-lieu/ and ``GET /api/exports/{code}`` give, in the columns of
    the import of the same code where there is one."""

    code: str
    label: str  # «Giá trị chỉ tiêu (theo năm)»
    table: Callable[[ExportRequest], Table]  # raises dataio.exports.ExportError (Vietnamese) when it cannot
    filename: str  # the file name's stem, «gia-tri»: gia-tri-19-2023.csv
    by_year: bool = True  # whether the year asked for is part of the file name
    may_use: Callable[[Any], bool] = active_user
    formats: tuple[str, ...] = ("csv", "xlsx")
    order: int = 1000
    # also open data: the URL name of a public view giving the same rows as CSV and JSON (it takes ``fmt`` and the
    # query parameters ``as_of`` and ``unit``), listed on /du-lieu-mo/ with ``description`` (what a row is)
    open_data: str = ""
    description: str = ""

    def file_name(self, fmt: str, unit: str | None = None, year: int | None = None) -> str:
        parts = [self.filename, unit, str(year) if year and self.by_year else None]
        return "-".join(p for p in parts if p) + f".{fmt}"


@dataclass(frozen=True)
class DerivedTable:
    """Rows derived from raw data for fast counting, kept in step by the app's writes."""

    code: str
    label: str  # what its rows are, «thời kỳ đạt chuẩn»
    refresh: Callable[[Iterable[int]], Any]  # recompute the rows of these unit ids
    rebuild: Callable[[], int]  # recompute every row; returns how many there are
    check: Callable[[], list[str]]  # the differences with the raw data, in words; [] when in step
    counted: str = ""  # how a number of its rows reads, «dòng bản đánh giá mới nhất» (default: the label)
    order: int = 1000

    def rows_text(self, n: int) -> str:
        return f"{n} {self.counted or self.label}"


@dataclass(frozen=True)
class RevisionTable:
    """A table whose rows the dashboards read, or whose rows record a write: a new row changes the data revision
    the dashboards' figures are cached under (``reports.selectors.data_revision``). Its primary key must grow."""

    model: type[Model]

    @property
    def code(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class MenuEntry:
    """A link in the menu of every page."""

    code: str
    label: str
    url_name: str  # reversed without arguments
    order: int
    visible: Callable[[HttpRequest], bool] = always
    # a template that renders the link (with ``link`` in its context) when it holds more than the label: a count
    template: str = ""


@dataclass(frozen=True)
class PublicPage:
    """A page reachable without logging in; ``urls.py`` serves it at ``route`` under the name ``code``."""

    code: str  # the URL name
    route: str  # as for django.urls.path
    view: Callable[..., HttpResponseBase]

    def pattern(self) -> URLPattern:
        return path(self.route, self.view, name=self.code)


@dataclass(frozen=True)
class Pages:
    """An app's signed-in pages: ``urls.py`` includes the URL module ``urlconf`` at the site's root."""

    code: str
    urlconf: str  # a module path, «nongthonso.training.urls»
    order: int = 1000


@dataclass(frozen=True)
class ApiRouter:
    """An app's REST endpoints: a ``ninja.Router`` the API (``api.main``) adds under /api/ (OpenAPI included)."""

    code: str
    router: Any  # ninja.Router
    order: int = 1000


@dataclass(frozen=True)
class ReportOption:
    """An option of a report kind on the command line: ``nongthonso report <kind> --<name> VALUE``. Kinds naming the
    same option share it (its first help text is shown)."""

    name: str  # «course» → --course
    help: str
    required: bool = False


@dataclass(frozen=True)
class ReportKind:
    """A report ``nongthonso report <code>`` writes, besides the provincial summary (``reports``' own)."""

    code: str
    label: str  # «Báo cáo khoá tập huấn»
    # build(fmt, **options) -> the report: text (``str``, written to the terminal or ``--output``) or a file's bytes
    # (written to ``--output``); ``options`` by name, None when not given. Raises LookupError or ValueError with a
    # Vietnamese message (what is wrong, how to fix it) when it cannot.
    build: Callable[..., str | bytes]
    options: tuple[ReportOption, ...] = ()
    formats: tuple[str, ...] = ("text", "json")
    order: int = 1000


@dataclass(frozen=True)
class SummarySection:
    """A section an app adds to the provincial summary (``reports.services.summary``): ``build(root, as_of,
    period_start)`` returns plain JSON data (dicts, lists, text, numbers, ISO dates as text) for the unit version
    ``root`` (the whole country: an unsaved root whose ``pk`` is None and ``path`` "/"), which the summary's JSON
    holds under the key ``code`` (``nongthonso report summary --format json``, ``/api/summary``); the dashboards
    render ``template`` with the data as ``section`` (it renders nothing when there is nothing to show); ``sentence``,
    when given, adds a sentence (Vietnamese, "" for none) to the paragraph of the two-tier structure — the three-tier
    paragraph is the province's 2023 report, word for word, and stays so."""

    code: str  # the JSON key: «ocop»
    label: str  # «Sản phẩm OCOP»
    build: Callable[[Any, dt.date, dt.date], dict]
    template: str  # «ocop/_summary_section.html»
    sentence: Callable[[dict], str] | None = None
    order: int = 1000


@dataclass(frozen=True)
class MapRequest:
    """What a map layer is asked for (``maps.views``): the units drawn (unit versions in force on ``as_of``, their
    ``pk``, ``code``, ``path`` loaded), whether only published figures count (public pages, and a commune officer's
    view of the unit above), the user (None on public pages) and the layer's ``choice`` (an indicator code …)."""

    as_of: dt.date
    units: Sequence[Any]
    published: bool = True
    user: Any = None
    choice: str = ""


@dataclass(frozen=True)
class LegendEntry:
    """One class of a map layer's legend: the values it covers and its colour. A category layer matches ``value``; a
    number layer's class holds ``low <= value < high`` (``None``: unbounded)."""

    label: str
    color: str  # «#1b7837»
    value: Any = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class MapLayer:
    """A choropleth the maps draw (``/ban-do/``, the dashboards' map): ``values(request)`` returns {unit id: value}
    for the :class:`MapRequest` — a category code («xa_ntm») or a number — computed from the stored raw rows as of
    the request's date; units absent from it have no value. ``legend`` classes the values and gives each its colour
    (``legend_for(request)`` when the classes depend on the data or the choice); ``text(value)`` the value in words
    for the popup. ``choices(as_of)`` lists what the layer may be asked for (an indicator's code and label) when it
    takes a choice. ``public``: also on the public map (from published figures only)."""

    code: str
    label: str  # «Mức đạt chuẩn đang giữ»
    values: Callable[[MapRequest], dict[int, Any]]
    kind: str = "category"  # or "number"
    legend: tuple[LegendEntry, ...] = ()
    legend_for: Callable[[MapRequest], tuple[LegendEntry, ...]] | None = None
    text: Callable[[Any], str] = str
    choices: Callable[[dt.date], list[tuple[str, str]]] | None = None
    public: bool = False
    order: int = 1000
    visible: Callable[[HttpRequest], bool] = always
    # rural communes only (the NTM layers); False: every unit of the communes' level, wards and towns too (OCOP)
    rural_only: bool = True

    def legend_of(self, request: MapRequest) -> tuple[LegendEntry, ...]:
        return self.legend_for(request) if self.legend_for is not None else self.legend


COUNT_COLORS = ("#f0f0f0", "#c6dbef", "#6baed6", "#2171b5", "#08306b")  # ColorBrewer «Blues»: none … many


def count_legend(*bounds: int, unit: Any = "") -> tuple[LegendEntry, ...]:
    """The legend of a count layer (products, co-operatives per commune): «0», then a class per ``bounds`` step —
    ``count_legend(1, 2, 4)``: 0; 1; 2–3; 4 and more — each followed by ``unit`` («sản phẩm»; pass it marked for
    translation, ``gettext_lazy``: the labels stay lazy and are read in the language of the request)."""
    suffix = format_lazy(" {}", unit) if unit else ""
    entries = [LegendEntry(format_lazy("0{}", suffix), COUNT_COLORS[0], low=0, high=bounds[0])]
    for i, low in enumerate(bounds):
        high = bounds[i + 1] if i + 1 < len(bounds) else None
        label = (f"{low}" if high == low + 1 else f"{low}–{high - 1}") if high is not None else f"≥ {low}"
        entries.append(LegendEntry(format_lazy("{}{}", label, suffix),
                                   COUNT_COLORS[min(i + 1, len(COUNT_COLORS) - 1)], low=low, high=high))
    return tuple(entries)


@dataclass(frozen=True)
class DashboardPanel:
    """A panel the dashboards (public summary and signed-in) include after the summary's sections: ``template`` is
    rendered with the dashboard's context (``as_of``, ``unit_code``, ``public``); it loads its own static files."""

    code: str
    template: str  # «maps/_dashboard_panel.html»
    order: int = 1000


KINDS: dict[type, str] = {
    Action: "action", Role: "role", ImportKind: "import kind", ExportKind: "export kind",
    DerivedTable: "derived table", RevisionTable: "revision table", MenuEntry: "menu entry",
    PublicPage: "public page", Pages: "pages", ApiRouter: "API router", ReportKind: "report kind",
    SummarySection: "summary section", MapLayer: "map layer", DashboardPanel: "dashboard panel",
}
E = TypeVar("E")


class DuplicateEntry(ImproperlyConfigured):
    """A code registered twice for the same kind."""


# --- registering ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Registration:
    owner: AppConfig
    seq: int
    entry: Any


_registrations: dict[type, list[_Registration]] = {kind: [] for kind in KINDS}
_sequence = itertools.count()
_version = 0  # bumped by every registration: what was read before is read again
_memo: dict[Any, tuple[Any, int, Any]] = {}


def _live(owner: AppConfig) -> bool:
    """Whether the app that registered an entry is installed now (``override_settings`` may swap the apps)."""
    return apps.app_configs.get(owner.label) is owner


def register(app_config: AppConfig, *entries: Any) -> None:
    """Register ``entries`` as ``app_config``'s (call it from the app's ``ready()``). Raises :class:`DuplicateEntry`
    when a code is already registered for the entry's kind."""
    global _version
    for entry in entries:
        kind = type(entry)
        if kind not in KINDS:
            raise TypeError(f"{entry!r} is not a registry entry; use one of {', '.join(k.__name__ for k in KINDS)}.")
        for earlier in _registrations[kind]:
            if earlier.entry.code == entry.code and _live(earlier.owner):
                raise DuplicateEntry(
                    f"The {KINDS[kind]} «{entry.code}» is registered twice: by {earlier.owner.name} and by "
                    f"{app_config.name}. Codes are unique per kind: rename one of them.")
        _registrations[kind].append(_Registration(app_config, next(_sequence), entry))
        _version += 1


def _remembered(key: Any, compute: Callable[[], E]) -> E:
    """``compute()``, kept until a registration or a change of the installed apps."""
    if not apps.ready:
        raise AppRegistryNotReady("The extension registry is read once every app's ready() has run.")
    found = _memo.get(key)
    if found is not None and found[0] is apps.app_configs and found[1] == _version:
        return found[2]
    value = compute()
    _memo[key] = (apps.app_configs, _version, value)
    return value


# --- reading ------------------------------------------------------------------------------------------------------

def entries(kind: type[E]) -> tuple[E, ...]:
    """The entries of ``kind`` of the installed apps, in order (``order``, then registration)."""
    def compute():
        live = [r for r in _registrations[kind] if _live(r.owner)]
        live.sort(key=lambda r: (getattr(r.entry, "order", 0), r.seq))
        return tuple(r.entry for r in live)

    return _remembered(("entries", kind), compute)


def _by_code(kind: type[E]) -> dict[str, E]:
    return _remembered(("by_code", kind), lambda: {e.code: e for e in entries(kind)})


def codes(kind: type) -> tuple[str, ...]:
    return tuple(_by_code(kind))


def find(kind: type[E], code: str) -> E | None:
    """The entry of ``kind`` registered under ``code``, or None."""
    return _by_code(kind).get(code)


def get(kind: type[E], code: str) -> E:
    """The entry of ``kind`` registered under ``code``; LookupError when there is none."""
    entry = find(kind, code)
    if entry is None:
        raise LookupError(f"No {KINDS[kind]} «{code}» is registered; registered: {', '.join(codes(kind))}.")
    return entry


def role_actions(role: str) -> frozenset[str]:
    """The codes of the actions ``role`` carries: those its entry lists and those whose entry names it. Empty for a
    role no installed app registers (a membership left from an app removed since)."""
    def compute() -> dict[str, frozenset[str]]:
        carried = {r.code: set(r.actions) for r in entries(Role)}
        for action in entries(Action):
            for code in action.roles:
                carried.setdefault(code, set()).add(action.code)
        return {code: frozenset(actions) for code, actions in carried.items()}

    return _remembered("role_actions", compute).get(role, frozenset())


class Link(NamedTuple):
    code: str
    label: str
    url: str
    template: str


def menu(request: HttpRequest) -> list[Link]:
    """The menu entries ``request``'s user sees, with their URLs."""
    return [Link(e.code, e.label, reverse(e.url_name), e.template) for e in entries(MenuEntry) if e.visible(request)]


def public_urlpatterns() -> list[URLPattern]:
    return [page.pattern() for page in entries(PublicPage)]


def page_urlpatterns() -> list[Any]:
    """The signed-in pages of every app that registers :class:`Pages`, in order."""

    return [path("", include(pages.urlconf)) for pages in entries(Pages)]


# --- the references between entries, checked at start-up ------------------------------------------------------

def _dangling(owners: Iterable[Any], refs: str, known: dict, words: tuple[str, str], check_id: str
              ) -> list[checks.CheckMessage]:
    """An error for each code in ``owner.<refs>`` that ``known`` lacks; ``words``: (the owner, the referred) kinds."""
    return [checks.Error(f"The {words[0]} «{owner.code}» names the {words[1]} «{code}», which no installed app "
                         "registers.", hint=f"Register the {words[1]}, or remove it from the {words[0]}.", id=check_id)
            for owner in owners for code in getattr(owner, refs) if code not in known]


@checks.register()
def check_entries(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The roles and actions entries name exist; menu entries' URLs resolve."""
    roles, actions = _by_code(Role), _by_code(Action)
    errors = [*_dangling(roles.values(), "actions", actions, ("role", "action"), "nongthonso.registry.E001"),
              *_dangling(actions.values(), "roles", roles, ("action", "role"), "nongthonso.registry.E003")]
    for item in entries(MenuEntry):
        try:
            reverse(item.url_name)
        except NoReverseMatch:
            errors.append(checks.Error(f"The menu entry «{item.code}» links to the URL name «{item.url_name}», which "
                                       "does not resolve without arguments.", id="nongthonso.registry.E004"))
    return errors + _option_errors()


def _option_errors() -> list[checks.CheckMessage]:
    """An import kind's options are keyword arguments of its ``run`` besides the file's, once each; one name is one
    command-line argument, so the kinds that share a name agree on whether it is a switch."""
    errors, switch = [], {}
    for kind in entries(ImportKind):
        names = [option.name for option in kind.options]
        for option in kind.options:
            if not option.name.isidentifier() or option.name in RUN_ARGUMENTS or names.count(option.name) > 1:
                errors.append(checks.Error(
                    f"The import kind «{kind.code}» has an option «{option.name}» that is not a keyword argument of "
                    f"its own: an identifier, once per kind, none of {', '.join(sorted(RUN_ARGUMENTS))}.",
                    id="nongthonso.registry.E005"))
            first = switch.setdefault(option.name, (kind.code, option.flag))
            if first[1] != option.flag:
                switch_kind, value_kind = (first[0], kind.code) if first[1] else (kind.code, first[0])
                errors.append(checks.Error(
                    f"The option «{option.name}» is a switch for the import kind «{switch_kind}» and takes a value for "
                    f"«{value_kind}»: one command-line argument cannot be both. Rename one of them.",
                    id="nongthonso.registry.E006"))
    return errors
