"""The management API against RabbitMQ 3.10's: status codes, JSON field names and the meaning of
the requeue ackmodes. Runs against Latchkey and (LATCHKEY_TARGET=rabbitmq) a real RabbitMQ node."""
import base64
import urllib.parse

import pytest

from mgmt_helpers import eventually


def q(name):
    return urllib.parse.quote(name, safe="")


def test_unauthenticated_requests_get_401_with_the_basic_realm(target):
    status, headers, body = target.request("GET", "/api/overview", auth=None)
    assert status == 401
    assert headers["www-authenticate"] == 'Basic realm="RabbitMQ Management"'
    status, headers, body = target.request("GET", "/api/overview", auth=("guest", "wrong"))
    assert status == 401
    assert b'"not_authorized"' in body and b"Login failed" in body


def test_unknown_paths_are_404_object_not_found_even_without_credentials(target):
    status, _, body = target.request("GET", "/api/no-such-thing", auth=None)
    assert status == 404
    status, body = target.api("GET", "/queues/%2F/no-such-queue-x")
    assert status == 404
    assert body == {"error": "Object Not Found", "reason": "Not Found"}


def test_a_method_the_resource_lacks_is_405(target):
    status, _, _ = target.request("PATCH", "/api/queues")
    assert status == 405


def test_overview_and_whoami_have_rabbitmqs_fields(target):
    status, o = target.api("GET", "/overview")
    assert status == 200
    for field in ("management_version", "rabbitmq_version", "product_name", "node", "listeners",
                  "message_stats", "queue_totals", "object_totals", "exchange_types", "rates_mode"):
        assert field in o, field
    assert o["rabbitmq_version"].startswith("3.10")
    assert {"channels", "connections", "consumers", "exchanges", "queues"} <= set(o["object_totals"])
    assert "amqp" in {l["protocol"] for l in o["listeners"]}
    assert target.api("GET", "/whoami") == (200, {"name": "guest", "tags": ["administrator"]})


def test_queue_put_get_delete_status_codes(target, uniq):
    name = uniq()
    path = "/queues/%2F/" + q(name)
    assert target.api("PUT", path, {"durable": True, "arguments": {"x-max-length": 10}})[0] == 201
    assert target.api("PUT", path, {"durable": True, "arguments": {"x-max-length": 10}})[0] == 204
    status, body = target.api("PUT", path, {"durable": False})
    assert status == 400
    assert body["error"] == "bad_request" and "inequivalent arg 'durable'" in body["reason"]
    # RabbitMQ fills a new queue's counters at its next statistics emission.
    status, info = eventually(lambda: (lambda r: r if "messages" in r[1] else None)(target.api("GET", path)))
    assert status == 200
    for field in ("name", "vhost", "durable", "auto_delete", "exclusive", "arguments", "consumers",
                  "messages", "messages_ready", "messages_unacknowledged", "state", "node", "type"):
        assert field in info, field
    assert (info["name"], info["vhost"], info["durable"], info["arguments"]) == (name, "/", True, {"x-max-length": 10})
    assert name in [x["name"] for x in target.api("GET", "/queues/%2F")[1]]
    assert target.api("PUT", "/queues/%2F/" + q(name) + "x", "not json")[0] == 400
    assert target.api("DELETE", path)[0] == 204
    assert target.api("DELETE", path)[0] == 404


def test_unknown_vhost_is_404(target, uniq):
    status, body = target.api("PUT", "/queues/no-such-vhost/" + uniq(), {})
    assert status == 404
    assert body == {"error": "not_found", "reason": "vhost_not_found"}


def publish(target, exchange, rk, payload, properties=None, encoding="string"):
    return target.api("POST", "/exchanges/%2F/" + q(exchange) + "/publish", {
        "properties": properties or {}, "routing_key": rk, "payload": payload, "payload_encoding": encoding})


def get(target, name, count, ackmode, encoding="auto", truncate=None):
    body = {"count": count, "ackmode": ackmode, "encoding": encoding}
    if truncate is not None:
        body["truncate"] = truncate
    return target.api("POST", "/queues/%2F/" + q(name) + "/get", body)


