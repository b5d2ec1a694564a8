"""The training catalogue as data: ``catalogue.yaml`` (the topic groups and topics of QĐ 3360/QĐ-BNN-VPĐP, the
target groups, the coverage targets to 2025), loaded once by the migration ``0002_catalogue`` and again, harmlessly,
by ``nongthonso demo``.

Loading creates what is missing and never overwrites a row already there: the province corrects the placeholder
topic titles (and adds its own topics, target groups and targets) in the admin, and a later load keeps its work.
Rows are matched by ``code`` (a coverage target: by its target group and period). Unloading (the migration
reversed) removes the file's rows that nothing refers to any more, and refuses — naming them — when a course, a
participant or a headcount still uses one.

Both take the model classes to work with (a migration passes its historical models); by default the app's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import ProtectedError

from .models import CoverageTarget, Provenance, TargetGroup, Topic, TopicGroup

CATALOGUE_FILE = Path(__file__).resolve().with_name("catalogue.yaml")


@dataclass(frozen=True)
class Models:
    """The models the catalogue is written to: the app's, or a migration's historical ones."""

    TopicGroup: Any = TopicGroup
    Topic: Any = Topic
    TargetGroup: Any = TargetGroup
    CoverageTarget: Any = CoverageTarget

    @classmethod
    def of(cls, apps) -> Models:
        """The historical models of a migration's ``apps``."""
        return cls(*(apps.get_model("training", name) for name in ("TopicGroup", "Topic", "TargetGroup",
                                                                    "CoverageTarget")))


class CatalogueInvalid(ValueError):
    """The catalogue file says something the models cannot hold; the message (Vietnamese) names the entry."""


def _provenance(value: str, where: str) -> str:
    if value not in Provenance.values:
        raise CatalogueInvalid(f"{where}: nguồn «{value}» không hợp lệ; dùng một trong: "
                               f"{', '.join(Provenance.values)}.")
    return value


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CatalogueInvalid(f"{where}: ngày «{value}» không hợp lệ; viết dạng YYYY-MM-DD.") from None


def read(path: Path = CATALOGUE_FILE) -> dict:
    """The catalogue file, checked: every provenance known, every date a date, every target naming a target group of
    the file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    placeholder = data["placeholder_topic"]
    _provenance(placeholder["provenance"], "placeholder_topic")
    for group in data["topic_groups"]:
        _provenance(group["provenance"], f"nhóm chuyên đề {group['code']}")
    codes = {g["code"] for g in data["target_groups"]}
    for target in data["coverage_targets"]:
        where = f"chỉ tiêu của nhóm đối tượng {target['target_group']}"
        if target["target_group"] not in codes:
            raise CatalogueInvalid(f"{where}: không có nhóm đối tượng mã này trong target_groups.")
        _provenance(target["provenance"], where)
        target["period_start"] = _date(target["period_start"], where)
        target["period_end"] = _date(target["period_end"], where)
        if target["period_end"] < target["period_start"]:
            raise CatalogueInvalid(f"{where}: period_end trước period_start.")
    return data


def load(models: Models | None = None, path: Path = CATALOGUE_FILE) -> dict[str, int]:
    """Create the catalogue's rows that are missing; returns how many of each kind were created."""
    m = models or Models()
    data = read(path)
    created = {"topic_groups": 0, "topics": 0, "target_groups": 0, "coverage_targets": 0}
    placeholder = data["placeholder_topic"]
    for g_order, group in enumerate(data["topic_groups"], 1):
        row, new = m.TopicGroup.objects.get_or_create(code=group["code"], defaults={
            "title": group["title"], "framework": data["framework"], "provenance": group["provenance"],
            "source": " ".join(group["source"].split()), "order": g_order})
        created["topic_groups"] += new
        for t_order, code in enumerate(group["topics"], 1):
            _, new = m.Topic.objects.get_or_create(code=code, defaults={
                "group": row, "title": placeholder["title"].format(code=code),
                "provenance": placeholder["provenance"], "source": " ".join(placeholder["source"].split()),
                "order": t_order})
            created["topics"] += new
    groups = {}
    for order, group in enumerate(data["target_groups"], 1):
        groups[group["code"]], new = m.TargetGroup.objects.get_or_create(code=group["code"], defaults={
            "label": group["label"], "level": group.get("level") or "", "grassroots": bool(group.get("grassroots")),
            "full_time_ntm": bool(group.get("full_time_ntm")), "order": order})
        created["target_groups"] += new
    for target in data["coverage_targets"]:
        _, new = m.CoverageTarget.objects.get_or_create(
            target_group=groups[target["target_group"]], period_start=target["period_start"],
            period_end=target["period_end"],
            defaults={"share": Decimal(str(target["share"])), "provenance": target["provenance"],
                      "source": " ".join(target["source"].split())})
        created["coverage_targets"] += new
    return created


def unload(models: Models | None = None, path: Path = CATALOGUE_FILE) -> None:
    """Remove the catalogue's rows (the migration reversed). Raises :class:`CatalogueInvalid` naming the rows still
    in use (by a course, a session, a participant or a headcount): those must be removed first."""
    with transaction.atomic():  # all or nothing, outside a migration too
        _unload(models or Models(), read(path))


def _unload(m: Models, data: dict) -> None:
    topic_codes = [code for group in data["topic_groups"] for code in group["topics"]]
    group_codes = [g["code"] for g in data["target_groups"]]
    for target in data["coverage_targets"]:
        m.CoverageTarget.objects.filter(target_group__code=target["target_group"],
                                        period_start=target["period_start"],
                                        period_end=target["period_end"]).delete()
    steps = [
        (m.Topic.objects.filter(code__in=topic_codes, province__isnull=True), "chuyên đề"),
        (m.TopicGroup.objects.filter(code__in=[g["code"] for g in data["topic_groups"]]), "nhóm chuyên đề"),
        (m.TargetGroup.objects.filter(code__in=group_codes), "nhóm đối tượng"),
    ]
    for rows, what in steps:
        try:
            rows.delete()
        except ProtectedError as exc:
            used = sorted({str(obj) for obj in exc.protected_objects})[:5]
            raise CatalogueInvalid(f"Không gỡ được {what} của danh mục tập huấn: còn được dùng bởi "
                                   f"{'; '.join(used)}. Xoá hoặc chuyển các dòng đó trước.") from None
