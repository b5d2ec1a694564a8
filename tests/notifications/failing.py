"""A mail backend whose server refuses every message (an SMTP relay that is down or rejects the address)."""

from smtplib import SMTPRecipientsRefused

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPRecipientsRefused({m.to[0]: (550, b"mailbox unavailable") for m in email_messages})
