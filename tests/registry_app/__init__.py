"""A module as the next ones (training, OCOP, co-operatives, maps) will be: a test-only app that plugs into every
extension point of ``nongthonso.core.registry`` from its ``ready()`` without editing any other app's files.

Training courses held in units: a role (``course_trainer``) and an action (``record_course``, also carried by the
province office), an import and an export kind (CSV only), a derived table (courses per unit), a table that bumps
the dashboards' revision, a menu entry and a public page. ``tests/conftest.py`` installs it for the test run;
``tests/test_registry.py`` shows every consumer picks it up. Only users given its role see its menu entry and its
kinds, so the rest of the suite sees the site as it is.
"""
