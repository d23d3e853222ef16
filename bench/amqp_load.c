// AMQP 0-9-1 load generator on rabbitmq-c (Debian librabbitmq-dev): one mode per run, one result line.
// It measures the server, not the client: C, one connection per role, no per-message allocation
// beyond what rabbitmq-c does. bench/amqp_bench.py runs it against Latchkey and RabbitMQ and
// compares; it knows nothing about either server.
//
// Build: cc -O2 bench/amqp_load.c -lrabbitmq -o bench/bin/amqp_load
// Usage: amqp_load MODE [-H host] [-p port] [-n messages] [-s bytes] [-P prefetch] [-w window]
//                       [-r rate/s] [-q queue] [-g] [-k] [-d (durable queue, persistent messages)]
//                       [-C server-pid] [-E]
// Modes: publish  N messages of S bytes to one queue, no confirms; done when the queue holds N
//        get      basic.get + basic.ack until N (queue pre-filled, not timed)
//        pubsub   producer and consumer connections at once (consumer: basic.consume with prefetch,
//                 or basic.get with -g); done when the consumer has N
//        consume  basic.consume with prefetch P (100) + one ack per message (queue pre-filled)
//        fanout   publish N to a fanout exchange bound to 10 queues; done when all hold N
//        topic    publish N to a topic exchange with 1,000 bindings (10 queues x 100 keys)
//        confirm  publish N with confirms, at most W (100) unconfirmed
//        latency  publish at R/s (1000) to a consumer, publish->deliver time (p50/p99 in us)
//        delete   delete queue -q (cleanup after a -k run)
// -d works with publish (persistent publishes to a durable queue, no confirms) and confirm.
// -C PID: read the server's utime+stime from /proc/PID/stat at the start and end of the timed
//        interval (the same instants as `seconds`, so set-up and pre-fill are not counted) and
//        report server_cpu_us and cpu_us_per_msg. /proc/PID/stat sums all the process's threads.
// -E (get only): take N from the existing queue -q without declaring, pre-filling or deleting it
//        (bench/syscalls.py fills it first, so only the round trips are traced).
// Output: "mode=... messages=N bytes=S seconds=T msgs_per_sec=X [p50_us= p99_us= ...]"
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *host = "127.0.0.1";
static int port = 5672;
static long n_messages = 100000;
static size_t msg_size = 100;
static int prefetch = 100;
static int window = 100;
static int rate = 1000;
static int use_get = 0;
static int keep = 0;
static int durable = 0;  // -d: durable queue + persistent (delivery-mode 2) publishes
static int existing = 0;  // -E: get mode uses the queue as it is
static int server_pid = 0;  // -C: whose CPU time to read around the timed interval
static double cpu_start_ticks = -1, cpu_end_ticks = -1;
static const amqp_basic_properties_t persistent_props = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG,
                                                         .delivery_mode = 2};
static char queue_name[200];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "amqp_load: %s\n", what);
  exit(1);
}

// utime + stime (fields 14 and 15) of server_pid in clock ticks. The command name (field 2) may
// hold spaces or parentheses, so parsing starts after the last ')'.
static double server_ticks(void) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", server_pid);
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open the server's /proc/PID/stat (-C)");
  size_t len = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[len] = 0;
  char *p = strrchr(buf, ')');
  if (!p) die("unexpected /proc/PID/stat format");
  unsigned long long ut = 0, st = 0;
  // After ") ": state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    die("unexpected /proc/PID/stat fields");
  return (double)(ut + st);
}

// The timed interval: start_clock() where it begins, stop_clock(t0) (seconds) where it ends.
static double start_clock(void) {
  if (server_pid) cpu_start_ticks = server_ticks();
  return now_s();
}

static double stop_clock(double t0) {
  double secs = now_s() - t0;
  if (server_pid) cpu_end_ticks = server_ticks();
  return secs;
}

