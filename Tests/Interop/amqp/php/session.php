<?php
// One scripted php-amqplib session (Debian's php-amqplib), run by test_php_amqplib.py against
// RabbitMQ and against Latchkey: connect, declare, publish with confirms, consume with ack, and
// two error paths (404 on a passive declare, a channel closed by the server). It prints one
// line per observation; the test compares the two outputs line by line.
require_once '/usr/share/php/PhpAmqpLib/autoload.php';

use PhpAmqpLib\Connection\AMQPStreamConnection;
use PhpAmqpLib\Exception\AMQPProtocolChannelException;
use PhpAmqpLib\Message\AMQPMessage;

[$_, $host, $port, $prefix] = $argv;
$out = function (string $line) { fwrite(STDOUT, $line . "\n"); };

$conn = new AMQPStreamConnection($host, (int)$port, 'guest', 'guest');
$props = $conn->getServerProperties();
$out('product=' . $props['product'][1]);
$ch = $conn->channel();

$q = "$prefix-work";
[$name, $count, $consumers] = $ch->queue_declare($q, false, false, false, false);
$out("declared " . ($name === $q ? 'q' : $name) . " messages=$count consumers=$consumers");

$ch->confirm_select();
$acked = 0;
$ch->set_ack_handler(function () use (&$acked) { $acked++; });
for ($i = 0; $i < 3; $i++) {
    $ch->basic_publish(new AMQPMessage("job-$i", ['delivery_mode' => 2, 'message_id' => "m$i"]), '', $q);
}
$ch->wait_for_pending_acks(5);
$out("confirmed=$acked");

[, $count,] = $ch->queue_declare($q, true);
$out("ready=$count");

$ch->basic_qos(0, 1, false);
$got = [];
$tag = $ch->basic_consume($q, 'php-consumer', false, false, false, false,
    function (AMQPMessage $m) use (&$got) {
        $got[] = $m->getBody() . '/' . $m->get('message_id') . '/redelivered=' . ($m->isRedelivered() ? 1 : 0);
        $m->ack();
    });
$out("consumer=$tag");
while (count($got) < 3) {
    $ch->wait(null, false, 5);
}
foreach ($got as $g) { $out("got $g"); }
$ch->basic_cancel($tag);
[, $count,] = $ch->queue_declare($q, true);
$out("after-ack ready=$count");

// Error path 1: a passive declare of a missing queue closes the channel with 404.
$ch2 = $conn->channel();
try {
    $ch2->queue_declare("$prefix-missing", true);
    $out('passive declare: no error');
} catch (AMQPProtocolChannelException $e) {
    $out('passive declare: ' . $e->getCode() . ' ' . str_replace($prefix, '<P>', $e->getMessage()));
}
$out('channel open after 404: ' . ($ch2->is_open() ? 'yes' : 'no'));

// Error path 2: an ack of an unknown delivery tag is a 406 channel error, seen on the next call.
$ch3 = $conn->channel();
$ch3->basic_ack(999);
try {
    $ch3->queue_declare($q, true);
    $out('unknown ack: no error');
} catch (AMQPProtocolChannelException $e) {
    $out('unknown ack: ' . $e->getCode() . ' ' . $e->getMessage());
}

[$deleted] = $ch->queue_delete($q);
$out("deleted messages=" . (int)$deleted);
$ch->close();
$conn->close();
$out('closed');
