from django.apps import AppConfig


class SmartConfig(AppConfig):
    """Smart NTM: the digital-transformation targets of Decision 924/QĐ-TTg and the province's plan, their progress,
    and the pilot smart communes and villages."""

    name = "nongthonso.smart"
    verbose_name = "Nông thôn mới thông minh"