static void check_reply(amqp_rpc_reply_t r, const char *ctx) {
  char buf[300];
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return;
    case AMQP_RESPONSE_NONE:
      snprintf(buf, sizeof buf, "%s: missing RPC reply", ctx);
      break;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      snprintf(buf, sizeof buf, "%s: %s", ctx, amqp_error_string2(r.library_error));
      break;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD || r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_connection_close_t *m = (amqp_connection_close_t *)r.reply.decoded;
        snprintf(buf, sizeof buf, "%s: server closed %u %.*s", ctx, m->reply_code, (int)m->reply_text.len,
                 (char *)m->reply_text.bytes);
      } else {
        snprintf(buf, sizeof buf, "%s: server method 0x%08X", ctx, r.reply.id);
      }
      break;
    default:
      snprintf(buf, sizeof buf, "%s: unknown reply", ctx);
  }
  die(buf);
}

static void check_rc(int rc, const char *ctx) {
  if (rc < 0) {
    char buf[300];
    snprintf(buf, sizeof buf, "%s: %s", ctx, amqp_error_string2(rc));
    die(buf);
  }
}

static amqp_connection_state_t open_conn(void) {
  amqp_connection_state_t c = amqp_new_connection();
  amqp_socket_t *s = amqp_tcp_socket_new(c);
  if (!s) die("socket");
  check_rc(amqp_socket_open(s, host, port), "connect");
  check_reply(amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
  amqp_channel_open(c, 1);
  check_reply(amqp_get_rpc_reply(c), "channel.open");
  return c;
}

static void close_conn(amqp_connection_state_t c) {
  amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(c, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(c);
}

static void declare_queue(amqp_connection_state_t c, const char *q) {
  amqp_queue_declare(c, 1, amqp_cstring_bytes(q), 0, durable, 0, 0, amqp_empty_table);
  check_reply(amqp_get_rpc_reply(c), "queue.declare");
  amqp_queue_purge(c, 1, amqp_cstring_bytes(q));
  check_reply(amqp_get_rpc_reply(c), "queue.purge");
}

static void delete_queue(amqp_connection_state_t c, const char *q) {
  if (keep) return;
  amqp_queue_delete(c, 1, amqp_cstring_bytes(q), 0, 0);
  check_reply(amqp_get_rpc_reply(c), "queue.delete");
}

static uint32_t ready_count(amqp_connection_state_t c, const char *q) {
  amqp_queue_declare_ok_t *ok = amqp_queue_declare(c, 1, amqp_cstring_bytes(q), 1, 0, 0, 0, amqp_empty_table);
  check_reply(amqp_get_rpc_reply(c), "queue.declare passive");
  return ok->message_count;
}

// Waits until queue q holds at least `want` ready messages (the server has routed all publishes).
static void wait_count(amqp_connection_state_t c, const char *q, uint32_t want) {
  double deadline = now_s() + 300;
  while (ready_count(c, q) < want) {
    if (now_s() > deadline) die("timed out waiting for the queue to fill");
    usleep(1000);
    amqp_maybe_release_buffers(c);
  }
}

static amqp_bytes_t make_body(size_t size) {
  amqp_bytes_t b;
  b.len = size;
  b.bytes = malloc(size ? size : 1);
  for (size_t i = 0; i < size; i++) ((char *)b.bytes)[i] = (char)('a' + i % 26);
  return b;
}

static void publish_n(amqp_connection_state_t c, const char *exchange, const char *rk, long n, amqp_bytes_t body) {
  amqp_bytes_t ex = amqp_cstring_bytes(exchange), key = amqp_cstring_bytes(rk);
  const amqp_basic_properties_t *props = durable ? &persistent_props : NULL;
  for (long i = 0; i < n; i++) {
    check_rc(amqp_basic_publish(c, 1, ex, key, 0, 0, props, body), "basic.publish");
    if ((i & 1023) == 0) amqp_maybe_release_buffers(c);
  }
}

static void report(const char *mode, long n, double secs, const char *extra) {
  printf("mode=%s messages=%ld bytes=%zu seconds=%.4f msgs_per_sec=%.0f%s%s", mode, n, msg_size, secs,
         secs > 0 ? n / secs : 0.0, extra ? " " : "", extra ? extra : "");
  if (server_pid && cpu_start_ticks >= 0 && cpu_end_ticks >= 0) {
    double us = (cpu_end_ticks - cpu_start_ticks) * 1e6 / (double)sysconf(_SC_CLK_TCK);
    printf(" server_cpu_us=%.0f cpu_us_per_msg=%.3f", us, us / (double)n);
  }
  printf("\n");
  fflush(stdout);
}

// --- modes -------------------------------------------------------------------------------------------

static void mode_publish(void) {
  amqp_connection_state_t c = open_conn();
  declare_queue(c, queue_name);
  amqp_bytes_t body = make_body(msg_size);
  double t0 = start_clock();
  publish_n(c, "", queue_name, n_messages, body);
  wait_count(c, queue_name, (uint32_t)n_messages);
  report("publish", n_messages, stop_clock(t0), NULL);
  delete_queue(c, queue_name);
  close_conn(c);
}

static long get_loop(amqp_connection_state_t c, const char *q, long n, double deadline) {
  long got = 0;
  while (got < n) {
    amqp_rpc_reply_t r = amqp_basic_get(c, 1, amqp_cstring_bytes(q), 0);
    check_reply(r, "basic.get");
    if (r.reply.id == AMQP_BASIC_GET_OK_METHOD) {
      uint64_t tag = ((amqp_basic_get_ok_t *)r.reply.decoded)->delivery_tag;
      amqp_message_t m;
      check_reply(amqp_read_message(c, 1, &m, 0), "read message");
      amqp_destroy_message(&m);
      check_rc(amqp_basic_ack(c, 1, tag, 0), "basic.ack");
      got++;
    } else if (now_s() > deadline) {
      die("basic.get: queue stayed empty");
    }
    amqp_maybe_release_buffers(c);
  }
  return got;
}

static void mode_get(void) {
  amqp_connection_state_t c = open_conn();
  if (!existing) {
    declare_queue(c, queue_name);
    amqp_bytes_t body = make_body(msg_size);
    publish_n(c, "", queue_name, n_messages, body);
    wait_count(c, queue_name, (uint32_t)n_messages);
  }
  double t0 = start_clock();
  get_loop(c, queue_name, n_messages, t0 + 300);
  report("get", n_messages, stop_clock(t0), NULL);
  if (!existing) delete_queue(c, queue_name);
  close_conn(c);
}

// Consumes n messages with basic.consume (prefetch, one ack each). Latency samples if `lat` != NULL.
static void consume_loop(amqp_connection_state_t c, const char *q, long n, int pf, uint64_t *lat) {
  amqp_basic_qos(c, 1, 0, (uint16_t)pf, 0);
  check_reply(amqp_get_rpc_reply(c), "basic.qos");
  amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  check_reply(amqp_get_rpc_reply(c), "basic.consume");
  struct timeval tv = {30, 0};
  for (long got = 0; got < n; got++) {
    amqp_envelope_t env;
    amqp_maybe_release_buffers(c);
    amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
    check_reply(r, "consume");
    if (lat && env.message.body.len >= 8) {
      uint64_t sent;
      memcpy(&sent, env.message.body.bytes, 8);
      lat[got] = now_ns() - sent;
    }
    check_rc(amqp_basic_ack(c, 1, env.delivery_tag, 0), "basic.ack");
    amqp_destroy_envelope(&env);
  }
}

struct producer_args {
  const char *q;
  long n;
  int paced;  // latency mode: one message every 1/rate s, stamped with the send time
  double started;
};

static void *producer_main(void *arg) {
  struct producer_args *a = arg;
  amqp_connection_state_t c = open_conn();
  amqp_bytes_t body = make_body(msg_size < 8 ? 8 : msg_size);
  if (!a->paced) {
    publish_n(c, "", a->q, a->n, body);
  } else {
    uint64_t interval = 1000000000ull / (uint64_t)rate, next = now_ns();
    for (long i = 0; i < a->n; i++) {
      for (uint64_t t = now_ns(); t < next; t = now_ns()) {
        uint64_t left = next - t;  // sleep most of the gap, spin the last 100 us
        if (left > 200000) usleep((useconds_t)((left - 100000) / 1000));
      }
      next += interval;
      uint64_t t = now_ns();
      memcpy(body.bytes, &t, 8);
      check_rc(amqp_basic_publish(c, 1, amqp_empty_bytes, amqp_cstring_bytes(a->q), 0, 0, NULL, body), "publish");
      amqp_maybe_release_buffers(c);
    }
  }
  close_conn(c);
  return NULL;
}

static void mode_pubsub(void) {
  amqp_connection_state_t c = open_conn();
  declare_queue(c, queue_name);
  struct producer_args a = {queue_name, n_messages, 0, 0};
  pthread_t th;
  double t0 = start_clock();
  if (pthread_create(&th, NULL, producer_main, &a) != 0) die("pthread_create");
  if (use_get)
    get_loop(c, queue_name, n_messages, t0 + 300);
  else
    consume_loop(c, queue_name, n_messages, prefetch, NULL);
  double secs = stop_clock(t0);
  pthread_join(th, NULL);
  report(use_get ? "pubsub-get" : "pubsub", n_messages, secs, NULL);
  amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);  // drop the consumer before deleting
  amqp_channel_open(c, 1);
  check_reply(amqp_get_rpc_reply(c), "channel.open");
  delete_queue(c, queue_name);
  close_conn(c);
}

static void mode_consume(void) {
  amqp_connection_state_t c = open_conn();
  declare_queue(c, queue_name);
  amqp_bytes_t body = make_body(msg_size);
  publish_n(c, "", queue_name, n_messages, body);
  wait_count(c, queue_name, (uint32_t)n_messages);
  double t0 = start_clock();
  consume_loop(c, queue_name, n_messages, prefetch, NULL);
  report("consume", n_messages, stop_clock(t0), NULL);
  amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
  amqp_channel_open(c, 1);
  check_reply(amqp_get_rpc_reply(c), "channel.open");
  delete_queue(c, queue_name);
  close_conn(c);
}

// Declares `nq` queues named <queue_name>-<i>, bound to exchange `ex` by `keys_per_queue` keys each.
static void exchange_setup(amqp_connection_state_t c, const char *ex, const char *type, int nq, int keys_per_queue) {
  amqp_exchange_declare(c, 1, amqp_cstring_bytes(ex), amqp_cstring_bytes(type), 0, 0, 0, 0, amqp_empty_table);
  check_reply(amqp_get_rpc_reply(c), "exchange.declare");
  for (int i = 0; i < nq; i++) {
    char q[256], key[64];
    snprintf(q, sizeof q, "%s-%d", queue_name, i);
    declare_queue(c, q);
    for (int k = 0; k < keys_per_queue; k++) {
      // Topic keys: "bench.<i>.<k>.*" — one binding per (queue, k); routing keys hit exactly one.
      snprintf(key, sizeof key, "bench.%d.%d.*", i, k);
      amqp_queue_bind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes(ex), amqp_cstring_bytes(key),
                      amqp_empty_table);
      check_reply(amqp_get_rpc_reply(c), "queue.bind");
    }
  }
}