def ready(target, name):
    return target.api("GET", "/queues/%2F/" + q(name))[1].get("messages_ready")


def test_publish_and_get_with_each_ackmode(target, uniq):
    name = uniq()
    assert target.api("PUT", "/queues/%2F/" + q(name), {})[0] == 201
    assert publish(target, "amq.default", name, "one", {"delivery_mode": 2, "headers": {"h": 1}}) == (200, {"routed": True})
    assert publish(target, "amq.default", name, base64.b64encode(b"\xff\x00two").decode(), encoding="base64")[1] == {"routed": True}
    assert publish(target, "amq.default", "no-such-queue-" + name, "x")[1] == {"routed": False}

    # ack_requeue_true: both come back, and stay in the queue, now marked redelivered.
    status, msgs = get(target, name, 5, "ack_requeue_true")
    assert status == 200
    assert [m["payload"] for m in msgs] == ["one", base64.b64encode(b"\xff\x00two").decode()]
    assert [m["payload_encoding"] for m in msgs] == ["string", "base64"]
    assert [m["message_count"] for m in msgs] == [1, 0]
    assert msgs[0]["properties"] == {"delivery_mode": 2, "headers": {"h": 1}}
    assert msgs[1]["properties"] == []
    assert (msgs[0]["exchange"], msgs[0]["routing_key"], msgs[0]["redelivered"]) == ("", name, False)
    assert msgs[0]["payload_bytes"] == 3
    status, again = get(target, name, 1, "reject_requeue_true", truncate=2)
    assert again[0]["redelivered"] is True
    assert again[0]["payload"] == "on" and again[0]["payload_bytes"] == 3
    # ack_requeue_false removes what it returns.
    assert [m["payload"] for m in get(target, name, 1, "ack_requeue_false")[1]] == ["one"]
    assert eventually(lambda: ready(target, name) == 1)
    # reject_requeue_false drops it (no dead-letter exchange here).
    assert len(get(target, name, 1, "reject_requeue_false", encoding="base64")[1]) == 1
    assert eventually(lambda: ready(target, name) == 0)
    assert get(target, name, 1, "ack_requeue_true")[1] == []
    target.api("DELETE", "/queues/%2F/" + q(name))


def test_purge_with_delete_contents(target, uniq):
    name = uniq()
    target.api("PUT", "/queues/%2F/" + q(name), {})
    for i in range(3):
        publish(target, "amq.default", name, str(i))
    assert eventually(lambda: ready(target, name) == 3)
    assert target.api("DELETE", "/queues/%2F/" + q(name) + "/contents")[0] == 204
    assert eventually(lambda: ready(target, name) == 0)
    status, body = target.api("DELETE", "/queues/%2F/" + q(name) + "?if-empty=true")
    assert status == 204
    status, body = target.api("POST", "/queues/%2F/" + q(name) + "/get", {"count": 1, "ackmode": "ack_requeue_true",
                                                                           "encoding": "auto"})
    assert status == 404 and body["error"] == "not_found"


def test_delete_if_empty_refuses_with_400(target, uniq):
    name = uniq()
    target.api("PUT", "/queues/%2F/" + q(name), {})
    publish(target, "amq.default", name, "x")
    status, body = target.api("DELETE", "/queues/%2F/" + q(name) + "?if-empty=true")
    assert status == 400
    assert body == {"error": "bad_request", "reason": "queue '%s' in vhost '/' not empty" % name}
    target.api("DELETE", "/queues/%2F/" + q(name))


