"""The audit log (being written: see the audit helper's branch). Until it lands, entries go to the log."""

from __future__ import annotations

import logging

LOG = logging.getLogger("send.audit")


def record(action, *, target, council=None, filters=None, child_ids=(), outcome="ok"):
    LOG.info("audit %s %s %s %s %d %s", action, target, council, filters, len(child_ids), outcome)