static void exchange_teardown(amqp_connection_state_t c, const char *ex, int nq) {
  for (int i = 0; i < nq; i++) {
    char q[256];
    snprintf(q, sizeof q, "%s-%d", queue_name, i);
    delete_queue(c, q);
  }
  amqp_exchange_delete(c, 1, amqp_cstring_bytes(ex), 0);
  check_reply(amqp_get_rpc_reply(c), "exchange.delete");
}

static void mode_fanout(void) {
  amqp_connection_state_t c = open_conn();
  char ex[256];
  snprintf(ex, sizeof ex, "%s-fanout", queue_name);
  exchange_setup(c, ex, "fanout", 10, 1);
  amqp_bytes_t body = make_body(msg_size);
  double t0 = start_clock();
  publish_n(c, ex, "any", n_messages, body);
  for (int i = 0; i < 10; i++) {
    char q[256];
    snprintf(q, sizeof q, "%s-%d", queue_name, i);
    wait_count(c, q, (uint32_t)n_messages);
  }
  double secs = stop_clock(t0);
  char extra[100];
  snprintf(extra, sizeof extra, "queues=10 deliveries_per_sec=%.0f", 10 * n_messages / secs);
  report("fanout", n_messages, secs, extra);
  exchange_teardown(c, ex, 10);
  close_conn(c);
}

