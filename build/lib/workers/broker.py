"""The Redis transport, with one fix for kombu 5.7.

When the connection to Redis drops, kombu closes the channel and tries to give
back the messages the worker holds unacknowledged (a task waiting for its
countdown, say) over that same, already closed connection; the AttributeError it
then raises stops the whole worker. Here the worker lives on and reconnects; the
messages it could not give back stay in Redis's unacknowledged set, and Redis
hands them out again after the visibility timeout."""
from __future__ import annotations

import logging

from kombu.transport import redis

log = logging.getLogger("workers.broker")


class QoS(redis.QoS):
    def restore_unacked_once(self, stderr=None):
        try:
            return super().restore_unacked_once(stderr)
        except AttributeError as exc:
            log.warning("could not give back unacknowledged messages on a lost connection "
                        "(%s); they are redelivered after the visibility timeout", exc)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
