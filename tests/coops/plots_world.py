"""The small world the plots and certifications tests share (synthetic rows): two co-operatives in two communes of
the demo's 2026 province, their managers, a commune officer of the first commune, a viewer of the province."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from nongthonso.coops.models import Cooperative, Member, Sector

# a square of 0.001° (≈ 103.5 m × 111.2 m ≈ 11 504 m²) in Thái Nguyên, [lon, lat]
SQUARE = {"type": "Polygon", "coordinates": [[[105.80, 21.50], [105.801, 21.50], [105.801, 21.501],
                                              [105.80, 21.501], [105.80, 21.50]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[105.80, 21.50], [105.801, 21.501], [105.801, 21.50],
                                              [105.80, 21.501], [105.80, 21.50]]]}
PARIS = {"type": "Point", "coordinates": [2.35, 48.85]}
LINE = {"type": "LineString", "coordinates": [[105.8, 21.5], [105.81, 21.51]]}


def make_world(make_user, van_phu, lam_vy) -> SimpleNamespace:
    tea = Cooperative.objects.create(name="HTX chè Vạn Phú (minh họa)", registration_code="HTX-VP-01", unit=van_phu,
                                     sector=Sector.CROPS, synthetic=True)
    rice = Cooperative.objects.create(name="HTX lúa Lam Vỹ (minh họa)", registration_code="HTX-LV-01", unit=lam_vy,
                                      sector=Sector.CROPS, synthetic=True)
    manager, other = make_user("htx.vanphu"), make_user("htx.lamvy")
    tea.managers.add(manager)
    rice.managers.add(other)
    member = Member.objects.create(cooperative=tea, code="TV01", kind="ca_nhan", name="Nguyễn Văn A",
                                   joined_on=dt.date(2024, 1, 1), synthetic=True)
    return SimpleNamespace(
        tea=tea, rice=rice, manager=manager, other=other, member=member, van_phu=van_phu, lam_vy=lam_vy,
        officer=make_user("cb.vanphu", "commune_officer", van_phu),
        viewer=make_user("xem.tinh", "viewer", van_phu.parent))
