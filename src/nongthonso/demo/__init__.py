"""The demo: the Thái Nguyên data (``thai_nguyen``: 30/6/2023, three tiers; ``thai_nguyen_2026``: two tiers, the
2026-2030 set) and the demo logins, with their commands ``nongthonso demo`` and ``nongthonso demo_users``.

An installed app above every other (docs/architecture.md): it uses the apps' services to build its data, and no
production app imports it (``tests/test_architecture.py`` checks that).
"""
