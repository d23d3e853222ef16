"""The stock rabbitmqadmin (Debian's /usr/bin/rabbitmqadmin, the script the management plugin
serves at /cli/rabbitmqadmin) and Celery Flower's broker view, against Latchkey and RabbitMQ."""
import asyncio
import json
import os
import shutil
import subprocess

import pytest

from mgmt_helpers import eventually

ADMIN = shutil.which("rabbitmqadmin") or "/usr/bin/rabbitmqadmin"
pytestmark = pytest.mark.skipif(not os.path.exists(ADMIN), reason="rabbitmqadmin is not installed")


def admin(target, *args, check=True):
    cmd = ["python3", ADMIN, "-H", target.host, "-P", str(target.http_port), "-u", "guest", "-p", "guest"] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check:
        assert r.returncode == 0, (cmd, r.stdout, r.stderr)
    return r


def test_declare_list_publish_get_delete(target, uniq, tmp_path):
    name, ex = uniq(), uniq("ex")
    assert "queue declared" in admin(target, "declare", "queue", "name=" + name, "durable=true").stdout
    assert "exchange declared" in admin(target, "declare", "exchange", "name=" + ex, "type=direct").stdout
    assert "binding declared" in admin(target, "declare", "binding", "source=" + ex, "destination=" + name,
                                       "routing_key=k").stdout
    assert "Message published" in admin(target, "publish", "exchange=" + ex, "routing_key=k", "payload=hello").stdout
    assert "Message published but NOT routed" in admin(target, "publish", "exchange=" + ex, "routing_key=nope",
                                                       "payload=x").stdout

    def listed():
        rows = json.loads(admin(target, "-f", "raw_json", "list", "queues", "name", "messages_ready").stdout)
        return [r for r in rows if r["name"] == name and r.get("messages_ready") == 1]
    assert eventually(listed) == [{"name": name, "messages_ready": 1}]
    got = json.loads(admin(target, "-f", "raw_json", "get", "queue=" + name, "ackmode=ack_requeue_false").stdout)
    assert [(m["payload"], m["routing_key"], m["exchange"]) for m in got] == [("hello", "k", ex)]
    assert name in admin(target, "list", "bindings").stdout
    assert ex in admin(target, "list", "exchanges").stdout
    assert admin(target, "show", "overview").returncode == 0

    defs = tmp_path / "defs.json"
    assert "Exported definitions" in admin(target, "export", str(defs)).stdout
    exported = json.loads(defs.read_text())
    assert name in [q["name"] for q in exported["queues"]]
    assert "queue deleted" in admin(target, "delete", "queue", "name=" + name).stdout
    assert "Uploaded definitions" in admin(target, "import", str(defs)).stdout
    assert eventually(lambda: name in admin(target, "list", "queues", "name").stdout)
    admin(target, "purge", "queue", "name=" + name)
    admin(target, "delete", "queue", "name=" + name)
    admin(target, "delete", "exchange", "name=" + ex)
    r = admin(target, "delete", "queue", "name=" + name, check=False)
    assert r.returncode != 0 and "Not found" in (r.stdout + r.stderr)


def test_wrong_password_is_access_refused(target):
    cmd = ["python3", ADMIN, "-H", target.host, "-P", str(target.http_port), "-u", "guest", "-p", "nope",
           "list", "queues"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "Access refused" in (r.stdout + r.stderr)


def test_flower_broker_view_reads_queue_depths(target, uniq):
    broker_mod = pytest.importorskip("flower.utils.broker")
    name = uniq()
    target.api("PUT", "/queues/%2F/" + name, {"durable": True})
    for i in range(2):
        target.api("POST", "/exchanges/%2F/amq.default/publish",
                   {"properties": {}, "routing_key": name, "payload": str(i), "payload_encoding": "string"})
    broker = broker_mod.Broker("amqp://guest:guest@%s:%d//" % (target.host, target.amqp_port),
                               http_api="http://guest:guest@%s:%d/api/" % (target.host, target.http_port))

    def depth():
        queues = asyncio.run(broker.queues([name]))
        return queues if queues and queues[0].get("messages") == 2 else None
    queues = eventually(depth)
    assert queues and queues[0]["name"] == name and queues[0]["messages"] == 2
    target.api("DELETE", "/queues/%2F/" + name)


def test_list_and_close_connections(target, pika_conn):
    import pika
    ch = pika_conn.channel()

    def mine():
        rows = json.loads(admin(target, "-f", "raw_json", "list", "connections", "name", "user_provided_name").stdout)
        return [r for r in rows if r.get("user_provided_name") == "mgmt-test"]
    rows = eventually(mine)
    assert len(rows) == 1
    assert json.loads(admin(target, "-f", "raw_json", "list", "channels", "name").stdout)
    assert "connection closed" in admin(target, "close", "connection", "name=" + rows[0]["name"]).stdout
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as e:
        for _ in range(100):
            pika_conn.process_data_events(0.1)
    assert e.value.reply_code == 320
    assert "Closed via management plugin" in e.value.reply_text
    del ch
