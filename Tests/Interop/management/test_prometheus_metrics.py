"""/metrics parsed by the Prometheus client library's own text parser. The rabbitmq_ names are
the RabbitMQ prometheus plugin's; latchkey_ metrics (RESP side, log) exist only in Latchkey."""
import pytest


parser = pytest.importorskip("prometheus_client.parser")

pytestmark = pytest.mark.latchkey_only


def scrape(target, path="/metrics"):
    status, headers, body = target.request("GET", path)
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in parser.text_string_to_metric_families(body.decode())}


def value(families, name, **labels):
    for s in families[name].samples:
        if s.name in (name, name + "_total") and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise KeyError((name, labels))


def test_metrics_parse_and_follow_the_queues(target, uniq, pika_conn):
    import redis
    name = uniq()
    ch = pika_conn.channel()
    ch.queue_declare(name)
    for _ in range(3):
        ch.basic_publish("", name, b"m")
    ch.basic_get(name, auto_ack=False)
    r = redis.Redis(host=target.host, port=target.resp_port)
    r.set("lock:" + name, "holder", nx=True, px=60000)
    r.set("plain:" + name, "v")
    fams = scrape(target)
    for family in ("rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked", "rabbitmq_queue_messages",
                   "rabbitmq_queue_consumers", "rabbitmq_queues", "rabbitmq_connections", "rabbitmq_channels",
                   "rabbitmq_consumers", "latchkey_keys", "latchkey_keys_with_ttl", "latchkey_commands_processed",
                   "latchkey_connected_clients", "latchkey_aof_enabled"):
        assert family in fams, family
    assert value(fams, "rabbitmq_queue_messages_ready") >= 2
    assert value(fams, "rabbitmq_connections") >= 1
    assert value(fams, "latchkey_keys_with_ttl", db="0") >= 1
    assert value(fams, "latchkey_keys", db="0") >= 2
    assert value(fams, "latchkey_connected_clients", protocol="resp") >= 1
    assert value(fams, "latchkey_commands_processed") >= 2
    per = scrape(target, "/metrics/per-object")
    assert value(per, "rabbitmq_queue_messages_ready", vhost="/", queue=name) == 2
    assert value(per, "rabbitmq_queue_messages_unacked", vhost="/", queue=name) == 1
    assert value(per, "rabbitmq_queue_messages_published", vhost="/", queue=name) == 3
    ch.queue_delete(name)
    r.delete("lock:" + name, "plain:" + name)


def test_metrics_need_credentials(target):
    status, _, _ = target.request("GET", "/metrics", auth=None)
    assert status == 401
