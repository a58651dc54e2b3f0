"""Starts moto's server on 127.0.0.1 for the project's harnesses: the service tests
(service/test/support/moto.ts) and the e2e (scripts/terraform/moto.ts).

    <moto's venv>/bin/python scripts/moto/launch.py PORT [ZONES_JSON]

ZONES_JSON: hosted zones the stacks write into, [{"account", "name", "id"}], each to get the id
the configuration names when the harness creates it (moto lets a caller reserve an id for a zone
name before it is created). Before the server starts, the fixes below are applied to moto (5.2.5).
The server stops by itself when the harness that started it dies without stopping it.
"""

import json
import os
import sys
import threading
import time

import moto.sqs.models as sqs_models
from moto.route53.models import HostedZoneIdentifier
from moto.server import main
from moto.utilities.id_generator import moto_id_manager


def atomic_sqs_delete() -> None:
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


def reserve_zone_ids(zones) -> None:
    for zone in zones:
        moto_id_manager.set_custom_id(
            HostedZoneIdentifier(zone["account"], zone["name"] + ".", None), zone["id"]
        )


def stop_when_orphaned() -> None:
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    port = sys.argv[1]
    atomic_sqs_delete()
    reserve_zone_ids(json.loads(sys.argv[2]) if len(sys.argv) > 2 else [])
    stop_when_orphaned()
    main(["-H", "127.0.0.1", "-p", port])
