"""Points the app at the latchkey plugin's server. Nothing else: no Redis, RabbitMQ or Docker."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def orders(latchkey, monkeypatch):
    """The app, connected to a freshly reset server."""
    monkeypatch.setenv("ORDERS_REDIS_URL", latchkey.redis_url)
    import orders as module
    module.app.conf.broker_url = latchkey.amqp_url
    module.app.close()  # pooled connections cached queue declarations the reset deleted
    module.declare_queues()
    yield module
    module.app.close()
