"""Template filters for Vietnamese number and date formats: {{ x|vi_number:1 }} → 85,7; {{ d|vi_date }} → 24/5/2023."""

from django import template

from nongthonso.core.text import format_date, format_number, format_percent

register = template.Library()


@register.filter
def vi_number(value, decimals=0):
    if value is None or value == "":
        return "—"
    return format_number(float(value), int(decimals))


@register.filter
def vi_percent(value, decimals=1):
    if value is None or value == "":
        return "—"
    return format_percent(float(value), int(decimals))


@register.filter
def vi_date(value):
    return format_date(value) if value else "—"