static void mode_topic(void) {
  amqp_connection_state_t c = open_conn();
  char ex[256];
  snprintf(ex, sizeof ex, "%s-topic", queue_name);
  exchange_setup(c, ex, "topic", 10, 100);
  amqp_bytes_t body = make_body(msg_size);
  double t0 = start_clock();
  amqp_bytes_t exb = amqp_cstring_bytes(ex);
  for (long i = 0; i < n_messages; i++) {
    char key[64];
    snprintf(key, sizeof key, "bench.%ld.%ld.x", i % 10, (i / 10) % 100);
    check_rc(amqp_basic_publish(c, 1, exb, amqp_cstring_bytes(key), 0, 0, NULL, body), "basic.publish");
    if ((i & 1023) == 0) amqp_maybe_release_buffers(c);
  }
  for (int i = 0; i < 10; i++) {
    char q[256];
    snprintf(q, sizeof q, "%s-%d", queue_name, i);
    wait_count(c, q, (uint32_t)(n_messages / 10));
  }
  double secs = stop_clock(t0);
  report("topic", n_messages, secs, "bindings=1000");
  exchange_teardown(c, ex, 10);
  close_conn(c);
}

static void mode_confirm(void) {
  amqp_connection_state_t c = open_conn();
  declare_queue(c, queue_name);
  amqp_confirm_select(c, 1);
  check_reply(amqp_get_rpc_reply(c), "confirm.select");
  amqp_bytes_t body = make_body(msg_size);
  amqp_bytes_t q = amqp_cstring_bytes(queue_name);
  // -d: a durable queue and persistent messages, so each confirm means "on disk".
  uint64_t published = 0, confirmed = 0;
  double t0 = start_clock();
  while (confirmed < (uint64_t)n_messages) {
    while (published < (uint64_t)n_messages && published - confirmed < (uint64_t)window) {
      check_rc(amqp_basic_publish(c, 1, amqp_empty_bytes, q, 0, 0, durable ? &persistent_props : NULL, body),
               "basic.publish");
      published++;
    }
    amqp_frame_t f;
    struct timeval tv = {30, 0};
    check_rc(amqp_simple_wait_frame_noblock(c, &f, &tv), "wait for confirm");
    if (f.frame_type != AMQP_FRAME_METHOD) continue;
    if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
      amqp_basic_ack_t *ack = f.payload.method.decoded;
      // Acks may arrive out of order; count the highest contiguous-or-multiple tag seen.
      if (ack->multiple) {
        if (ack->delivery_tag > confirmed) confirmed = ack->delivery_tag;
      } else {
        confirmed++;
      }
    } else if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
      die("broker nacked a publish");
    } else {
      die("unexpected method while waiting for confirms");
    }
    amqp_maybe_release_buffers(c);
  }
  char extra[64];
  snprintf(extra, sizeof extra, "window=%d", window);
  report("confirm", n_messages, stop_clock(t0), extra);
  delete_queue(c, queue_name);
  close_conn(c);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void mode_latency(void) {
  amqp_connection_state_t c = open_conn();
  declare_queue(c, queue_name);
  uint64_t *lat = calloc((size_t)n_messages, sizeof *lat);
  struct producer_args a = {queue_name, n_messages, 1, 0};
  // Start consuming before the producer so no message waits in the queue.
  amqp_basic_qos(c, 1, 0, (uint16_t)prefetch, 0);
  check_reply(amqp_get_rpc_reply(c), "basic.qos");
  amqp_basic_consume(c, 1, amqp_cstring_bytes(queue_name), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  check_reply(amqp_get_rpc_reply(c), "basic.consume");
  pthread_t th;
  double t0 = start_clock();
  if (pthread_create(&th, NULL, producer_main, &a) != 0) die("pthread_create");
  struct timeval tv = {30, 0};
  for (long got = 0; got < n_messages; got++) {
    amqp_envelope_t env;
    amqp_maybe_release_buffers(c);
    check_reply(amqp_consume_message(c, &env, &tv, 0), "consume");
    uint64_t sent;
    memcpy(&sent, env.message.body.bytes, 8);
    lat[got] = now_ns() - sent;
    check_rc(amqp_basic_ack(c, 1, env.delivery_tag, 0), "basic.ack");
    amqp_destroy_envelope(&env);
  }
  double secs = stop_clock(t0);
  pthread_join(th, NULL);
  qsort(lat, (size_t)n_messages, sizeof *lat, cmp_u64);
  char extra[160];
  snprintf(extra, sizeof extra, "rate=%d p50_us=%.1f p99_us=%.1f max_us=%.1f", rate,
           lat[n_messages / 2] / 1000.0, lat[(n_messages * 99) / 100] / 1000.0, lat[n_messages - 1] / 1000.0);
  report("latency", n_messages, secs, extra);
  amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
  amqp_channel_open(c, 1);
  check_reply(amqp_get_rpc_reply(c), "channel.open");
  delete_queue(c, queue_name);
  close_conn(c);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s publish|get|pubsub|consume|fanout|topic|confirm|latency|delete [options]\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  snprintf(queue_name, sizeof queue_name, "bench-%s-%d", mode, (int)getpid());
  int opt;
  optind = 2;
  while ((opt = getopt(argc, argv, "H:p:n:s:P:w:r:q:gkdC:E")) != -1) {
    switch (opt) {
      case 'H': host = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'n': n_messages = atol(optarg); break;
      case 's': msg_size = (size_t)atol(optarg); break;
      case 'P': prefetch = atoi(optarg); break;
      case 'w': window = atoi(optarg); break;
      case 'r': rate = atoi(optarg); break;
      case 'q': snprintf(queue_name, sizeof queue_name, "%s", optarg); break;
      case 'g': use_get = 1; break;
      case 'k': keep = 1; break;
      case 'd': durable = 1; break;
      case 'C': server_pid = atoi(optarg); break;
      case 'E': existing = 1; break;
      default: return 2;
    }
  }
  if (n_messages <= 0) die("-n must be positive");
  if (!strcmp(mode, "publish")) mode_publish();
  else if (!strcmp(mode, "get")) mode_get();
  else if (!strcmp(mode, "pubsub")) mode_pubsub();
  else if (!strcmp(mode, "consume")) mode_consume();
  else if (!strcmp(mode, "fanout")) mode_fanout();
  else if (!strcmp(mode, "topic")) mode_topic();
  else if (!strcmp(mode, "confirm")) mode_confirm();
  else if (!strcmp(mode, "latency")) mode_latency();
  else if (!strcmp(mode, "delete")) {
    amqp_connection_state_t c = open_conn();
    delete_queue(c, queue_name);
    close_conn(c);
  }
  else die("unknown mode");
  return 0;
}