def test_exchanges_and_bindings(target, uniq):
    ex, name = uniq("ex"), uniq()
    assert target.api("PUT", "/exchanges/%2F/" + q(ex), {"type": "topic", "durable": True})[0] == 201
    assert target.api("PUT", "/exchanges/%2F/" + q(ex), {"type": "topic", "durable": True})[0] == 204
    status, body = target.api("PUT", "/exchanges/%2F/" + q(ex) + "-bad", {"type": "bogus"})
    assert (status, body) == (400, {"error": "bad_request", "reason": "unknown exchange type 'bogus'"})
    status, info = target.api("GET", "/exchanges/%2F/" + q(ex))
    assert (info["name"], info["type"], info["durable"], info["auto_delete"], info["internal"], info["arguments"]) == \
        (ex, "topic", True, False, False, {})
    names = [e["name"] for e in target.api("GET", "/exchanges/%2F")[1]]
    assert "" in names and "amq.topic" in names and ex in names
    assert target.api("DELETE", "/exchanges/%2F/amq.direct")[0] == 401

    target.api("PUT", "/queues/%2F/" + q(name), {})
    status, headers, _ = target.request("POST", "/api/bindings/%2F/e/" + q(ex) + "/q/" + q(name),
                                        {"routing_key": "a.#", "arguments": {}})
    assert status == 201
    assert headers["location"] == q(name) + "/a.%2523"
    status, listed = target.api("GET", "/bindings/%2F/e/" + q(ex) + "/q/" + q(name))
    assert listed == [{"source": ex, "vhost": "/", "destination": name, "destination_type": "queue",
                       "routing_key": "a.#", "arguments": {}, "properties_key": "a.%23"}]
    qb = target.api("GET", "/queues/%2F/" + q(name) + "/bindings")[1]
    assert [(b["source"], b["routing_key"]) for b in qb] == [("", name), (ex, "a.#")]
    assert publish(target, ex, "a.b.c", "via-topic")[1] == {"routed": True}
    assert publish(target, ex, "b", "nowhere")[1] == {"routed": False}
    one = target.api("GET", "/bindings/%2F/e/" + q(ex) + "/q/" + q(name) + "/a.%2523")
    assert one[0] == 200 and one[1]["routing_key"] == "a.#"
    assert target.api("DELETE", "/bindings/%2F/e/" + q(ex) + "/q/" + q(name) + "/a.%2523")[0] == 204
    assert target.api("GET", "/bindings/%2F/e/" + q(ex) + "/q/" + q(name))[1] == []
    assert target.api("DELETE", "/exchanges/%2F/" + q(ex))[0] == 204
    assert target.api("GET", "/exchanges/%2F/" + q(ex))[0] == 404
    target.api("DELETE", "/queues/%2F/" + q(name))


def test_connections_channels_and_consumers(target, pika_conn, uniq):
    name = uniq()
    ch = pika_conn.channel()
    ch.basic_qos(prefetch_count=3)
    ch.queue_declare(name)
    ch.basic_consume(name, lambda *a: None, consumer_tag="ctag-" + name)
    ch.basic_publish("", name, b"x")
    pika_conn.process_data_events(0.2)

    def mine():
        conns = target.api("GET", "/connections")[1]
        return [c for c in conns if c.get("user_provided_name") == "mgmt-test"]
    conns = eventually(mine)
    assert len(conns) == 1
    c = conns[0]
    for field in ("name", "user", "vhost", "state", "channels", "peer_host", "peer_port", "host", "port",
                  "protocol", "client_properties", "frame_max", "channel_max", "timeout", "connected_at"):
        assert field in c, field
    assert (c["user"], c["vhost"], c["protocol"], c["peer_host"]) == ("guest", "/", "AMQP 0-9-1", "127.0.0.1")
    assert c["name"] == "127.0.0.1:%d -> 127.0.0.1:%d" % (c["peer_port"], target.amqp_port)
    assert c["client_properties"]["product"] == "Pika Python Client Library"

    def my_channels():
        chans = [x for x in target.api("GET", "/channels")[1] if x["connection_details"]["name"] == c["name"]]
        return chans if chans and chans[0]["consumer_count"] == 1 else None
    chans = eventually(my_channels)
    assert chans[0]["name"] == c["name"] + " (1)"
    assert (chans[0]["number"], chans[0]["prefetch_count"], chans[0]["messages_unacknowledged"]) == (1, 3, 1)
    consumers = eventually(lambda: [x for x in target.api("GET", "/consumers")[1] if x["queue"]["name"] == name])
    assert consumers[0]["consumer_tag"] == "ctag-" + name
    assert (consumers[0]["ack_required"], consumers[0]["prefetch_count"], consumers[0]["exclusive"]) == (True, 3, False)
    assert consumers[0]["channel_details"]["number"] == 1
    assert consumers[0]["channel_details"]["connection_name"] == c["name"]
    info = target.api("GET", "/queues/%2F/" + q(name))[1]
    assert [d["consumer_tag"] for d in info["consumer_details"]] == ["ctag-" + name]
    ch.queue_delete(name)


