"""The REST API (django-ninja): ``/api/``, its OpenAPI document at ``/api/openapi.json``, docs at ``/api/docs``.

Every read of dossiers and registrations is scoped with ``accounts.services.restrict``; every write goes
through the domain services (``assessments.services.set_value``, ``assessments.workflow.perform``), which
check role, unit and state again. See docs/adr/0003-api-framework.md and docs/api.md.
"""
