"""Signals other apps listen to, so that this app never imports them.

``step_taken``: a person took a workflow step on a dossier (``workflow.perform``). Sent inside the step's transaction,
after the step's event and audit entry are written, with ``assessment`` (its new state and version), ``event`` (the
``WorkflowEvent``) and ``user``. A receiver that writes does so in the same transaction (rolled back with the step);
anything that must not run unless the step is saved — an e-mail — belongs in ``transaction.on_commit``.
"""

from django.dispatch import Signal

step_taken = Signal()