def test_vhosts_alarms_aliveness(target):
    status, vhosts = target.api("GET", "/vhosts")
    assert status == 200 and "/" in [v["name"] for v in vhosts]
    for field in ("name", "messages", "messages_ready", "messages_unacknowledged", "tracing", "cluster_state"):
        assert field in vhosts[0], field
    assert target.api("GET", "/health/checks/alarms") == (200, {"status": "ok"})
    assert target.api("GET", "/aliveness-test/%2F") == (200, {"status": "ok"})
    assert target.api("GET", "/aliveness-test/no-such-vhost")[0] == 404


def test_definitions_export_and_import(target, uniq):
    ex, name = uniq("ex"), uniq()
    defs = {"queues": [{"name": name, "vhost": "/", "durable": True, "auto_delete": False, "arguments": {"x-max-length": 5}}],
            "exchanges": [{"name": ex, "vhost": "/", "type": "fanout", "durable": True, "auto_delete": False,
                           "internal": False, "arguments": {}}],
            "bindings": [{"source": ex, "vhost": "/", "destination": name, "destination_type": "queue",
                          "routing_key": "", "arguments": {}}]}
    assert target.api("POST", "/definitions", defs)[0] == 204
    status, exported = target.api("GET", "/definitions")
    assert status == 200
    for field in ("rabbit_version", "rabbitmq_version", "users", "vhosts", "permissions", "queues", "exchanges", "bindings"):
        assert field in exported, field
    assert {"name": name, "vhost": "/", "durable": True, "auto_delete": False, "arguments": {"x-max-length": 5}} \
        in exported["queues"]
    assert [e for e in exported["exchanges"] if e["name"] == ex][0]["type"] == "fanout"
    assert {"source": ex, "vhost": "/", "destination": name, "destination_type": "queue", "routing_key": "",
            "arguments": {}} in exported["bindings"]
    assert publish(target, ex, "anything", "x")[1] == {"routed": True}
    bad = {"queues": [{"name": name + "-2", "vhost": "no-such-vhost", "durable": True, "auto_delete": False,
                       "arguments": {}}]}
    assert target.api("POST", "/definitions", bad) == (400, {"error": "bad_request", "reason": ["no_such_vhost", "no-such-vhost"]})
    target.api("DELETE", "/queues/%2F/" + q(name))
    target.api("DELETE", "/exchanges/%2F/" + q(ex))


def test_paging_and_columns(target, uniq):
    names = sorted(uniq() for _ in range(3))
    for n in names:
        target.api("PUT", "/queues/%2F/" + q(n), {})
    status, page = target.api("GET", "/queues/%2F?page=1&page_size=2&name=" + names[0][:-9] + "&columns=name,vhost")
    assert status == 200
    assert (page["page"], page["page_size"], page["item_count"], page["filtered_count"]) == (1, 2, 2, 3)
    assert page["items"] == [{"name": names[0], "vhost": "/"}, {"name": names[1], "vhost": "/"}]
    for n in names:
        target.api("DELETE", "/queues/%2F/" + q(n))



def test_a_definitions_import_that_is_not_json_is_415(target):
    status, _, _ = target.request("POST", "/api/definitions", "{}", headers={"Content-Type": "text/plain"})
    assert status == 415


@pytest.mark.latchkey_only
def test_every_post_that_is_not_json_is_415(target, uniq):
    """Stricter than RabbitMQ, which takes text/plain on publish and get: a cross-site HTML form
    (which can send text/plain with the browser's cached Basic credentials) cannot act."""
    name = uniq()
    target.api("PUT", "/queues/%2F/" + q(name), {})
    status, _, _ = target.request("POST", "/api/exchanges/%2F/amq.default/publish", "routing_key=x&payload=y",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415
    status, _, _ = target.request("POST", "/api/queues/%2F/" + q(name) + "/get", '{"count":1}',
                                  headers={"Content-Type": "text/plain"})
    assert status == 415
    target.api("DELETE", "/queues/%2F/" + q(name))
