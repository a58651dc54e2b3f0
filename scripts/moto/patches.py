"""Fixes to moto (5.2.5) that the project's launchers apply before its server starts.

Imported by the service tests' launcher (service/test/support/moto.ts) and the e2e's
(scripts/terraform/moto.ts); each calls apply().
"""

import moto.sqs.models as sqs_models


def apply() -> None:
    _atomic_sqs_delete()


def _atomic_sqs_delete() -> None:
    """DeleteMessage under the queue's lock, as SendMessage already is.

    moto's Queue.delete_message rebuilds the queue's message list and assigns it back without
    the lock that add_message holds. The server answers each request in its own thread, so two
    DeleteMessage calls at once (a worker deleting the ten messages of a batch as each finishes)
    could each start from the same list, and the second assignment put the first one's message
    back: received, invisible, and redelivered after the visibility timeout although it was
    deleted. The worker-process test saw it as a message in flight after every message had been
    deleted, about once in 20-90 runs under load; none in 150 with this. SQS itself deletes
    atomically.
    """
    delete = sqs_models.Queue.delete_message

    def delete_message(self, receipt_handle):
        with self._messages_lock:
            return delete(self, receipt_handle)

    sqs_models.Queue.delete_message = delete_message
